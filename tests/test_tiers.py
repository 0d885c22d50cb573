"""Supply tiers (today's volume, switching premium) and supply row status, hand-solved.

Two suppliers of one commodity, demand 10: AUS at $1 with today 6 of capacity 10, JPN at
$1.10 with today 4 of capacity 10, switching premium 20%. Beyond today a unit from AUS
costs $1.20 and from JPN $1.32, so today's mix (AUS 6, JPN 4) is the cheapest:
6 x 1 + 4 x 1.1 = 10.40, where one tier would buy AUS 10 for $10.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from model import InputError, load_case, solve
from model.case.params import apply_values
from model.output import canonical_inputs
from model.sweep import sweep
from tests.conftest import ROOT, write_case
from tests.reference import reference_objective
from tests.test_properties import cases

TIERS = ("today", "status")


def two_suppliers(folder: Path, *, china: bool = False, **policy) -> Path:
    first = "CHN" if china else "AUS"
    return write_case(
        folder,
        commodities=[("k", 10)],
        supply=[("k", first, 10, 1, 6, ""), ("k", "JPN", 10, 1.1, 4, "")],
        supply_columns=TIERS,
        policy={"switching_premium": 0.2, **policy},
    )


def quantities(result) -> dict[str, float]:
    return dict(zip(result.mix["country"], result.mix["quantity"], strict=True))


def test_the_premium_keeps_todays_mix(tmp_path: Path):
    r = solve(load_case(two_suppliers(tmp_path / "c")))
    assert quantities(r) == {"AUS": 6.0, "JPN": 4.0}
    assert r.total_cost == pytest.approx(10.4) and r.objective == pytest.approx(10.4)
    mix = r.mix.set_index("country")
    assert mix["today"].to_dict() == {"AUS": 6.0, "JPN": 4.0}
    assert mix["beyond_today"].to_dict() == {"AUS": 0.0, "JPN": 0.0}


def test_without_a_premium_today_is_only_reported(tmp_path: Path):
    r = solve(load_case(two_suppliers(tmp_path / "c", switching_premium=0.0)))
    assert quantities(r) == {"AUS": 10.0}
    assert r.total_cost == pytest.approx(10.0)
    assert r.mix["beyond_today"].tolist() == [4.0]


def test_a_china_cap_buys_beyond_today_at_the_premium(tmp_path: Path):
    # China (today 6) capped at 50%: 5 from China; JPN 4 at 1.10 + 1 at 1.32 = 5.72
    r = solve(load_case(two_suppliers(tmp_path / "c", china=True, max_china_share=0.5)))
    assert quantities(r) == pytest.approx({"CHN": 5.0, "JPN": 5.0})
    assert r.total_cost == pytest.approx(10.72)
    com = r.commodities.iloc[0]
    assert com["uncapped_cost"] == pytest.approx(10.4)
    assert com["supply_cost_change"] == pytest.approx(0.32)
    mix = r.mix.set_index("country")
    assert mix.loc["JPN", "beyond_today"] == pytest.approx(1.0)
    assert mix.loc["JPN", "cost"] == pytest.approx(5.72)
    assert mix.loc["CHN", "beyond_today"] == 0.0


def test_a_commodity_premium_overrides_the_policy(tmp_path: Path):
    # policy 20%, but k2 has its own 0: k buys today's mix, k2 the cheapest supplier
    folder = write_case(
        tmp_path / "c",
        commodities=[("k", 10), ("k2", 10)],
        supply=[
            ("k", "AUS", 10, 1, 6, ""),
            ("k", "JPN", 10, 1.1, 4, ""),
            ("k2", "AUS", 10, 1, 6, ""),
            ("k2", "JPN", 10, 1.1, 4, ""),
        ],
        supply_columns=TIERS,
        premiums={"k": None, "k2": 0.0},
        policy={"switching_premium": 0.2},
    )
    r = solve(load_case(folder))
    cost = dict(zip(r.commodities["commodity"], r.commodities["cost"], strict=True))
    assert cost == pytest.approx({"k": 10.4, "k2": 10.0})


def test_a_sweep_moves_both_tiers_of_a_cost_and_a_capacity(tmp_path: Path):
    case = load_case(two_suppliers(tmp_path / "c"))
    # AUS at $0.50: beyond today $0.60 < JPN's $1.10, so AUS 10: 6 x 0.5 + 4 x 0.6 = 5.40
    s = sweep(case, {"unit_cost[country=AUS]": "1,0.5"})
    assert s.points["supply_cost"].tolist() == pytest.approx([10.4, 5.4])
    assert s.points["objective"].tolist() == pytest.approx([10.4, 5.4])
    # AUS capacity 5 (below today 6): AUS 5, JPN 4 at 1.10 + 1 at 1.32 = 10.72
    s = sweep(case, {"capacity[country=AUS]": "1,0.5"})
    assert s.points["supply_cost"].tolist() == pytest.approx([10.4, 10.72])


def test_a_probe_on_a_row_with_no_capacity_prices_it_beyond_today(tmp_path: Path):
    # CHN planned (not included), $0.50 a unit, today 0: one more unit of its capacity
    # costs 0.50 x 1.2 = 0.60 and replaces a JPN unit at 1.10: it is worth 0.50
    folder = write_case(
        tmp_path / "c",
        commodities=[("k", 10)],
        supply=[
            ("k", "AUS", 10, 1, 6, ""),
            ("k", "JPN", 10, 1.1, 4, ""),
            ("k", "CHN", 5, 0.5, 0, "planned"),
        ],
        supply_columns=TIERS,
        policy={"switching_premium": 0.2},
    )
    r = solve(load_case(folder))
    values = r.capacity_values.set_index("country")
    assert values.loc["CHN", "marginal_value"] == pytest.approx(0.5)
    assert values.loc["CHN", "status"] == "planned (not included)"


# --- status ---------------------------------------------------------------------------------
def standby_case(folder: Path, **policy) -> Path:
    # AUS operating 6 at $1; JPN standby 10 at $2; demand 10; penalty 10 x $2 = $20
    return write_case(
        folder,
        commodities=[("k", 10)],
        supply=[("k", "AUS", 6, 1, 0, ""), ("k", "JPN", 10, 2, 0, "standby")],
        supply_columns=TIERS,
        policy=policy,
    )


def test_standby_capacity_is_left_out_by_default_and_says_so(tmp_path: Path):
    r = solve(load_case(standby_case(tmp_path / "c")))
    assert quantities(r) == {"AUS": 6.0}
    com = r.commodities.iloc[0]
    assert com["shortfall"] == 4.0
    assert r.objective == pytest.approx(6 + 4 * 20)
    assert "standby capacity not included: JPN 10" in com["binding"]


def test_standby_capacity_counts_when_included(tmp_path: Path):
    r = solve(load_case(standby_case(tmp_path / "c", include_status=["operating", "standby"])))
    assert quantities(r) == {"AUS": 6.0, "JPN": 4.0}
    assert r.objective == pytest.approx(14.0) and r.commodities.iloc[0]["shortfall"] == 0.0


def test_a_scenario_brings_standby_in_from_the_cli(tmp_path: Path):
    standby_case(tmp_path / "base")
    scenario = tmp_path / "standby-in.toml"
    scenario.write_text(
        'base = "base"\n[policy]\ninclude_status = ["operating", "standby"]\n', encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "solve", str(scenario), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "solutions" / "standby-in"
    mix = pd.read_csv(run / "mix.csv")
    assert dict(zip(mix["country"], mix["quantity"], strict=True)) == {"AUS": 6.0, "JPN": 4.0}
    # the run folder's inputs reproduce it
    assert "include_status" in (run / "inputs" / "case.toml").read_text(encoding="utf-8")
    assert solve(load_case(run / "inputs")).objective == pytest.approx(14.0)


def test_a_scenario_changes_today(tmp_path: Path):
    two_suppliers(tmp_path / "base")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'base = "base"\n[[changes]]\ntable = "supply"\ncolumn = "today"\ncountry = "AUS"\n'
        'set = 10\n[[changes]]\ntable = "supply"\ncolumn = "today"\ncountry = "JPN"\n'
        "scale = 0\n",
        encoding="utf-8",
    )
    # today AUS 10, JPN 0: all from AUS at $1
    assert solve(load_case(scenario)).total_cost == pytest.approx(10.0)


# --- byte identity: cases without the columns are written as before --------------------------
def test_unused_columns_and_keys_are_not_written(tmp_path: Path):
    folder = write_case(tmp_path / "c", commodities=[("k", 10)], supply=[("k", "AUS", 10, 1)])
    files = canonical_inputs(load_case(folder))
    assert (
        files["supply.csv"].splitlines()[0]
        == b"commodity,country,capacity,unit_cost,freight,tariff,tariff_per_unit"
    )
    assert b"switching_premium" not in files["commodities.csv"]
    assert b"switching" not in files["case.toml"] and b"include_status" not in files["case.toml"]
    r = solve(load_case(folder))
    assert "today" not in r.mix and "status" not in r.capacity_values


def test_a_workbook_keeps_tiers_and_statuses(tmp_path: Path):
    from model.excel import write_case_xlsx

    case = load_case(
        standby_case(tmp_path / "c", include_status=["operating", "standby"], switching_premium=0.5)
    )
    back = load_case(write_case_xlsx(case, tmp_path / "c.xlsx"))
    assert back.policy.include_status == ["operating", "standby"]
    assert back.policy.switching_premium == 0.5
    assert back.supply["status"].tolist() == ["operating", "standby"]
    # today is 0 for both: all at the premium, AUS 6 x 1.5 + JPN 4 x 3 = 21
    assert solve(back).objective == pytest.approx(21.0)


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("supply", "message", "row", "column"),
    [
        ([("k", "AUS", 10, 1, 11, "")], "today 11 is above capacity 10", 1, "today"),
        ([("k", "AUS", 10, 1, -1, "")], "-1 is negative", 1, "today"),
        (
            [("k", "AUS", 10, 1, 0, ""), ("k", "JPN", 10, 1, 0, "idle")],
            "'idle' is not a valid status (use operating, standby, planned; blank = operating)",
            2,
            "status",
        ),
        ([("k", "AUS", 10, 1, 3, "standby")], "status is standby", 1, "today"),
    ],
)
def test_bad_supply_rows(tmp_path: Path, supply, message, row, column):
    folder = write_case(
        tmp_path / "c", commodities=[("k", 10)], supply=supply, supply_columns=TIERS
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert message in err.value.message
    assert (Path(err.value.file).name, err.value.row, err.value.column) == (
        "supply.csv",
        row,
        column,
    )


@pytest.mark.parametrize(
    ("policy", "message", "column"),
    [
        (
            {"include_status": ["operating", "idle"]},
            "'operating', 'standby' or 'planned'",
            "policy.include_status[#2]",
        ),
        ({"include_status": []}, "include_status is empty", "policy"),
        ({"switching_premium": -0.1}, "greater than or equal to 0", "policy.switching_premium"),
    ],
)
def test_bad_policy(tmp_path: Path, policy, message, column):
    folder = write_case(
        tmp_path / "c", commodities=[("k", 10)], supply=[("k", "AUS", 10, 1)], policy=policy
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert message in err.value.message and err.value.column == column
    assert Path(err.value.file).name == "case.toml"


def test_a_scenario_cannot_put_today_above_capacity(tmp_path: Path):
    two_suppliers(tmp_path / "base")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'base = "base"\n[[changes]]\ntable = "supply"\ncolumn = "today"\n'
        'country = "AUS"\nscale = 2\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_case(scenario)
    assert "would make today = 12 above capacity 10 (row 1 of supply.csv)" in err.value.message
    assert err.value.column == "changes[#1]"


def test_a_scenario_may_cut_capacity_below_today(tmp_path: Path):
    # an export ban: AUS capacity 0 although 6 is bought today; JPN 4 + 6 x 1.32
    two_suppliers(tmp_path / "base")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'base = "base"\n[[changes]]\ntable = "supply"\ncolumn = "capacity"\n'
        'country = "AUS"\nscale = 0\n',
        encoding="utf-8",
    )
    r = solve(load_case(scenario))
    assert quantities(r) == {"JPN": 10.0}
    assert r.total_cost == pytest.approx(4 * 1.1 + 6 * 1.32)


# --- sweeps on random tiered cases: each point equals a cold solve and the reference ------
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_sweep_points_with_tiers_equal_cold_solves(spec):
    spec["policy"]["switching_premium"] = 0.25
    spec.setdefault("supply_columns", ("today", "status"))
    spec["supply"] = [r if len(r) == 6 else (*r, r[2] // 2, "") for r in spec["supply"]]
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(write_case(Path(tmp) / "c", **spec))
        who = case.supply["country"].iat[0]
        grid = {"capacity": [1.0, 0.5, 1.5], f"unit_cost[country={who}]": [1.0, 0.6]}
        s = sweep(case, grid)
        for i, point in enumerate(s.points_spec):
            changed = apply_values(case, point)
            ref = solve(changed, compare=False, probes=False, ranging=False)
            row = s.points.set_index("point").loc[i]
            assert row["objective"] == pytest.approx(ref.objective, rel=1e-7, abs=1e-4)
            assert row["supply_cost"] == pytest.approx(ref.total_cost, rel=1e-7, abs=1e-4)
            assert ref.objective == pytest.approx(reference_objective(changed), rel=1e-7, abs=1e-4)
