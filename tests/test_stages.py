"""Supply chains with stages: hand-solvable chains with exact answers."""

from __future__ import annotations

import pytest

from model import load_case, solve

APPROX = dict(rel=1e-9, abs=1e-6)


def rows(result):
    return result.commodities.set_index("commodity")


def mix_of(result, k):
    m = result.mix[result.mix["commodity"] == k]
    return dict(zip(m["country"], m["quantity"], strict=True))


def test_magnet_demand_pulls_oxide_and_concentrate(case_dir):
    # magnets 10 (0.4 oxide each), oxide direct 2 (1.2 concentrate each):
    # oxide = 2 + 0.4 * 10 = 6; concentrate = 1.2 * 6 = 7.2
    # cost = 10 * 5 + 6 * 3 + 7.2 * 1 = 75.2
    case = load_case(
        case_dir(
            commodities=[
                ("magnet", 10, "component"),
                ("oxide", 2, "refining"),
                ("conc", 0, "mining"),
            ],
            supply=[("magnet", "JPN", 100, 5), ("oxide", "AUS", 100, 3), ("conc", "AUS", 100, 1)],
            recipes=[("magnet", "oxide", 0.4), ("oxide", "conc", 1.2)],
        )
    )
    r = solve(case)
    c = rows(r)
    assert c.loc["magnet", "supplied"] == pytest.approx(10, **APPROX)
    assert c.loc["oxide", "supplied"] == pytest.approx(6, **APPROX)
    assert c.loc["oxide", "downstream_use"] == pytest.approx(4, **APPROX)
    assert c.loc["conc", "supplied"] == pytest.approx(7.2, **APPROX)
    assert r.total_cost == pytest.approx(75.2, **APPROX)
    assert (c["shortfall"] == 0).all()
    # shadow prices carry upstream cost: conc 1; oxide 3 + 1.2; magnet 5 + 0.4 * 4.2
    assert c.loc["conc", "shadow_price"] == pytest.approx(1.0, **APPROX)
    assert c.loc["oxide", "shadow_price"] == pytest.approx(4.2, **APPROX)
    assert c.loc["magnet", "shadow_price"] == pytest.approx(6.68, **APPROX)


def test_upstream_capacity_forces_downstream_shortfall(case_dir):
    # magnets need 0.5 oxide; only 3 oxide exist -> 6 magnets, 4 short; the oxide
    # itself has no direct demand, so it shows no shortfall: the magnet does.
    case = load_case(
        case_dir(
            commodities=[("magnet", 10, "component"), ("oxide", 0, "refining")],
            supply=[("magnet", "JPN", 100, 5), ("oxide", "AUS", 3, 3)],
            recipes=[("magnet", "oxide", 0.5)],
        )
    )
    r = solve(case)
    c = rows(r)
    assert c.loc["magnet", "supplied"] == pytest.approx(6, **APPROX)
    assert c.loc["magnet", "shortfall"] == pytest.approx(4, **APPROX)
    assert c.loc["oxide", "shortfall"] == 0
    assert r.total_cost == pytest.approx(6 * 5 + 3 * 3, **APPROX)
    assert "input oxide (capacity AUS)" in c.loc["magnet", "binding"]
    # one more unit of oxide capacity makes 2 more magnets: the saving includes the
    # magnet shortfall penalty (10 x full cost (5 + 0.5 * 3) = 65) per magnet
    cv = r.capacity_values.set_index(["commodity", "country"])
    assert cv.loc[("oxide", "AUS"), "relieves_shortfall"]
    assert cv.loc[("oxide", "AUS"), "marginal_value"] == pytest.approx(2 * 65 - 2 * 5 - 3, **APPROX)


def test_refining_cap_with_mining_uncapped(case_dir):
    # stage caps: refining 50%, mining free. Mining: CHN cheapest -> all from CHN.
    # Refining 10: CHN <= 5 -> CHN 5 @2, AUS 5 @4; concentrate 10 * 1 from CHN @1.
    case = load_case(
        case_dir(
            commodities=[("oxide", 10, "refining"), ("conc", 0, "mining")],
            supply=[
                ("oxide", "CHN", 100, 2),
                ("oxide", "AUS", 100, 4),
                ("conc", "CHN", 100, 1),
                ("conc", "AUS", 100, 1.5),
            ],
            recipes=[("oxide", "conc", 1.0)],
            policy={"max_china_share_by_stage": {"refining": 0.5}},
        )
    )
    r = solve(case)
    assert mix_of(r, "oxide") == pytest.approx({"CHN": 5, "AUS": 5}, **APPROX)
    assert mix_of(r, "conc") == pytest.approx({"CHN": 10}, **APPROX)
    c = rows(r)
    assert c.loc["oxide", "max_china_share"] == 0.5
    assert c.loc["conc", "max_china_share"] == 1.0
    assert r.total_cost == pytest.approx(5 * 2 + 5 * 4 + 10, **APPROX)
    st = r.stages.set_index("stage")
    assert st.loc["refining", "china_cost_share"] == pytest.approx(10 / 30)
    assert st.loc["mining", "china_cost_share"] == pytest.approx(1.0)
    assert st.loc["refining", "unit_cost_premium_share"] == pytest.approx(0.5)  # a fraction
    assert st.loc["mining", "unit_cost_premium_share"] == pytest.approx(0.0)


def test_stage_rule_applies_to_every_product_of_the_stage(case_dir):
    rule = {"country": "CHN", "max_share": 0.0, "stage": "refining"}
    case = load_case(
        case_dir(
            commodities=[("a", 1, "refining"), ("b", 1, "refining"), ("c", 1, "mining")],
            supply=[(k, n, 10, cost) for k in "abc" for n, cost in (("CHN", 1), ("AUS", 2))],
            policy={"rules": [rule]},
        )
    )
    r = solve(case)
    assert mix_of(r, "a") == {"AUS": 1} and mix_of(r, "b") == {"AUS": 1}
    assert mix_of(r, "c") == {"CHN": 1}


def test_case_without_recipes_has_no_downstream_use(case_dir):
    case = load_case(case_dir(commodities=[("a", 5)], supply=[("a", "AUS", 10, 1)]))
    assert case.recipes.empty
    r = solve(case)
    assert (r.commodities["downstream_use"] == 0).all()
    assert list(r.stages["stage"]) == ["(none)"]


def test_tariff_on_a_group_from_a_scenario(case_dir, tmp_path):
    folder = case_dir(
        commodities=[("a", 10)], supply=[("a", "CHN", 10, 1.0), ("a", "USA", 10, 1.2)]
    )
    scenario = tmp_path / "tariff.toml"
    scenario.write_text(
        f'name = "tariff"\nbase = "{folder}"\n[[changes]]\ntable = "supply"\n'
        'column = "tariff"\ncountry = "CHN"\nset = 0.25\n',
        encoding="utf-8",
    )
    r = solve(load_case(scenario))
    assert mix_of(r, "a") == {"USA": 10}  # 1.25 > 1.2
    base = solve(load_case(folder))
    assert mix_of(base, "a") == {"CHN": 10}
