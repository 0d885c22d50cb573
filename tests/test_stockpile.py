"""A stockpile carried between the years of a horizon (README "Stockpile"), hand-solved.

Level L[y] = L[y-1] + bought[y] - released[y] (L before the first year = initial),
floor <= L[y], bought <= max_buy, released <= max_release; a release meets demand, a
purchase takes supply; the objective adds discount[y] * holding_cost * L[y].
Every expected value is worked by hand in the comment above it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import InputError, load_case, solve
from model.case.params import apply_values
from model.optimization.highs import Solver
from model.sweep import sweep
from tests.reference import reference_objective
from tests.test_horizon import horizon_case

APPROX = dict(rel=1e-9, abs=1e-9)
HEADER = ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"]
YEARS = {"start": 2026, "end": 2027}


def case(
    folder: Path,
    stock: list[tuple] | None,
    *,
    capacity: float = 20,
    outage: float | None = 0,
    horizon: dict | None = None,
    policy: dict | None = None,
) -> Path:
    """Demand 10 t a year of k, one supplier AUS at $2 (default penalty 10 x 2 = $20/t)
    with ``capacity`` in 2026 and ``outage`` in 2027 (None: ``capacity`` too)."""
    tables = {}
    if outage is not None:
        tables["capacity_by_year.csv"] = (
            ["commodity", "country", "year", "capacity"],
            [("k", "AUS", 2027, outage)],
        )
    if stock is not None:
        tables["stockpile.csv"] = (HEADER, stock)
    return horizon_case(
        folder,
        commodities=[("k", 10, None)],
        supply=[("k", "AUS", capacity, 2)],
        horizon=horizon or YEARS,
        tables=tables,
        policy=policy,
    )


def stock_rows(r) -> list[tuple]:
    return [tuple(t) for t in r.stock[["year", "level", "bought", "released"]].itertuples(False)]


def test_buying_in_the_first_year_bridges_an_outage_at_its_holding_cost(tmp_path: Path):
    # 2026: 20 t at $2 = $40, 10 t for demand and 10 t into the stock (level 10, held at
    # $0.5/t: $5); 2027 (no supply): the 10 t released meet demand, level 0.
    # Objective 40 + 5 = 45; no shortfall. Without the stock 2027 is short 10 t at $20:
    # 20 + 200 = 220.
    r = solve(load_case(case(tmp_path / "c", [("k", 0, 10, "", 0.5, "")])))
    assert r.objective == pytest.approx(45, **APPROX)
    # the holding cost is part of the headline total (README "Headline numbers")
    assert r.supply_cost == pytest.approx(40) and r.total == pytest.approx(45)
    assert r.summary["holding_cost"] == 5.0 and "buildout_cost" not in r.summary
    assert r.commodities["shortfall"].tolist() == [0.0, 0.0]
    assert stock_rows(r) == [(2026, 10.0, 10.0, 0.0), (2027, 0.0, 0.0, 10.0)]
    assert r.stock["holding_cost"].tolist() == [5.0, 0.0]
    assert r.summary["stockpile"] == {
        "holding_cost": 5.0,
        "commodities": {"k": {"bought": 10.0, "released": 10.0, "end_level": 0.0}},
    }
    out = r.write(tmp_path / "o")
    assert (out / "stock.csv").read_text() == (
        "commodity,year,level,bought,released,holding_cost\n"
        "k,2026,10.0,10.0,0.0,5.0\n"
        "k,2027,0.0,0.0,10.0,0.0\n"
    )
    # the run folder's inputs keep stockpile.csv and solve to the same answer
    assert (out / "inputs" / "stockpile.csv").is_file()
    assert solve(load_case(out / "inputs")).objective == pytest.approx(45, **APPROX)
    bare = solve(load_case(case(tmp_path / "none", None)))
    assert bare.objective == pytest.approx(220, **APPROX) and bare.stock.empty


def test_a_holding_cost_above_the_penalty_is_not_worth_it_under_the_penalty_policy(
    tmp_path: Path,
):
    # holding $25/t > the $20/t penalty: bridging costs 40 + 250 = 290, being short 10 t in
    # 2027 costs 20 + 200 = 220, so nothing is bought into the stock
    folder = case(tmp_path / "c", [("k", 0, 10, "", 25, "")], policy={"shortage": "penalty"})
    r = solve(load_case(folder))
    assert r.objective == pytest.approx(220, **APPROX)
    assert stock_rows(r) == [(2026, 0.0, 0.0, 0.0), (2027, 0.0, 0.0, 0.0)]
    # at $5/t bridging costs 40 + 50 = 90 < 220: bought
    folder = case(tmp_path / "d", [("k", 0, 10, "", 5, "")], policy={"shortage": "penalty"})
    r = solve(load_case(folder))
    assert r.objective == pytest.approx(90, **APPROX)


def test_a_floor_forces_holding(tmp_path: Path):
    # supply 20 t in both years; 5 t held from the start at $1/t a year. With floor 5 the
    # stock cannot be drawn: 10 t bought each year ($20 + $20) and 5 t held at each
    # year's end ($5 + $5): objective 50. Discounted at 10% to 2026: 25 + 25 / 1.1.
    r = solve(load_case(case(tmp_path / "f", [("k", 5, "", "", 1, 5)], outage=None)))
    assert r.objective == pytest.approx(50, **APPROX)
    assert stock_rows(r) == [(2026, 5.0, 0.0, 0.0), (2027, 5.0, 0.0, 0.0)]
    years = {**YEARS, "discount_rate": 0.1}
    folder = case(tmp_path / "d", [("k", 5, "", "", 1, 5)], outage=None, horizon=years)
    # (summary.json's objective has 6 decimals)
    assert solve(load_case(folder)).objective == pytest.approx(25 + 25 / 1.1, abs=1e-6)
    # without the floor the 5 t are released in 2026 (saving $10 and the holding):
    # 2026 buys 5 t ($10), 2027 10 t ($20): objective 30, level 0 from 2026 on
    r = solve(load_case(case(tmp_path / "n", [("k", 5, "", "", 1, "")], outage=None)))
    assert r.objective == pytest.approx(30, **APPROX)
    assert stock_rows(r) == [(2026, 0.0, 0.0, 5.0), (2027, 0.0, 0.0, 0.0)]


def test_max_release_limits_the_bridge(tmp_path: Path):
    # 8 t held, at most 3 t released a year, no holding cost; supply 10 t in 2026, none in
    # 2027. 2027 can get only 3 t: short 7 t ($140). The other 5 t cannot reach 2027, so
    # 3 t are released in 2026 too (saving $6): 2026 buys 7 t ($14). Objective 154;
    # levels 8 -> 5 -> 2.
    r = solve(load_case(case(tmp_path / "c", [("k", 8, "", 3, 0, "")], capacity=10)))
    assert r.objective == pytest.approx(154, **APPROX)
    assert r.commodities["shortfall"].tolist() == [0.0, 7.0]
    assert stock_rows(r) == [(2026, 5.0, 0.0, 3.0), (2027, 2.0, 0.0, 3.0)]


def test_max_buy_limits_what_is_stored(tmp_path: Path):
    # as the bridge, but at most 4 t bought a year: 2026 buys 14 t ($28), 4 t held ($2);
    # 2027 releases 4 t, short 6 t ($120): objective 150
    r = solve(load_case(case(tmp_path / "c", [("k", 0, 4, "", 0.5, "")])))
    assert r.objective == pytest.approx(150, **APPROX)
    assert stock_rows(r) == [(2026, 4.0, 4.0, 0.0), (2027, 0.0, 0.0, 4.0)]


def test_the_family_is_absent_without_stockpile_csv(tmp_path: Path):
    # 2 commodity-years, 1 supplier: columns x, s, S per year (6) and rows supplied and
    # balance per year plus the U row (5); the stock adds L, b, r per year (6 columns)
    # and a level row per year (2)
    bare = Solver(load_case(case(tmp_path / "a", None)))
    assert (bare.h.getNumCol(), bare.h.getNumRow()) == (6, 5)
    assert bare.stock_cols.shape == (0, 3)
    stocked = Solver(load_case(case(tmp_path / "b", [("k", 0, 10, "", 0.5, "")])))
    assert (stocked.h.getNumCol(), stocked.h.getNumRow()) == (12, 7)


def test_sweeps_not_touching_the_stock_keep_it(tmp_path: Path):
    # the bridge with 2026's capacity swept (multipliers 0.5 and 1 of 20 t): at 10 t
    # nothing is stored (10 t short in one year either way, the holding cost decides):
    # 20 + 200 = 220; at 20 t the bridge: 45. Each point equals a cold solve.
    loaded = load_case(case(tmp_path / "c", [("k", 0, 10, "", 0.5, "")]))
    s = sweep(loaded, {"capacity[commodity=k,country=AUS,year=2026]": "0.5,1"})
    objectives = s.points.set_index("point")["objective"]
    assert objectives.tolist() == pytest.approx([220, 45], **APPROX)
    for i, point in enumerate(s.points_spec):
        cold = solve(apply_values(loaded, point), compare=False, probes=False, ranging=False)
        assert objectives.loc[i] == pytest.approx(cold.objective, **APPROX)


BAD = [
    ([("x", 0, 10, "", 0.5, "")], "row 1 (line 2), column 'commodity'", "unknown commodity 'x'"),
    ([("k", -1, 10, "", 0.5, "")], "row 1 (line 2), column 'initial'", ""),
    ([("k", 0, 10, -2, 0.5, "")], "row 1 (line 2), column 'max_release'", ""),
    ([("k", 1, 10, "", 0.5, 2)], "row 1 (line 2), column 'floor'", "above the initial"),
    ([("k", 1, 10, "", "", ""), ("k", 1, 1, "", "", "")], "row 2 (line 3)", ""),
]


@pytest.mark.parametrize(("rows", "where", "message"), BAD)
def test_bad_stockpile_names_file_row_and_column(tmp_path: Path, rows, where, message):
    folder = case(tmp_path / "c", rows)
    with pytest.raises(InputError) as err:
        load_case(folder)
    text = str(err.value)
    assert text.startswith(str(folder / "stockpile.csv")), text
    assert where in text and message in text, text


def test_a_stockpile_needs_a_horizon(tmp_path: Path):
    folder = horizon_case(
        tmp_path / "c",
        commodities=[("k", 10, None)],
        supply=[("k", "AUS", 20, 2)],
        horizon=None,
        tables={"stockpile.csv": (HEADER, [("k", 0, 10, "", 0.5, "")])},
    )
    with pytest.raises(InputError, match=r"stockpile\.csv needs a \[horizon\]"):
        load_case(folder)


@st.composite
def stock_cases(draw):
    years = draw(st.integers(2, 3))
    caps = draw(st.lists(st.sampled_from([0, 5, 10, 20]), min_size=years, max_size=years))
    demand = draw(st.sampled_from([5, 10]))
    initial = draw(st.sampled_from([0, 4, 8]))
    row = (
        "k",
        initial,
        draw(st.sampled_from(["", 0, 3, 10])),
        draw(st.sampled_from(["", 0, 3, 10])),
        draw(st.sampled_from([0, 0.5, 3, 30])),
        draw(st.sampled_from([0, initial // 2, initial])),
    )
    return years, caps, demand, row, draw(st.sampled_from(["penalty", "proportional"]))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stock_cases())
def test_random_stockpiles_match_the_reference(tmp_path: Path, drawn):
    years, caps, demand, row, shortage = drawn
    folder = horizon_case(
        Path(tempfile.mkdtemp(dir=tmp_path)) / "c",
        commodities=[("k", demand, None)],
        supply=[("k", "AUS", 20, 2), ("k", "JPN", 20, 3)],
        horizon={"start": 2026, "end": 2025 + years, "discount_rate": 0.05},
        tables={
            "capacity_by_year.csv": (
                ["commodity", "country", "year", "capacity"],
                [("k", "AUS", 2026 + t, c) for t, c in enumerate(caps)],
            ),
            "stockpile.csv": (HEADER, [row]),
        },
        policy={"shortage": shortage},
    )
    loaded = load_case(folder)
    r = solve(loaded, compare=False, probes=False, ranging=False)
    assert r.objective == pytest.approx(reference_objective(loaded), rel=1e-7, abs=1e-6)
