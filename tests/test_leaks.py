"""Leaks and injection: symlinks out of a case folder, user text in report.md, spreadsheet
formulas in CSV and xlsx outputs, and user text read as terminal markup by the CLI."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import tomli_w
from markdown_it import MarkdownIt

from model import InputError, load_case, solve
from model.compare import compare
from model.curve import curve
from model.excel import write_case_xlsx
from model.output import csv_bytes
from model.report import write_report
from model.stress import stress
from model.sweep import sweep
from tests.conftest import ROOT, write_case

SECRET = "TOP-SECRET-TOKEN-4711"


def sourcing(*args: str) -> subprocess.CompletedProcess:
    """The CLI of this checkout, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args], cwd=ROOT, capture_output=True, text=True
    )


def small_case(folder: Path) -> Path:
    """Two commodities, one made from the other, with a SOURCES.md."""
    write_case(
        folder,
        commodities=[("ore", 0.0), ("metal", 10.0)],
        supply=[("ore", "CHN", 100, 1.0), ("ore", "AUS", 100, 2.0), ("metal", "JPN", 100, 5.0)],
        recipes=[("metal", "ore", 2.0)],
    )
    (folder / "SOURCES.md").write_text("# Sources\n\nall made up\n", encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- 7. symlinks out of a case folder ---------------------------------------------------------
@pytest.mark.parametrize(
    "file",
    ["case.toml", "countries.csv", "commodities.csv", "supply.csv", "recipes.csv", "SOURCES.md"],
)
def test_an_input_linked_to_a_file_outside_the_case_folder_is_refused(tmp_path: Path, file: str):
    case = small_case(tmp_path / "case")
    outside = tmp_path / "elsewhere" / file
    outside.parent.mkdir()
    shutil.move(case / file, outside)  # a valid file: only where it lives is wrong
    (case / file).symlink_to(outside)
    with pytest.raises(InputError) as info:
        load_case(case)
    assert info.value.file == str(case / file)
    assert "symbolic link to a file outside the case folder" in info.value.message


@pytest.mark.parametrize("file", ["recipes.csv", "SOURCES.md"])
def test_a_broken_link_to_an_optional_file_is_an_error(tmp_path: Path, file: str):
    case = small_case(tmp_path / "case")
    (case / file).unlink()
    (case / file).symlink_to(tmp_path / "gone" / file)
    with pytest.raises(InputError) as info:
        load_case(case)
    assert str(info.value) == f"{case / file}: is a broken symbolic link"


def test_links_inside_the_case_folder_and_bases_elsewhere_are_fine(tmp_path: Path):
    case = small_case(tmp_path / "case")
    (case / "tables").mkdir()
    shutil.move(case / "countries.csv", case / "tables" / "countries.csv")
    (case / "countries.csv").symlink_to(Path("tables") / "countries.csv")
    (case / "docs").mkdir()
    shutil.move(case / "SOURCES.md", case / "docs" / "SOURCES.md")
    (case / "SOURCES.md").symlink_to(case / "docs" / "SOURCES.md")  # absolute, still inside
    scenario = tmp_path / "scenarios" / "s.toml"
    scenario.parent.mkdir()
    scenario.write_text('name = "s"\nbase = "../case"\n', encoding="utf-8")
    loaded = load_case(scenario)
    assert list(loaded.countries["country"]) == ["CHN", "AUS", "JPN", "USA"]
    run = solve(loaded).write(tmp_path / "out", plots=False)
    assert (run / "inputs" / "SOURCES.md").read_text() == "# Sources\n\nall made up\n"


def test_solve_refuses_a_linked_sources_file_and_writes_nothing(tmp_path: Path):
    case = small_case(tmp_path / "case")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (case / "SOURCES.md").unlink()
    (case / "SOURCES.md").symlink_to(tmp_path / "secret.txt")
    proc = sourcing("solve", str(case), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"error: {case / 'SOURCES.md'}: is a symbolic link to a file outside the case folder; "
        "copy the file into the case folder instead\n"
    )
    assert not (tmp_path / "out").exists()


def test_writing_a_run_checks_the_sources_file_again(tmp_path: Path):
    """A case loaded before SOURCES.md became a link out of the folder is not written."""
    case = small_case(tmp_path / "case")
    result = solve(load_case(case))
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (case / "SOURCES.md").unlink()
    (case / "SOURCES.md").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InputError, match="outside the case folder"):
        result.write(tmp_path / "out", plots=False)
    assert not (tmp_path / "out" / "solutions" / "tiny").exists()


def test_sources_beside_a_workbook_may_not_link_out_of_its_folder(tmp_path: Path):
    case = small_case(tmp_path / "case")
    book = tmp_path / "book" / "case.xlsx"
    book.parent.mkdir()
    write_case_xlsx(load_case(case), book)
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (book.parent / "SOURCES.md").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InputError, match="outside the case folder") as info:
        load_case(book)
    assert info.value.file == str(book.parent / "SOURCES.md")


@pytest.mark.parametrize("file", ["inputs/SOURCES.md", "inputs/countries.csv", "mix.csv"])
def test_report_refuses_files_linked_out_of_the_run_folder(tmp_path: Path, file: str):
    run = solve(load_case(small_case(tmp_path / "case"))).write(tmp_path / "out", plots=False)
    outside = tmp_path / "elsewhere" / Path(file).name
    outside.parent.mkdir()
    shutil.copy(run / file, outside)
    with outside.open("a", encoding="utf-8") as fh:
        fh.write(SECRET + "\n")
    (run / file).unlink()
    (run / file).symlink_to(outside)
    with pytest.raises(InputError, match="outside the run folder") as info:
        write_report(run)
    assert info.value.file == str(run / file)
    assert not (run / "report.html").exists() and not (run / "report.md").exists()


# --- 8. user text in report.md ----------------------------------------------------------------
HOSTILE_COUNTRY = "<script>alert(1)</script> **bold** | [x](javascript:alert(2))"
HOSTILE_UNIT = "t_ <b>|`x`"
HOSTILE_DESCRIPTION = "# Heading <img src=x onerror=alert(3)> *em* [link](http://e.vil) &amp;"
HOSTILE_RULE = "-- partners | *at least* <i>half</i>"


def write_table(path: Path, header: list[str], rows: list[tuple]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def hostile_case(folder: Path) -> Path:
    """A case whose names, unit, description and rule name are hostile text.

    JPN's capacity binds and the partner rule binds, so the country, the unit and
    the rule all reach the report's prose and tables.
    """
    folder.mkdir(parents=True)
    write_table(
        folder / "countries.csv",
        ["country", "name", "groups"],
        [
            ("CHN", "China", ""),
            ("JPN", HOSTILE_COUNTRY, "partner"),
            ("AUS", '=HYPERLINK("http://e.vil","x")', "partner"),
            ("USA", "-5", ""),
            ("CAN", "@SUM(A1)", ""),
        ],
    )
    write_table(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand"],
        [("metal", "+Metal", HOSTILE_UNIT, 100)],
    )
    write_table(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost"],
        [
            ("metal", "CHN", 100, 1.0),
            ("metal", "JPN", 30, 2.0),
            ("metal", "AUS", 100, 3.0),
            ("metal", "USA", 100, 4.0),
            ("metal", "CAN", 100, 5.0),
        ],
    )
    rule = {"name": HOSTILE_RULE, "country": "group:partner", "min_share": 0.5}
    text = tomli_w.dumps({"name": "hostile", "description": HOSTILE_DESCRIPTION})
    (folder / "case.toml").write_text(text + "\n[[policy.rules]]\n" + tomli_w.dumps(rule))
    return folder


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    result = solve(load_case(hostile_case(tmp / "case")))
    # CHN 50 (cheapest), then the partners' 50%: JPN full at 30, AUS 20
    assert result.mix["quantity"].tolist() == [50.0, 30.0, 20.0]
    run = result.write(tmp / "out", xlsx=True, plots=False)
    write_report(run)
    return run


def test_report_md_shows_user_text_literally(hostile_run: Path):
    md = (hostile_run / "report.md").read_text(encoding="utf-8")
    # the Markdown, hand-escaped: each special character behind a backslash
    assert (
        "**Case hostile**: \\# Heading \\<img src=x onerror=alert(3)> \\*em\\* "
        "\\[link\\](http://e.vil) \\&amp;" in md
    )
    country = "\\<script>alert(1)\\</script> \\*\\*bold\\*\\* \\| \\[x\\](javascript:alert(2))"
    assert f"| metal | {country} (JPN) | 30 t\\_ \\<b>\\|\\`x\\` |" in md  # the mix table
    assert f"from {country} (JPN) would save" in md  # prose about binding capacity
    assert "Rule (\\-- partners \\| \\*at least\\* \\<i>half\\</i>)" in md
    # rendered by a Markdown viewer that allows raw HTML, nothing of it is markup
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    for tag in ("<script", "<img src=x", "<b>", "<i>", "<em>em", "<strong>bold", "<a "):
        assert tag not in page, tag
    assert page.count("<h1>") == 1  # the title; the description's # is text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** | [x](javascript:alert(2))" in page
    assert "# Heading &lt;img src=x onerror=alert(3)&gt; *em* [link](http://e.vil) &amp;amp;" in (
        page
    )
    # the mix table's JPN row has its 6 cells: the | in the name did not split one
    row = next(r for r in page.split("<tr>") if "(JPN)</td>" in r)
    assert row.count("<td") == 6


def test_report_html_shows_user_text_literally(hostile_run: Path):
    page = (hostile_run / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    cell = "&lt;script&gt;alert(1)&lt;/script&gt; **bold** | [x](javascript:alert(2)) (JPN)</td>"
    assert cell in page  # a table cell: **bold** is text, not <strong>
    assert "<strong>bold</strong>" not in page
    assert (
        "<p><strong>Case hostile</strong>: # Heading &lt;img src=x onerror=alert(3)&gt; *em* "
        "[link](http://e.vil) &amp;amp;</p>" in page
    )


# --- 9. spreadsheet formulas --------------------------------------------------------------------
def test_neutralise_prefixes_formula_like_text_only():
    from model.formats import restore_text
    from model.output import neutralise

    frame = pd.DataFrame(
        {
            "name": ["=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx", "'=x", "-5", "+1.5e3", "a=b"],
            "value": [-1.0, -2.5, 3.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "n": [-1, -2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    out = neutralise(frame)
    assert list(out["name"]) == [
        "'=1+1",
        "'+A1",
        "'-A1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "''=x",  # so that reading back (restore_text) is exact
        "-5",  # numbers stay numbers
        "+1.5e3",
        "a=b",
    ]
    assert frame.at[0, "name"] == "=1+1"  # the caller's frame is not changed
    assert out["value"].tolist() == [-1.0, -2.5, 3.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [restore_text(v) for v in out["name"]] == list(frame["name"])
    assert csv_bytes(out) == out.to_csv(index=False, lineterminator="\n").encode()
    assert csv_bytes(out).splitlines()[1] == b"'=1+1,-1.0,-1"
    numbers = frame[["value", "n"]]
    assert neutralise(numbers) is numbers  # nothing to change: no copy


def cells_of_csv(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def formula_like(cell: str) -> bool:
    """Hand-written: what a spreadsheet would run, numbers aside."""
    if not cell or cell[0] not in "=+-@\t\r":
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def assert_no_formulas(run: Path) -> None:
    """No CSV or workbook cell of the run's results starts a formula."""
    for path in run.glob("*.csv"):
        bad = [c for c in cells_of_csv(path) if formula_like(c)]
        assert not bad, (path.name, bad)
    book = openpyxl.load_workbook(run / "results.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.value)


def test_solve_outputs_hold_no_formulas(hostile_run: Path):
    assert_no_formulas(hostile_run)
    mix = cells_of_csv(hostile_run / "mix.csv")
    assert '\'=HYPERLINK("http://e.vil","x")' in mix
    com = list(csv.DictReader((hostile_run / "commodities.csv").open(encoding="utf-8")))
    assert com[0]["name"] == "'+Metal"
    # results.xlsx keeps the text as given, marked as text for Excel
    ws = openpyxl.load_workbook(hostile_run / "results.xlsx")["mix"]
    names = {c.value: c for c in ws["C"]}
    assert names['=HYPERLINK("http://e.vil","x")'].quotePrefix
    # the inputs stay as given, so that solving inputs/ reproduces the run
    countries = cells_of_csv(hostile_run / "inputs" / "countries.csv")
    assert "@SUM(A1)" in countries and "-5" in countries
    # and the report shows the names as given, without the quote
    md = (hostile_run / "report.md").read_text(encoding="utf-8")
    assert '| metal | =HYPERLINK("http://e.vil","x") (AUS) |' in md
    assert "'=HYPERLINK" not in md


def test_sweep_curve_stress_compare_outputs_hold_no_formulas(tmp_path: Path):
    case = load_case(hostile_case(tmp_path / "case"))
    other = case.copy()
    other.name, other.description = "other", "=2+3 by another name"
    runs = [
        sweep(case, {"capacity[country=JPN]": "1,2"}),
        curve(case, grid="1,0"),
        stress(case),
        compare([case, other]),
    ]
    for r in runs:
        folder = r.write(tmp_path / "out", plots=False, xlsx=True)
        assert_no_formulas(folder)
    totals = list(csv.DictReader((folder / "comparison_totals.csv").open(encoding="utf-8")))
    assert [t["description"] for t in totals] == [HOSTILE_DESCRIPTION, "'=2+3 by another name"]


# --- 10. user text is not terminal markup ------------------------------------------------------
def markup_case(folder: Path) -> Path:
    write_case(
        folder,
        commodities=[("ore", 10.0)],
        supply=[("ore", "CHN", 100, 1.0), ("ore", "AUS", 100, 2.0)],
        name="markup",
    )
    toml = (folder / "case.toml").read_text()
    toml = toml.replace('"test case"', '"see [/docs] and [policy] :thumbs_up: [/]"')
    (folder / "case.toml").write_text(toml)
    com = (folder / "commodities.csv").read_text().replace(",t,", ",[/]t[bold],")
    (folder / "commodities.csv").write_text(com)
    return folder


def test_cli_prints_descriptions_units_and_paths_literally(tmp_path: Path):
    case = markup_case(tmp_path / "case")
    out = tmp_path / ("o[red]x[/]" + "d" * 140)
    proc = sourcing("solve", str(case), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "markup: see [/docs] and [policy] :thumbs_up: [/]"
    row = next(line.split("\u2502") for line in lines if line.startswith(" ore "))  # │
    assert [cell.strip() for cell in row[:3]] == ["ore", "-", "[/]t[bold]"]
    run = out / "solutions" / "markup"
    assert lines[-1] == f"wrote {run}"  # one line, however long
    assert run.is_dir()


def test_cli_quiet_prints_exactly_the_run_folder(tmp_path: Path):
    case = markup_case(tmp_path / "case")
    out = tmp_path / ("o[red]x[/]:thumbs_up:" + "d" * 140)
    proc = sourcing("solve", str(case), "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{out / 'solutions' / 'markup'}\n"
    assert Path(proc.stdout.strip()).is_dir()


def test_cli_sweep_prints_a_markup_like_path_literally(tmp_path: Path):
    case = markup_case(tmp_path / "case")
    out = tmp_path / "o[/]x[/docs]"
    proc = sourcing(
        "sweep",
        str(case),
        "--set",
        "max_china_share=1,0.5",
        "--out",
        str(out),
        "--no-plots",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    run = out / "solutions" / "markup-sweep"
    assert proc.stdout.splitlines()[-1] == f"wrote {run}"
    assert run.is_dir()
