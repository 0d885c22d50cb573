"""China caps and shortfall penalties as the README resolves them, on hand-solved cases.

Caps: a commodity's own ``max_china_share``, else its stage's default
(``[policy.max_china_share_by_stage]``), else the case default. Penalties: the
commodity's own ``shortfall_penalty``, else ``shortfall_penalty_factor`` (10) times
its full cost (dearest delivered cost plus the full cost of the inputs one unit
needs), else 1 when that full cost is 0. Every expected number below is worked
out by hand in the comment beside it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import load_case, solve
from model.errors import InputError
from tests.conftest import write_case, write_csv
from tests.reference import (
    reference_caps,
    reference_groups,
    reference_objective,
    reference_penalties,
)

APPROX = dict(rel=1e-9, abs=1e-6)


def rows(result):
    return result.commodities.set_index("commodity")


def two_suppliers(*ks: str) -> list[tuple]:
    """Each commodity: China at 1 per unit, Australia at 2, both with room for 1000."""
    return [r for k in ks for r in ((k, "CHN", 1000, 1), (k, "AUS", 1000, 2))]


def test_own_cap_beats_stage_default_beats_case_default(case_dir):
    # demand 100 each; China at 1, Australia at 2: cost = 100 * cap + 200 * (1 - cap)
    # a: own 0.2 (stage refining 0.5 loses)   -> 180
    # b: no own cap, refining                  -> 0.5 -> 150
    # c: no own cap, mining (no stage default) -> case default 0.9 -> 110
    # d: own 0.8, looser than its stage's 0.5  -> own still wins -> 120
    # e: own 0 (a cap, not a blank)            -> 200
    case = load_case(
        case_dir(
            commodities=[
                ("a", 100, "refining", 0.2),
                ("b", 100, "refining"),
                ("c", 100, "mining"),
                ("d", 100, "refining", 0.8),
                ("e", 100, "refining", 0.0),
            ],
            supply=two_suppliers("a", "b", "c", "d", "e"),
            policy={"max_china_share": 0.9, "max_china_share_by_stage": {"refining": 0.5}},
        )
    )
    r = solve(case)
    c = rows(r)
    caps = {"a": 0.2, "b": 0.5, "c": 0.9, "d": 0.8, "e": 0.0}
    for k, cap in caps.items():
        assert c.loc[k, "max_china_share"] == cap, k
        assert c.loc[k, "china_share"] == pytest.approx(cap, **APPROX), k
        assert c.loc[k, "cost"] == pytest.approx(200 - 100 * cap, **APPROX), k
    assert r.total_cost == pytest.approx(180 + 150 + 110 + 120 + 200, **APPROX)
    assert r.objective == pytest.approx(760, **APPROX)


def test_stage_cap_of_zero_and_one_are_valid(case_dir):
    # mining capped at 0: all from Australia (200); refining at 1: all from China (100)
    case = load_case(
        case_dir(
            commodities=[("m", 100, "mining"), ("r", 100, "refining")],
            supply=two_suppliers("m", "r"),
            policy={
                "max_china_share": 0.5,
                "max_china_share_by_stage": {"mining": 0.0, "refining": 1.0},
            },
        )
    )
    c = rows(solve(case))
    assert c.loc["m", "max_china_share"] == 0.0
    assert c.loc["m", "cost"] == pytest.approx(200, **APPROX)
    assert c.loc["r", "max_china_share"] == 1.0
    assert c.loc["r", "cost"] == pytest.approx(100, **APPROX)


@pytest.mark.parametrize("cap", [-0.01, 1.01])
def test_stage_cap_outside_unit_interval_is_refused(case_dir, cap):
    folder = case_dir(
        commodities=[("m", 100, "mining")],
        supply=two_suppliers("m"),
        policy={"max_china_share_by_stage": {"mining": cap}},
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert err.value.file == str(folder / "case.toml")
    assert "mining" in str(err.value)


def test_case_default_cap_applies_without_stage(case_dir):
    # no stage at all, default 0.3 -> 100 * 0.3 + 200 * 0.7 = 170
    case = load_case(
        case_dir(
            commodities=[("a", 100)], supply=two_suppliers("a"), policy={"max_china_share": 0.3}
        )
    )
    c = rows(solve(case))
    assert c.loc["a", "max_china_share"] == 0.3
    assert c.loc["a", "cost"] == pytest.approx(170, **APPROX)


# --- shortfall penalties ------------------------------------------------------------------------
def write_priced_case(folder: Path, *, penalties: dict[str, float] | None = None, policy=None):
    """A case whose supply has freight and tariffs and whose commodities may set a penalty.

    magnet (demand 10, component) needs 0.5 oxide per unit; oxide (demand 0);
    lonely (demand 4) has no supplier and no inputs.
    Delivered costs = unit_cost * (1 + tariff) + freight + tariff_per_unit:
      oxide AUS: 2 * 1.5 + 1 + 0.5 = 4.5 (cap 3)      oxide JPN: 1 * 1 + 0 + 0 = 1 (cap 2)
      magnet JPN: 5 (cap 100)                          magnet USA: 3 (cap 4)
    """
    write_case(
        folder,
        commodities=[("magnet", 10, "component"), ("oxide", 0, "refining"), ("lonely", 4)],
        supply=[],
        recipes=[("magnet", "oxide", 0.5)],
        policy=policy,
    )
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "freight", "tariff", "tariff_per_unit"],
        [
            ("oxide", "AUS", 3, 2, 1, 0.5, 0.5),
            ("oxide", "JPN", 2, 1, 0, 0, 0),
            ("magnet", "JPN", 100, 5, "", "", ""),
            ("magnet", "USA", 4, 3, "", "", ""),
        ],
    )
    penalties = penalties or {}
    write_csv(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand", "stage", "shortfall_penalty"],
        [
            ("magnet", "Magnet", "t", 10, "component", penalties.get("magnet", "")),
            ("oxide", "Oxide", "t", 0, "refining", penalties.get("oxide", "")),
            ("lonely", "Lonely", "t", 4, "", penalties.get("lonely", "")),
        ],
    )
    return folder


def test_default_penalty_is_ten_times_full_cost(tmp_path):
    # full cost: oxide = dearest delivered 4.5 (not the cheaper 1); magnet = 5 + 0.5 * 4.5 = 7.25
    # penalties: oxide 45, magnet 72.5; lonely has nothing -> 1
    # optimum: oxide 5 available (3 + 2) -> at most 10 magnets; buy USA 4 (3) + JPN 6 (5)
    # magnets = 42; oxide 5: JPN 2 (2) + AUS 3 (13.5) = 15.5; lonely short 4 at 1 -> 4
    # objective = 42 + 15.5 + 4 = 61.5; supply cost 57.5
    r = solve(load_case(write_priced_case(tmp_path / "c")))
    c = rows(r)
    assert c.loc["oxide", "shortfall_penalty"] == pytest.approx(45, **APPROX)
    assert c.loc["magnet", "shortfall_penalty"] == pytest.approx(72.5, **APPROX)
    assert c.loc["lonely", "shortfall_penalty"] == 1.0
    assert c.loc["lonely", "shortfall"] == pytest.approx(4, **APPROX)
    assert r.total_cost == pytest.approx(57.5, **APPROX)
    assert r.objective == pytest.approx(61.5, **APPROX)
    assert r.summary["shortfall_value"] == pytest.approx(4, **APPROX)


def test_penalty_factor_from_policy_is_used(tmp_path):
    # factor 3: oxide 13.5, magnet 21.75, lonely still 1 (its full cost is 0)
    r = solve(load_case(write_priced_case(tmp_path / "c", policy={"shortfall_penalty_factor": 3})))
    c = rows(r)
    assert c.loc["oxide", "shortfall_penalty"] == pytest.approx(13.5, **APPROX)
    assert c.loc["magnet", "shortfall_penalty"] == pytest.approx(21.75, **APPROX)
    assert c.loc["lonely", "shortfall_penalty"] == 1.0


@pytest.mark.parametrize(("factor", "objective"), [(10, 128.0), (3, 44.0), (1.5, 26.0)])
def test_penalty_factor_changes_the_answer(case_dir, factor, objective):
    # demand 10, only 4 to buy at 2: cost 8, short 6 at factor * 2 -> 8 + 12 * factor
    policy = {} if factor == 10 else {"shortfall_penalty_factor": factor}
    case = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 4, 2)], policy=policy))
    r = solve(case)
    assert rows(r).loc["a", "shortfall_penalty"] == pytest.approx(2 * factor, **APPROX)
    assert r.objective == pytest.approx(objective, **APPROX)
    assert r.summary["shortfall_value"] == pytest.approx(12 * factor, **APPROX)


def test_own_penalty_beats_the_factor(tmp_path):
    # magnet's own penalty 2 is below any way to make one (USA 3): buy none, short 10
    # objective = 10 * 2 + lonely's own 7 * 4 = 48; nothing bought (under the penalty
    # policy: the proportional one meets all demand it can first, whatever the penalty)
    folder = write_priced_case(
        tmp_path / "c", penalties={"magnet": 2, "lonely": 7}, policy={"shortage": "penalty"}
    )
    r = solve(load_case(folder))
    c = rows(r)
    assert c.loc["magnet", "shortfall_penalty"] == 2.0
    assert c.loc["lonely", "shortfall_penalty"] == 7.0
    assert c.loc["oxide", "shortfall_penalty"] == pytest.approx(45, **APPROX)
    assert c.loc["magnet", "shortfall"] == pytest.approx(10, **APPROX)
    assert r.total_cost == pytest.approx(0, **APPROX)
    assert r.objective == pytest.approx(48, **APPROX)


def test_unsuppliable_commodity_costs_one_per_unit(case_dir):
    # 'ghost' has no supplier and no inputs: penalty 1, so 7 short adds exactly 7
    case = load_case(case_dir(commodities=[("a", 10), ("ghost", 7)], supply=[("a", "AUS", 100, 2)]))
    r = solve(case)
    c = rows(r)
    assert c.loc["ghost", "shortfall_penalty"] == 1.0
    assert c.loc["ghost", "shortfall"] == pytest.approx(7, **APPROX)
    assert c.loc["a", "shortfall_penalty"] == pytest.approx(20, **APPROX)
    assert r.objective == pytest.approx(20 + 7, **APPROX)


def test_free_supplier_gives_penalty_one(case_dir):
    # a commodity whose only supplier is free has full cost 0 -> penalty 1, not 0
    case = load_case(case_dir(commodities=[("a", 10)], supply=[("a", "AUS", 4, 0)]))
    r = solve(case)
    c = rows(r)
    assert c.loc["a", "shortfall_penalty"] == 1.0
    assert r.objective == pytest.approx(6, **APPROX)  # 4 free, 6 short at 1


# --- the independent reference resolves the same way ---------------------------------------------
def test_reference_resolves_caps_and_penalties_by_hand(tmp_path, case_dir):
    case = load_case(write_priced_case(tmp_path / "c", policy={"shortfall_penalty_factor": 3}))
    assert reference_penalties(case) == pytest.approx({"magnet": 21.75, "oxide": 13.5, "lonely": 1})
    case = load_case(
        case_dir(
            commodities=[("a", 1, "refining", 0.2), ("b", 1, "refining"), ("c", 1, "mining")],
            supply=two_suppliers("a", "b", "c"),
            policy={"max_china_share": 0.9, "max_china_share_by_stage": {"refining": 0.5}},
        )
    )
    assert reference_caps(case) == {"a": 0.2, "b": 0.5, "c": 0.9}
    assert reference_groups(case) == {"partner": {"AUS", "JPN"}, "domestic": {"USA"}}


@st.composite
def resolution_cases(draw):
    """Random cases that exercise every way a cap and a penalty are resolved."""
    n = draw(st.integers(1, 4))
    ks = [f"k{i}" for i in range(n)]
    stages = [draw(st.sampled_from(["mining", "refining", ""])) for _ in ks]
    com_rows = []
    for k, stage in zip(ks, stages, strict=True):
        cap = draw(st.sampled_from(["", "", 0.0, 0.3, 1.0]))
        pen = draw(st.sampled_from(["", "", "", 0.5, 40.0]))
        com_rows.append((k, k, "t", draw(st.integers(0, 100)), stage, cap, pen))
    supply = []
    for k in ks[:-1] if n > 1 and draw(st.booleans()) else ks:  # maybe one unsuppliable
        for c in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True)):
            supply.append(
                (
                    k,
                    c,
                    draw(st.integers(0, 80)),
                    draw(st.integers(0, 1000)) / 100,
                    draw(st.sampled_from(["", 0.5, 2.0])),
                    draw(st.sampled_from(["", 0.1])),
                    draw(st.sampled_from(["", 0.25])),
                )
            )
    recipes = []
    if n > 1 and draw(st.booleans()):
        recipes = [(ks[i], ks[i - 1], draw(st.sampled_from([0.5, 1.5]))) for i in range(1, n)]
    by_stage = {
        s: draw(st.sampled_from([0.0, 0.4, 1.0]))
        for s in {"mining", "refining"} & set(stages)
        if draw(st.booleans())
    }
    policy = {
        "max_china_share": draw(st.sampled_from([0.2, 0.6, 1.0])),
        "shortfall_penalty_factor": draw(st.sampled_from([1.0, 2.5, 10.0])),
        "max_china_share_by_stage": by_stage,
    }
    rules = draw(st.lists(st.sampled_from(RULES), max_size=2, unique_by=str))
    return com_rows, supply, recipes, {**policy, "rules": rules}


RULES = [
    {"country": "group:partner", "min_share": 0.3},
    {"country": "group:partner", "max_share": 0.5},
    {"country": "each", "max_share": 0.7},
]
CODES = ["CHN", "AUS", "JPN", "USA"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resolution_cases())
def test_random_resolution_cases_match_the_reference(spec):
    com_rows, supply, recipes, policy = spec
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(
            Path(tmp) / "c", commodities=[], supply=[], recipes=recipes, policy=policy
        )
        write_csv(
            folder / "commodities.csv",
            [
                "commodity",
                "name",
                "unit",
                "demand",
                "stage",
                "max_china_share",
                "shortfall_penalty",
            ],
            com_rows,
        )
        write_csv(
            folder / "supply.csv",
            [
                "commodity",
                "country",
                "capacity",
                "unit_cost",
                "freight",
                "tariff",
                "tariff_per_unit",
            ],
            supply,
        )
        case = load_case(folder)
        r = solve(case, compare=False, probes=False, ranging=False)
        assert r.objective == pytest.approx(reference_objective(case), rel=1e-7, abs=1e-6)
        c = rows(r)
        assert c["max_china_share"].to_dict() == reference_caps(case)
        assert c["shortfall_penalty"].to_dict() == pytest.approx(reference_penalties(case))


@pytest.mark.parametrize(
    ("policy", "column", "message"),
    [
        (
            {"max_china_share_by_stage": {"magnets": 0.5}},
            "policy.max_china_share_by_stage.magnets",
            "stage 'magnets' matches no commodity (stages: mining)",
        ),
        (
            {"rules": [{"country": "FRA", "max_share": 0.5}]},
            "policy.rules[#1].country",
            "unknown country 'FRA' (use an ISO code from countries.csv, 'group:<tag>' or "
            "'each'; several joined by '|' or as a list)",
        ),
        (
            {"rules": [{"country": "AUS", "max_share": 0.5, "commodities": ["zz"]}]},
            "policy.rules[#1].commodities",
            "unknown commodity 'zz'",
        ),
        (
            {"rules": [{"country": "group:allies", "max_share": 0.5}]},
            "policy.rules[#1].country",
            "group 'allies' has no countries (groups: domestic, partner)",
        ),
        (
            {"rules": [{"country": "AUS", "max_share": 0.5, "stage": "refining"}]},
            "policy.rules[#1].stage",
            "stage 'refining' matches no commodity",
        ),
    ],
)
def test_policy_errors_name_case_toml_and_key(case_dir, policy, column, message):
    folder = case_dir(commodities=[("m", 1, "mining")], supply=two_suppliers("m"), policy=policy)
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert (err.value.file, err.value.column, err.value.message) == (
        str(folder / "case.toml"),
        column,
        message,
    )


def test_reading_errors_name_the_cell(case_dir, tmp_path):
    folder = case_dir(
        commodities=[("a", 1), ("b", 1)], supply=[("a", "AUS", 1, 1)], recipes=[("b", "b", 1)]
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert (err.value.file, err.value.row, err.value.column, err.value.message) == (
        str(folder / "recipes.csv"),
        1,
        "input",
        "'b' cannot be an input to itself",
    )
    with pytest.raises(InputError) as err:
        load_case(tmp_path / "nowhere.toml")
    assert err.value.message == "scenario or case file does not exist"
    assert err.value.file == str(tmp_path / "nowhere.toml")
