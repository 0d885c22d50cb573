"""Every shipped scenario, solved: headlines an analyst can quote (issue 10, "Done when").

- No shipped case or scenario buys from a sanctioned supplier (the `sanctioned` group);
  only the scenario written to show what they would change may allow them.
- A scenario whose changes only remove options (caps, rules, capacity cut) never shows
  a negative premium, against today or against no share rules, in summary.json, the CLI
  summary, the report or compare.
- The export ban leaves gallium short unless a scenario brings standby capacity in.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from model import load_case, solve
from model.cli import app
from model.compare import compare
from model.report import write_report
from tests.conftest import BASE, ROOT

# The multi-year (horizon-*) scenarios: tests/test_horizon_case.py, one solve each without
# the per-commodity-year probes (231 commodity-years make those a minute).
SCENARIOS = sorted(
    p for p in (ROOT / "inputs" / "scenarios").glob("*.toml") if not p.stem.startswith("horizon")
)
# scenarios that only take options away from today (no capacity added, no rule relaxed)
ONLY_REMOVE = {
    "china-cap-50",
    "refining-cap-50",
    "china-export-ban",
    "procurement-rules",
    "single-supplier-cap",
}
# written to show what allowing restricted suppliers would change
ALLOWS_RESTRICTED = {"with-restricted-suppliers", "russia-enrichment-waivers"}


@pytest.fixture(scope="module")
def solved() -> dict[str, object]:
    cases = [BASE, *SCENARIOS]
    return {c.stem if c.suffix else "base": solve(load_case(c)) for c in cases}


def test_the_list_of_scenarios_is_the_shipped_one(solved):
    assert set(solved) >= ONLY_REMOVE and set(solved) >= ALLOWS_RESTRICTED


def test_no_case_buys_from_a_sanctioned_supplier(solved):
    sanctioned = {"PRK", "IRN", "CUB"}  # countries.csv group `sanctioned` (SOURCES.md)
    groups = load_case(BASE).groups()
    assert groups["sanctioned"] == sanctioned
    for name, r in solved.items():
        bought = r.mix[r.mix["quantity"] > 0]
        assert not set(bought["country"]) & sanctioned, name
        if name not in ALLOWS_RESTRICTED:  # nor Russian supply (base case rules)
            assert "RUS" not in set(bought["country"]), name


def test_premiums_are_never_negative_when_rules_only_remove_options(solved, tmp_path):
    for name in sorted(ONLY_REMOVE):
        s = solved[name].summary
        assert s["today"]["case"] == "base", name
        assert s["premium_vs_today"] >= 0, name
        assert s["premium_vs_no_share_rules"] >= 0, name
        # the total is the supply cost plus the unmet need valued, never less than today's
        assert s["total"] == pytest.approx(s["supply_cost"] + s["shortfall_value"], rel=1e-12)
    # the report of one of them says the same with a plus sign
    folder = solved["procurement-rules"].write(tmp_path, plots=False)
    _, md = write_report(folder)
    text = md.read_text()
    assert "premium over today" in text
    premiums = re.findall(r"\*\*premium over [^:]*: ([+-]?\$[\d,.]+M)\*\*", text)
    assert premiums and all(p.startswith("+") for p in premiums), premiums


def test_cli_and_compare_show_the_same_signs(solved, tmp_path):
    run = CliRunner().invoke(
        app, ["solve", str(ROOT / "inputs/scenarios/china-cap-50.toml"), "--out", str(tmp_path)]
    )
    assert run.exit_code == 0, run.output
    line = next(x for x in run.output.splitlines() if x.startswith("premium of the rules"))
    assert "+$" in line and "-$" not in line
    res = compare([load_case(BASE), load_case(ROOT / "inputs/scenarios/china-export-ban.toml")])
    totals = res.totals.set_index("case")
    assert totals.loc["china-export-ban", "premium_vs_today"] > 0
    assert totals.loc["china-export-ban", "total_vs_first"] > 0
    assert totals.loc["base", "premium_vs_today"] == 0


def test_export_ban_leaves_gallium_short_unless_standby_comes_in(solved):
    def gallium_short(name: str) -> float:
        c = solved[name].commodities.set_index("commodity")
        return float(c.loc["gallium", "shortfall_share"])

    assert gallium_short("base") == 0
    assert gallium_short("china-export-ban") > 0.5  # 16 of 19 t (SOURCES.md)
    assert gallium_short("china-export-ban-standby") < gallium_short("china-export-ban")
