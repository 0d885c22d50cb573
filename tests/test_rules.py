"""Share rules as analysts write them: several countries and groups in one rule, a share
of what is supplied or of need, and zero supply explained by the rule that forces it.

Every expected number is worked out by hand in the comment above it.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from model import InputError, load_case, solve
from model.case.params import apply_values
from model.excel import write_case_xlsx
from model.output import canonical_inputs
from model.sweep import sweep
from tests.test_constraints import APPROX, GROUP_CASE, mix_of, row


def solved(case_dir, **kw):
    return solve(load_case(case_dir(**kw)))


# --- several countries and groups in one rule ------------------------------------------------
@pytest.mark.parametrize("country", [["CHN", "USA"], "CHN|USA", "USA | CHN"])
def test_list_or_pipe_is_the_union(case_dir, country):
    # CHN (1) and USA (1.5) together <= 30%: CHN 30, then AUS (2) 70 -> 30 + 140 = 170
    r = solved(case_dir, **GROUP_CASE, policy={"rules": [{"country": country, "max_share": 0.3}]})
    assert mix_of(r, "ree") == pytest.approx({"CHN": 30, "AUS": 70}, **APPROX)
    assert r.total_cost == pytest.approx(170, **APPROX)


def test_group_and_country_min_share(case_dir):
    # partners (AUS 2, JPN 2.5) or USA (1.5) >= 80%: USA 80, CHN 20 -> 120 + 20 = 140
    rule = {"country": ["group:partner", "USA"], "min_share": 0.8}
    r = solved(case_dir, **GROUP_CASE, policy={"rules": [rule]})
    assert mix_of(r, "ree") == pytest.approx({"CHN": 20, "USA": 80}, **APPROX)
    assert r.total_cost == pytest.approx(140, **APPROX)
    assert "rule group:partner|USA min 80%" in row(r, "ree")["binding"]


# --- share of what is supplied versus share of need ------------------------------------------
TWO = [("ree", "AUS", 100, 1), ("ree", "JPN", 100, 2)]


def test_too_few_suppliers_buy_nothing_on_supplied_basis(case_dir):
    # each <= 30% of supply, 2 suppliers: a + j = S with a, j <= 0.3 S only at S = 0
    r = solved(case_dir, commodities=[("ree", 100)], supply=TWO, policy={"rules": [EACH_30]})
    assert row(r, "ree")["supplied"] == 0
    assert row(r, "ree")["shortfall"] == pytest.approx(100, **APPROX)
    assert row(r, "ree")["binding"] == (
        "supply forced to zero by rule each max 30%, which 2 suppliers cannot meet"
    )


EACH_30 = {"country": "each", "max_share": 0.3}


def test_too_few_suppliers_buy_up_to_the_cap_on_need_basis(case_dir):
    # each <= 30% of need (100): AUS 30 (1) + JPN 30 (2) = 60 bought for 90, 40 short
    rule = {**EACH_30, "basis": "need"}
    r = solved(case_dir, commodities=[("ree", 100)], supply=TWO, policy={"rules": [rule]})
    assert mix_of(r, "ree") == pytest.approx({"AUS": 30, "JPN": 30}, **APPROX)
    assert row(r, "ree")["shortfall"] == pytest.approx(40, **APPROX)
    assert r.total_cost == pytest.approx(90, **APPROX)
    assert "rule each max 30% of need (AUS)" in row(r, "ree")["binding"]


THREE = [("ree", "AUS", 100, 1), ("ree", "JPN", 100, 2), ("ree", "USA", 10, 3)]


@pytest.mark.parametrize(
    ("basis", "mix", "cost"),
    [
        # a, j <= 0.4 S and u <= 10: S <= 0.8 S + 10 -> S = 50: AUS 20, JPN 20, USA 10
        ("supplied", {"AUS": 20, "JPN": 20, "USA": 10}, 20 + 40 + 30),
        # a, j <= 0.4 * 100 = 40 and u <= 10 -> S = 90
        ("need", {"AUS": 40, "JPN": 40, "USA": 10}, 40 + 80 + 30),
    ],
)
def test_scarcity_supplied_and_need_basis(case_dir, basis, mix, cost):
    rule = {"country": "each", "max_share": 0.4, "basis": basis}
    r = solved(case_dir, commodities=[("ree", 100)], supply=THREE, policy={"rules": [rule]})
    assert mix_of(r, "ree") == pytest.approx(mix, **APPROX)
    assert row(r, "ree")["shortfall"] == pytest.approx(100 - sum(mix.values()), **APPROX)
    assert r.total_cost == pytest.approx(cost, **APPROX)


def test_group_rule_on_need_basis(case_dir):
    # partners (AUS, JPN) <= 50% of need 100, USA only 10: AUS 50 (1) + USA 10 (3), 40 short;
    # on supplied basis partners <= 50% of S with USA 10 -> S = 20: AUS 10 + USA 10
    supply = [*TWO, ("ree", "USA", 10, 3)]
    for basis, mix in [("need", {"AUS": 50, "USA": 10}), ("supplied", {"AUS": 10, "USA": 10})]:
        rule = {"country": "group:partner", "max_share": 0.5, "basis": basis}
        r = solved(case_dir, commodities=[("ree", 100)], supply=supply, policy={"rules": [rule]})
        assert mix_of(r, "ree") == pytest.approx(mix, **APPROX)


@pytest.mark.parametrize(
    ("basis", "mix", "short"),
    [
        # CHN <= 0.5 S, AUS 20: S = 40 (CHN 20, AUS 20), 60 short
        ("supplied", {"CHN": 20, "AUS": 20}, 60),
        # CHN <= 0.5 * 100 = 50, AUS 20: S = 70, 30 short
        ("need", {"CHN": 50, "AUS": 20}, 30),
    ],
)
def test_china_cap_basis(case_dir, basis, mix, short):
    policy = {"max_china_share": 0.5, "china_cap_basis": basis}
    supply = [("ree", "CHN", 100, 1), ("ree", "AUS", 20, 2)]
    r = solved(case_dir, commodities=[("ree", 100)], supply=supply, policy=policy)
    assert mix_of(r, "ree") == pytest.approx(mix, **APPROX)
    assert row(r, "ree")["shortfall"] == pytest.approx(short, **APPROX)
    assert row(r, "ree")["binding"] == "capacity AUS; China cap 50%"


@pytest.mark.parametrize(("basis", "magnets"), [("supplied", 6), ("need", 8)])
def test_need_of_an_input_is_what_full_downstream_demand_consumes(case_dir, basis, magnets):
    # 10 magnets wanted, 2 ree each; ree has no direct demand, so its need is 2 * 10 = 20.
    # supplied: CHN <= 0.5 S_ree, AUS 6 -> S_ree = 12 -> 6 magnets
    # need:     CHN <= 0.5 * 20 = 10, AUS 6 -> S_ree = 16 -> 8 magnets
    rule = {"country": "each", "max_share": 0.5, "basis": basis, "commodities": ["ree"]}
    r = solved(
        case_dir,
        commodities=[("ree", 0), ("mag", 10)],
        supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 6, 2), ("mag", "USA", 100, 5)],
        recipes=[("mag", "ree", 2)],
        policy={"rules": [rule]},
    )
    assert row(r, "mag")["supplied"] == pytest.approx(magnets, **APPROX)
    assert row(r, "mag")["shortfall"] == pytest.approx(10 - magnets, **APPROX)
    assert mix_of(r, "ree") == pytest.approx({"CHN": 2 * magnets - 6, "AUS": 6}, **APPROX)


# --- what forces supply to zero ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "supply", "words"),
    [
        # the EU-style 65% single-supplier cap with one supplier
        (
            {"rules": [{"country": "each", "max_share": 0.65, "name": "EU 65%"}]},
            [("ree", "AUS", 100, 1)],
            "rule EU 65%, which 1 supplier cannot meet",
        ),
        # a supplier without capacity does not count
        (
            {"rules": [{"country": "each", "max_share": 0.65}]},
            [("ree", "AUS", 100, 1), ("ree", "JPN", 0, 1)],
            "rule each max 65%, which 1 supplier cannot meet",
        ),
        ({"max_china_share": 0.0}, [("ree", "CHN", 100, 1)], "China cap 0% with no other supplier"),
        (
            {"rules": [{"country": "CHN|USA", "max_share": 0.5}]},
            [("ree", "CHN", 100, 1), ("ree", "USA", 100, 1)],
            "rule CHN|USA max 50% with no supplier outside it",
        ),
        (
            {"rules": [{"country": "group:partner", "min_share": 0.5}]},
            [("ree", "CHN", 100, 1), ("ree", "USA", 100, 1)],
            "rule group:partner min 50% with no supplier in it",
        ),
        # CHN <= 40% and AUS <= 50% leave at most 90% of any mix: neither alone forces zero
        (
            {"max_china_share": 0.4, "rules": [{"country": "AUS", "max_share": 0.5}]},
            [("ree", "CHN", 100, 1), ("ree", "AUS", 100, 1)],
            "China cap 40% and rule AUS max 50%",
        ),
    ],
)
def test_zero_supply_names_the_cap_or_rule(case_dir, policy, supply, words):
    r = solved(case_dir, commodities=[("ree", 100)], supply=supply, policy=policy)
    assert row(r, "ree")["supplied"] == 0
    assert row(r, "ree")["binding"] == f"supply forced to zero by {words}"


def test_zero_supply_of_an_input_is_explained_for_its_product(case_dir):
    r = solved(
        case_dir,
        commodities=[("ree", 0), ("mag", 10)],
        supply=[("ree", "CHN", 100, 1), ("mag", "USA", 100, 5)],
        recipes=[("mag", "ree", 2)],
        policy={"max_china_share": 0.0},
    )
    assert row(r, "mag")["binding"] == (
        "input ree (supply forced to zero by China cap 0% with no other supplier)"
    )


def test_cli_says_which_rule_instead_of_no_supplier(case_dir, tmp_path):
    folder = case_dir(
        commodities=[("ree", 100)],
        supply=[("ree", "AUS", 100, 1)],
        policy={"rules": [{"country": "each", "max_share": 0.65}]},
    )
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "solve", str(folder), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "no supplier" not in proc.stdout
    assert "rule each max 65%, which 1 supplier cannot meet" in " ".join(proc.stdout.split())


# --- inputs: validation, scenarios, workbooks, resolved copies, sweeps ---------------------------
@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"country": ["USA", "XYZ"], "max_share": 0.5}, "unknown country 'XYZ'"),
        ({"country": "USA|group:friends", "max_share": 0.5}, "group 'friends' has no countries"),
        ({"country": ["each", "USA"], "max_share": 0.5}, "'each' stands alone"),
        ({"country": "USA|", "max_share": 0.5}, "names no country"),
        ({"country": [], "max_share": 0.5}, "names no country"),
        ({"country": "USA", "min_share": 0.5, "basis": "need"}, "max_share only"),
        ({"country": "USA", "max_share": 0.5, "basis": "demand"}, "'supplied' or 'need'"),
    ],
)
def test_bad_rules_name_file_and_key(case_dir, rule, words):
    folder = case_dir(**GROUP_CASE, policy={"rules": [rule]})
    with pytest.raises(InputError) as info:
        load_case(folder)
    assert Path(info.value.file).name == "case.toml"
    assert (info.value.column or "").startswith("policy.rules[#1]")
    assert words in str(info.value)


def test_scenario_appends_or_replaces_list_rules(case_dir):
    folder = case_dir(**GROUP_CASE, policy={"rules": [{"country": "CHN", "max_share": 0.0}]})
    text = 'name = "s"\nbase = "."\n[[policy.rules]]\ncountry = ["CHN", "USA"]\nmax_share = 0.3\n'
    (folder / "s.toml").write_text(text, encoding="utf-8")
    # CHN 0 and CHN+USA <= 30%: USA 30 (1.5), AUS 70 (2) -> 45 + 140 = 185
    r = solve(load_case(folder / "s.toml"))
    assert mix_of(r, "ree") == pytest.approx({"AUS": 70, "USA": 30}, **APPROX)
    replaced = text.replace("[[policy.rules]]", "replace_rules = true\n[[policy.rules]]")
    (folder / "s.toml").write_text(
        replaced.replace('base = "."', 'base = "."\n[policy]'), encoding="utf-8"
    )
    # only CHN+USA <= 30%: CHN 30, AUS 70 -> 170
    r = solve(load_case(folder / "s.toml"))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 30, "AUS": 70}, **APPROX)


def test_scenario_sets_china_cap_basis(case_dir):
    folder = case_dir(
        commodities=[("ree", 100)],
        supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 20, 2)],
        policy={"max_china_share": 0.5},
    )
    text = 'name = "s"\nbase = "."\n[policy]\nchina_cap_basis = "need"\n'
    (folder / "s.toml").write_text(text, encoding="utf-8")
    # as in test_china_cap_basis: need basis -> CHN 50, AUS 20
    r = solve(load_case(folder / "s.toml"))
    assert mix_of(r, "ree") == pytest.approx({"CHN": 50, "AUS": 20}, **APPROX)


def test_workbook_and_resolved_copy_keep_lists_and_basis(case_dir, tmp_path):
    rules = [
        {"country": ["group:partner", "USA"], "max_share": 0.6, "basis": "need"},
        {"country": "CHN|USA", "max_share": 0.5},
    ]
    case = load_case(case_dir(**GROUP_CASE, policy={"rules": rules, "china_cap_basis": "need"}))
    toml = tomllib.loads(canonical_inputs(case)["case.toml"].decode())
    assert toml["policy"]["china_cap_basis"] == "need"
    assert toml["policy"]["rules"][0]["country"] == ["group:partner", "USA"]
    assert toml["policy"]["rules"][0]["basis"] == "need"
    assert "basis" not in toml["policy"]["rules"][1]
    again = load_case(write_case_xlsx(case, tmp_path / "c.xlsx"))
    assert [r.members for r in again.policy.rules] == [["group:partner", "USA"], ["CHN", "USA"]]
    assert [r.basis for r in again.policy.rules] == ["need", "supplied"]
    assert again.policy.china_cap_basis == "need"
    pd.testing.assert_frame_equal(solve(case).mix, solve(again).mix)


def test_cases_without_the_new_keys_keep_their_resolved_bytes(case_dir):
    rule = {"country": "group:partner", "min_share": 0.4}
    text = canonical_inputs(load_case(case_dir(**GROUP_CASE, policy={"rules": [rule]})))
    assert b"basis" not in text["case.toml"]


def test_need_basis_sweeps_equal_cold_solves(case_dir):
    rule = {"country": "each", "max_share": 0.4, "basis": "need", "name": "each 40"}
    case = load_case(
        case_dir(
            commodities=[("ree", 100)],
            supply=[*THREE, ("ree", "CHN", 100, 0.5)],
            policy={"rules": [rule], "max_china_share": 0.5, "china_cap_basis": "need"},
        )
    )
    grid = {
        "max_china_share": [0.5, 0.1],
        "rule[each 40].max_share": [0.4, 0.25],
        "demand[commodity=ree]": [1.0, 0.5],
    }
    s = sweep(case, grid)
    points = s.points.set_index("point")
    for i, point in enumerate(s.points_spec):
        cold = solve(apply_values(case, point), compare=False)
        assert points.loc[i, "objective"] == pytest.approx(cold.objective)
    # by hand, China <= 10% and each <= 25% of need 50: CHN 5 (0.5), AUS 12.5 (1),
    # JPN 12.5 (2), USA 10 (3): 40 bought, 10 short at 30 (10 x the dearest, USA)
    assert points.loc[7, "objective"] == pytest.approx(2.5 + 12.5 + 25 + 30 + 10 * 30, **APPROX)
