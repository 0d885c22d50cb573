"""One hand-solvable case per constraint family, with the exact answer worked out."""

from __future__ import annotations

import pytest

from model import load_case, solve

APPROX = dict(rel=1e-9, abs=1e-6)


def mix_of(result, k: str) -> dict[str, float]:
    mix = result.mix[result.mix["commodity"] == k]
    return dict(zip(mix["country"], mix["quantity"], strict=True))


def row(result, k: str):
    return result.commodities.set_index("commodity").loc[k]


def test_capacity_fills_cheapest_first(case_dir):
    # demand 100; CHN 60 @1, AUS 100 @2  ->  CHN 60, AUS 40, cost 60 + 80 = 140
    case = load_case(
        case_dir(commodities=[("ree", 100)], supply=[("ree", "CHN", 60, 1), ("ree", "AUS", 100, 2)])
    )
    r = solve(case)
    assert mix_of(r, "ree") == pytest.approx({"CHN": 60, "AUS": 40}, **APPROX)
    assert r.total_cost == pytest.approx(140, **APPROX)
    assert r.status == "optimal"
    cv = r.capacity_values.set_index("country")
    # One more unit of CHN capacity replaces one unit of AUS: saves exactly 2 - 1 = 1.
    assert list(cv.index) == ["CHN"]
    assert cv.at["CHN", "marginal_value"] == pytest.approx(1.0, **APPROX)


def test_shortfall_when_demand_exceeds_capacity(case_dir):
    # demand 100; CHN 30 @1, AUS 20 @2 -> supplied 50, shortfall 50, cost 30 + 40 = 70;
    # default penalty = 10 x dearest cost 2 = 20 -> objective 70 + 50 * 20 = 1070.
    case = load_case(
        case_dir(commodities=[("ree", 100)], supply=[("ree", "CHN", 30, 1), ("ree", "AUS", 20, 2)])
    )
    r = solve(case)
    k = row(r, "ree")
    assert k["supplied"] == pytest.approx(50, **APPROX)
    assert k["shortfall"] == pytest.approx(50, **APPROX)
    assert k["shortfall_penalty"] == 20
    assert r.total_cost == pytest.approx(70, **APPROX)
    assert r.objective == pytest.approx(1070, **APPROX)
    # Each extra unit of capacity avoids a unit of shortfall: 20 - 1 and 20 - 2.
    cv = r.capacity_values.set_index("country")["marginal_value"]
    assert cv.to_dict() == pytest.approx({"CHN": 19, "AUS": 18}, **APPROX)
    assert "capacity CHN,AUS" in k["binding"]


CAP_CASE = dict(
    commodities=[("ree", 100)],
    supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 30, 2), ("ree", "JPN", 20, 3)],
)


def test_china_cap_met(case_dir):
    # cap 50%: CHN <= AUS + JPN = 50 -> CHN 50, AUS 30, JPN 20, cost 50 + 60 + 60 = 170;
    # uncapped: CHN 100 at cost 100 -> premium 70.
    r = solve(load_case(case_dir(**CAP_CASE, policy={"max_china_share": 0.5})))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 50, "AUS": 30, "JPN": 20}, **APPROX)
    k = row(r, "ree")
    assert k["china_share"] == pytest.approx(0.5)
    assert k["supply_cost_change"] == pytest.approx(70, **APPROX)
    assert k["uncapped_cost"] == pytest.approx(100, **APPROX)
    # Cap 49%: CHN <= 0.49/0.51 * 50 = 48.0392..; shortfall 1.9608 at penalty 30, minus CHN
    # saving 1 per unit: (30 - 1) * 50 * (1 - 0.49 / 0.51) = 56.8627...
    lost = 50 * (1 - 0.49 / 0.51)
    assert k["cost_of_next_pp"] == pytest.approx(29 * lost, rel=1e-6)
    assert k["shortfall_of_next_pp"] == pytest.approx(lost, rel=1e-6)


def test_china_cap_unmeetable_gives_least_shortfall(case_dir):
    # cap 30%: CHN <= 0.3 S with AUS + JPN = 50 at most -> S = 50 / 0.7, shortfall 100 - S.
    r = solve(load_case(case_dir(**CAP_CASE, policy={"max_china_share": 0.3})))
    s = 50 / 0.7
    k = row(r, "ree")
    assert k["supplied"] == pytest.approx(s, **APPROX)
    assert k["shortfall"] == pytest.approx(100 - s, **APPROX)
    assert mix_of(r, "ree")["CHN"] == pytest.approx(0.3 * s, **APPROX)
    assert r.total_cost == pytest.approx(0.3 * s + 60 + 60, **APPROX)
    assert "China cap 30%" in k["binding"]


def test_cap_zero_is_an_export_ban(case_dir):
    r = solve(load_case(case_dir(**CAP_CASE, policy={"max_china_share": 0.0})))
    assert mix_of(r, "ree") == pytest.approx({"AUS": 30, "JPN": 20}, **APPROX)
    assert row(r, "ree")["shortfall"] == pytest.approx(50, **APPROX)


def test_per_commodity_cap_overrides_default(case_dir):
    case = load_case(
        case_dir(
            commodities=[("ree", 100, "", 0.5), ("ga", 10)],
            supply=[*CAP_CASE["supply"], ("ga", "CHN", 10, 5), ("ga", "AUS", 10, 6)],
            policy={"max_china_share": 1.0},
        )
    )
    r = solve(case)
    assert mix_of(r, "ree")["CHN"] == pytest.approx(50, **APPROX)
    assert mix_of(r, "ga") == pytest.approx({"CHN": 10}, **APPROX)
    # and solve(max_china_share=...) overrides only the default
    r2 = solve(case, max_china_share=0.0)
    assert mix_of(r2, "ga") == pytest.approx({"AUS": 10}, **APPROX)
    assert mix_of(r2, "ree")["CHN"] == pytest.approx(50, **APPROX)


GROUP_CASE = dict(
    commodities=[("ree", 100)],
    supply=[
        ("ree", "CHN", 100, 1),
        ("ree", "AUS", 100, 2),
        ("ree", "JPN", 100, 2.5),
        ("ree", "USA", 100, 1.5),
    ],
)


def test_group_min_share(case_dir):
    # partners >= 60%: AUS 60 (cheapest partner), then CHN 40 -> 120 + 40 = 160
    rule = {"country": "group:partner", "min_share": 0.6, "name": "partners 60"}
    r = solve(load_case(case_dir(**GROUP_CASE, policy={"rules": [rule]})))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 40, "AUS": 60}, **APPROX)
    assert r.total_cost == pytest.approx(160, **APPROX)
    assert "rule partners 60" in row(r, "ree")["binding"]


def test_group_max_share(case_dir):
    # no China, domestic <= 30%: USA 30 (1.5), AUS 70 (2) -> 45 + 140 = 185
    rules = [{"country": "group:domestic", "max_share": 0.3}, {"country": "CHN", "max_share": 0}]
    r = solve(load_case(case_dir(**GROUP_CASE, policy={"rules": rules})))
    assert mix_of(r, "ree") == pytest.approx({"AUS": 70, "USA": 30}, **APPROX)
    assert r.total_cost == pytest.approx(185, **APPROX)


def test_min_and_max_share_on_one_country(case_dir):
    # 20% <= JPN <= 20% pins JPN at 20; rest CHN -> 20 * 2.5 + 80 = 130
    rule = {"country": "JPN", "min_share": 0.2, "max_share": 0.2}
    r = solve(load_case(case_dir(**GROUP_CASE, policy={"rules": [rule]})))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 80, "JPN": 20}, **APPROX)


def test_each_country_cap(case_dir):
    # no country above 65%: CHN 65, then USA (1.5) 35 -> 65 + 52.5 = 117.5
    rule = {"country": "each", "max_share": 0.65}
    r = solve(load_case(case_dir(**GROUP_CASE, policy={"rules": [rule]})))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 65, "USA": 35}, **APPROX)
    assert r.total_cost == pytest.approx(117.5, **APPROX)


def test_each_country_cap_with_too_few_suppliers(case_dir):
    # CHN unlimited, AUS 20: CHN <= 0.65 (CHN + 20) -> CHN = 13 / 0.35, S = 20 / 0.35
    rule = {"country": "each", "max_share": 0.65}
    case = case_dir(
        commodities=[("ree", 100)],
        supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 20, 2)],
        policy={"rules": [rule]},
    )
    r = solve(load_case(case))
    assert row(r, "ree")["supplied"] == pytest.approx(20 / 0.35, **APPROX)
    assert mix_of(r, "ree")["CHN"] == pytest.approx(13 / 0.35, **APPROX)


def test_min_share_without_any_supplier_in_group_blocks_supply(case_dir):
    # a 40% partner minimum with no partner supplier: nothing can be bought
    rule = {"country": "group:partner", "min_share": 0.4, "commodities": ["ga"]}
    case = case_dir(
        commodities=[("ga", 10)],
        supply=[("ga", "CHN", 100, 1), ("ga", "USA", 100, 2)],
        policy={"rules": [rule]},
    )
    r = solve(load_case(case))
    assert row(r, "ga")["shortfall"] == pytest.approx(10, **APPROX)
    assert r.mix.empty


def test_rule_limited_to_listed_commodities(case_dir):
    rule = {"country": "CHN", "max_share": 0.0, "commodities": ["ga"]}
    case = case_dir(
        commodities=[("ree", 10), ("ga", 10)],
        supply=[("ree", "CHN", 10, 1), ("ga", "CHN", 10, 1), ("ga", "AUS", 10, 3)],
        policy={"rules": [rule]},
    )
    r = solve(load_case(case))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 10}, **APPROX)
    assert mix_of(r, "ga") == pytest.approx({"AUS": 10}, **APPROX)


def test_freight_and_tariff_add_to_unit_cost(case_dir, tmp_path):
    folder = case_dir(
        commodities=[("ree", 10)], supply=[("ree", "CHN", 10, 1), ("ree", "AUS", 10, 1.5)]
    )
    (folder / "supply.csv").write_text(
        "commodity,country,capacity,unit_cost,freight,tariff,tariff_per_unit\n"
        "ree,CHN,10,1,0.1,0.5,0\n"  # 1 * 1.5 + 0.1 = 1.6
        "ree,AUS,10,1.5,0,,0.05\n",  # 1.5 + 0.05 = 1.55
        encoding="utf-8",
    )
    r = solve(load_case(folder))
    assert mix_of(r, "ree") == pytest.approx({"AUS": 10}, **APPROX)
    m = r.mix.set_index("country")
    assert m.at["AUS", "unit_cost"] == pytest.approx(1.55)
    assert m.at["AUS", "tariff_cost"] == pytest.approx(0.5)
    assert r.total_cost == pytest.approx(15.5)
