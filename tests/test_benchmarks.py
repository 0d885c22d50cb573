"""The benchmark harness at size S: the generated case loads, and both references
(the highspy arrays and the naive Pyomo model) reach the tool's optimum.

Timings are never asserted here; benchmarks/run.py measures them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from model import load_case
from model.solve import solve
from model.sweep import sweep

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
generate = importlib.import_module("generate")
ref = importlib.import_module("reference_highspy")
naive = importlib.import_module("reference_naive")

REL = 1e-7


@pytest.fixture(scope="module")
def case_s(tmp_path_factory) -> Path:
    return generate.generate("S", tmp_path_factory.mktemp("bench") / "S").folder


@pytest.fixture(scope="module")
def tool_objective(case_s: Path) -> float:
    return solve(load_case(case_s), compare=False).objective


def test_generator_is_deterministic(case_s: Path, tmp_path: Path):
    again = generate.generate("S", tmp_path / "S").folder
    for name in ("case.toml", "countries.csv", "commodities.csv", "supply.csv", "recipes.csv"):
        assert (again / name).read_bytes() == (case_s / name).read_bytes(), name


def test_generated_case_loads(case_s: Path):
    case = load_case(case_s)
    nk, nc = generate.SIZES["S"]
    assert len(case.commodities) == nk and len(case.countries) == nc
    assert len(case.supply) == nk * nc  # dense
    assert "CHN" in set(case.countries["country"])
    assert len(case.groups()["partner"]) == 8
    assert set(case.commodities["stage"]) == {"mining", "refining", "component"}
    assert case.policy.max_china_share == 0.5
    kinds = {(r.country, r.min_share, r.max_share) for r in case.policy.rules}
    assert ("group:partner", 0.2, None) in kinds and ("each", None, 0.65) in kinds
    # every delivered cost differs within a commodity
    cost = case.delivered_cost().groupby(case.supply["commodity"]).apply(lambda c: c.is_unique)
    assert cost.all()


def test_highspy_reference_matches_tool(case_s: Path, tool_objective: float):
    r = ref.solve(case_s)
    assert r.objective == pytest.approx(tool_objective, rel=REL)
    assert r.shortfall_commodities > 0 and r.china_caps_binding > 0  # the case is not trivial


def test_naive_reference_matches_tool(case_s: Path, tool_objective: float):
    assert naive.solve(case_s).objective == pytest.approx(tool_objective, rel=REL)


def test_highspy_sweep_matches_tool_sweep(case_s: Path):
    values = [1.0, 0.75, 0.5, 0.25, 0.0]
    tool = sweep(load_case(case_s), {"max_china_share": values})
    warm = ref.sweep(case_s, values)
    from_base = ref.sweep(case_s, values, from_base=True)
    expected = list(tool.points["objective"])
    assert warm.objectives == pytest.approx(expected, rel=REL)
    assert from_base.objectives == pytest.approx(expected, rel=REL)
    cold = naive.sweep(ref.read_case(case_s), values[::2])[0]
    assert cold == pytest.approx(expected[::2], rel=REL)


# --- multi-year cases (generate.YEARS): the reference extended to years ------------------------
YEARS_REL = 1e-9


@pytest.fixture(scope="module", params=["S5", "Y10"])
def years_case(request, tmp_path_factory) -> Path:
    name = request.param
    return generate.generate_years(name, tmp_path_factory.mktemp("years") / name).folder


def test_years_generator_is_deterministic(tmp_path: Path):
    a = generate.generate_years("S5", tmp_path / "a").folder
    b = generate.generate_years("S5", tmp_path / "b").folder
    names = sorted(p.name for p in a.iterdir())
    assert names == [
        "buildout.csv",
        "capacity_by_year.csv",
        "case.toml",
        "commodities.csv",
        "countries.csv",
        "recipes.csv",
        "stockpile.csv",
        "supply.csv",
    ]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_highspy_reference_matches_tool_over_years(years_case: Path):
    """Demand growth, capacity by year and coming online, the glide path, discounting, the
    stockpile and build-out, and (Y10, from inputs/base) tiers, include_status and the
    two-level proportional solve: the reference's own arrays reach the tool's optimum."""
    case = load_case(years_case)
    start, end = case.horizon_spec.start, case.horizon_spec.end
    assert case.horizon_spec.discount_rate == 0.07 and start == 2026
    tool = solve(case, compare=False)
    r = ref.solve(years_case)
    assert r.objective == pytest.approx(tool.objective, rel=YEARS_REL)
    nk = len(load_case(years_case).horizon.source.commodities)
    assert r.commodities == nk * (end - start + 1) == len(tool.commodities)
    # the case is not trivial: stock moves, capacity is built, something falls short
    assert tool.stock["released"].sum() > 0 and tool.stock["bought"].sum() > 0
    assert tool.buildout["built"].sum() > 0
    assert r.shortfall_commodities > 0
