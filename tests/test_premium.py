"""Costs never hide a shortfall (issue 10, item 5): supply cost, shortfall and its value
side by side, the premium of the rules against "no share rules" and "today", and the
currency label on every amount. Every expectation is solved by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from matplotlib.text import Text

from model import load_case, solve
from model.case.policy import Policy
from model.compare import compare
from model.errors import InputError
from model.report import load_run, report_blocks, write_report
from model.report.document import render_md
from model.stress import stress
from model.sweep import sweep
from tests.conftest import ROOT, write_case
from tests.test_properties import cases

APPROX = dict(rel=1e-9, abs=1e-6)


def sourcing(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's model
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, env=env)


# --- a rule that leaves need unmet -----------------------------------------------------------
SHORT_CASE = dict(
    commodities=[("a", 100)],
    # China sells up to 1000 at 1, Australia only 30 at 2
    supply=[("a", "CHN", 1000, 1), ("a", "AUS", 30, 2)],
    policy={"rules": [{"name": "China half", "country": "CHN", "max_share": 0.5}]},
)


def test_a_rule_that_causes_shortfall_has_a_positive_premium(case_dir):
    # rule: China <= 50% of what is bought, so China <= Australia's 30: 30 at 1 + 30 at 2 =
    # 90 bought, 40 of the need of 100 short. Penalty 10 x the dearest cost 2 = 20 a unit:
    # unmet need valued 40 x 20 = 800, total 890.
    # No share rules: China 100 at 1 = 100, nothing short, total 100.
    # Premium = extra supply cost (90 - 100 = -10) + penalty x extra shortfall (20 x 40)
    #         = 790 > 0, where supply cost alone fell by 10 (the old "saving").
    r = solve(load_case(case_dir(**SHORT_CASE)))
    s = r.summary
    assert s["supply_cost"] == pytest.approx(90, **APPROX) == r.supply_cost
    assert s["shortfall_value"] == pytest.approx(800, **APPROX) == r.shortfall_value
    assert s["total"] == pytest.approx(890, **APPROX) == r.total
    assert s["total"] == pytest.approx(s["objective"], **APPROX)  # the penalty objective
    assert s["shortfall_share"] == {"a": 0.4} and s["total_shortfall"] == {"a": 40.0}
    assert s["no_share_rules"] == {
        "supply_cost": 100.0,
        "shortfall_value": 0.0,
        "total": 100.0,
        "commodities_with_shortfall": 0,
    }
    assert s["premium_vs_no_share_rules"] == pytest.approx(-10 + 20 * 40, **APPROX)
    # a case solved directly is its own today
    assert s["today"] == {
        "case": "tiny",
        "itself": True,
        "supply_cost": 90.0,
        "shortfall_value": 800.0,
        "total": 890.0,
        "commodities_with_shortfall": 1,
    }
    assert s["premium_vs_today"] == 0
    assert "total_cost" not in s and "total_cost_premium" not in s  # misleading names gone
    row = r.commodities.set_index("commodity").loc["a"]
    assert row["shortfall_share"] == 0.4 and row["shortfall_value"] == pytest.approx(800)
    assert row["total"] == pytest.approx(890) and row["uncapped_total"] == pytest.approx(100)
    assert row["supply_cost_change"] == pytest.approx(-10)
    assert row["premium_vs_no_share_rules"] == pytest.approx(790)
    assert row["today_total"] == pytest.approx(890) and row["premium_vs_today"] == 0


def test_sweep_never_shows_a_rule_as_a_saving(case_dir):
    # the same case swept over the rule's bound: 0.5 as above (premium 790); 1.0 no rule
    # (premium 0); 0.2: China <= 0.2 S with S = China + 30 -> China 7.5, S 37.5, short 62.5:
    # 7.5 + 60 = 67.5 + 62.5 x 20 = 1317.5 -> premium 1217.5 (supply cost fell by 32.5)
    case = load_case(case_dir(**SHORT_CASE))
    s = sweep(case, {"rule[China half].max_share": [0.5, 1.0, 0.2]})
    p = s.points
    assert p["supply_cost"].tolist() == pytest.approx([90, 100, 67.5], **APPROX)
    assert p["total"].tolist() == pytest.approx([890, 100, 1317.5], **APPROX)
    assert p["premium_vs_no_share_rules"].tolist() == pytest.approx([790, 0, 1217.5], **APPROX)
    # today = the case as given (bound 0.5, total 890)
    assert p["premium_vs_today"].tolist() == pytest.approx([0, -790, 427.5], **APPROX)
    assert p["worst_shortfall_share"].tolist() == pytest.approx([0.4, 0.0, 0.625], **APPROX)
    assert s.summary["today"]["total"] == pytest.approx(890, **APPROX)
    t = s.table.set_index("point")
    assert t["supply_cost_change"].tolist() == pytest.approx([-10, 0, -32.5], **APPROX)


def test_stress_ranks_a_lost_share_of_need_above_dearer_money(case_dir):
    # a: demand 10, only China at 1 (penalty 10): China out leaves all of a short (+100%
    #    of its need), valued 10 x 10 = 100, supply cost -10: total +90.
    # b: demand 1000 from AUS at 1, JPN at 3 (penalty 30): AUS out -> JPN: supply +2000,
    #    nothing short. By money alone AUS (+2000) would rank above China (+90).
    case = load_case(
        case_dir(
            commodities=[("a", 10), ("b", 1000)],
            supply=[("a", "CHN", 100, 1), ("b", "AUS", 1000, 1), ("b", "JPN", 1000, 3)],
        )
    )
    res = stress(case, groups=False)
    r = res.ranking
    assert r["outage"].tolist() == ["CHN", "AUS", "JPN"]
    assert r["shortfall_share_increase"].tolist() == [1.0, 0.0, 0.0]
    assert r["total_increase"].tolist() == pytest.approx([90, 2000, 0], **APPROX)
    assert r["worst_commodity"].tolist() == ["a", "", ""]
    assert "share of its need" in res.summary["rank"]


# --- the two references ----------------------------------------------------------------------
def base_and_scenario(tmp_path: Path) -> tuple[Path, Path]:
    # base: a, demand 100: CHN 1000 at 1, AUS 1000 at 2, JPN 1000 at 3, and its own rule
    # China <= 50%: CHN 50 + AUS 50 = 150. Without share rules: CHN 100 = 100.
    # scenario: adds Australia <= 30%: CHN 50 + AUS 30 + JPN 20 = 50 + 60 + 60 = 170.
    base = write_case(
        tmp_path / "base",
        commodities=[("a", 100)],
        supply=[("a", "CHN", 1000, 1), ("a", "AUS", 1000, 2), ("a", "JPN", 1000, 3)],
        policy={"rules": [{"name": "China half", "country": "CHN", "max_share": 0.5}]},
        name="base",
    )
    scenario = tmp_path / "aus.toml"
    scenario.write_text(
        'name = "aus-cap"\nbase = "base"\n[[policy.rules]]\ncountry = "AUS"\nmax_share = 0.3\n'
    )
    return base, scenario


def test_the_two_references_differ_on_a_scenario(tmp_path: Path):
    base, scenario = base_and_scenario(tmp_path)
    r = solve(load_case(scenario))
    s = r.summary
    assert s["total"] == pytest.approx(170, **APPROX)
    assert s["no_share_rules"]["total"] == pytest.approx(100, **APPROX)
    assert s["premium_vs_no_share_rules"] == pytest.approx(70, **APPROX)
    assert s["today"]["case"] == "base" and s["today"]["itself"] is False
    assert s["today"]["total"] == pytest.approx(150, **APPROX)
    assert s["premium_vs_today"] == pytest.approx(20, **APPROX)
    assert r.commodities.loc[0, "premium_vs_today"] == pytest.approx(20, **APPROX)
    # the base solved directly is its own today
    b = solve(load_case(base)).summary
    assert b["premium_vs_no_share_rules"] == pytest.approx(50, **APPROX)
    assert b["premium_vs_today"] == 0 and b["today"]["itself"] is True
    # an override of the cap is measured against the case as given: China <= 20% of 100:
    # CHN 20 + AUS 80 = 180 against 150
    o = solve(load_case(base), max_china_share=0.2).summary
    assert o["premium_vs_today"] == pytest.approx(30, **APPROX)
    # the run folder keeps today, so its inputs/ reproduce the premium
    folder = r.write(tmp_path / "out")
    again = solve(load_case(folder / "inputs")).summary
    assert again["today"]["case"] == "base" and again["premium_vs_today"] == pytest.approx(20)


def test_compare_reports_both_premiums(tmp_path: Path):
    base, scenario = base_and_scenario(tmp_path)
    c = compare([load_case(base), load_case(scenario)])
    t = c.totals.set_index("case")
    assert t["total"].tolist() == pytest.approx([150, 170], **APPROX)
    assert t["today"].tolist() == ["base", "base"]
    assert t["premium_vs_today"].tolist() == pytest.approx([0, 20], **APPROX)
    assert t["premium_vs_no_share_rules"].tolist() == pytest.approx([50, 70], **APPROX)
    assert t["total_vs_first"].tolist() == pytest.approx([0, 20], **APPROX)


# --- the premium of rules that only remove options is never negative ---------------------------
def _penalty_policy(spec: dict) -> dict:
    """The spec under the single penalty objective (total = objective), where it is an option."""
    if "shortage" in Policy.model_fields:
        spec = {**spec, "policy": {**spec["policy"], "shortage": "penalty"}}
    return spec


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example(  # k1 needs 1.2 of k0, of which 1 exists: 1/6 of k1 short, valued at 29.56 a unit
    {
        "commodities": [("k0", 0, "mining"), ("k1", 1, "mining")],
        "supply": [("k0", "AUS", 1, 1.63), ("k1", "CHN", 0, 1.0), ("k1", "AUS", 1, 1.0)],
        "recipes": [("k1", "k0", 1.2)],
        "policy": {"max_china_share": 0.0, "china_cap_basis": "supplied", "rules": []},
    }
)
def test_rules_that_only_remove_options_never_show_a_saving(spec):
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(write_case(Path(tmp) / "c", **_penalty_policy(spec)))
        r = solve(case, probes=False, ranging=False)
        s = r.summary
        # shortfalls are rounded to 6 decimals before they are valued (as shown), so a
        # total is exact to 5e-7 x the penalties; totals add solver noise (1e-9 relative)
        rounding = 5e-7 * float(r.commodities["shortfall_penalty"].sum())
        tol = 2 * rounding + 1e-6 * max(1.0, abs(s["total"]))
        assert s["total"] == pytest.approx(s["objective"], rel=1e-9, abs=rounding + 1e-9)
        assert s["premium_vs_no_share_rules"] >= -tol
        # a tighter cap than the case's own only removes options: never below today
        tighter = solve(case, case.policy.max_china_share / 2, probes=False, ranging=False)
        assert tighter.summary["premium_vs_today"] >= -tol
        assert tighter.summary["premium_vs_no_share_rules"] >= -tol


# --- currency ----------------------------------------------------------------------------------
def eur_case(tmp_path: Path) -> Path:
    # a, demand 1,000,000: CHN at 10, AUS 300,000 at 20; China capped at 50%:
    # CHN 300,000 + AUS 300,000 = 3M + 6M = EUR 9.0M bought, 400,000 short at 200 =
    # EUR 80.0M: total EUR 89.0M; no share rules: CHN 1M at 10 = EUR 10.0M: +EUR 79.0M
    folder = write_case(
        tmp_path / "eur",
        commodities=[("a", 1_000_000, "refining")],
        supply=[("a", "CHN", 10**7, 10), ("a", "AUS", 300_000, 20)],
        policy={"max_china_share": 0.5},
        name="eur",
    )
    toml = folder / "case.toml"
    toml.write_text('currency = "EUR"\n' + toml.read_text())
    return folder


def test_currency_labels_every_money_output(tmp_path: Path):
    folder = eur_case(tmp_path)
    case = load_case(folder)
    assert case.currency == "EUR"
    # the CLI summary
    proc = sourcing("solve", str(folder), "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "$" not in proc.stdout
    assert "supply cost EUR 9.0M a year" in proc.stdout
    assert "= total EUR 89.0M" in proc.stdout
    assert "+EUR 79.0M against no share rules" in proc.stdout
    assert "cost EUR M" in proc.stdout
    run = tmp_path / "solutions" / "eur"
    assert json.loads((run / "summary.json").read_text())["currency"] == "EUR"
    assert 'currency = "EUR"' in (run / "inputs" / "case.toml").read_text()
    # the report, read back from the run folder
    html, md = (p.read_text() for p in write_report(run))
    assert "$" not in md and "EUR 89.0M" in md and "+EUR 79.0M" in md
    assert "$" not in html
    # compare, in the terminal and in its tables
    scen = tmp_path / "cap20.toml"
    scen.write_text(f'name = "cap20"\nbase = "{folder}"\n[policy]\nmax_china_share = 0.2\n')
    proc = sourcing("compare", str(folder), str(scen), "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "$" not in proc.stdout and "total EUR M" in proc.stdout
    title, blocks = report_blocks(load_run(tmp_path / "solutions" / "compare-eur-vs-cap20"))
    assert "$" not in render_md(title, blocks)
    # a USD case cannot be compared with it
    usd = write_case(tmp_path / "usd", commodities=[("a", 1)], supply=[("a", "AUS", 1, 1)])
    with pytest.raises(InputError, match="one currency"):
        compare([case, load_case(usd)])


def test_currency_in_plots(tmp_path: Path):
    r = solve(load_case(eur_case(tmp_path)))
    texts = [t.get_text() for t in r.plot.stages().findobj(Text)]
    assert not any("$" in t for t in texts)
    assert any("EUR 9.0M" in t for t in texts) and any("EUR million" in t for t in texts)


def test_bad_currency_names_the_key(tmp_path: Path):
    folder = eur_case(tmp_path)
    toml = folder / "case.toml"
    toml.write_text(toml.read_text().replace('"EUR"', '"euro"'))
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert err.value.column == "currency" and "three-letter currency code" in err.value.message
