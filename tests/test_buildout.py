"""Build-out (README "Build-out"), hand-solved: capacity the LP may build over a horizon.

Every expected value below is worked by hand in the comment above it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model import InputError, load_case, solve
from tests.reference import reference_objective
from tests.test_horizon import horizon_case

APPROX = dict(rel=1e-9, abs=1e-9)
BUILD = ["commodity", "country", "annual_cost", "unit_cost", "max_per_year"]


def outage_case(folder: Path, max_per_year: float, **extra) -> Path:
    """2026-2027, demand 10 a year; AUS sells 10 at $5 in 2026 and nothing in 2027 (an
    outage); USA could build capacity at $1 per unit per year plus $2 per unit supplied.
    Shortage is priced (penalty): 10 x the dearest cost $5 = $50 a unit."""
    tables = {
        "capacity_by_year.csv": (["commodity", "country", "year", "capacity"], [("k", "AUS", 2027, 0)]),
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
