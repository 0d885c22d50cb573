"""A horizon solve's timelines (README "Plots and report" under "Horizon (years)"): the mix,
build-out and stockpile over the years in plots and report words, the results workbook's
yearly sheets, and horizon cases in case workbooks. Every expectation is worked by hand.

The case, 2026-2028 (shortage "proportional": unmet need is minimised first, then cost):
- g: demand 10 a year; CHN 10 at $1 in 2026 and nothing from 2027 (capacity_by_year);
  AUS 4 at $3 every year; a stockpile of 6 released at most 3 a year. 2027 and 2028 each
  lack 6: releasing 3 in each leaves 3 short a year (the least, all 6 used). So the stock
  is 6, 3, 0 at the years' ends and g's mix is CHN 100% in 2026, then AUS 4 + stock 3 +
  unmet 3 of 10 (40%, 30%, 30%).
- h: demand 4; AUS 8 at $1 in 2026, 4 in 2027, none in 2028; a stockpile from 0 (holding
  $0.10 a unit a year). 2028 is met only from stock, and only 2026 has spare supply: buy
  4 in 2026, hold them in 2027, release them in 2028 (levels 4, 4, 0). Mix: AUS 100% in
  2026 and 2027 (8 of 8 bought in 2026, 4 for demand and 4 for the stock), stock 100%
  in 2028.
- k: demand 10; AUS 10 at $5 in 2026, none after; build-out in USA ($1 a unit a year,
  $2 a unit supplied) or JPN ($1, $9), each at most 5 a year. 2027 needs 10 built, so
  USA builds 5 in 2026 and 5 in 2027 (JPN costs $7 a unit more to run); in 2026 the 5
  built supply at $2 < AUS's $5: AUS 5 + USA 5 in 2026 (50% each), USA 10 after.
A glide path (80% from 2027) and a rule from 2027 (AUS at most 100%) bind nothing; they
are there for the workbook round trip.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from model import InputError, load_case, solve
from model.excel import write_case_xlsx
from model.output import canonical_inputs
from model.report import write_report
from tests.conftest import ROOT
from tests.test_horizon import horizon_case

STOCK = ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"]
BUILD = ["commodity", "country", "annual_cost", "unit_cost", "max_per_year"]


def toy(folder: Path) -> Path:
    return horizon_case(
        folder,
        commodities=[("g", 10, None), ("h", 4, None), ("k", 10, None)],
        supply=[("g", "CHN", 10, 1), ("g", "AUS", 4, 3), ("h", "AUS", 8, 1), ("k", "AUS", 10, 5)],
        horizon={"start": 2026, "end": 2028, "max_china_share_by_year": {"2027": 0.8}},
        policy={"rules": [{"name": "AUS", "country": "AUS", "max_share": 1.0, "from_year": 2027}]},
        tables={
            "capacity_by_year.csv": (
                ["commodity", "country", "year", "capacity"],
                [
                    ("g", "CHN", 2027, 0),
                    ("g", "CHN", 2028, 0),
                    ("h", "AUS", 2027, 4),
                    ("h", "AUS", 2028, 0),
                    ("k", "AUS", 2027, 0),
                    ("k", "AUS", 2028, 0),
                ],
            ),
            "stockpile.csv": (STOCK, [("g", 6, "", 3, 0, 0), ("h", 0, "", "", 0.1, 0)]),
            "buildout.csv": (BUILD, [("k", "USA", 1, 2, 5), ("k", "JPN", 1, 9, 5)]),
        },
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("timelines")
    r = solve(load_case(toy(tmp / "c")))
    return r, r.write(tmp, plots=True, xlsx=True)


def test_the_toy_solves_as_worked_by_hand(run):
    r, _ = run
    levels = {(k, y): v for k, y, v in r.stock[["commodity", "year", "level"]].itertuples(False)}
    assert levels == pytest.approx(
        {("g", 2026): 6, ("g", 2027): 3, ("g", 2028): 0}
        | {("h", 2026): 4, ("h", 2027): 4, ("h", 2028): 0},
        abs=1e-9,
    )
    built = r.buildout[r.buildout["country"] == "USA"]["built"].to_list()
    assert built == pytest.approx([5, 5, 0], abs=1e-9)


def test_the_report_says_what_each_timeline_shows(run):
    _, out = run
    write_report(out)
    text = (out / "report.md").read_text(encoding="utf-8")
    years = text[text.index("## Over the years") : text.index("## Key tables")]
    assert "3 of 3 commodities change their suppliers' shares" in years
    assert (
        "**g**: CHN from 100% in 2026 to 0% in 2028; AUS from 0% in 2026 to 40% in 2028; "
        "the stockpile from 0% in 2026 to 30% in 2028." in years
    )
    assert "**h**: AUS from 100% in 2026 to 0% in 2028; the stockpile from 0% in 2026 to 100%" in (
        years
    )
    assert "**k**: AUS from 50% in 2026 to 0% in 2028; USA from 50% in 2026 to 100% in 2028." in (
        years
    )
    assert (
        "Capacity built for **k** in USA: 5 t in 2026, 5 t in 2027; 10 t a year from 2027 on."
        in (years)
    )
    assert "Not built: k in JPN." in years
    assert "The stockpile of **g** is drawn from 6 t to 0 t in 2027-2028." in years
    assert (
        "The stockpile of **h** is filled from 0 t to 4 t in 2026, then drawn from 4 t to 0 t "
        "in 2028." in years
    )
    # each plot under its words, in the section (not with the other plots above it)
    order = [years.index(f"plots/{n}.png") for n in ("mix_years", "buildout", "stock")]
    assert order == sorted(order)
    assert years.index("Not built") < order[1] < years.index("The stockpile of **g**")


def test_the_timeline_plots_draw_the_worked_numbers(run):
    r, out = run
    for name in ("mix_years", "buildout", "stock"):
        assert (out / "plots" / f"{name}.png").stat().st_size > 0
        assert (out / "plots" / f"{name}.svg").stat().st_size > 0
    assert "mix_years" in dir(r.plot) and "stock" in repr(r.plot)
    fig = r.plot.mix_years()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == ["g (t)", "h (t)", "k (t)"]
    # g's bars, a series a supplier (bottom to top), a bar a year 2026-2028: AUS 0, 40, 40;
    # CHN 100, 0, 0; the stock's release 0, 30, 30; unmet 0, 30, 30
    heights = [round(p.get_height()) for p in panels[0].patches]
    assert heights == [0, 40, 40, 100, 0, 0, 0, 30, 30, 0, 30, 30]
    (line,) = r.plot.buildout().axes[0].get_lines()
    assert list(line.get_xdata()) == [2026, 2027, 2028]
    assert list(line.get_ydata()) == pytest.approx([5, 10, 10])
    stock = [ax for ax in r.plot.stock().axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in stock] == [
        "g (t; 6 before 2026)",
        "h (t; 0 before 2026)",
    ]
    assert list(stock[1].get_lines()[0].get_ydata()) == pytest.approx([4, 4, 0])


def test_nothing_to_draw_gives_no_timeline_plot(tmp_path: Path):
    # one supplier, the same every year: the mix does not change, nothing is built or stored
    folder = horizon_case(
        tmp_path / "c",
        commodities=[("k", 10, None)],
        supply=[("k", "AUS", 100, 1)],
        horizon={"start": 2026, "end": 2027},
    )
    r = solve(load_case(folder))
    out = r.write(tmp_path, plots=True)
    assert sorted(p.stem for p in (out / "plots").glob("*.png")) == [
        "china_share",
        "mix",
        "stages",
        "timeline",
    ]
    write_report(out)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "every commodity keeps the same suppliers' shares in every year" in text
    assert "### Build-out" not in text and "### Stockpile" not in text
    with pytest.raises(ValueError, match="no build-out"):
        r.plot.buildout()


def test_the_results_workbook_has_the_yearly_sheets_formatted(run):
    _, out = run
    wb = openpyxl.load_workbook(out / "results.xlsx")
    assert wb.sheetnames[:2] == ["summary", "by_year"]
    assert {"stock", "buildout"} <= set(wb.sheetnames)
    by_year = wb["by_year"]
    assert [c.value for c in by_year[1]][:2] == ["year", "supply_cost"]
    # g: CHN 10 x $1 (2026), AUS 4 x $3 (2027, 2028); h: AUS 8, 4, 0 x $1;
    # k: AUS 5 x $5 + USA 5 x $2 (2026), USA 10 x $2 after
    rows = [[c.value for c in row[:2]] for row in by_year.iter_rows(min_row=2)]
    assert rows == [[2026, 10 + 8 + 35], [2027, 12 + 4 + 20], [2028, 12 + 0 + 20]]
    assert {by_year.cell(row=i, column=1).number_format for i in (2, 3, 4)} == {"0"}
    keys = [row[0].value for row in wb["summary"].iter_rows(min_row=2)]
    assert "by_year" not in keys
    start = keys.index("horizon.start") + 2
    assert wb["summary"].cell(row=start, column=2).number_format == "0"
    stock = wb["stock"]
    header = [c.value for c in stock[1]]
    year, level = header.index("year") + 1, header.index("level") + 1
    assert stock.cell(row=2, column=year).value == 2026
    assert stock.cell(row=2, column=year).number_format == "0"
    assert stock.cell(row=2, column=level).number_format == "#,##0"
    build = wb["buildout"]
    header = [c.value for c in build[1]]
    assert build.cell(row=2, column=header.index("year") + 1).number_format == "0"
    assert build.cell(row=2, column=header.index("built") + 1).number_format == "#,##0"
    mix = wb["mix"]
    assert mix.cell(row=2, column=[c.value for c in mix[1]].index("year") + 1).number_format == "0"


# --- horizon cases in case workbooks ---------------------------------------------------------
@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("book")
    folder = toy(tmp / "c")
    return folder, write_case_xlsx(load_case(folder), tmp / "toy.xlsx")


def test_a_horizon_case_round_trips_through_a_workbook(book):
    folder, path = book
    wb = openpyxl.load_workbook(path)
    assert {"capacity_by_year", "stockpile", "buildout"} <= set(wb.sheetnames)
    case_rows = {r[0].value: r[1].value for r in wb["case"].iter_rows(min_row=2)}
    assert case_rows["horizon.start"] == 2026 and case_rows["horizon.end"] == 2028
    assert case_rows["horizon.max_china_share_by_year.2027"] == 0.8
    assert [c.value for c in wb["rules"][1]][-2:] == ["from_year", "to_year"]
    a, b = load_case(folder), load_case(path)
    assert canonical_inputs(b) == canonical_inputs(a)
    assert b.files["stockpile"] == f"{path}[stockpile]"
    # g 10 + 3 x 2 x $3 ... worked: supply 53 + 36 + 32 = 121, shortfall 3 + 3 of g at its
    # penalty (10 x $3 = $30): 180; h holds 4 for two year-ends at $0.10: 0.8; k builds 5 + 10
    # + 10 at $1: 25. Objective 121 + 180 + 0.8 + 25 = 326.8
    assert solve(a).objective == pytest.approx(326.8, abs=1e-6)
    assert solve(b).objective == pytest.approx(326.8, abs=1e-6)


def edited(path: Path, tmp_path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    edit(wb)
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def row_of(ws, key: str) -> int:
    """The 1-based data row (under the header) whose first cell is ``key``."""
    return [r[0].value for r in ws.iter_rows(min_row=2)].index(key) + 1


def set_key(key: str, value):
    def edit(wb):
        ws = wb["case"]
        ws.cell(row=row_of(ws, key) + 1, column=2).value = value

    return edit


def set_cell(sheet: str, row: int, column: str, value):
    def edit(wb):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        ws.cell(row=row + 1, column=header.index(column) + 1).value = value

    return edit


@pytest.mark.parametrize(
    ("edit", "sheet", "row", "column", "message"),
    [
        (set_cell("stockpile", 2, "initial", -1), "stockpile", 2, "initial", "negative"),
        (
            set_cell("capacity_by_year", 3, "country", "FRA"),
            "capacity_by_year",
            3,
            "country",
            "FRA",
        ),
        (set_cell("buildout", 1, "from_year", 2040), "buildout", 1, "from_year", "2040"),
        (set_key("horizon.end", 2020), "case", "horizon.end", "value", "before start"),
        (set_key("horizon.start", 2026.5), "case", "horizon.start", "value", "not a year"),
        (
            set_key("horizon.max_china_share_by_year.2027", 1.5),
            "case",
            "horizon.max_china_share_by_year.2027",
            "value",
            "outside",
        ),
    ],
)
def test_a_bad_horizon_workbook_row_names_sheet_row_and_column(
    book, tmp_path: Path, edit, sheet, row, column, message
):
    _, path = book
    bad = edited(path, tmp_path, edit)
    if isinstance(row, str):  # a key of the case sheet: its row
        row = row_of(openpyxl.load_workbook(bad)["case"], row)
    with pytest.raises(InputError) as err:
        load_case(bad)
    e = err.value
    assert (e.file, e.row, e.column) == (f"{bad}[{sheet}]", row, column)
    assert message in e.message


def test_by_year_sheets_need_a_horizon_and_the_command_says_so(book, tmp_path: Path):
    _, path = book

    def drop_horizon(wb):
        ws = wb["case"]
        for r in range(ws.max_row, 1, -1):
            if str(ws.cell(row=r, column=1).value or "").startswith("horizon."):
                ws.delete_rows(r)
        wb.remove(wb["rules"])

    bad = edited(path, tmp_path, drop_horizon)
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "solve", str(bad), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert re.search(r"edited\.xlsx\[capacity_by_year\].*needs a horizon", proc.stderr)
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_no_workbook_sheets_for_a_case_without_horizon_change(tmp_path: Path):
    # the same case without [horizon]: its workbook has no horizon key or by-year sheet
    folder = horizon_case(
        tmp_path / "c", commodities=[("k", 1, None)], supply=[("k", "AUS", 1, 1)], horizon=None
    )
    wb = openpyxl.load_workbook(write_case_xlsx(load_case(folder), tmp_path / "c.xlsx"))
    assert not any(str(r[0].value).startswith("horizon.") for r in wb["case"].iter_rows())
    assert [c.value for c in wb["rules"][1]][-1] == "min_share"
