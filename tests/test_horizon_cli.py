"""The command line's summary of a horizon run: one row per commodity, years in ranges."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from model.cli import app, year_ranges
from tests.test_horizon import horizon_case


def test_year_ranges():
    assert year_ranges([2030, 2025, 2026, 2027]) == "2025-2027, 2030"
    assert year_ranges([2028]) == "2028"
    assert year_ranges([2026, 2028]) == "2026, 2028"


def test_a_horizon_summary_has_a_row_per_commodity_and_binding_years(tmp_path: Path):
    # Demand 10 a year; China sells 10 at $1, Australia 4 at $2. The glide path caps
    # China at 50% from 2027: China <= Australia = 4, so 8 supplied and 2 short (20%)
    # in 2027, 2028 and 2029: 6 short in all. 2026 is uncapped: China 10, nothing short.
    folder = horizon_case(
        tmp_path / "case",
        commodities=[("a", 10, None)],
        supply=[("a", "CHN", 10, 1), ("a", "AUS", 4, 2)],
        horizon={"start": 2026, "end": 2029, "max_china_share_by_year": {"2027": 0.5}},
        policy={"max_china_share": 1.0},
    )
    run = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert run.exit_code == 0, run.output
    rows = [line for line in run.output.splitlines() if line.lstrip().startswith("a ")]
    assert len(rows) == 2, run.output  # the table row and one binding line for 3 years
    cells = [c.strip() for c in rows[0].split("│")]
    # commodity, unit, needed 2026, needed 2029, unmet, China 2026, China 2029, cap 2029
    assert cells[2:8] == ["10.00", "10.00", "6.00 (2027-2029, 20.0%)", "100.0%", "50.0%", "50.0%"]
    assert rows[1].strip().startswith("a 2027-2029: ") and "China cap 50%" in rows[1]


def test_the_road_to_a_cap_sizes_the_stock_for_the_years_before(tmp_path: Path):
    from model import load_case, solve
    from model.report import write_report

    # China is held to 0%. Demand 10 a year; Australia's 10 come online in 2027, so 2026
    # is 10 short and the cap is met with all need from 2027. The least stock that covers
    # 2026: 10 t held at the start (the case has no stockpile: one is sized from 0).
    folder = horizon_case(
        tmp_path / "case",
        commodities=[("a", 10, None)],
        supply=[("a", "CHN", 10, 1), ("a", "AUS", 10, 2, "", 2027)],
        horizon={"start": 2026, "end": 2028},
        policy={"max_china_share": 0.0},
    )
    r = solve(load_case(folder))
    assert r.summary["road"] == {
        "commodities": ["a"],
        "met_from": 2027,
        "years_before": [2026],
        "stock_needed": {
            "a": {"initial": 0.0, "needed": 10.0, "shortfall_without": 10.0, "shortfall_left": 0.0}
        },
    }
    out = r.write(tmp_path / "out")
    write_report(out)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "with all US need met from 2027; before then 10 t of a go unmet (2026)." in text
    assert "A stockpile of 10 t of a held at the start of 2026 would cover the years" in text


def test_a_horizon_sweep_summary_sums_over_the_years(tmp_path: Path):
    # China 10 at $1M, Australia 4 at $2M, glide path 50% from 2027 (as above); the stock
    # holds 0 or 4 t before 2026 (no holding cost, none bought). Stock 0: 2026 $10M,
    # 2027-2029 CHN 4 + AUS 4 x 2 = $12M and 2 t short at the default penalty (10 x $2M =
    # $20M a t): total 10 + 3 x (12 + 40) = $166M. Stock 4: unmet need first, so 2 t are
    # released in each of two years and 2 t stay short in the third: 10 + 3 x 12 + 40 = $86M.
    folder = horizon_case(
        tmp_path / "case",
        commodities=[("a", 10, None)],
        supply=[("a", "CHN", 10, 1e6), ("a", "AUS", 4, 2e6)],
        horizon={"start": 2026, "end": 2029, "max_china_share_by_year": {"2027": 0.5}},
        policy={"max_china_share": 1.0},
        tables={
            "stockpile.csv": (
                ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"],
                [("a", 0, 0, "", 0, "")],
            )
        },
    )
    run = CliRunner().invoke(
        app,
        [
            "sweep",
            str(folder),
            "--set",
            "stockpile[commodity=a].initial=0,4",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
            "--no-plots",
        ],
    )
    assert run.exit_code == 0, run.output
    assert (
        "2 points; total (supply, stock and build-out costs + unmet need valued) $86.0M to $166.0M "
        "over 2026-2029;"
    ) in run.output.replace("\n", " ")
