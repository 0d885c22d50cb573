"""Scenario files on their success paths: every override and change, checked by hand.

The base case (written by `base`) has two commodities of 100 each:
  a (refining): CHN cap 1000 at 1, AUS cap 30 at 2, JPN cap 1000 at 3
  b (mining):   CHN cap 1000 at 1, AUS cap 30 at 2, JPN cap 1000 at 3
Policy: China default 0.5, stage defaults refining 0.5 and mining 0.7.
So a: CHN 50 + AUS 30 + JPN 20 = 50 + 60 + 60 = 170; b: CHN 70 + AUS 30 = 70 + 60 = 130.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from model import load_case, solve
from model.errors import InputError
from tests.conftest import write_case

APPROX = dict(rel=1e-9, abs=1e-6)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write_case(
        tmp_path / "base",
        commodities=[("a", 100, "refining"), ("b", 100, "mining")],
        supply=[
            (k, n, cap, cost)
            for k in ("a", "b")
            for n, cap, cost in (("CHN", 1000, 1), ("AUS", 30, 2), ("JPN", 1000, 3))
        ],
        policy={
            "max_china_share": 0.5,
            "max_china_share_by_stage": {"refining": 0.5, "mining": 0.7},
            "rules": [{"name": "AUS at most 20%", "country": "AUS", "max_share": 0.2}],
        },
        name="base",
    )


def scenario(folder: Path, body: dict, name: str = "what-if") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps({"name": name, "base": "base", **body}), encoding="utf-8")
    return path


def capacity(case, k: str, n: str) -> float:
    s = case.supply
    return float(s.loc[(s["commodity"] == k) & (s["country"] == n), "capacity"].iloc[0])


def costs(result) -> dict[str, float]:
    c = result.commodities
    return dict(zip(c["commodity"], c["cost"], strict=True))


def test_base_as_documented(base):
    # with the 20% rule AUS sells 20 of each: a CHN 50, AUS 20, JPN 30 = 50 + 40 + 90 = 180;
    # b CHN 70, AUS 20, JPN 10 = 70 + 40 + 30 = 140
    r = solve(load_case(base))
    assert costs(r) == pytest.approx({"a": 180, "b": 140}, **APPROX)


def test_add_adds(base):
    # AUS capacity of a: 30 + 20 = 50 (the 20% rule still binds at 20, so drop it)
    path = scenario(
        base.parent,
        {
            "policy": {"replace_rules": True},
            "changes": [
                {
                    "table": "supply",
                    "column": "capacity",
                    "commodity": "a",
                    "country": "AUS",
                    "add": 20.0,
                }
            ],
        },
    )
    case = load_case(path)
    assert capacity(case, "a", "AUS") == 50
    assert capacity(case, "b", "AUS") == 30
    # a: CHN 50 + AUS 50 = 150; b: CHN 70 + AUS 30 = 130
    assert costs(solve(case)) == pytest.approx({"a": 150, "b": 130}, **APPROX)


def test_stage_selector_picks_only_that_stage(base):
    path = scenario(
        base.parent,
        {
            "changes": [
                {"table": "supply", "column": "capacity", "stage": "mining", "scale": 2.0},
                {"table": "commodities", "column": "demand", "stage": ["refining"], "set": 40.0},
            ]
        },
    )
    case = load_case(path)
    assert [capacity(case, "b", n) for n in ("CHN", "AUS", "JPN")] == [2000, 60, 2000]
    assert [capacity(case, "a", n) for n in ("CHN", "AUS", "JPN")] == [1000, 30, 1000]
    assert case.commodities.set_index("commodity")["demand"].to_dict() == {"a": 40, "b": 100}


def test_group_and_list_selectors(base):
    path = scenario(
        base.parent,
        {
            "changes": [
                {
                    "table": "supply",
                    "column": "unit_cost",
                    "country": "group:partner",
                    "commodity": ["b"],
                    "set": 0.5,
                }
            ]
        },
    )
    case = load_case(path)
    s = case.supply.set_index(["commodity", "country"])["unit_cost"]
    assert s[("b", "AUS")] == s[("b", "JPN")] == 0.5
    assert s[("b", "CHN")] == 1 and s[("a", "AUS")] == 2 and s[("a", "JPN")] == 3


@pytest.mark.parametrize(
    "change",
    [
        {"table": "supply", "column": "capacity", "commodity": "a", "add": -1e9},
        {"table": "supply", "column": "unit_cost", "country": "CHN", "set": -1.0},
        {"table": "commodities", "column": "max_china_share", "commodity": "a", "set": 1.5},
        {"table": "commodities", "column": "demand", "add": 1e16},
    ],
)
def test_change_out_of_range_is_an_input_error(base, change):
    path = scenario(
        base.parent, {"changes": [{"table": "supply", "column": "capacity", "scale": 1.0}, change]}
    )
    with pytest.raises(InputError) as err:
        load_case(path)
    assert err.value.file == str(path)
    assert err.value.column == "changes[#2]"
    assert "outside its valid range" in err.value.message


def test_change_at_the_range_edge_is_fine(base):
    # capacity may reach exactly 0 (30 - 30) and a cap exactly 1
    path = scenario(
        base.parent,
        {
            "changes": [
                {
                    "table": "supply",
                    "column": "capacity",
                    "commodity": "a",
                    "country": "AUS",
                    "add": -30.0,
                },
                {"table": "commodities", "column": "max_china_share", "commodity": "b", "set": 1.0},
            ]
        },
    )
    case = load_case(path)
    assert capacity(case, "a", "AUS") == 0
    assert case.commodities.set_index("commodity").loc["b", "max_china_share"] == 1.0


def test_scaling_a_blank_cap_is_refused(base):
    path = scenario(
        base.parent,
        {"changes": [{"table": "commodities", "column": "max_china_share", "scale": 0.5}]},
    )
    with pytest.raises(InputError, match="blank max_china_share"):
        load_case(path)


def test_replace_rules_drops_the_base_rules(base):
    new_rule = {"name": "JPN at least 10%", "country": "JPN", "min_share": 0.1}
    kept = load_case(scenario(base.parent, {"policy": {"rules": [new_rule]}}, name="kept"))
    assert [r.label for r in kept.policy.rules] == ["AUS at most 20%", "JPN at least 10%"]
    path = scenario(
        base.parent, {"policy": {"replace_rules": True, "rules": [new_rule]}}, name="replaced"
    )
    case = load_case(path)
    assert [r.label for r in case.policy.rules] == ["JPN at least 10%"]
    # a: CHN 50 + AUS 30 + JPN 20 = 170 (JPN already >= 10%); b: CHN 70, AUS 20, JPN 10
    # = 70 + 40 + 30 = 140 (JPN must have 10)
    assert costs(solve(case)) == pytest.approx({"a": 170, "b": 140}, **APPROX)
    assert costs(solve(kept)) == pytest.approx({"a": 180, "b": 140}, **APPROX)


def test_scenario_stage_caps_override_and_merge(base):
    # refining 0.5 -> 0.2 from the scenario; mining keeps the base's 0.7
    path = scenario(
        base.parent,
        {"policy": {"replace_rules": True, "max_china_share_by_stage": {"refining": 0.2}}},
    )
    case = load_case(path)
    assert case.china_caps().to_dict() == {"a": 0.2, "b": 0.7}
    c = solve(case).commodities.set_index("commodity")
    assert c.loc["a", "max_china_share"] == 0.2 and c.loc["b", "max_china_share"] == 0.7
    # a: CHN 20 + AUS 30 + JPN 50 = 20 + 60 + 150 = 230; b: 130
    assert c["cost"].to_dict() == pytest.approx({"a": 230, "b": 130}, **APPROX)


def test_scenario_stage_cap_zero_is_valid_and_out_of_range_is_not(base):
    case = load_case(
        scenario(base.parent, {"policy": {"max_china_share_by_stage": {"mining": 0.0}}})
    )
    assert case.china_caps().to_dict() == {"a": 0.5, "b": 0.0}
    for bad in (-0.5, 1.5):
        path = scenario(base.parent, {"policy": {"max_china_share_by_stage": {"mining": bad}}})
        with pytest.raises(InputError) as err:
            load_case(path)
        assert err.value.column == "policy.max_china_share_by_stage.mining"


def test_scenario_policy_overrides(base):
    # default cap and penalty factor; the stage defaults still beat the new default
    path = scenario(
        base.parent,
        {
            "description": "",
            "policy": {
                "max_china_share": 0.1,
                "shortfall_penalty_factor": 2.0,
                "max_china_share_by_stage": {"refining": 1.0},
            },
        },
    )
    case = load_case(path)
    assert case.policy.max_china_share == 0.1
    assert case.china_caps().to_dict() == {"a": 1.0, "b": 0.7}
    assert solve(case).commodities.set_index("commodity")["shortfall_penalty"].to_dict() == {
        "a": 6.0,
        "b": 6.0,
    }
    assert case.name == "what-if" and case.description == "test case"  # base's kept


def test_scenario_of_a_scenario_applies_both(base):
    first = scenario(
        base.parent,
        {"changes": [{"table": "supply", "column": "capacity", "country": "AUS", "scale": 2.0}]},
        name="first",
    )
    second = base.parent / "second.toml"
    second.write_text(
        tomli_w.dumps(
            {
                "name": "second",
                "base": "first.toml",
                "changes": [
                    {"table": "supply", "column": "capacity", "country": "AUS", "add": 5.0}
                ],
            }
        )
    )
    case = load_case(second)
    assert capacity(case, "a", "AUS") == 65  # 30 * 2 + 5
    assert case.name == "second"
    assert [Path(p).name for p in case.sources][-2:] == ["first.toml", "second.toml"]
    assert load_case(first).name == "first"


def test_country_list_mixes_codes_and_groups(base):
    # CHN and the partner group together: every row of b, scaled to half
    path = scenario(
        base.parent,
        {
            "changes": [
                {
                    "table": "supply",
                    "column": "capacity",
                    "commodity": "b",
                    "country": ["CHN", "group:partner"],
                    "scale": 0.5,
                }
            ]
        },
    )
    case = load_case(path)
    assert [capacity(case, "b", n) for n in ("CHN", "AUS", "JPN")] == [500, 15, 500]
    assert [capacity(case, "a", n) for n in ("CHN", "AUS", "JPN")] == [1000, 30, 1000]


@pytest.mark.parametrize(
    ("selector", "column", "message"),
    [
        ({"stage": "magnets"}, "changes[#1].stage", "stage 'magnets' matches no commodity"),
        ({"country": "group:allies"}, "changes[#1].country", "group 'allies' has no countries"),
        ({"country": "FRA"}, "changes[#1].country", "unknown country 'FRA'"),
        ({"commodity": ["a", "zz"]}, "changes[#1].commodity", "unknown commodity 'zz'"),
        ({"commodity": "a", "country": "USA"}, "changes[#1]", "selects no rows of supply.csv"),
    ],
)
def test_selector_errors_name_the_change(base, selector, column, message):
    change = {"table": "supply", "column": "capacity", "scale": 2.0, **selector}
    path = scenario(base.parent, {"changes": [change]})
    with pytest.raises(InputError) as err:
        load_case(path)
    assert (err.value.file, err.value.column, err.value.message) == (str(path), column, message)


def test_blank_cap_error_names_the_change(base):
    path = scenario(
        base.parent,
        {"changes": [{"table": "commodities", "column": "max_china_share", "add": 0.1}]},
    )
    with pytest.raises(InputError) as err:
        load_case(path)
    assert (err.value.file, err.value.column, err.value.message) == (
        str(path),
        "changes[#1]",
        "cannot scale or add to a blank max_china_share; use set",
    )
