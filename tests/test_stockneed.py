"""The stock a shortage needs (`model.stockneed.stock_needed`, README "Stockpile"), hand-solved.

The case (unless said otherwise): 2026-2028, demand 10 t a year of k, China sells 10 t a
year at $1 and nobody else does; an outage sets China's capacity to 0 in some years.
Every expected value is worked by hand in the comment above it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model import InputError, load_case
from model.stockneed import stock_needed
from tests.conftest import write_case
from tests.test_horizon import horizon_case

HEADER = ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"]
COLUMNS = [
    "commodity",
    "initial",
    "needed",
    "extra",
    "held_at_start",
    "shortfall_without",
    "shortfall_left",
]


def china_only(
    folder: Path,
    stock: list[tuple] | None,
    out: list[int],
    *,
    capacity: float = 10,
    policy: dict | None = None,
    more: list[tuple] | None = None,
) -> Path:
    """k as in the module docstring, China's capacity ``capacity`` but 0 in the years
    ``out``; ``more``: more commodities, each with AUS supplying its demand at $1."""
    tables = {
        "capacity_by_year.csv": (
            ["commodity", "country", "year", "capacity"],
            [("k", "CHN", y, 0) for y in out],
        )
    }
    if stock is not None:
        tables["stockpile.csv"] = (HEADER, stock)
    return horizon_case(
        folder,
        commodities=[("k", 10, None), *((j, v, None) for j, v in (more or []))],
        supply=[("k", "CHN", capacity, 1), *((j, "AUS", v, 1) for j, v in (more or []))],
        horizon={"start": 2026, "end": 2028},
        tables=tables,
        policy=policy,
    )


def row(frame, commodity: str = "k") -> dict:
    assert list(frame.columns) == COLUMNS
    return frame[frame["commodity"] == commodity].iloc[0].drop("commodity").to_dict()


def test_a_one_year_outage_needs_a_year_of_demand(tmp_path: Path):
    # 5 t held, China out in 2027: 2027 releases the 5 t and is short 5 t. A stock of 10 t
    # covers 2027 whole: needed 10, extra 5, nothing left short.
    case = load_case(china_only(tmp_path / "c", [("k", 5, "", "", 0, "")], [2027]))
    # 2026 has nothing to spare: the 10 t are still held on 1 January 2027
    expected = {"initial": 5, "needed": 10, "extra": 5, "held_at_start": 10}
    expected |= {"shortfall_without": 5, "shortfall_left": 0}
    assert row(stock_needed(case, years=[2027])) == expected
    # all years by default: 2026 and 2028 are met anyway, the same answer (held at the
    # start of 2026)
    assert row(stock_needed(case)) == expected


def test_max_release_leaves_what_no_stock_can_cover(tmp_path: Path):
    # at most 6 t released a year, China out in 2027 and 2028 (20 t of need): with 5 t held
    # 5 t are released, 15 t short. Any stock releases at most 6 + 6 = 12 t: needed 12
    # (extra 7), 20 - 12 = 8 t left short.
    folder = china_only(tmp_path / "c", [("k", 5, "", 6, 0, "")], [2027, 2028])
    got = row(stock_needed(load_case(folder), years=[2027, 2028]))
    assert got == {
        "initial": 5,
        "needed": 12,
        "extra": 7,
        "held_at_start": 12,
        "shortfall_without": 15,
        "shortfall_left": 8,
    }


def test_a_commodity_without_a_stock_gets_one_and_other_years_are_not_left_short(
    tmp_path: Path,
):
    # no stockpile.csv; China out in 2027 and 2028. Asked about 2027 only: the stock must
    # not be filled from 2026's supply (all of it meets 2026's demand), so 10 t are needed;
    # 2028 stays short 10 t but is not asked about. Both years: 20 t.
    case = load_case(china_only(tmp_path / "c", None, [2027, 2028]))
    one = {"initial": 0, "needed": 10, "extra": 10, "held_at_start": 10}
    one |= {"shortfall_without": 10, "shortfall_left": 0}
    assert row(stock_needed(case, years=[2027])) == one
    two = {"initial": 0, "needed": 20, "extra": 20, "held_at_start": 20}
    two |= {"shortfall_without": 20, "shortfall_left": 0}
    assert row(stock_needed(case, years=[2027, 2028])) == two


def test_spare_capacity_before_the_outage_fills_the_new_stock(tmp_path: Path):
    # China sells 15 t a year, out in 2027: 2026's 5 t to spare go into the stock (no buy
    # limit, no holding cost), so only 5 t must be held at the start. j (AUS, never out)
    # needs none. Without a stock 2027 is 10 t short.
    case = load_case(china_only(tmp_path / "c", None, [2027], capacity=15, more=[("j", 4)]))
    table = stock_needed(case)
    assert table["commodity"].tolist() == ["k", "j"]
    assert row(table) == {
        "initial": 0,
        "needed": 5,
        "extra": 5,
        "held_at_start": 5,  # the start of 2026, the first year asked
        "shortfall_without": 10,
        "shortfall_left": 0,
    }
    assert row(table, "j") == dict.fromkeys(COLUMNS[1:], 0)
    # asked about 2027: 5 t held today and 5 t bought in 2026, 10 t on 1 January 2027
    assert row(stock_needed(case, years=[2027]))["held_at_start"] == 10
    assert stock_needed(case, commodities=["j"])["needed"].tolist() == [0]
    # under the penalty policy the same stock: 10 t short at the default $10/t penalty
    policy = {"shortage": "penalty"}
    case = load_case(china_only(tmp_path / "p", None, [2027], capacity=15, policy=policy))
    assert row(stock_needed(case, years=[2027]))["needed"] == 5


def test_a_case_without_horizon_or_an_unknown_name_is_an_input_error(tmp_path: Path):
    folder = write_case(
        tmp_path / "c", commodities=[("k", 10)], supply=[("k", "CHN", 10, 1)], policy={}
    )
    with pytest.raises(InputError, match=r"needs a \[horizon\]"):
        stock_needed(load_case(folder))
    case = load_case(china_only(tmp_path / "h", None, [2027]))
    with pytest.raises(InputError, match="unknown commodity 'gallium'"):
        stock_needed(case, commodities=["gallium"])
    with pytest.raises(InputError, match="year 2030 is outside the horizon 2026-2028"):
        stock_needed(case, years=[2030])
