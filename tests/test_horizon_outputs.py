"""A horizon case's sweep, curve, stress and compare tables, summary keys, timeline plot
and report section "Over the years" (README "Horizon (years)"), hand-worked.

The case: 2026-2028, China's cap 100% by default, glide path 80% from 2027, 50% from 2028.
- k: demand 100; CHN 1000 at $1, AUS 1000 at $2. China buys up to the cap, AUS the rest:
  CHN share 100%, 80%, 50%; cost 100, 80+40 = 120, 50+100 = 150.
- j: demand 100; AUS 60 at $1, CHN 1000 at $2: AUS 60 + CHN 40 every year (share 40%,
  cost 140), always within any cap.
- m: demand 100, only CHN at $1: 2026 CHN 100; from 2027 a cap below 100% with China the
  only supplier allows nothing (CHN <= 0.8 x CHN), so 100 short in 2027 and 2028.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from model import load_case, solve
from model.compare import compare
from model.curve import curve
from model.report import write_report
from model.stress import stress
from model.sweep import sweep
from tests.test_horizon import horizon_case

GLIDE = {"start": 2026, "end": 2028, "max_china_share_by_year": {"2027": 0.8, "2028": 0.5}}


def three_years(folder: Path, *, aus_k: float = 2, name: str = "years") -> Path:
    return horizon_case(
        folder,
        commodities=[("k", 100, None), ("j", 100, None), ("m", 100, None)],
        supply=[
            ("k", "CHN", 1000, 1),
            ("k", "AUS", 1000, aus_k),
            ("j", "AUS", 60, 1),
            ("j", "CHN", 1000, 2),
            ("m", "CHN", 1000, 1),
        ],
        horizon=GLIDE,
        name=name,
    )


def rows(frame: pd.DataFrame, column: str, **where) -> dict[tuple[str, int], float]:
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return {
        (k, int(y)): v for k, y, v in frame[["commodity", "year", column]].itertuples(index=False)
    }


def test_sweep_tables_name_the_commodity_and_the_year(tmp_path: Path):
    # demand[...] scales demand; point 1 doubles k's: 2028 CHN 100 (50%) + AUS 100 = $300;
    # 2027 CHN 160 + AUS 40 = $240; 2026 CHN 200 = $200
    s = sweep(load_case(three_years(tmp_path / "c")), {"demand[commodity=k]": "1,2"})
    out = s.write(tmp_path, plots=False)
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns[table.columns.get_loc("commodity") :][:2]) == ["commodity", "year"]
    assert rows(table, "cost", point=1) == pytest.approx(
        {("k", 2026): 200, ("k", 2027): 240, ("k", 2028): 300}
        | {("j", y): 140 for y in (2026, 2027, 2028)}
        | {("m", 2026): 100, ("m", 2027): 0, ("m", 2028): 0}
    )
    assert rows(table, "china_share", point=0)[("k", 2027)] == pytest.approx(0.8)
    mix = pd.read_csv(out / "sweep_mix.csv")
    k28 = mix[(mix["point"] == 1) & (mix["commodity"] == "k") & (mix["year"] == 2028)]
    assert dict(zip(k28["country"], k28["quantity"], strict=True)) == pytest.approx(
        {"CHN": 100, "AUS": 100}
    )


def test_compare_stress_and_curve_tables_have_the_year(tmp_path: Path):
    a = load_case(three_years(tmp_path / "a"))
    # the same with AUS at $3 for k: 2027 80 + 60 = 140 (+20), 2028 50 + 150 = 200 (+50)
    b = load_case(three_years(tmp_path / "b", aus_k=3, name="dear"))
    out = compare([a, b]).write(tmp_path, plots=False)
    by = pd.read_csv(out / "comparison.csv")
    assert rows(by, "cost_vs_years", case="dear") == pytest.approx(
        {("k", 2026): 0, ("k", 2027): 20, ("k", 2028): 50}
        | {(c, y): 0 for c in ("j", "m") for y in (2026, 2027, 2028)}
    )
    # losing AUS: k and j have only CHN, which the cap allows nothing from 2027 on: both
    # 100 short in 2027 and 2028 (0% -> 100%, k.2027 the first largest rise); in 2026 CHN
    # fills j (100 at $2 = 200 instead of 140, +60; -140 when nothing is bought)
    st = stress(a)
    ranking = st.run_tables()["criticality"]
    aus = ranking[ranking["outage"] == "AUS"].iloc[0]
    assert (aus["worst_commodity"], aus["worst_year"]) == ("k", 2027)
    detail = st.run_tables()["stress"]
    assert rows(detail, "extra_shortfall", outage="AUS") == pytest.approx(
        {("k", 2027): 100, ("k", 2028): 100, ("j", 2026): 0, ("j", 2027): 100, ("j", 2028): 100}
    )
    assert rows(detail, "cost_increase", outage="AUS", commodity="j") == pytest.approx(
        {("j", 2026): 60, ("j", 2027): -140, ("j", 2028): -140}
    )
    c = curve(a, commodities=["k.2026"], grid="1,0.5").run_tables()["curve"]
    assert set(zip(c["commodity"], c["year"], strict=True)) == {("k", 2026)}
    assert rows(c, "cost", cap=0.5) == pytest.approx({("k", 2026): 150})


def test_summary_keys_timeline_plot_and_over_the_years(tmp_path: Path):
    r = solve(load_case(three_years(tmp_path / "c")))
    assert r.summary["total_shortfall"] == {"m 2027": 100, "m 2028": 100}
    assert r.summary["shortfall_share"] == {"m 2027": 1.0, "m 2028": 1.0}
    # two panels: shares (3 commodities x share and cap) and the 3 yearly cost bars
    fig = r.plot.timeline()
    assert [len(ax.patches) for ax in fig.axes] == [0, 3]
    assert [round(p.get_height()) for p in fig.axes[1].patches] == [340, 260, 290]
    out = r.write(tmp_path, plots=True)
    assert (out / "plots" / "timeline.png").stat().st_size > 0
    assert (out / "plots" / "timeline.svg").stat().st_size > 0
    write_report(out)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## Over the years" in text
    # final cap 50%: k first within it in 2028, j (40%) in 2026, m never (short)
    assert (
        "k: China's share is first within the 50% cap of 2028, with all demand met, in 2028" in text
    )
    assert (
        "j: China's share is first within the 50% cap of 2028, with all demand met, in 2026" in text
    )
    assert "m: China's share is never within the 50% cap of 2028 with all demand met." in text
    # the report drawn without the plot file draws it too
    shutil.rmtree(out / "plots")
    (out / "report.md").unlink()
    (out / "report.html").unlink()
    write_report(out)
    assert (out / "plots" / "timeline.png").is_file()
    json.loads((out / "summary.json").read_text())


def test_a_case_without_horizon_has_no_timeline_or_year_column(tmp_path: Path):
    folder = three_years(tmp_path / "c")
    toml = (folder / "case.toml").read_text().split("[horizon]")[0]
    (folder / "case.toml").write_text(toml)
    r = solve(load_case(folder))
    assert r.summary["total_shortfall"] == {}
    out = r.write(tmp_path, plots=True)
    assert not (out / "plots" / "timeline.png").exists()
    s = sweep(load_case(folder), {"demand[commodity=k]": "1"}).run_tables()["sweep"]
    assert "year" not in s.columns


def test_over_the_years_counts_the_commodities_with_nothing_to_say():
    from model.report.solve import years_words

    # a: capped at 50% in the last year, China 60% then 40%: within it from 2027.
    # b: no cap, all met: counted only. c: no cap, short in 2027: said.
    com = pd.DataFrame(
        {
            "commodity": ["a", "a", "b", "b", "c", "c"],
            "year": [2026, 2027] * 3,
            "max_china_share": [0.5, 0.5, 1.0, 1.0, 1.0, 1.0],
            "china_share": [0.6, 0.4, 0.9, 0.9, 0.2, 0.2],
            "shortfall": [0, 0, 0, 0, 0, 3],
        }
    )
    assert years_words(com) == [
        "a: China's share is first within the 50% cap of 2027, with all demand met, in 2027 (40%).",
        "c: China's share is first within the 100% cap of 2027, with all demand met, in 2026"
        " (20%).",
        "The other commodity has no China cap and all demand met in every year.",
    ]
    assert years_words(com[com["commodity"] == "b"]) == [
        "The commodity has no China cap and all demand met in every year."
    ]
