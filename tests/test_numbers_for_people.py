"""Numbers for people: number formats in results.xlsx, shares as fractions in every
table, and money the sweep console prints in millions.

Case, worked by hand: commodity ``a`` (1,000 t) from CHN (1,000 t at $8,233,169.109)
or AUS (1,000 t at $19,236,520.52); commodity ``b`` (2.5 t) from AUS (10 t at $3.25).
With China capped at 50%: a = CHN 500 + AUS 500, costing $4,116,584,554.5 and
$9,618,260,260 (8,233,169,109 uncapped); b = AUS 2.5 t for $8.125.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model import load_case, solve
from model.excel import results_workbook
from tests.conftest import write_case

CHN_PRICE, AUS_PRICE = 8_233_169.109, 19_236_520.52


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_case(
        tmp_path_factory.mktemp("people") / "big",
        commodities=[("a", 1000), ("b", 2.5)],
        supply=[
            ("a", "CHN", 1000, CHN_PRICE),
            ("a", "AUS", 1000, AUS_PRICE),
            ("b", "AUS", 10, 3.25),
        ],
    )


@pytest.fixture(scope="module")
def book(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    result = solve(load_case(folder), max_china_share=0.5)
    run = result.write(tmp_path_factory.mktemp("runs"), xlsx=True)
    return openpyxl.load_workbook(run / "results.xlsx")


def cells(ws, key: str) -> dict[str, openpyxl.cell.Cell]:
    """The row whose first column is ``key``, by header."""
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == key)
    return dict(zip(header, row, strict=True))


def test_mix_sheet_formats(book):
    ws = book["mix"]
    rows = [dict(zip([c.value for c in ws[1]], r, strict=True)) for r in ws.iter_rows(min_row=2)]
    chn = next(r for r in rows if r["commodity"].value == "a" and r["country"].value == "CHN")
    b = next(r for r in rows if r["commodity"].value == "b")
    assert chn["share"].value == 0.5 and chn["share"].number_format == "0.0%"
    assert chn["quantity"].value == 500 and chn["quantity"].number_format == "#,##0"
    assert b["quantity"].value == 2.5 and b["quantity"].number_format == "#,##0.##"
    # totals of money run to billions: millions with one decimal, the value itself exact
    assert chn["cost"].value == pytest.approx(4_116_584_554.5)
    assert chn["cost"].number_format == '#,##0.0,,"M"'
    # prices per unit: the column reaches $19M a tonne, so whole dollars
    assert chn["unit_cost"].number_format == "#,##0"
    # width from the text shown: "9,618.3M" is 8 characters (+2), not "9618260260.0"
    assert ws.column_dimensions["G"].width == 10 and ws["G1"].value == "cost"


def test_commodities_stages_and_summary_formats(book):
    a = cells(book["commodities"], "a")
    assert a["china_share"].number_format == "0.0%" and a["china_share"].value == 0.5
    assert a["max_china_share"].number_format == "0.0%"
    assert a["demand"].number_format == "#,##0"
    assert cells(book["commodities"], "b")["demand"].number_format == "#,##0.##"
    assert a["supply_cost_change"].number_format == '#,##0.0,,"M"'
    stage = cells(book["stages"], "(none)")
    assert stage["unit_cost_premium_share"].number_format == "0.0%"
    assert stage["china_cost_share"].number_format == "0.0%"
    assert stage["commodities"].number_format == "#,##0"
    summary = book["summary"]
    assert cells(summary, "supply_cost")["value"].number_format == '#,##0.0,,"M"'
    assert cells(summary, "max_china_share")["value"].number_format == "0.0%"
    assert cells(summary, "case")["value"].number_format == "General"


def test_stage_shares_are_fractions_in_the_csv(folder: Path, tmp_path: Path):
    run = solve(load_case(folder), max_china_share=0.5).write(tmp_path)
    stages = pd.read_csv(run / "stages.csv")
    assert "unit_cost_premium_pct" not in stages.columns
    row = stages.iloc[0]
    # premium paid on the volumes bought against the uncapped unit costs, as a fraction
    premium = 500 * AUS_PRICE - 500 * CHN_PRICE
    base = 1000 * CHN_PRICE + 2.5 * 3.25
    assert row["unit_cost_premium_share"] == pytest.approx(premium / base, abs=1e-9)
    assert 0.66 < row["unit_cost_premium_share"] < 0.67  # a fraction, not 66.8
    assert row["china_cost_share"] == pytest.approx(
        500 * CHN_PRICE / (500 * (CHN_PRICE + AUS_PRICE) + 8.125)
    )
    for name in ("mix", "commodities", "stages"):
        frame = pd.read_csv(run / f"{name}.csv")
        for col in (c for c in frame.columns if c.endswith("share")):
            assert frame[col].dropna().between(0, 1).all(), (name, col)


def test_small_money_and_prices():
    frame = pd.DataFrame(
        {
            "commodity": ["x", "y"],
            "cost": [950.0, 12.5],
            "unit_cost": [3.25, 950.0],
            "shortfall": [0.125, 7.0],
            "value": [0.5, 3.0],
        }
    )
    ws = openpyxl.load_workbook(io.BytesIO(results_workbook({"t": frame}, {"case": "x"})))["t"]
    assert [ws[f"B{r}"].number_format for r in (2, 3)] == ["#,##0", "#,##0"]  # below $1M
    assert [ws[f"C{r}"].number_format for r in (2, 3)] == ["#,##0.00", "#,##0.00"]  # cents
    assert [ws[f"D{r}"].number_format for r in (2, 3)] == ["#,##0.##", "#,##0"]
    assert ws["E2"].number_format == "General"  # a name that does not say what it holds
    assert ws.column_dimensions["C"].width == len("unit_cost") + 2


def test_sweep_console_prints_money_in_millions(folder: Path, tmp_path: Path):
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    args = ["sweep", str(folder), "--set", "max_china_share=1,0", "--no-plots", "--no-progress"]
    proc = subprocess.run(
        [*cmd, *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    # 1,000 t from China at 8,233,169.109 (+ b's $8.125), then 1,000 t from Australia
    assert "2 points; total (supply cost + unmet need valued) $8,233.2M to $19,236.5M a year" in (
        proc.stdout
    )
