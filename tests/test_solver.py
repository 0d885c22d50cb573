"""The LP HiGHS holds is the one the Pyomo model states, entry for entry.

`model.optimization.lp.assemble` builds the HiGHS arrays directly from the case's values,
without Pyomo; these tests hold them equal to Pyomo's standard-form compile of the Pyomo
model (`model.optimization.build.build_model`): the same columns and rows in the same order
(so HiGHS pivots the same way and every run folder keeps its bytes), the same coefficients,
costs and bounds. On the shipped cases and scenarios, on cases with each family (need-basis
shares, share rules of each kind, tiers, stock, build-out, both shortage policies) and on
random cases.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from hypothesis import HealthCheck, given, settings
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from model import load_case, solve
from model.case.params import apply_values, parse_parameter
from model.optimization.build import build_model
from model.optimization.data import ModelData
from model.optimization.highs import INF, Solver
from model.optimization.lp import PLACEHOLDER, assemble
from tests.conftest import ROOT
from tests.test_buildout import BUILD, outage_case
from tests.test_horizon import horizons, write_years

SHIPPED = [
    "inputs/base",
    "inputs/horizon",
    "inputs/horizon-buildout",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "inputs" / "scenarios").glob("*.toml")),
]


def pyomo_compile(case) -> tuple[ModelData, object, object, pyo.ConcreteModel]:
    """(values, the direct LP, Pyomo's compile of the Pyomo model, the model: its variables
    know their names while it lives), share bounds at the placeholder both assemble at."""
    d = ModelData.from_case(case)
    m = build_model(case, d)
    for p in (m.china_cap, m.rule_max, m.rule_min):
        for i in p:
            p[i] = PLACEHOLDER
    repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    return d, assemble(d, case.policy.shortage), repn, m


def row_bounds(repn, rows, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds of Pyomo's mixed-form compile, its i-th row placed at ``rows[i]``: a
    row's right-hand side is its upper bound (mult 1), lower (-1) or both (0)."""
    lower, upper = np.full(n, -INF), np.full(n, INF)
    for i, (_, mult), rhs in zip(rows, repn.rows, repn.rhs, strict=True):
        if mult >= 0:
            upper[i] = rhs
        if mult <= 0:
            lower[i] = rhs
    return lower, upper


def assert_direct_is_pyomo(case) -> None:
    d, lp, repn, _model = pyomo_compile(case)
    columns = [(v.parent_component().local_name, v.index()) for v in repn.columns]
    rows = [(c.parent_component().local_name, c.index()) for c, _ in repn.rows]
    assert lp.column_keys() == columns
    assert lp.row_keys() == rows
    a = repn.A.tocsc()
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(lp.matrix, name), getattr(a, name), err_msg=name)
    np.testing.assert_array_equal(lp.cost, repn.c.toarray().ravel())
    lower, upper = row_bounds(repn, range(len(rows)), len(rows))
    np.testing.assert_array_equal(lp.row_lower, lower)
    np.testing.assert_array_equal(lp.row_upper, upper)
    lb = np.array([-INF if v.lb is None else v.lb for v in repn.columns])
    ub = np.array([INF if v.ub is None else v.ub for v in repn.columns])
    np.testing.assert_array_equal(lp.col_lower, lb)
    # x of a row the build-out extends: Pyomo leaves it unbounded (its capacity row holds
    # it), the direct LP keeps the capacity, which the solver lifts when it loads the LP
    built = lp.xcol[[d.rows.index(r) for r in d.build_rows]]
    assert (ub[built] == INF).all()
    ub[built] = lp.col_upper[built]
    np.testing.assert_array_equal(lp.col_upper, ub)


def highs_lp(s: Solver) -> list[np.ndarray]:
    """What HiGHS holds: costs, column and row bounds, the matrix's arrays."""
    lp = s.h.getLp()
    a = lp.a_matrix_
    return [
        np.asarray(v)
        for v in (
            lp.col_cost_,
            lp.col_lower_,
            lp.col_upper_,
            lp.row_lower_,
            lp.row_upper_,
            a.start_,
            a.index_,
            a.value_,
        )
    ]


@pytest.mark.parametrize("case", SHIPPED)
def test_the_direct_lp_is_pyomos_compile_on_shipped_cases(case: str) -> None:
    assert_direct_is_pyomo(load_case(ROOT / case))


RULES = [
    {"name": "partners", "country": "AUS|JPN", "min_share": 0.2},
    {"name": "one supplier", "country": "each", "max_share": 0.6},
    {"name": "of need", "country": "AUS", "max_share": 0.7, "basis": "need"},
    {"name": "each of need", "country": "each", "max_share": 0.9, "basis": "need"},
]


def family_case(case_dir, *, ore: float, basis: str, shortage: str, rules: list[dict]):
    """Ore refined into metal (1.5 ore a unit), both with a Chinese supplier under a 50%
    cap of ``basis``, metal tiered (premium 20% beyond today), the share ``rules``."""
    return load_case(
        case_dir(
            commodities=[("ore", ore), ("metal", 10)],
            supply=[
                ("ore", "CHN", 30, 1, 20),
                ("ore", "AUS", 10, 2, 0),
                ("metal", "CHN", 20, 3, 5),
                ("metal", "JPN", 5, 4, 5),
                ("metal", "AUS", 5, 5, 0),
            ],
            supply_columns=("today",),
            premiums={"metal": 0.2},
            recipes=[("metal", "ore", 1.5)],
            policy={
                "max_china_share": 0.5,
                "china_cap_basis": basis,
                "shortage": shortage,
                "rules": rules,
            },
        )
    )


def test_every_family_with_need_bases_each_rules_and_the_penalty_policy(case_dir) -> None:
    for shortage, basis in (("penalty", "need"), ("proportional", "supplied")):
        case = family_case(case_dir, ore=0, basis=basis, shortage=shortage, rules=RULES)
        assert_direct_is_pyomo(case)


def test_stock_and_build_out_together(tmp_path: Path) -> None:
    stock = (
        ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"],
        [("k", 3, 4, "", 0.5, 1)],
    )
    case = load_case(outage_case(tmp_path / "c", 4, **{"stockpile.csv": stock}))
    assert_direct_is_pyomo(case)
    total = load_case(
        outage_case(
            tmp_path / "t",
            4,
            **{
                "buildout.csv": (
                    [*BUILD, "max_total"],
                    [("k", "USA", 1, 2, 4, 6), ("k", "JPN", 2, 1, 1e6, "")],
                )
            },
        )
    )
    assert_direct_is_pyomo(total)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(horizons())
def test_random_cases_give_pyomos_lp(drawn) -> None:
    spec, horizon, growth, online, rules = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_years(Path(tmp) / "h", spec, horizon, growth, online, rules, None)
        assert_direct_is_pyomo(load_case(folder))


@pytest.mark.parametrize(
    "case", ["inputs/scenarios/procurement-rules.toml", "inputs/scenarios/horizon-ree-cap-50.toml"]
)
def test_highs_holds_the_same_lp_and_optimum_compiled_either_way(case: str) -> None:
    loaded = load_case(ROOT / case)
    direct, pyomo = Solver(loaded), Solver(loaded, compile="pyomo")
    for got, want in zip(highs_lp(direct), highs_lp(pyomo), strict=True):
        np.testing.assert_array_equal(got, want)
    a, b = direct.run(), pyomo.run()
    assert a.objective == b.objective  # the same LP, the same pivots: bit for bit
    np.testing.assert_array_equal(a.x_array, b.x_array)


def test_the_pyomo_model_is_built_on_first_use_and_kept_current() -> None:
    case = load_case(ROOT / "inputs/base")
    s = Solver(case)
    assert "model" not in s.__dict__  # a solve does not build it
    s.run()
    assert "model" not in s.__dict__
    m = s.model
    assert isinstance(m, pyo.ConcreteModel) and m.data is s.data
    k = next(iter(s.china_row))
    swept = apply_values(case, [(parse_parameter("max_china_share"), 0.25)])
    s.apply(ModelData.from_case(swept, like=(case, s.data)))
    assert m.china_cap[k].value == 0.25 and m.data is s.data


def test_rows_in_another_order_and_a_compiler_that_orders_otherwise(case_dir, monkeypatch) -> None:
    rows = [("b", "CHN", 50, 1), ("a", "AUS", 30, 2), ("b", "AUS", 0, 3), ("a", "CHN", 90, 1)]
    case = load_case(case_dir(commodities=[("a", 80), ("b", 40)], supply=rows))
    assert_direct_is_pyomo(case)
    direct = Solver(case)

    class Reversed(LinearStandardFormCompiler):  # Pyomo's columns in another order
        def write(self, model, **options):
            order = [*model.component_data_objects(pyo.Var)][::-1]
            return super().write(model, column_order=order, **options)

    monkeypatch.setattr("pyomo.repn.plugins.standard_form.LinearStandardFormCompiler", Reversed)
    reordered = Solver(case, compile="pyomo")  # placed by name: the same LP
    for got, want in zip(highs_lp(direct), highs_lp(reordered), strict=True):
        np.testing.assert_array_equal(got, want)
    assert reordered.run().objective == direct.run().objective


def dense_pyomo(case, layout) -> list[np.ndarray]:
    """Pyomo's compile of a cold build of ``case`` at its real share bounds, as dense
    arrays in ``layout``'s column and row order (the order `highs_lp` has)."""
    m = build_model(case)
    repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    at_col = {key: j for j, key in enumerate(layout.column_keys())}
    at_row = {key: i for i, key in enumerate(layout.row_keys())}
    cols = [at_col[v.parent_component().local_name, v.index()] for v in repn.columns]
    rows = [at_row[c.parent_component().local_name, c.index()] for c, _ in repn.rows]
    cost = np.zeros(len(at_col))
    cost[cols] = repn.c.toarray().ravel()
    lower, upper = np.zeros(len(at_col)), np.full(len(at_col), INF)
    for j, v in zip(cols, repn.columns, strict=True):
        lower[j] = -INF if v.lb is None else v.lb
        upper[j] = INF if v.ub is None else v.ub
    row_lower, row_upper = row_bounds(repn, rows, len(at_row))
    a = np.zeros((len(at_row), len(at_col)))
    a[np.ix_(rows, cols)] = repn.A.toarray()
    return [cost, lower, upper, row_lower, row_upper, a]


def dense_highs(s: Solver) -> list[np.ndarray]:
    cost, lower, upper, row_lower, row_upper, start, index, value = highs_lp(s)
    a = np.zeros((len(row_lower), len(cost)))
    for j in range(len(cost)):
        a[index[start[j] : start[j + 1]], j] = value[start[j] : start[j + 1]]
    return [cost, lower, upper, row_lower, row_upper, a]


def test_highs_holds_pyomos_lp_at_the_real_bounds_after_loads_and_sweeps(case_dir) -> None:
    """What HiGHS holds once the solver has put the real share bounds in (and after a
    sweep point's `apply`, and back) is Pyomo's compile of a cold build of that case."""
    case = family_case(case_dir, ore=4, basis="need", shortage="proportional", rules=RULES[:3])
    s = Solver(case)
    layout = assemble(s.data, case.policy.shortage)  # the names of its columns and rows
    points = [("max_china_share", 0.3), ("rule[partners].min_share", 0.4)]
    points += [("rule[of need].max_share", 0.25)]
    for text, value in [(None, None), *points]:
        swept = case if text is None else apply_values(case, [(parse_parameter(text), value)])
        for now in (swept, case):  # the point, then back
            s.apply(ModelData.from_case(now, like=(case, s.base_data)))
            for got, want in zip(dense_highs(s), dense_pyomo(now, layout), strict=True):
                np.testing.assert_array_equal(got, want, err_msg=f"{text} = {value}")


def test_compile_names_its_choices() -> None:
    with pytest.raises(ValueError, match='"direct" or "pyomo"'):
        Solver(load_case(ROOT / "inputs/base"), compile="gurobi")


def test_a_solve_compiled_by_pyomo_writes_the_same_tables(monkeypatch) -> None:
    case = load_case(ROOT / "inputs/scenarios/single-supplier-cap.toml")
    a = solve(case, probes=False)
    monkeypatch.setattr(sys.modules["model.solve"], "Solver", partial(Solver, compile="pyomo"))
    b = solve(case, probes=False)
    assert a.mix.equals(b.mix) and a.commodities.equals(b.commodities)


def test_a_solve_never_imports_pyomo() -> None:
    """The direct LP is the whole solve path: Pyomo (half a second to import) stays out
    until the Pyomo model is asked for."""
    code = (
        "import sys\n"
        "from model import load_case, solve\n"
        "solve(load_case('inputs/scenarios/procurement-rules.toml'))\n"
        "print('pyomo' in sys.modules)\n"
        "from model.optimization.highs import Solver\n"
        "Solver(load_case('inputs/base')).model\n"
        "print('pyomo' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]


def test_the_pyomo_model_solved_by_another_solver_gives_the_penalty_optimum(case_dir) -> None:
    # a needs 80: AUS sells 30 at $2, CHN 90 at $1 under a 50% cap (penalty 10 x $2 = $20):
    # x_CHN <= 0.5 (x_CHN + x_AUS) -> x_CHN <= 30, so 30 + 30 bought, 20 short:
    # 30 x 1 + 30 x 2 + 20 x 20 = 490 (README, "Plots, reports, Excel and notebooks")
    rows = [("a", "AUS", 30, 2), ("a", "CHN", 90, 1)]
    case = load_case(
        case_dir(
            commodities=[("a", 80)],
            supply=rows,
            policy={"max_china_share": 0.5, "shortage": "penalty"},
        )
    )
    m = build_model(case)
    assert pyo.SolverFactory("appsi_highs").solve(m).solver.termination_condition == "optimal"
    assert pyo.value(m.objective) == pytest.approx(490, rel=1e-12)
    assert Solver(case).run().objective == pytest.approx(490, rel=1e-12)
