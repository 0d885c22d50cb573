"""Costs never hide (README "Headline numbers", "Stockpile", "Build-out"): a stockpile's
holding cost and the build-out's cost are parts of the headline total, by year, in present
value and in every premium; and what each project built buys, by re-solving without it.

Every expected value is worked by hand in the comment above it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from model import load_case, solve
from model.cli import headline_lines
from model.compare import compare
from model.curve import curve
from model.stress import stress
from model.sweep import sweep
from tests.test_buildout import outage_case
from tests.test_horizon import horizon_case
from tests.test_stockpile import HEADER

APPROX = dict(rel=1e-9, abs=1e-9)


# --- build-out: the README worked example ----------------------------------------------------
# 2026-2027, demand 10 a year; AUS sells 10 at $5 in 2026 only; USA can build at $1 a unit a
# year plus $2 a unit supplied, at most 4 a year; a short unit is valued at $50.
# Optimum: build 4 in 2026 and 4 in 2027. 2026: USA 4 x 2 + AUS 6 x 5 = 38, build-out
# 4 x 1 = 4, total 42; 2027: USA 8 x 2 = 16, build-out 8 x 1 = 8, 2 short x 50 = 100,
# total 124. Headline: supply 54 + build-out 12 + unmet 100 = 166 (= the objective).
# Without the option (re-solve, b = 0): 2026 AUS 10 x 5 = 50, 2027 10 short = 500: 550.
# So the project (8 t built, by 2027, for 4 + 8 = 12) avoids 10 - 2 = 8 t unmet and saves
# 550 - 166 = 384.
@pytest.mark.parametrize("shortage", ["penalty", "proportional"])
def test_build_cost_is_in_the_total_and_the_project_says_what_it_buys(tmp_path: Path, shortage):
    folder = outage_case(tmp_path / "c", 4)
    text = (folder / "case.toml").read_text().replace('"penalty"', f'"{shortage}"')
    (folder / "case.toml").write_text(text)
    r = solve(load_case(folder))
    s = r.summary
    assert (s["supply_cost"], s["buildout_cost"], s["shortfall_value"]) == (54, 12, 100)
    assert s["total"] == 166 and r.total == pytest.approx(r.objective, **APPROX)
    assert "holding_cost" not in s  # no stockpile: no key
    assert [(y["year"], y["buildout_cost"], y["total"]) for y in s["by_year"]] == [
        (2026, 4, 42),
        (2027, 8, 124),
    ]
    assert s["present_value"]["buildout_cost"] == 12 and s["present_value"]["total"] == 166
    assert r.commodities["buildout_cost"].tolist() == [4, 8]
    assert r.commodities["total"].tolist() == [42, 124]
    # the case is its own today: premiums 0, not -12 (reference totals carry the build too)
    assert s["premium_vs_today"] == 0 and s["premium_vs_no_share_rules"] == 0
    assert s["today"]["buildout_cost"] == 12 and s["today"]["total"] == 166
    p = r.projects.to_dict("records")
    assert p == [
        {
            "commodity": "k",
            "country": "USA",
            "unit": "t",
            "built": 8.0,
            "first_year": 2026,
            "built_by": 2027,
            "cost": 12.0,
            "present_value_cost": 12.0,
            "shortfall_avoided": 8.0,
            "also_avoids": "",
            "total_saved": 384.0,
            "present_value_saved": 384.0,
        }
    ]
    assert s["projects"] == p
    out = r.write(str(tmp_path / "out"))
    assert (out / "projects.csv").read_text().splitlines() == [
        "commodity,country,unit,built,first_year,built_by,cost,present_value_cost,"
        "shortfall_avoided,also_avoids,total_saved,present_value_saved",
        "k,USA,t,8.0,2026,2027,12.0,12.0,8.0,,384.0,384.0",
    ]
    lines = headline_lines(s)
    assert "supply cost [bold]$0.0M[/] over 2026-2027 + build-out $0.0M + [red]unmet" in lines[0]
    assert "build-out: USA k 8.00 t by 2027 for $0.0M avoids 8.00 t unmet, saves $0.0M" in lines
    assert not any("not in total" in line for line in lines)


def test_a_discounted_project_reports_its_present_value_cost_and_saving(tmp_path: Path):
    # rate 100%: 2027 counts half. The optimum is the same (objective 42 + 0.5 x 124 = 104).
    # Present value of the build-out: 4 + 0.5 x 8 = 8; without the option 50 + 0.5 x 500 =
    # 300, so the project saves 300 - 104 = 196 in present value (384 undiscounted).
    folder = outage_case(tmp_path / "c", 4)
    text = (folder / "case.toml").read_text()
    (folder / "case.toml").write_text(text.replace("end = 2027", "end = 2027\ndiscount_rate = 1.0"))
    r = solve(load_case(folder), compare=False)
    assert r.objective == pytest.approx(104, **APPROX)
    assert r.summary["present_value"] == {
        "supply_cost": 46.0,  # 38 + 0.5 x 16
        "shortfall_value": 50.0,
        "buildout_cost": 8.0,
        "total": 104.0,
    }
    (p,) = r.projects.to_dict("records")
    assert (p["cost"], p["present_value_cost"]) == (12.0, 8.0)
    assert (p["shortfall_avoided"], p["total_saved"], p["present_value_saved"]) == (8, 384, 196)


def test_an_option_left_unbuilt_is_no_project(tmp_path: Path):
    # a second option, JPN at $100 a unit a year, is never worth building (the shortfall
    # it would fill is worth $50): only USA is a project
    folder = outage_case(tmp_path / "c", 4)
    rows = (folder / "buildout.csv").read_text() + "k,JPN,100,2,4\n"
    (folder / "buildout.csv").write_text(rows)
    r = solve(load_case(folder), compare=False)
    assert r.projects["country"].tolist() == ["USA"]
    assert r.summary["buildout_cost"] == 12


# --- stockpile: holding cost in the total and the premiums ------------------------------------
def stock_case(folder: Path) -> Path:
    """2026-2027, demand 10 t a year of k. AUS sells 20 t at $1 in 2026 and none in 2027;
    CHN sells 10 t at $2 in both years. A stock starts empty and costs $1.5 a tonne held at
    a year's end."""
    return horizon_case(
        folder,
        commodities=[("k", 10, None)],
        supply=[("k", "AUS", 20, 1), ("k", "CHN", 10, 2)],
        horizon={"start": 2026, "end": 2027},
        tables={
            "capacity_by_year.csv": (
                ["commodity", "country", "year", "capacity"],
                [("k", "AUS", 2027, 0)],
            ),
            "stockpile.csv": (HEADER, [("k", 0, "", "", 1.5, "")]),
        },
    )


# Today (no cap): 2026 AUS 10 x 1 = 10, 2027 CHN 10 x 2 = 20: total 30 (holding 10 t into
# 2027 instead: 20 + 15 = 35 > 30). With China capped at 0%, 2027 has only the stock: buy
# 20 t from AUS in 2026 ($20) and hold 10 t ($15): total 35, all need met. The rule only
# removes options, so its premium is 35 - 30 = +5, never the -10 that supply cost alone
# (20 against 30) would show.
def test_holding_cost_is_in_the_total_so_a_cap_never_shows_a_saving(tmp_path: Path):
    case = load_case(stock_case(tmp_path / "c"))
    today = solve(case)
    assert today.total == 30 and today.summary["holding_cost"] == 0
    r = solve(case, max_china_share=0.0)
    s = r.summary
    assert (s["supply_cost"], s["holding_cost"], s["shortfall_value"], s["total"]) == (
        20,
        15,
        0,
        35,
    )
    assert "buildout_cost" not in s
    assert r.total == pytest.approx(r.objective, **APPROX)
    assert s["today"]["total"] == 30 and s["today"]["holding_cost"] == 0
    assert s["premium_vs_today"] == 5 and s["premium_vs_no_share_rules"] == 5
    assert [(y["year"], y["holding_cost"], y["total"]) for y in s["by_year"]] == [
        (2026, 15, 35),
        (2027, 0, 0),
    ]
    assert r.commodities["holding_cost"].tolist() == [15, 0]
    assert r.commodities["premium_vs_today"].tolist() == [25, -20]  # 35 - 10, 0 - 20
    line = headline_lines(s)[0]
    assert "over 2026-2027 + stock holding $0.0M = total [bold]$0.0M[/]; all need met" in line


def test_sweep_curve_stress_and_compare_count_the_holding_cost(tmp_path: Path):
    # the same two cases as above: totals 30 (cap 100%) and 35 (cap 0%)
    case = load_case(stock_case(tmp_path / "c"))
    s = sweep(case, {"max_china_share": "1,0"})
    points = s.points.set_index("max_china_share")
    assert points.loc[1.0, "total"] == 30 and points.loc[0.0, "total"] == 35
    assert points.loc[0.0, "holding_cost"] == 15 and points.loc[1.0, "holding_cost"] == 0
    assert points["premium_vs_today"].tolist() == [0, 5]
    assert points["premium_vs_no_share_rules"].tolist() == [0, 5]
    c = curve(case, grid="1:0:1", together=True)
    at = c.curve.set_index("cap")
    assert at.loc[0.0, "premium_vs_today"] == 5 and at.loc[1.0, "premium_vs_today"] == 0
    # China out: the stock bridges 2027 (total 35 against 30)
    st = stress(case, groups=False)
    chn = st.ranking.set_index("outage").loc["CHN"]
    assert chn["total_increase"] == 5 and chn["supply_cost_increase"] == -10
    capped = case.copy()
    capped.name, capped.policy.max_china_share = "capped", 0.0
    cmp = compare([case, capped])
    assert cmp.totals["holding_cost"].tolist() == [0, 15]
    assert cmp.totals["total"].tolist() == [30, 35]
    assert cmp.totals["total_vs_first"].tolist() == [0, 5]


def test_a_horizon_case_without_stock_or_build_has_no_such_keys(tmp_path: Path):
    folder = outage_case(tmp_path / "c", 4)
    (folder / "buildout.csv").unlink()
    r = solve(load_case(folder), compare=False)
    s = r.summary
    assert not {"holding_cost", "buildout_cost", "projects"} & set(s)
    assert set(s["by_year"][0]) == {
        "year",
        "supply_cost",
        "shortfall_value",
        "total",
        "commodities_with_shortfall",
    }
    assert set(s["present_value"]) == {"supply_cost", "shortfall_value", "total"}
    assert not {"holding_cost", "buildout_cost"} & set(r.commodities.columns)
    assert r.projects is None
