"""Stress in some years of a horizon, how long a stockpile bridges an outage, and the stock
it would need (README "Sensitivity runs" and "Stockpile"), hand-solved.

The case: 2026-2028, demand 10 t a year of k, China sells 10 t a year at $1, AUS nothing
(a row of capacity 0); the shortfall penalty is 10 x the dearest ($2) = $20/t. The stock
holds ``initial`` t before 2026 at $0.1/t a year (so that drawing it early is cheaper
than holding it). Every expected value is worked by hand in the comment above it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import InputError, load_case
from model.stress import stress
from tests.conftest import ROOT, write_case
from tests.test_horizon import horizon_case

HEADER = ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"]


def stocked(
    folder: Path, initial: float | None, *, release: float | str = "", holding: float = 0.1
) -> Path:
    """The case above; ``initial`` None: no stockpile.csv."""
    tables = {}
    if initial is not None:
        tables["stockpile.csv"] = (HEADER, [("k", initial, "", release, holding, "")])
    return horizon_case(
        folder,
        commodities=[("k", 10, None)],
        supply=[("k", "CHN", 10, 1), ("k", "AUS", 0, 2)],
        horizon={"start": 2026, "end": 2028},
        tables=tables,
    )


def by_year(frame: pd.DataFrame, column: str) -> dict[int, float]:
    return dict(zip(frame["year"].tolist(), frame[column].tolist(), strict=True))


def test_an_outage_in_one_year_only(tmp_path: Path):
    # 5 t held. Without an outage they are released in 2026 (buying 5 t, $5, and holding
    # nothing): cost 5 + 10 + 10 = $25. China out in 2027 only: the stock is kept for 2027
    # ($0.5 holding), 2026 buys 10 t ($10), 2027 releases 5 t and is short 5 t, 2028 buys
    # 10 t as before (no row). 2027's need is 10 t: 50% of it unmet. Supply cost 20, -5;
    # unmet need valued 5 x $20 = +100; holding +0.5 (part of the total): total +95.5.
    r = stress(load_case(stocked(tmp_path / "c", 5)), country="CHN", year=2027)
    detail = r.run_tables()["stress"]
    assert detail["outage_years"].tolist() == ["2027", "2027"]
    assert by_year(detail, "cost_increase") == {2026: 5.0, 2027: -10.0}
    assert by_year(detail, "shortfall") == {2026: 0.0, 2027: 5.0}
    assert by_year(detail, "shortfall_share") == {2026: 0.0, 2027: 0.5}
    rank = r.run_tables()["criticality"].iloc[0]
    assert (rank["outage"], rank["outage_years"], rank["worst_year"]) == ("CHN", "2027", 2027)
    assert rank["shortfall_share_increase"] == 0.5
    assert (rank["supply_cost_increase"], rank["shortfall_value_increase"]) == (-5.0, 100.0)
    assert rank["total_increase"] == 95.5
    # the stock covers no year whole
    assert rank["bridged_years"] == 0 and r.summary["bridged_years"] == {"CHN": 0}
    assert r.summary["outage_years"] == [2027]
    assert "the total (supply, stock and build-out costs plus unmet need" in r.summary["rank"]
    # a 10 t stock would: needed 10, extra 5, the 5 t short without it
    assert r.summary["stock_needed"] == {
        "k": {
            "initial": 5.0,
            "needed": 10.0,
            "extra": 5.0,
            "held_at_start": 10.0,  # 2026 has nothing to spare: all held from the start
            "shortfall_without": 5.0,
            "shortfall_left": 0.0,
        }
    }


def test_an_outage_from_a_year_on_and_how_long_the_stock_bridges(tmp_path: Path):
    # 10 t held, China out from 2027 (to the end, 2028, the same as --years 2): 2027 is
    # covered by the stock, 2028 is 10 t short: the stock bridges 1 year. Covering both
    # needs 20 t (extra 10).
    case = load_case(stocked(tmp_path / "c", 10))
    r = stress(case, country="CHN", from_year=2027)
    same = stress(case, country="CHN", from_year=2027, years=2)
    pd.testing.assert_frame_equal(r.ranking, same.ranking)
    detail = r.run_tables()["stress"]
    assert by_year(detail, "extra_shortfall") == {2026: 0.0, 2027: 0.0, 2028: 10.0}
    assert r.ranking["outage_years"].tolist() == ["2027-2028"]
    assert r.ranking["bridged_years"].tolist() == [1]
    assert r.stock_needed.to_dict("records") == [
        {
            "commodity": "k",
            "initial": 10.0,
            "needed": 20.0,
            "extra": 10.0,
            "held_at_start": 20.0,
            "shortfall_without": 10.0,
            "shortfall_left": 0.0,
        }
    ]
    # a one-year outage from 2027 (--years 1): the 10 t cover it, nothing extra needed
    one = stress(case, country="CHN", from_year=2027, years=1)
    assert one.ranking["bridged_years"].tolist() == [1]
    assert one.stock_needed[["needed", "extra", "shortfall_without"]].iloc[0].tolist() == [
        10.0,
        0.0,
        0.0,
    ]


def test_bridged_years_ignore_how_a_tie_is_split_and_never_leave_a_year_short(tmp_path: Path):
    # no holding cost: releasing the 10 t in 2027 or 5 t in each of 2027 and 2028 leaves
    # the same unmet need at the same cost, so the solve may split them; 2027 can still be
    # covered whole (the LP asked about 2026-2027 only leaves nothing short): 1 year.
    case = load_case(stocked(tmp_path / "c", 10, holding=0))
    assert stress(case, country="CHN", from_year=2027).ranking["bridged_years"].tolist() == [1]
    # China out all three years (no --year): 2026 is covered, 2027 no longer: 1
    assert stress(case, country="CHN").ranking["bridged_years"].tolist() == [1]
    # an empty stock with no buy limit, China out in 2027: 10 t bought into it in 2026
    # would cover 2027 only by leaving 2026 10 t short, which is no bridge: 0
    empty = load_case(stocked(tmp_path / "e", 0))
    assert stress(empty, country="CHN", year=2027).ranking["bridged_years"].tolist() == [0]


def test_max_release_limits_the_stock_a_two_year_outage_can_use(tmp_path: Path):
    # 5 t held, at most 6 t released a year, China out 2027-2028 (20 t of need): 5 t
    # released, 15 t short; at most 6 + 6 = 12 t can ever be released: needed 12 (7
    # extra), 8 t left short whatever the stock
    case = load_case(stocked(tmp_path / "c", 5, release=6))
    r = stress(case, country="CHN", commodity="k", from_year=2027, years=2)
    assert r.ranking[["outage", "kind", "bridged_years"]].iloc[0].tolist() == [
        "CHN:k",
        "supplier",
        0,
    ]
    assert r.stock_needed.iloc[0].tolist() == ["k", 5.0, 12.0, 7.0, 12.0, 15.0, 8.0]


def test_every_outage_in_some_years_and_no_bridging_without_a_stock(tmp_path: Path):
    # the enumeration in 2028 only: CHN (AUS has no capacity, so it is not tested); 2028 is
    # 10 t short. Without stockpile.csv there is no bridged_years column.
    r = stress(load_case(stocked(tmp_path / "c", None)), year=2028)
    assert r.ranking["outage"].tolist() == ["CHN"]
    assert list(r.ranking.columns[:4]) == ["rank", "outage", "kind", "outage_years"]
    assert "bridged_years" not in r.ranking.columns and "bridged_years" not in r.summary
    assert by_year(r.run_tables()["stress"], "extra_shortfall") == {2028: 10.0}
    # an enumeration has no stock_needed; a named outage on a horizon case does (20 t to
    # cover 2027-2028 with no stock at all)
    assert r.stock_needed is None and "stock_needed" not in r.run_tables()
    named = stress(load_case(stocked(tmp_path / "d", None)), country="CHN", from_year=2027)
    assert named.stock_needed["needed"].tolist() == [20.0]


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"year": 2030}, "year 2030 is outside the horizon 2026-2028"),
        ({"from_year": 2027, "years": 3}, "year 2029 is outside the horizon 2026-2028"),
        ({"years": 2}, "--years needs --from-year"),
        ({"year": 2027, "from_year": 2027}, "give --year or --from-year, not both"),
        ({"year": 2027, "years": 1}, "--years goes with --from-year"),
        ({"from_year": 2027, "years": 0}, "--years must be at least 1"),
        ({"country": "XYZ", "year": 2027}, "unknown country 'XYZ'"),
    ],
)
def test_bad_outage_years_are_input_errors(tmp_path: Path, kw: dict, message: str):
    with pytest.raises(InputError, match=message):
        stress(load_case(stocked(tmp_path / "c", 5)), **kw)


def test_the_command_line_writes_the_stock_needed_and_refuses_years_without_a_horizon(
    tmp_path: Path,
):
    folder = stocked(tmp_path / "c", 10)
    command = [sys.executable, "-m", "model.cli", "stress", str(folder), "--no-plots"]
    command += ["--country", "CHN", "--from-year", "2027", "--years", "2", "--no-progress"]
    proc = subprocess.run(
        [*command, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "most critical outages in 2027-2028" in proc.stdout
    assert "stock needed to cover the outage" in proc.stdout
    assert "k 2028" in proc.stdout and "k.2028" not in proc.stdout  # the worst, as tables say
    run = tmp_path / "o" / "solutions" / "years-stress"
    assert (run / "stock_needed.csv").read_text() == (
        "commodity,initial,needed,extra,held_at_start,shortfall_without,shortfall_left\n"
        "k,10.0,20.0,10.0,20.0,10.0,0.0\n"
    )
    summary = json.loads((run / "summary.json").read_text())
    assert summary["outage_years"] == [2027, 2028] and summary["bridged_years"] == {"CHN": 1}
    # a case without [horizon]: exit 2, one line, nothing written
    plain = write_case(tmp_path / "p", commodities=[("k", 10)], supply=[("k", "CHN", 10, 1)])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "model.cli",
            "stress",
            str(plain),
            "--year",
            "2027",
            "--out",
            str(tmp_path / "none"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "--year needs a case with a [horizon]" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()
