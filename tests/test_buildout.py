"""Build-out (README "Build-out"), hand-solved: capacity the LP may build over a horizon.

Every expected value below is worked by hand in the comment above it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from model import InputError, load_case, solve
from model.case.params import apply_values
from model.sweep import sweep
from tests.conftest import ROOT
from tests.reference import reference_objective
from tests.test_horizon import horizon_case

APPROX = dict(rel=1e-9, abs=1e-9)
BUILD = ["commodity", "country", "annual_cost", "unit_cost", "max_per_year"]


def outage_case(folder: Path, max_per_year: float, **extra) -> Path:
    """2026-2027, demand 10 a year; AUS sells 10 at $5 in 2026 and nothing in 2027 (an
    outage); USA could build capacity at $1 per unit per year plus $2 per unit supplied.
    Shortage is priced (penalty): 10 x the dearest cost $5 = $50 a unit."""
    tables = {
        "capacity_by_year.csv": (
            ["commodity", "country", "year", "capacity"],
            [("k", "AUS", 2027, 0)],
        ),
        "buildout.csv": (BUILD, [("k", "USA", 1, 2, max_per_year)]),
    }
    tables.update(extra)
    return horizon_case(
        folder,
        commodities=[("k", 10, None)],
        supply=[("k", "AUS", 10, 5)],
        horizon={"start": 2026, "end": 2027},
        policy={"shortage": "penalty"},
        tables=tables,
    )


def table(r) -> dict[tuple[int, str], tuple]:
    return {
        (y, c): (b, cum, cost, price)
        for y, c, b, cum, cost, price in r.buildout[
            ["year", "country", "built", "cumulative", "annual_cost", "shadow_price"]
        ].itertuples(index=False)
    }


def test_build_early_when_it_beats_the_existing_supplier(tmp_path: Path):
    # 2027 needs 10 units built whatever happens. Built in 2026 they cost $1 a year in both
    # years and $2 a unit supplied: 2026 supplied from them costs $1 + $2 = $3 a unit, less
    # than AUS's $5. So build 10 in 2026: annual 10 x 1 x 2 years = 20, supply 10 x 2 x 2
    # years = 40: objective 60 (building in 2027 instead: 2026 AUS 50 + 10 x (1 + 2) = 80)
    r = solve(load_case(outage_case(tmp_path / "c", 10)), compare=False)
    assert r.objective == pytest.approx(60, **APPROX)
    assert table(r) == {(2026, "USA"): (10, 10, 10, 0), (2027, "USA"): (0, 10, 10, 0)}
    assert r.summary["buildout_cost"] == 20
    assert r.summary["total_shortfall"] == {}
    assert r.objective == pytest.approx(reference_objective(load_case(tmp_path / "c")), **APPROX)


def test_a_binding_build_limit_leaves_a_shortfall_and_prices_one_more_unit(tmp_path: Path):
    # at most 4 a year: 4 in 2026 and 4 in 2027, 8 in 2027, 2 short. 2026: USA 4 at 2,
    # AUS 6 at 5: 38; 2027: USA 8 at 2: 16, short 2 x 50 = 100; annual 4 x 2 + 4 x 1 = 12.
    # Objective 166. One more unit built in 2026: +1 + 1 annual, replaces an AUS unit in
    # 2026 (-5 + 2) and a short unit in 2027 (-50 + 2): saves 49. In 2027: +1, -50 + 2:
    # saves 47.
    r = solve(load_case(outage_case(tmp_path / "c", 4)), compare=False)
    assert r.objective == pytest.approx(166, **APPROX)
    assert table(r) == {(2026, "USA"): (4, 4, 4, 49), (2027, "USA"): (4, 8, 8, 47)}
    assert r.objective == pytest.approx(reference_objective(load_case(tmp_path / "c")), **APPROX)


def test_no_buildout_file_is_the_horizon_case(tmp_path: Path):
    # without buildout.csv 2027 is 10 short: 2026 AUS 50 + 2027 10 x 50 = 550
    folder = outage_case(tmp_path / "c", 10)
    (folder / "buildout.csv").unlink()
    r = solve(load_case(folder), compare=False)
    assert r.objective == pytest.approx(550, **APPROX)
    assert r.buildout is None and "buildout_cost" not in r.summary
    out = r.write(str(tmp_path / "out"))
    assert not (out / "buildout.csv").exists()


def test_max_total_and_from_year_limit_the_build(tmp_path: Path):
    # max_total 6: 6 built in 2026 (cheaper than AUS that year, as above); 2026 USA 6 at 2
    # + AUS 4 at 5 = 32, annual 6 x 2 years = 12, 2027 USA 6 at 2 = 12, 4 short x 50 = 200:
    # 256 (6 built in 2027 instead: 50 + 6 + 12 + 200 = 268)
    folder = outage_case(tmp_path / "c", 10)
    (folder / "buildout.csv").write_text(
        ",".join([*BUILD, "from_year", "max_total"]) + "\nk,USA,1,2,10,,6\n"
    )
    r = solve(load_case(folder), compare=False)
    assert r.objective == pytest.approx(256, **APPROX)
    assert table(r) == {(2026, "USA"): (6, 6, 6, 0), (2027, "USA"): (0, 6, 6, 0)}
    assert r.objective == pytest.approx(reference_objective(load_case(folder)), **APPROX)
    # from 2027 only: 2026 AUS 50, 2027 10 built: 10 + 10 x 2 = 30: 80
    (folder / "buildout.csv").write_text(
        ",".join([*BUILD, "from_year", "max_total"]) + "\nk,USA,1,2,10,2027,\n"
    )
    r = solve(load_case(folder), compare=False)
    assert r.objective == pytest.approx(80, **APPROX)
    assert table(r) == {(2027, "USA"): (10, 10, 10, 0)}
    assert r.objective == pytest.approx(reference_objective(load_case(folder)), **APPROX)


def test_build_costs_are_discounted_year_by_year(tmp_path: Path):
    # r = 100%: 2027 counts half. Built in 2026: annual 10 x (1 + 0.5) = 15, supply
    # 20 + 0.5 x 20 = 30: 45 (built in 2027: 50 + 0.5 x (10 + 20) = 65). The table reports
    # undiscounted money: 10 a year
    folder = outage_case(tmp_path / "c", 10)
    text = (
        (folder / "case.toml").read_text().replace("end = 2027", "end = 2027\ndiscount_rate = 1.0")
    )
    (folder / "case.toml").write_text(text)
    r = solve(load_case(folder), compare=False)
    assert r.objective == pytest.approx(45, **APPROX)
    assert table(r) == {(2026, "USA"): (10, 10, 10, 0), (2027, "USA"): (0, 10, 10, 0)}
    assert r.objective == pytest.approx(reference_objective(load_case(folder)), **APPROX)


def test_the_run_folder_has_the_buildout_table_and_its_input(tmp_path: Path):
    r = solve(load_case(outage_case(tmp_path / "c", 4)), compare=False)
    out = r.write(str(tmp_path / "out"))
    assert (out / "buildout.csv").read_text().splitlines() == [
        "commodity,country,year,built,cumulative,annual_cost,shadow_price",
        "k,USA,2026,4.0,4.0,4.0,49.0",
        "k,USA,2027,4.0,8.0,8.0,47.0",
    ]
    assert (out / "inputs/buildout.csv").read_text().splitlines()[1] == "k,USA,1.0,2.0,4.0,,"
    # the run's inputs reproduce it
    assert solve(load_case(out / "inputs"), compare=False).objective == pytest.approx(166)


@pytest.mark.parametrize(
    "row, column, message",
    [
        ("x,USA,1,2,10", "commodity", "unknown commodity 'x'"),
        ("k,FRA,1,2,10", "country", "unknown country 'FRA'"),
        ("k,USA,-1,2,10", "annual_cost", ""),
        ("k,USA,1,2,-10", "max_per_year", ""),
        ("k,AUS,1,3,10", "unit_cost", "differs from the supply row (k, AUS)'s unit_cost 5"),
    ],
)
def test_bad_buildout_rows_name_file_row_and_column(tmp_path: Path, row, column, message):
    folder = outage_case(tmp_path / "c", 10)
    (folder / "buildout.csv").write_text(",".join(BUILD) + "\n" + row + "\n")
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert err.value.column == column and err.value.row == 1
    assert err.value.file.endswith("buildout.csv") and message in str(err.value)


def test_from_year_after_the_horizon_and_buildout_without_horizon_are_errors(tmp_path: Path):
    folder = outage_case(tmp_path / "c", 10)
    (folder / "buildout.csv").write_text(",".join([*BUILD, "from_year"]) + "\nk,USA,1,2,10,2030\n")
    with pytest.raises(InputError, match="after the horizon's end 2027") as err:
        load_case(folder)
    assert err.value.column == "from_year" and err.value.row == 1
    plain = horizon_case(
        tmp_path / "p", commodities=[("k", 10, None)], supply=[("k", "AUS", 10, 5)], horizon=None
    )
    (plain / "buildout.csv").write_text(",".join(BUILD) + "\nk,USA,1,2,10\n")
    with pytest.raises(InputError, match=r"buildout.csv needs a \[horizon\]"):
        load_case(plain)


def test_sweep_points_of_a_capacity_the_build_adds_to_equal_cold_solves(tmp_path: Path):
    """A capacity change of a row the build extends moves its capacity row, not x's bound
    (which would cap supply at the capacity without the build): warm points = cold solves.
    Here the build extends AUS itself (unit_cost 5 like its row): at capacity x 1 in 2027
    AUS has 0 and 4 a year can be built; scaled to 0.5, 2026 has 5 of its own."""
    folder = outage_case(tmp_path / "c", 4)
    (folder / "buildout.csv").write_text(",".join(BUILD) + "\nk,AUS,1,5,4\n")
    case = load_case(folder)
    s = sweep(case, {"capacity[country=AUS]": "1,0.5"})
    for i, point in enumerate(s.points_spec):
        cold = solve(apply_values(case, point), compare=False, probes=False, ranging=False)
        warm = s.points.set_index("point").loc[i, "objective"]
        assert warm == pytest.approx(cold.objective, **APPROX)
        assert cold.objective == pytest.approx(
            reference_objective(apply_values(case, point)), **APPROX
        )


def test_the_capacity_value_of_a_built_row_counts_its_build(tmp_path: Path):
    # at most 4 a year (objective 166): one more unit of capacity on the 2027 USA row
    # (capacity 0, supplying 8 built) fills a short unit: saves 50 - 2 = 48. Probing the x
    # bound instead (capacity 0 + 1) would cut supply to 1 and cost, not save
    from model.optimization.highs import Solver

    solver = Solver(load_case(outage_case(tmp_path / "c", 4)))
    main = solver.run()
    value, _, relieved = solver.capacity_value(("k.2027", "USA"), main)
    assert value == pytest.approx(48, **APPROX) and relieved


def test_the_command_line_solves_a_build_out_and_rejects_a_bad_one(tmp_path: Path):
    folder = outage_case(tmp_path / "c", 4)

    def run(out: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "model.cli", "solve", str(folder), "--out", str(tmp_path / out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    proc = run("o")
    assert proc.returncode == 0, proc.stderr
    assert (
        "k,USA,2026,4.0,4.0,4.0,49.0" in (tmp_path / "o/solutions/years/buildout.csv").read_text()
    )
    (folder / "buildout.csv").write_text(",".join(BUILD) + "\nk,FRA,1,2,10\n")
    proc = run("bad")
    assert proc.returncode == 2
    assert "buildout.csv" in proc.stderr and "unknown country 'FRA'" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_build_out_and_a_stockpile_together(tmp_path: Path):
    # The binding case above (at most 4 built a year: 2 short in 2027, objective 166) with a
    # stock holding $0.50 a unit a year: 2026 has 4 spare AUS units, so buy 2 into the stock
    # at $5 and release them in 2027 (2 x 5 + 2 x 0.5 = 11 instead of 2 x $50 short).
    # Builds stay 4 + 4 (a 2027 build supplies at $1 + $2 < the stock's $5.50; a 2026 build
    # gives two years of supply for $2 + 2 x $2 against $5 + $5.50). Objective: builds
    # 4 x 2 + 4 x 1 = 12, 2026 USA 4 x 2 + AUS 8 x 5 = 48, 2027 USA 8 x 2 = 16, holding 1: 77.
    stock = (
        ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"],
        [("k", 0, "", "", 0.5, 0)],
    )
    case = load_case(outage_case(tmp_path / "c", 4, **{"stockpile.csv": stock}))
    r = solve(case)
    assert r.objective == pytest.approx(77, **APPROX)
    assert r.objective == pytest.approx(reference_objective(case), **APPROX)
    assert r.commodities["shortfall"].sum() == pytest.approx(0, abs=1e-9)
    levels = r.stock.set_index("year")["level"].to_dict()
    assert levels == pytest.approx({2026: 2, 2027: 0}, abs=1e-9)
