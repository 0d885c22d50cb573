"""Sweeps on hand-solved cases: every point's numbers worked out by hand, and every
column of the warm sweep table equal to a cold solve of the same inputs."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from model import load_case, solve
from model.case.params import apply_values, parse_parameter
from model.curve import curve
from model.errors import InputError
from model.stress import stress
from model.sweep import sweep
from tests.conftest import write_csv

APPROX = dict(rel=1e-9, abs=1e-6)


def by_point(s, column: str, k: str = "a") -> list[float]:
    t = s.table[s.table["commodity"] == k].sort_values("point")
    return t[column].tolist()


def test_freight_is_scaled_not_set(case_dir):
    # a, demand 100: AUS unit 1 + freight 2 = 3 (cap 1000), JPN 4 (no freight)
    # freight x0.5 -> AUS 2 -> 200; x1 -> 3 -> 300; x2 -> AUS 5 > JPN 4 -> 400
    folder = case_dir(commodities=[("a", 100)], supply=[])
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "freight"],
        [("a", "AUS", 1000, 1, 2), ("a", "JPN", 1000, 4, "")],
    )
    s = sweep(load_case(folder), {"freight[country=AUS]": [0.5, 1.0, 2.0]})
    assert by_point(s, "cost") == pytest.approx([200, 300, 400], **APPROX)
    assert s.points["supply_cost"].tolist() == pytest.approx([200, 300, 400], **APPROX)
    assert by_point(s, "freight[country=AUS]") == [0.5, 1.0, 2.0]
    mix = s.mix[s.mix["point"] == 2]
    assert mix[["country", "quantity", "unit_cost"]].values.tolist() == [["JPN", 100.0, 4.0]]


@pytest.mark.parametrize(
    ("param", "values", "expected"),
    [
        # AUS delivers at 3 + 1 (tariff per unit) = 4, JPN at 5; demand 100
        # unit_cost of AUS scaled: 1.5 + 1 = 2.5 -> 250; 6 + 1 = 7 > JPN 5 -> 500
        ("unit_cost[country=AUS]", [0.5, 2.0], [250, 500]),
        # tariff_per_unit of AUS scaled: 3 + 0.5 = 3.5 -> 350; 3 + 3 = 6 -> JPN 500
        ("tariff_per_unit[country=AUS]", [0.5, 3.0], [350, 500]),
        # ad-valorem tariff set: 3 * 1.2 + 1 = 4.6 -> 460; 0 -> 400
        ("tariff[country=AUS]", [0.2, 0.0], [460, 400]),
    ],
)
def test_cost_parameters(case_dir, param, values, expected):
    folder = case_dir(commodities=[("a", 100)], supply=[])
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "tariff_per_unit"],
        [("a", "AUS", 1000, 3, 1), ("a", "JPN", 1000, 5, "")],
    )
    s = sweep(load_case(folder), {param: values})
    assert by_point(s, "cost") == pytest.approx(expected, **APPROX)


def uncapped_case(case_dir):
    # a, demand 100: CHN 1000 at 2, AUS 60 at 1, JPN 1000 at 3; China capped at 0.5
    return load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "CHN", 1000, 2), ("a", "AUS", 60, 1), ("a", "JPN", 1000, 3)],
            policy={"max_china_share": 0.5},
        )
    )


def test_uncapped_comparison_follows_each_points_values(case_dir):
    # capacity of AUS x1: uncapped AUS 60 + CHN 40 = 140; capped the same (40 <= 50): premium 0
    # x0.5: uncapped AUS 30 + CHN 70 = 170; capped AUS 30 + CHN 50 + JPN 20 = 190: premium 20
    # x0:   uncapped CHN 100 = 200; capped CHN 50 + JPN 50 = 250: premium 50
    s = sweep(uncapped_case(case_dir), {"capacity[country=AUS]": [1.0, 0.5, 0.0, 0.5]})
    assert by_point(s, "uncapped_cost") == pytest.approx([140, 170, 200, 170], **APPROX)
    assert by_point(s, "cost") == pytest.approx([140, 190, 250, 190], **APPROX)
    assert by_point(s, "supply_cost_change") == pytest.approx([0, 20, 50, 20], **APPROX)
    # nothing short: the total is the supply cost, and its premium the same 0, 20, 50, 20;
    # against the case as given (AUS x1, 140): 0, 50, 110, 50
    pts = s.points
    assert pts["premium_vs_no_share_rules"].tolist() == pytest.approx([0, 20, 50, 20], **APPROX)
    assert pts["premium_vs_today"].tolist() == pytest.approx([0, 50, 110, 50], **APPROX)
    assert s.summary["today"]["total"] == pytest.approx(140, **APPROX)


def test_uncapped_comparison_with_a_cap_parameter_too(case_dir):
    # product of cap (policy: same uncapped optimum) and AUS capacity (moves it)
    s = sweep(
        uncapped_case(case_dir),
        {"max_china_share": [0.5, 0.2], "capacity[country=AUS]": [1.0, 0.5]},
    )
    # points: (0.5, 1) (0.5, 0.5) (0.2, 1) (0.2, 0.5)
    # cap 0.2, AUS 60: CHN 20 + AUS 60 + JPN 20 = 40 + 60 + 60 = 160
    # cap 0.2, AUS 30: CHN 20 + AUS 30 + JPN 50 = 40 + 30 + 150 = 220
    assert by_point(s, "uncapped_cost") == pytest.approx([140, 170, 140, 170], **APPROX)
    assert by_point(s, "cost") == pytest.approx([140, 190, 160, 220], **APPROX)
    assert by_point(s, "max_china_share") == [0.5, 0.5, 0.2, 0.2]


def test_demand_change_moves_the_shortfall_bound(case_dir):
    # a: demand 10, only AUS 5 at 1 -> short 5; penalty 10 * 1 = 10
    # demand x3 = 30: supplied 5, short 25 -> objective 5 + 250 = 255
    # demand x0.2 = 2: supplied 2, short 0 -> 2
    case = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 5, 1)]))
    s = sweep(case, {"demand[commodity=a]": [1.0, 3.0, 0.2]})
    assert by_point(s, "demand") == [10, 30, 2]
    assert by_point(s, "shortfall") == pytest.approx([5, 25, 0], **APPROX)
    assert s.points["objective"].tolist() == pytest.approx([55, 255, 2], **APPROX)
    assert by_point(s, "uncapped_shortfall") == pytest.approx([5, 25, 0], **APPROX)


def min_rule_case(case_dir):
    # a, demand 100: CHN 1000 at 1, AUS 1000 at 3; partners at least 40%
    # capped: CHN 60 + AUS 40 = 180; without share rules: CHN 100 = 100
    return load_case(
        case_dir(
            commodities=[("a", 100)],
            supply=[("a", "CHN", 1000, 1), ("a", "AUS", 1000, 3)],
            policy={
                "rules": [
                    {"name": "partners", "country": "group:partner", "min_share": 0.4},
                    {"name": "each", "country": "each", "max_share": 0.9},
                    {"name": "china", "country": "CHN", "max_share": 0.95},
                ]
            },
        )
    )


def test_comparison_without_share_rules_drops_min_shares(case_dir):
    r = solve(min_rule_case(case_dir))
    c = r.commodities.set_index("commodity")
    assert c.loc["a", "cost"] == pytest.approx(180, **APPROX)
    assert c.loc["a", "uncapped_cost"] == pytest.approx(100, **APPROX)
    assert c.loc["a", "supply_cost_change"] == pytest.approx(80, **APPROX)
    assert r.summary["premium_vs_no_share_rules"] == pytest.approx(80, **APPROX)
    assert c.loc["a", "binding"] == "rule partners"


def test_sweep_comparison_drops_min_shares(case_dir):
    # min 0.6: CHN 40 + AUS 60 = 220; min 0: each 90% binds: CHN 90 + AUS 10 = 120
    s = sweep(min_rule_case(case_dir), {"rule[partners].min_share": [0.4, 0.6, 0.0]})
    assert by_point(s, "cost") == pytest.approx([180, 220, 120], **APPROX)
    assert by_point(s, "uncapped_cost") == pytest.approx([100, 100, 100], **APPROX)
    assert by_point(s, "supply_cost_change") == pytest.approx([80, 120, 20], **APPROX)


def test_sweep_rule_max_share_and_each(case_dir):
    # rule #3 (CHN max) 0.95 -> 0.5: CHN 50 + AUS 50 = 200; rule 'each' 0.9 -> 0.7:
    # CHN 60 at most 70 -> 180 (the min 40% binds first)
    case = min_rule_case(case_dir)
    s = sweep(case, {"rule[#3].max_share": [0.5]})
    assert by_point(s, "cost") == pytest.approx([200], **APPROX)
    s = sweep(case, {"rule[each].max_share": [0.7, 0.55]})
    # 0.55: CHN 55 + AUS 45 = 55 + 135 = 190
    assert by_point(s, "cost") == pytest.approx([180, 190], **APPROX)


def staged_case(case_dir):
    # magnet (10, component) needs 0.5 oxide; oxide (2, refining); China caps and a rule
    return load_case(
        case_dir(
            commodities=[("magnet", 10, "component"), ("oxide", 2, "refining", 0.6), ("x", 3)],
            supply=[
                ("magnet", "CHN", 8, 2),
                ("magnet", "JPN", 6, 5),
                ("oxide", "CHN", 100, 1),
                ("oxide", "AUS", 3, 2),
                ("oxide", "USA", 1, 4),
                ("x", "CHN", 2, 1),
                ("x", "AUS", 2, 3),
            ],
            recipes=[("magnet", "oxide", 0.5)],
            policy={
                "max_china_share": 0.7,
                "rules": [{"name": "partners", "country": "group:partner", "min_share": 0.2}],
            },
        )
    )


COLUMNS = [
    "demand",
    "downstream_use",
    "supplied",
    "shortfall",
    "china_share",
    "max_china_share",
    "cost",
    "average_unit_cost",
    "uncapped_cost",
    "supply_cost_change",
    "unit_cost_premium",
    "uncapped_shortfall",
    "shortfall_share",
    "shortfall_penalty",
    "shortfall_value",
    "total",
    "uncapped_total",
    "premium_vs_no_share_rules",
]


@pytest.mark.parametrize(
    "grid",
    [
        {"max_china_share": [0.7, 0.3, 0.0]},
        {"max_china_share[commodity=oxide]": [0.2, 1.0]},
        {"max_china_share[all]": [0.4]},
        {"capacity[country=CHN]": [0.5, 0.0]},
        {"demand[stage=component]": [2.0, 0.5]},
        {"unit_cost[commodity=oxide]": [3.0]},
        {"rule[partners].min_share": [0.5, 0.9]},
        {"tariff[country=AUS|USA]": [0.5]},
    ],
)
def test_every_sweep_column_equals_a_cold_solve(case_dir, grid):
    case = staged_case(case_dir)
    s = sweep(case, grid)
    ((name, values),) = grid.items()
    table = s.table
    if f"commodity_{name}" in table:  # a result column named as the parameter is renamed
        assert (table[name] == table["point"].map(dict(enumerate(values)))).all()
        table = table.drop(columns=name).rename(columns={f"commodity_{name}": name})
    for i, v in enumerate(values):
        cold = solve(apply_values(case, [(parse_parameter(name), v)]), probes=False, ranging=False)
        want = cold.commodities.set_index("commodity")[COLUMNS]
        got = table[table["point"] == i].set_index("commodity")[COLUMNS]
        pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-9, rtol=1e-9)
        p = s.points.iloc[i]
        assert p["objective"] == pytest.approx(cold.objective, rel=1e-12, abs=1e-9)
        # (a sweep totals unrounded costs, a solve its rounded ones: 1e-6 apart at most)
        assert p["supply_cost"] == pytest.approx(cold.supply_cost, rel=1e-12, abs=2e-6)
        assert p["total"] == pytest.approx(cold.total, rel=1e-12, abs=2e-6)
        assert p["premium_vs_no_share_rules"] == pytest.approx(
            cold.summary["premium_vs_no_share_rules"], rel=1e-12, abs=2e-6
        )
        mix = s.mix[s.mix["point"] == i].reset_index(drop=True)
        cm = cold.mix[["commodity", "country", "quantity", "share", "unit_cost", "cost"]]
        pd.testing.assert_frame_equal(
            mix[cm.columns], cm.reset_index(drop=True), check_dtype=False, atol=1e-9
        )


def test_stress_worst_is_the_largest_share_of_need(case_dir):
    # a: demand 10, only China at 10 -> penalty 100; b: demand 50, China at 0.02 -> penalty 0.2
    # China out: a short 10 of 10 (100% of need), b 30 of 50 (60%): worst is a, +100%
    # total: before 100 + 1 = 101, after 0.4 + 1000 + 6 = 1006.4 -> +905.4; supply cost -100.6
    case = load_case(
        case_dir(
            commodities=[("a", 10), ("b", 50)],
            supply=[("a", "CHN", 100, 10), ("b", "CHN", 100, 0.02), ("b", "AUS", 20, 0.02)],
        )
    )
    res = stress(case, groups=False)
    rank = res.ranking.set_index("outage")
    assert rank.loc["CHN", "worst_commodity"] == "a"
    assert rank.loc["CHN", "shortfall_share_increase"] == 1.0
    assert rank.loc["CHN", "shortfall_value_increase"] == pytest.approx(1000 + 30 * 0.2, **APPROX)
    # b: AUS fills 20 of 50, 30 short; cost before 100 + 1 = 101, after 0.4
    assert rank.loc["CHN", "supply_cost_increase"] == pytest.approx(0.4 - 101, **APPROX)
    assert rank.loc["CHN", "total_increase"] == pytest.approx(1006 + 0.4 - 101, **APPROX)
    assert rank.loc["CHN", "commodities_short"] == 2
    assert rank.loc["CHN", "rank"] == 1
    # AUS out: b all from China at 0.02 again: no change -> ranks last, nothing short
    assert rank.loc["AUS", "total_increase"] == 0
    assert rank.loc["AUS", "shortfall_share_increase"] == 0
    assert rank.loc["AUS", "worst_commodity"] == ""
    rows = res.by_commodity.set_index(["outage", "commodity"])
    assert rows.loc[("CHN", "b"), "extra_shortfall"] == pytest.approx(30, **APPROX)
    assert rows.loc[("CHN", "b"), "shortfall_share"] == 0.6
    assert rows.loc[("CHN", "a"), "cost_increase"] == pytest.approx(-100, **APPROX)
    assert np.isnan(rows.loc[("CHN", "a"), "china_share"])
    assert rows.loc[("CHN", "b"), "china_share"] == 0.0


def test_stress_tables_and_summary_by_hand(case_dir):
    # a, demand 10: AUS 6 at 1, JPN 10 at 2, USA 0 capacity (never an outage);
    # AUS out -> JPN 10 = 20 (+6); JPN out -> AUS 6, 4 short at 20 = 6 + 80 (+72)
    # group partner (AUS, JPN) out -> 10 short at 20 = 200 (+186); base objective 6 + 8 = 14
    # unmet share of need: partner 100%, JPN 4 of 10 = 40%, AUS 0
    case = load_case(
        case_dir(
            commodities=[("a", 10)],
            supply=[("a", "AUS", 6, 1), ("a", "JPN", 10, 2), ("a", "USA", 0, 1)],
        )
    )
    res = stress(case)
    cols = ["rank", "outage", "kind", "shortfall_share_increase", "total_increase"]
    assert res.ranking[cols].values.tolist() == [
        [1, "group:partner", "group", 1.0, 186.0],
        [2, "JPN", "country", 0.4, 72.0],
        [3, "AUS", "country", 0.0, 6.0],
    ]
    rows = res.by_commodity.set_index("outage")
    assert rows.loc["JPN", ["kind", "commodity", "cost", "shortfall"]].tolist() == [
        "country",
        "a",
        6.0,
        4.0,
    ]
    assert rows.loc["AUS", "cost"] == 20.0 and rows.loc["AUS", "cost_increase"] == 6.0
    s = res.summary
    assert {k: s[k] for k in ("kind", "name", "case", "outages", "k", "groups")} == {
        "kind": "stress",
        "name": "tiny-stress",
        "case": "tiny",
        "outages": 3,
        "k": 1,
        "groups": True,
    }
    assert s["by_commodity"] is False and s["base_objective"] == pytest.approx(14, **APPROX)
    assert s["base_total"] == pytest.approx(14, **APPROX)
    assert s["timings_seconds"]["total"] >= 0
    with pytest.raises(InputError) as err:
        stress(case, k=0)
    assert (err.value.file, err.value.column) == ("command line", "k")


def test_curve_summary_names_and_errors(case_dir):
    # one commodity: CHN 100 of demand 300 at 1 (share 1/3 when uncapped), AUS at 2
    case = load_case(
        case_dir(
            commodities=[("a", 300), ("b", 10)],
            supply=[("a", "CHN", 100, 1), ("a", "AUS", 1000, 2), ("b", "CHN", 100, 1)],
        )
    )
    t0 = time.perf_counter()
    res = curve(case, commodities=["a"], grid=[1.0, 0.5])
    elapsed = time.perf_counter() - t0
    assert res.summary["kind"] == "curve" and res.summary["name"] == "tiny-curve"
    assert res.summary["commodities"] == ["a"] and res.summary["grid"] == [1.0, 0.5]
    assert 0 <= res.summary["timings_seconds"]["total"] <= elapsed
    top = res.curve.iloc[0]
    assert top["china_share"] == 0.333333333  # 100 / 300, to 9 decimals
    assert top["cost"] == 500.0 and top["premium_vs_no_share_rules"] == 0.0
    assert res.breakpoints.empty  # China's 1/3 is below 50%: nothing changes
    both = curve(case, together=True, grid=[1.0, 0.0])
    assert both.summary["name"] == "tiny-curve-together"
    # all caps falling together: b (China only) goes short at once; a's China share is
    # 1/3 (its capacity) until the cap passes 1/3; at 0 China leaves a (AUS fills it)
    bp = both.breakpoints
    assert bp["change"].tolist() == [
        "CHN (b) leaves; shortfall starts (b)",
        "CHN (a) no longer full",
        "CHN (a) leaves",
    ]
    assert bp.loc[1, "cap_to"] <= 1 / 3 <= bp.loc[1, "cap_from"]
    assert bp.loc[1, "cap_from"] - bp.loc[1, "cap_to"] <= 1e-4
    for kwargs, column in (
        ({"grid": [1.5]}, "grid"),
        ({"commodities": ["zz"]}, "commodity"),
        ({"tol": 0.5}, "tol"),
    ):
        with pytest.raises(InputError) as err:
            curve(case, **kwargs)
        assert (err.value.file, err.value.column) == ("command line", column)


def test_case_copy_is_deep(case_dir):
    # solve(case, cap) works on a copy: the caller's case keeps its own policy and tables
    case = load_case(case_dir(commodities=[("a", 100)], supply=two_suppliers()))
    capped = solve(case, 0.3, probes=False, ranging=False)
    assert capped.total_cost == pytest.approx(170, **APPROX)  # 30 at 1 + 70 at 2
    assert case.policy.max_china_share == 1.0
    assert solve(case, probes=False, ranging=False).total_cost == pytest.approx(100, **APPROX)
    other = case.copy()
    other.supply.loc[other.supply.index[0], "capacity"] = 0.0
    other.policy.rules.append(case.policy.rules[0] if case.policy.rules else None)
    assert case.supply["capacity"].tolist() == [1000.0, 1000.0]
    assert case.policy.rules == []


def two_suppliers() -> list[tuple]:
    return [("a", "CHN", 1000, 1), ("a", "AUS", 1000, 2)]


def test_default_cap_parameter_leaves_stage_and_own_caps(case_dir):
    # a: own cap 0.6; b: refining, stage default 0.5; c: no stage -> the swept default
    # (demand 100 each, China at 1, Australia at 2: cost = 200 - 100 * cap)
    case = load_case(
        case_dir(
            commodities=[("a", 100, "", 0.6), ("b", 100, "refining"), ("c", 100)],
            supply=[r for k in "abc" for r in ((k, "CHN", 1000, 1), (k, "AUS", 1000, 2))],
            policy={"max_china_share_by_stage": {"refining": 0.5}},
        )
    )
    s = sweep(case, {"max_china_share": [0.2]})
    assert s.table["max_china_share"].tolist() == [0.2, 0.2, 0.2]  # the swept value
    assert s.table.set_index("commodity")["commodity_max_china_share"].to_dict() == {
        "a": 0.6,
        "b": 0.5,
        "c": 0.2,
    }
    s = sweep(case, {"max_china_share[all]": [0.2]})
    assert s.table["max_china_share"].tolist() == [0.2, 0.2, 0.2]
    assert s.points["supply_cost"].tolist() == [540.0]


def test_sweep_keeps_a_last_commodity_nobody_supplies(case_dir):
    # 'ghost' (last) has no supply rows: its row is still there, all of it short
    case = load_case(case_dir(commodities=[("a", 10), ("ghost", 3)], supply=[("a", "AUS", 100, 1)]))
    s = sweep(case, {"demand": [1.0, 2.0]})
    ghost = s.table[s.table["commodity"] == "ghost"]
    assert ghost["supplied"].tolist() == [0.0, 0.0]
    assert ghost["shortfall"].tolist() == [3.0, 6.0]
    assert s.points["objective"].tolist() == [13.0, 26.0]  # 10 + 3 * 1; 20 + 6 * 1
