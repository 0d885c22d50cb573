"""Shortage policy (issue 10, item 6): proportional (lexicographic, the default) against
penalty, on cases solved by hand; every solve path uses the policy; adding capacity never
raises the first-level unmet need U*; shortage moves said in words."""

from __future__ import annotations

import tempfile
from pathlib import Path

import highspy
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import InputError, SolveError, load_case, solve
from model.excel import write_case_xlsx
from model.optimization.highs import Solver
from model.optimization.moves import shortage_moves
from model.sweep import sweep
from tests.conftest import ROOT, write_case, write_csv
from tests.reference import reference_objective, reference_unmet
from tests.test_properties import cases
from tests.test_resolution import write_priced_case

APPROX = dict(rel=1e-9, abs=1e-6)


def write_penalised(
    folder: Path,
    *,
    commodities: list[tuple[str, float, float]],
    supply: list[tuple],
    recipes: list[tuple],
    policy: dict | None = None,
) -> Path:
    """A case whose commodities are (id, demand, own shortfall_penalty)."""
    write_case(
        folder,
        commodities=[(k, d) for k, d, _ in commodities],
        supply=supply,
        recipes=recipes,
        policy=policy,
    )
    write_csv(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand", "shortfall_penalty"],
        [(k, k, "t", d, p) for k, d, p in commodities],
    )
    return folder


def shared_input(folder: Path, shortage: str) -> Path:
    """A (demand 10, penalty 100) and B (demand 20, penalty 1000) each take 1 t of input I
    (demand 0) per t; I: AUS 15 t at 1. Making A costs 2 (USA), B 3 (USA).

    Only 15 of the 30 t of I needed exist: s_A + s_B = 15.
    proportional: min U = s_A/10 + s_B/20 puts it all on B (a unit short of B counts
      half): s_A = 0, s_B = 15, U* = 0.75; objective 15*1 + 10*2 + 5*3 + 15*1000 = 15,050.
    penalty: a unit of I saves 1000 - 3 on B against 100 - 2 on A: B gets all 15,
      s_A = 10, s_B = 5; objective 15 + 15*3 + 10*100 + 5*1000 = 6,060.
    """
    return write_penalised(
        folder,
        commodities=[("a", 10, 100), ("b", 20, 1000), ("i", 0, 1)],
        supply=[("i", "AUS", 15, 1), ("a", "USA", 100, 2), ("b", "USA", 100, 3)],
        recipes=[("a", "i", 1), ("b", "i", 1)],
        policy={"shortage": shortage},
    )


def direct_users(folder: Path, shortage: str, chn: float = 15, **policy) -> Path:
    """Natural graphite and anodes in small: input n has direct demand 10 (penalty 10) and
    product p (demand 20, penalty 1000) takes 1 t of n per t; n: AUS 15 t at 1, CHN `chn` t
    at 1, China capped at 0 unless given (n held to 15 t); making p costs 2 (USA).

    With 15 t of n, s_n + s_p = 10 + 20 - 15 = 15, s_n = S_p - 5.
    penalty: feed p (saves 998 a t against 9 for n): S_p = 15, the direct users of n go
      without (s_n = 10), s_p = 5; objective 15 + 30 + 100 + 5000 = 5,145.
    proportional: U = (S_p - 5)/10 + (20 - S_p)/20 = 0.5 + S_p/20, least at S_p = 5:
      s_n = 0, s_p = 15, U* = 0.75; objective 15 + 10 + 15*1000 = 15,025.
    """
    return write_penalised(
        folder,
        commodities=[("n", 10, 10), ("p", 20, 1000)],
        supply=[("n", "AUS", 15, 1), ("n", "CHN", chn, 1), ("p", "USA", 100, 2)],
        recipes=[("p", "n", 1)],
        policy={"shortage": shortage, "max_china_share": 0.0, **policy},
    )


def short(r) -> dict[str, float]:
    return r.commodities.set_index("commodity")["shortfall"].to_dict()


# --- hand-solved cases --------------------------------------------------------------------------
def test_two_products_share_a_scarce_input(tmp_path):
    prop = solve(load_case(shared_input(tmp_path / "p", "proportional")))
    assert short(prop) == pytest.approx({"a": 0, "b": 15, "i": 0}, **APPROX)
    assert prop.objective == pytest.approx(15_050, **APPROX)
    assert prop.total_cost == pytest.approx(50, **APPROX)
    assert prop.summary["policy"] == {"shortage": "proportional"}
    pen = solve(load_case(shared_input(tmp_path / "q", "penalty")))
    assert short(pen) == pytest.approx({"a": 10, "b": 5, "i": 0}, **APPROX)
    assert pen.objective == pytest.approx(6_060, **APPROX)
    assert pen.summary["policy"] == {"shortage": "penalty"}


def test_default_policy_is_proportional(tmp_path):
    folder = shared_input(tmp_path / "c", "proportional")
    text = (folder / "case.toml").read_text().replace('shortage = "proportional"\n', "")
    (folder / "case.toml").write_text(text)
    case = load_case(folder)
    assert case.policy.shortage == "proportional"
    assert solve(case).objective == pytest.approx(15_050, **APPROX)


def test_penalty_starves_direct_users_and_proportional_does_not(tmp_path):
    pen = solve(load_case(direct_users(tmp_path / "a", "penalty")))
    assert short(pen) == pytest.approx({"n": 10, "p": 5}, **APPROX)
    assert pen.objective == pytest.approx(5_145, **APPROX)
    prop = solve(load_case(direct_users(tmp_path / "b", "proportional")))
    assert short(prop) == pytest.approx({"n": 0, "p": 15}, **APPROX)
    assert prop.objective == pytest.approx(15_025, **APPROX)
    # the resolved inputs say which policy ran only when it is not the default
    assert 'shortage = "penalty"' in pen.input_files["case.toml"].decode()
    assert "shortage" not in prop.input_files["case.toml"].decode()


def test_level_two_breaks_ties_in_unmet_need_by_penalty(tmp_path):
    """direct_users with p's demand 10: U = s_n/10 + s_p/10 and s_n + s_p = 5 whatever the
    split, so level 1 leaves it open; level 2 feeds p (penalty 1000 against 10): S_p = 10,
    s_n = 5, s_p = 0; objective 15 + 20 + 5*10 = 85."""
    folder = direct_users(tmp_path / "c", "proportional")
    write_csv(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand", "shortfall_penalty"],
        [("n", "n", "t", 10, 10), ("p", "p", "t", 10, 1000)],
    )
    r = solve(load_case(folder))
    assert short(r) == pytest.approx({"n": 5, "p": 0}, **APPROX)
    assert r.objective == pytest.approx(85, **APPROX)


def test_proportional_meets_need_a_low_penalty_would_leave(tmp_path):
    """write_priced_case with magnet's own penalty 2, below any way to make one: the penalty
    policy buys none (test_resolution). Proportional first minimises U = s_magnet/10 +
    s_lonely/4: all 10 magnets (5 t oxide, all there is), lonely (no supplier) short 4,
    U* = 1. Cost: magnets USA 4*3 + JPN 6*5 = 42, oxide JPN 2*1 + AUS 3*4.5 = 15.5;
    objective 57.5 + 4*7 = 85.5."""
    folder = write_priced_case(tmp_path / "c", penalties={"magnet": 2, "lonely": 7})
    r = solve(load_case(folder))
    assert short(r) == pytest.approx({"magnet": 0, "oxide": 0, "lonely": 4}, **APPROX)
    assert r.total_cost == pytest.approx(57.5, **APPROX)
    assert r.objective == pytest.approx(85.5, **APPROX)


# --- every solve path ---------------------------------------------------------------------------
def test_solve_without_share_rules_uses_the_policy(tmp_path):
    """direct_users with CHN's 5 t: China capped at 0 (15 t of n) and without the cap
    (20 t of n): uncapped, s_n = S_p - 10 and s_p = 20 - S_p. penalty feeds p: S_p = 20, s_n = 10,
    s_p = 0. proportional: U = (S_p - 10)/10 + (20 - S_p)/20 is least at S_p = 10:
    s_n = 0, s_p = 10."""
    for shortage, want in (("penalty", {"n": 10, "p": 0}), ("proportional", {"n": 0, "p": 10})):
        r = solve(load_case(direct_users(tmp_path / shortage, shortage, chn=5)))
        got = r.commodities.set_index("commodity")["uncapped_shortfall"].to_dict()
        assert got == pytest.approx(want, **APPROX), shortage


def test_capacity_probe_uses_the_policy(tmp_path):
    """One more t of n from AUS (16 t): proportional keeps s_n = 0, S_p = 6, s_p = 14:
    objective 16 + 12 + 14,000 = 14,028, so the t is worth 15,025 - 14,028 = 997."""
    r = solve(load_case(direct_users(tmp_path / "c", "proportional")))
    values = r.capacity_values.set_index(["commodity", "country"])
    assert values.loc[("n", "AUS"), "marginal_value"] == pytest.approx(997, **APPROX)
    assert bool(values.loc[("n", "AUS"), "relieves_shortfall"])


def test_cap_probe_uses_the_policy(tmp_path):
    """direct_users with China capped at 50% of n: CHN 15 <= 30 / 2, so all 30 t of n are
    bought, S_p = 20 and nothing is short. One point tighter, CHN <= 0.49 S_n with AUS's 15
    gives S_n = 15 / 0.51, d = 30 - 15 / 0.51 = 0.588... t less n, and s_n + s_p = d.
    proportional: on p (weight 1/20 < 1/10): S_p falls by d; cost -d*1 - 2d + 1000d = 997d.
    penalty: on n (penalty 10 < 1000): cost -d*1 + 10d = 9d, n short by d."""
    d = 30 - 15 / 0.51
    for shortage, cost, n_short in (("proportional", 997 * d, 0.0), ("penalty", 9 * d, d)):
        case = load_case(direct_users(tmp_path / shortage, shortage, max_china_share=0.5))
        row = solve(case).commodities.set_index("commodity").loc["n"]
        assert row["shortfall"] == 0
        assert row["cost_of_next_pp"] == pytest.approx(cost, rel=1e-6), shortage
        assert row["shortfall_of_next_pp"] == pytest.approx(n_short, abs=1e-6), shortage


def test_sweep_over_demand_matches_cold_solves_serial_and_on_workers(tmp_path):
    """A sweep changes p's demand in place (the U row's weight 1/demand must follow):
    x0.5 (10): the level-2 tie above, objective 85; x1: 15,025; x2 (40): s_n + s_p = 35,
    U = s_n/10 + s_p/40 puts it all on p: s_p = 35, S_p = 5; objective 15 + 10 + 35,000."""
    case = load_case(direct_users(tmp_path / "c", "proportional"))
    grid = {"demand[commodity=p]": [0.5, 1.0, 2.0], "max_china_share": [0.0, 0.5]}
    serial = sweep(case, grid)
    points = serial.points
    at_cap0 = points[points["max_china_share"] == 0.0]["objective"].tolist()
    assert at_cap0 == pytest.approx([85, 15_025, 35_025], **APPROX)
    parallel = sweep(case, grid, workers=2)
    pd.testing.assert_frame_equal(serial.points, parallel.points, check_exact=True)
    pd.testing.assert_frame_equal(serial.table, parallel.table, check_exact=True)


def test_each_level_retries_on_its_own(tmp_path, monkeypatch):
    s = Solver(load_case(direct_users(tmp_path / "c", "proportional")))
    real = s.h.getModelStatus
    calls = iter(range(10**6))
    fail_at = {0, 2}  # level 1's first attempt, then level 2's first attempt

    def status():
        return highspy.HighsModelStatus.kSolveError if next(calls) in fail_at else real()

    monkeypatch.setattr(s.h, "getModelStatus", status)
    assert s.run().objective == pytest.approx(15_025, **APPROX)
    got = [(r["run"], r["level"], [a["status"] for a in r["attempts"]]) for r in s.retries]
    assert got == [("main", 1, ["Solve error", "Optimal"]), ("main", 2, ["Solve error", "Optimal"])]


def test_a_level_that_fails_every_retry_is_a_solve_error_and_costs_come_back(tmp_path, monkeypatch):
    s = Solver(load_case(direct_users(tmp_path / "c", "proportional")))
    cols = list(range(s.h.getNumCol()))
    before = list(s.h.getLp().col_cost_)
    monkeypatch.setattr(s.h, "getModelStatus", lambda: highspy.HighsModelStatus.kSolveError)
    with pytest.raises(SolveError, match="did not reach an optimum"):
        s.run()
    assert list(s.h.getLp().col_cost_) == before and len(cols) == len(before)
    monkeypatch.undo()
    assert s.run().objective == pytest.approx(15_025, **APPROX)


def test_badly_scaled_fixture_solves_under_proportional_too(tmp_path):
    """The LNG fixture (demand 1.27e9, so 1/demand is below HiGHS's 1e-9 matrix floor, which
    is why the U row is scaled) under the default policy: a single commodity, so level 1
    maximises supply as the penalty of 1e11 does, and the optimum is the same to 1e4."""
    folder = tmp_path / "lng"
    src = ROOT / "tests" / "cases" / "solve-error-scaling"
    folder.mkdir()
    for f in src.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    text = (folder / "case.toml").read_text().replace('shortage = "penalty"', "")
    (folder / "case.toml").write_text(text)
    case = load_case(folder)
    assert case.policy.shortage == "proportional"
    r = solve(case)
    assert r.objective == pytest.approx(16_521_197_691.82, abs=1e4)
    assert r.objective == pytest.approx(reference_objective(case), abs=1e4)


# --- property: capacity never raises U* --------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_adding_capacity_never_raises_unmet_need(spec, data):
    i = data.draw(st.integers(0, len(spec["supply"]) - 1))
    extra = data.draw(st.sampled_from([1, 10, 100]))
    k, n, cap, cost, *rest = spec["supply"][i]
    more = {**spec, "supply": [*spec["supply"]]}
    more["supply"][i] = (k, n, cap + extra, cost, *rest)
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(write_case(Path(tmp) / "a", **spec))
        bigger = load_case(write_case(Path(tmp) / "b", **more))
        u, u_more = Solver(case).run().unmet, Solver(bigger).run().unmet
        assert u == pytest.approx(reference_unmet(case), abs=1e-7)
        assert u_more == pytest.approx(reference_unmet(bigger), abs=1e-7)
        assert u_more <= u + 1e-9


# --- shortage moves in words -------------------------------------------------------------------
def test_moves_name_the_new_shortage_and_the_relieved_one():
    names = ["natural graphite", "battery anode graphite", "gallium"]
    before = pd.Series([0.0, 33_648.8, 4.0], index=names)
    after = pd.Series([16_622.0, 27_000.0, 4.0], index=names)
    units = pd.Series(["t", "t", "t"], index=names)
    need = pd.Series([71_000.0, 90_000.0, 19.0], index=names)
    # 16,622 / 71,000 = 23.4%; 33,648.8 - 27,000 = 6,648.8; gallium did not change
    assert shortage_moves(before, after, units, need) == [
        "Shortage moved: natural graphite is now short 16,622 t (23% of need) while "
        "battery anode graphite's shortfall fell by 6,649 t."
    ]


def test_moves_list_every_relieved_commodity_and_earlier_shortfall():
    before = pd.Series({"a": 5.0, "b": 10.0, "c": 4.0})
    after = pd.Series({"a": 8.0, "b": 7.0})  # c missing: 0 now
    units = pd.Series({"a": "t", "b": "kg", "c": "t"})
    need = pd.Series({"a": 10.0, "b": 20.0, "c": 8.0})
    assert shortage_moves(before, after, units, need) == [
        "Shortage moved: a is now short 8 t (80% of need, up from 5 t) while "
        "c's shortfall fell by 4 t and b's shortfall fell by 3 kg."
    ]


def test_no_move_when_shortage_only_rises_only_falls_or_stays():
    units = pd.Series({"a": "t", "b": "t"})
    need = pd.Series({"a": 100.0, "b": 100.0})
    both = pd.Series({"a": 10.0, "b": 10.0})
    assert shortage_moves(both, pd.Series({"a": 20.0, "b": 10.0}), units, need) == []
    assert shortage_moves(both, pd.Series({"a": 5.0, "b": 0.0}), units, need) == []
    # a change of 1e-6 t on a need of 100 t is round-off, not a move
    assert shortage_moves(both, pd.Series({"a": 10.000001, "b": 9.999999}), units, need) == []


# --- where the policy is written -------------------------------------------------------------
def test_scenario_sets_the_policy_and_a_wrong_value_names_the_key(tmp_path):
    folder = shared_input(tmp_path / "base", "proportional")
    scenario = tmp_path / "pen.toml"
    scenario.write_text(f'base = "{folder}"\n[policy]\nshortage = "penalty"\n')
    r = solve(load_case(scenario))
    assert r.objective == pytest.approx(6_060, **APPROX)  # shared_input's penalty optimum
    scenario.write_text(f'base = "{folder}"\n[policy]\nshortage = "equal"\n')
    with pytest.raises(InputError) as info:
        load_case(scenario)
    assert info.value.column == "policy.shortage"
    assert "'proportional' or 'penalty'" in str(info.value)


def test_workbook_keeps_the_policy(tmp_path):
    case = load_case(shared_input(tmp_path / "c", "penalty"))
    back = load_case(write_case_xlsx(case, tmp_path / "c.xlsx"))
    assert back.policy.shortage == "penalty"
    assert solve(back).objective == pytest.approx(6_060, **APPROX)


# --- the run says where shortage moved ----------------------------------------------------------
def test_a_run_says_in_words_when_shortage_moves_from_today(tmp_path):
    """direct_users under penalty is today: s_n = 10, s_p = 5 (docstring above). The
    scenario cuts the USA's capacity to make p to 10 t: p gets 10 t of n, the other 5 t go
    to n's direct users, so s_n = 5 and s_p = 10: p's shortage rose by 5 while n's fell by 5.
    Needs: n 10 + 10 = 20 supplied or short, p 20: p is 50% short."""
    direct_users(tmp_path / "today", "penalty")
    (tmp_path / "cut.toml").write_text(
        'name = "cut"\nbase = "today"\n[[changes]]\ntable = "supply"\ncolumn = "capacity"\n'
        'commodity = "p"\ncountry = "USA"\nset = 10\n'
    )
    r = solve(load_case(tmp_path / "cut.toml"))
    assert short(r) == pytest.approx({"n": 5, "p": 10}, **APPROX)
    assert r.summary["shortage_moves"] == [
        "Shortage moved: p is now short 10 t (50% of need, up from 5 t) while n's "
        "shortfall fell by 5 t."
    ]
    # a case solved directly is its own today: nothing to compare, nothing said
    assert "shortage_moves" not in solve(load_case(tmp_path / "today")).summary
