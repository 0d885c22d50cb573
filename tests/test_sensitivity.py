"""LP ranging, the price-of-de-risking curve, the outage stress test and compare,
each on a tiny case whose answer is worked out by hand."""

from __future__ import annotations

import math

import pytest

from model import InputError, load_case, solve
from model.compare import compare
from model.curve import curve
from model.stress import stress

APPROX = dict(rel=1e-9, abs=1e-6)

SIMPLE = dict(commodities=[("ree", 100)], supply=[("ree", "CHN", 60, 1), ("ree", "AUS", 100, 2)])


def test_cost_and_limit_ranging_non_degenerate(case_dir):
    # CHN 60 (full) @1, AUS 40 (basic) @2; penalty 10 x 2 = 20.
    r = solve(load_case(case_dir(**SIMPLE)))
    cost = r.cost_ranges.set_index("country")
    assert cost.loc["AUS", ["cost_lower", "cost_upper"]].tolist() == pytest.approx([1, 20])
    assert cost.loc["CHN", "cost_lower"] == -math.inf
    assert cost.loc["CHN", "cost_upper"] == pytest.approx(2)
    lim = r.limit_ranges.set_index(["limit", "commodity"])
    chn = lim.loc[("capacity", "ree")]
    assert chn["country"] == "CHN" and chn["shadow_price"] == pytest.approx(1)
    assert [chn["lower"], chn["upper"]] == pytest.approx([0, 100])
    dem = lim.loc[("demand", "ree")]
    assert dem["shadow_price"] == pytest.approx(2)
    assert [dem["lower"], dem["upper"]] == pytest.approx([60, 160])


def test_china_cap_ranging(case_dir):
    # cap 50%: CHN 50, AUS 50; each point of cap moves 1 t from AUS (2) to CHN (1): 1 per point,
    # valid over the whole range 0..100% at this demand.
    case = case_dir(
        commodities=[("ree", 100)],
        supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 100, 2)],
        policy={"max_china_share": 0.5},
    )
    r = solve(load_case(case))
    cap = r.limit_ranges.set_index("limit").loc["china_cap"]
    assert cap["shadow_price"] == pytest.approx(1.0)
    assert [cap["lower"], cap["upper"]] == pytest.approx([0.0, 1.0])
    k = r.commodities.iloc[0]
    assert k["marginal_cost_per_pp"] == pytest.approx(1.0)
    assert k["cost_of_next_pp"] == pytest.approx(1.0)


CURVE_CASE = dict(
    commodities=[("ree", 100)],
    supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 30, 2), ("ree", "JPN", 20, 3)],
)


def test_curve_breakpoints_by_hand(case_dir):
    # CHN (capacity 100 = demand) is full at 100%; below it AUS enters; AUS is full at 70%,
    # then JPN; JPN is full at 50% and below that demand cannot be met; at 0% China leaves.
    c = curve(load_case(case_dir(**CURVE_CASE)), grid="1:0:0.1", tol=1e-5)
    b = c.breakpoints
    assert list(b["change"]) == [
        "CHN no longer full; AUS enters",
        "AUS fills up; JPN enters",
        "JPN fills up; shortfall starts",
        "CHN leaves",
    ]
    for exact, (lo, hi) in zip(
        [1.0, 0.7, 0.5, 0.0], zip(b["cap_to"], b["cap_from"], strict=True), strict=True
    ):
        assert lo - 1e-9 <= exact <= hi + 1e-9 and hi - lo <= 2e-5 + 1e-9
    at = c.curve.set_index("cap")
    # cap 60%: CHN 60, AUS 30, JPN 10 -> 150 vs 100 uncapped
    assert at.loc[0.6, "premium_vs_no_share_rules"] == pytest.approx(50, **APPROX)
    # cap 30%: S = 0.3 S + 50 -> S = 50 / 0.7; CHN 0.3 S at 1, AUS 30 at 2, JPN 20 at 3;
    # short 100 - S at the penalty 10 x 3 = 30: premium = that total - 100 uncapped
    s = 50 / 0.7
    assert at.loc[0.3, "shortfall"] == pytest.approx(100 - s, abs=1e-6)
    assert at.loc[0.3, "shortfall_share"] == pytest.approx((100 - s) / 100, abs=1e-8)
    premium = 0.3 * s + 60 + 60 + 30 * (100 - s) - 100
    # (the shortfall is rounded to 6 decimals before it is valued: 30 x 5e-7 apart at most)
    assert at.loc[0.3, "premium_vs_no_share_rules"] == pytest.approx(premium, abs=2e-5)
    # the case has no rules: as given it is its own "no share rules"
    assert (at["premium_vs_today"] == at["premium_vs_no_share_rules"]).all()
    # a tighter cap only removes options: the premium never falls as the cap tightens
    assert (at["premium_vs_no_share_rules"].diff().dropna() >= -1e-9).all()


def test_curve_together_and_bad_input(case_dir):
    case = load_case(
        case_dir(
            commodities=[("a", 10), ("b", 10)],
            supply=[
                ("a", "CHN", 10, 1),
                ("a", "AUS", 10, 2),
                ("b", "CHN", 10, 1),
                ("b", "JPN", 10, 3),
            ],
        )
    )
    c = curve(case, together=True, grid="1:0:0.5")
    assert set(c.curve["commodity"]) == {"all"}
    row = c.curve.set_index("cap").loc[0.5]
    assert row["cost"] == pytest.approx(5 + 10 + 5 + 15)
    # units of different commodities do not add up: none in the together rows
    assert c.curve[["supplied", "shortfall", "china_share"]].isna().all().all()
    assert row["premium_vs_no_share_rules"] == pytest.approx(35 - 20)
    with pytest.raises(InputError, match="unknown commodity"):
        curve(case, commodities=["zz"])
    with pytest.raises(InputError, match="outside"):
        curve(case, grid="2:0:0.5")


def test_stress_ranks_outages_by_hand(case_dir):
    # a: CHN 10 @1 (used), AUS 10 @2; b: only AUS 5 @1; penalties a 20, b 10.
    # CHN out: a from AUS, +10. AUS out: b short 5 -> +5*10 - 5 = +45, all of b's need.
    case = load_case(
        case_dir(
            commodities=[("a", 10), ("b", 5)],
            supply=[("a", "CHN", 10, 1), ("a", "AUS", 10, 2), ("b", "AUS", 5, 1)],
        )
    )
    s = stress(case)
    rank = s.ranking.set_index("outage")
    assert rank.loc["AUS", "total_increase"] == pytest.approx(45)
    assert rank.loc["AUS", "shortfall_share_increase"] == 1.0
    assert rank.loc["AUS", "commodities_short"] == 1
    assert rank.loc["AUS", "worst_commodity"] == "b"
    assert rank.loc["CHN", "total_increase"] == pytest.approx(10)
    assert rank.loc["CHN", "supply_cost_increase"] == pytest.approx(10)
    assert rank.loc["group:partner", "total_increase"] == pytest.approx(45)
    assert list(s.ranking["outage"][:2]) == ["AUS", "group:partner"]
    assert list(s.ranking["rank"]) == list(range(1, len(s.ranking) + 1))
    by = s.by_commodity.set_index(["outage", "commodity"])
    assert by.loc[("AUS", "b"), "extra_shortfall"] == pytest.approx(5)
    pairs = stress(case, k=2, groups=False, by_commodity=True)
    assert "AUS+CHN" in set(pairs.ranking["outage"])
    assert "CHN:a" in set(pairs.ranking["outage"])
    both = pairs.ranking.set_index("outage").loc["AUS+CHN"]
    assert both["commodities_short"] == 2


def test_stress_with_workers_equals_serial(case_dir):
    case = load_case(case_dir(**CURVE_CASE))
    import pandas as pd

    pd.testing.assert_frame_equal(stress(case).ranking, stress(case, workers=2).ranking)


def test_compare_differences(case_dir, tmp_path):
    folder = case_dir(**CURVE_CASE)
    scen = tmp_path / "cap.toml"
    scen.write_text(f'name = "cap60"\nbase = "{folder}"\n[policy]\nmax_china_share = 0.6\n')
    c = compare([load_case(folder), load_case(scen)])
    row = c.by_commodity.set_index("case").loc["cap60"]
    assert row["cost"] == pytest.approx(150) and row["cost_vs_tiny"] == pytest.approx(50)
    assert row["china_share_vs_tiny"] == pytest.approx(-0.4)
    assert list(c.totals["total_vs_first"]) == pytest.approx([0, 50])
    # the scenario's today is its base folder, the first case: +50 against it
    assert list(c.totals["today"]) == ["tiny", "tiny"]
    assert list(c.totals["premium_vs_today"]) == pytest.approx([0, 50])
    with pytest.raises(InputError, match="at least two"):
        compare([load_case(folder)])
    with pytest.raises(InputError, match="different names"):
        compare([load_case(folder), load_case(folder)])


def test_small_money_changes_survive_against_a_huge_objective(case_dir):
    # a 1 t shortfall elsewhere (penalty 1e9) makes the objective huge; the cap's
    # exact cost of 1 per point must still be reported, not rounded to 0
    case = case_dir(
        commodities=[("ree", 100), ("ga", 1)],
        supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 100, 2)],
        policy={"max_china_share": 0.5},
    )
    text = (case / "commodities.csv").read_text().replace("shortfall", "x")
    (case / "commodities.csv").write_text(
        "commodity,name,unit,demand,shortfall_penalty\nree,Ree,t,100,\nga,Ga,t,1,1e9\n"
    )
    assert text
    r = solve(load_case(case))
    assert r.objective > 1e9
    assert r.commodities.set_index("commodity").loc["ree", "cost_of_next_pp"] == pytest.approx(1.0)


def test_non_binding_cap_range_is_exact(case_dir):
    # cap 90% but China supplies 60 of 100 (its capacity): the cap does not bind
    r = solve(load_case(case_dir(**SIMPLE, policy={"max_china_share": 0.9})))
    cap = r.limit_ranges.set_index("limit").loc["china_cap"]
    assert cap["shadow_price"] == 0
    assert [cap["lower"], cap["upper"]] == pytest.approx([0.6, 1.0])
