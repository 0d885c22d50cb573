"""Clear messages and strict reading (issue 11, items 14-16).

Pointers to other files (a scenario's ``base``, a sweep file's ``case``) are
blamed on the file and key that hold them; usage and write errors are one line
naming what failed; names are checked up front; misspelled columns, Python-only
number spellings, empty rule lists and formulas without values are errors; and
workbooks are read only as far as their data goes.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from model import InputError, load_case
from model.excel import write_case_xlsx
from model.sweep import load_sweep
from tests.conftest import write_case

GOOD = dict(
    commodities=[("ree", 100, "refining"), ("ree_mine", 0, "mining")],
    supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 30, 2), ("ree_mine", "AUS", 200, 0.5)],
    recipes=[("ree", "ree_mine", 1.1)],
    policy={"max_china_share": 0.5, "rules": [{"country": "group:partner", "min_share": 0.1}]},
)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_case(tmp_path / "case", **GOOD)


def cli(*args: str, cwd: Path, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=preexec_fn,
    )


def one_line(text: str) -> str:
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1, text
    return lines[0]


# --- 14: pointers name the file and key that hold them ----------------------------------------
@pytest.mark.parametrize(
    ("base", "words"),
    [
        ("", "base is empty"),
        ("   ", "base is empty"),
        ("../nowhere", "does not exist"),
        ("../empty", "is not a case"),  # a folder without case.toml
        ("../case/supply.csv", "is not a case"),
    ],
)
def test_bad_base_names_the_scenario_and_key(good: Path, base: str, words: str):
    (good.parent / "empty").mkdir()
    scenarios = good.parent / "scenarios"  # no case.toml here: "" once read as this folder
    scenarios.mkdir()
    path = scenarios / "s.toml"
    path.write_text(f'name = "s"\nbase = "{base}"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(path)
    assert info.value.file == str(path) and info.value.column == "base", str(info.value)
    assert words in info.value.message


def test_fault_inside_a_base_names_the_base_file_and_how_it_was_reached(good: Path):
    supply = good / "supply.csv"
    supply.write_text(supply.read_text().replace("ree,AUS,30", "ree,AUS,-30"))
    path = good.parent / "s.toml"
    path.write_text('name = "s"\nbase = "case"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(path)
    exc = info.value
    assert (exc.file, exc.row, exc.column) == (str(supply), 2, "capacity")
    assert str(exc).endswith(f"-30 is negative (base of {path})")


def test_bad_sweep_case_names_the_sweep_file(good: Path):
    folder = good.parent / "sweeps"
    folder.mkdir()
    path = folder / "sw.toml"
    body = '\n[[parameters]]\nname = "max_china_share"\nvalues = "1,0.5"\n'
    path.write_text('case = ""' + body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_sweep(path)
    assert (info.value.file, info.value.column) == (str(path), "case")
    assert "case is empty" in info.value.message
    # a fault inside the case names the case's file, reached via the sweep file
    (good / "case.toml").write_text('name = "tiny"\nbogus = 1\n', encoding="utf-8")
    path.write_text('case = "../case"' + body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_sweep(path)
    assert (info.value.file, info.value.column) == (str(good / "case.toml"), "bogus")
    assert str(info.value).endswith(f"(case of {path})")


def test_scenario_name_defaults_to_the_file_stem(good: Path):
    path = good.parent / "cap-40.toml"
    path.write_text('base = "case"\n[policy]\nmax_china_share = 0.4\n', encoding="utf-8")
    assert load_case(path).name == "cap-40"
    # without a name, the real fault (a missing base) is the one reported
    path.write_text('base = "nowhere"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(path)
    assert info.value.column == "base" and "does not exist" in info.value.message
    # a stem that cannot name a run folder asks for a name
    bad = good.parent / "cap 40.toml"
    bad.write_text('base = "case"\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(bad)
    assert (info.value.file, info.value.column) == (str(bad), "name")


def main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str):
    """Run the console entry point in this process: (exit code, stdout, stderr)."""
    from model.cli import main as entry

    monkeypatch.setattr(sys, "argv", ["sourcing", *args])
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal: a box would wrap
    with pytest.raises(SystemExit) as info:
        entry()
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["solve", "--max-china-share", "1.5"], "--max-china-share"),
        (["solv"], "No such command 'solv'"),
        (["solve", "--bogus"], "--bogus"),
        (["validate"], "Missing argument"),
    ],
)
def test_usage_errors_are_one_line(monkeypatch, capsys, tmp_path: Path, args, words: str):
    monkeypatch.chdir(tmp_path)
    code, _, err = main(monkeypatch, capsys, *args)
    assert code == 2
    line = one_line(err)
    assert line.startswith("usage error: ") and words in line, line
    assert not (tmp_path / "solutions").exists()


def test_bare_command_still_prints_help(monkeypatch, capsys):
    code, out, err = main(monkeypatch, capsys)
    assert code == 2 and "solve" in out and err == ""


def file_size_limit(limit: int):
    """For preexec_fn: files may grow to `limit` bytes; a larger write fails with EFBIG."""
    import resource
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE fault injection")


@linux_only
def test_full_disk_names_the_file(good: Path, tmp_path: Path):
    out = tmp_path / "out"
    proc = cli("solve", str(good), "--out", str(out), cwd=tmp_path, preexec_fn=file_size_limit(300))
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    # the first file over 300 bytes is commodities.csv (mix.csv of this case is smaller)
    assert line == f"error: cannot write {out / 'solutions' / 'tiny' / 'commodities.csv'}: " + (
        "File too large"
    )
    assert not (out / "solutions" / "tiny").exists()


def test_sweep_that_cannot_write_says_where_its_points_are(
    monkeypatch, capsys, good: Path, tmp_path: Path
):
    out = tmp_path / "out"
    args = ["sweep", str(good), "--set", "max_china_share=1:0.1:0.1", "--out", str(out)]
    args += ["--no-plots", "--no-progress"]
    calls = []
    real_fsync = os.fsync

    def disk_fills(fd: int) -> None:  # the point log's fsync after its 4th point
        calls.append(fd)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", disk_fills)
        code, _, err = main(monkeypatch, capsys, *args)
    assert code == 2 and len(calls) == 4
    partial = out / "solutions" / ".tiny-sweep.partial"
    assert one_line(err) == (
        f"error: cannot write {partial / 'points.jsonl'}: No space left on device; "
        f"finished points are kept in {partial}; run the same command with --resume to continue"
    )
    assert partial.is_dir() and not (out / "solutions" / "tiny-sweep").exists()
    code, _, err = main(monkeypatch, capsys, *args, "--resume")
    assert code == 0, err
    assert (out / "solutions" / "tiny-sweep" / "sweep_points.csv").read_text().count("\n") == 11


def test_names_are_checked_up_front(monkeypatch, capsys, good: Path, tmp_path: Path):
    out = tmp_path / "out"
    code, _, err = main(
        monkeypatch, capsys, "solve", str(good), "--name", "abc\n", "--out", str(out)
    )
    assert code == 2 and "'abc\\n'" in one_line(err)
    code, _, err = main(
        monkeypatch, capsys, "solve", str(good), "--name", "a" * 129, "--out", str(out)
    )
    assert code == 2 and "129 characters" in one_line(err)
    assert not out.exists()
    # a 250-character case name fails validate, not the write after the solve
    toml = good / "case.toml"
    toml.write_text(toml.read_text().replace('name = "tiny"', f'name = "{"n" * 250}"'))
    code, _, err = main(monkeypatch, capsys, "validate", str(good))
    assert code == 2
    assert one_line(err).startswith(f"error: {toml}, column 'name': ")


def test_a_128_character_run_name_is_allowed():
    from model.cli import _target

    assert _target(Path("/nonexistent-out"), "a" * 128, "tiny", False).name == "a" * 128


# --- 15: strict reading -----------------------------------------------------------------------
SUPPLY = "commodity,country,capacity,unit_cost,{extra}\nree,CHN,100,1,5\nree,AUS,30,2,5\n"
SUPPLY += "ree_mine,AUS,200,0.5,5\n"


@pytest.mark.parametrize(
    ("table", "extra", "known"),
    [
        ("supply", "Freight", "freight"),
        ("supply", "tarif", "tariff"),
        ("supply", "Tariff_Per_Unit", "tariff_per_unit"),
        ("commodities", "max_china_shar", "max_china_share"),
        ("commodities", "Shortfall_penalty", "shortfall_penalty"),
    ],
)
def test_misspelled_optional_column_is_an_error(good: Path, table: str, extra: str, known: str):
    path = good / f"{table}.csv"
    if table == "supply":
        path.write_text(SUPPLY.format(extra=extra))
    else:  # write_case gives commodities a max_china_share column: drop it for this one
        lines = path.read_text().splitlines()
        cut = [",".join(line.split(",")[:5]) for line in lines]
        path.write_text("\n".join([cut[0] + f",{extra}"] + [c + ",0.5" for c in cut[1:]]) + "\n")
    with pytest.raises(InputError) as info:
        load_case(good)
    assert (info.value.file, info.value.row, info.value.column) == (str(path), None, extra)
    assert f"did you mean '{known}'?" in info.value.message


def test_unrelated_extra_columns_are_still_carried_along(good: Path):
    (good / "supply.csv").write_text(SUPPLY.format(extra="note"))
    case = load_case(good)
    assert case.supply["note"].tolist() == ["5", "5", "5"]
    assert case.supply["freight"].tolist() == [0.0, 0.0, 0.0]


def test_misspelled_required_column_is_named_in_the_message(good: Path):
    path = good / "supply.csv"
    path.write_text(path.read_text().replace("capacity", "Capacity"))
    with pytest.raises(InputError) as info:
        load_case(good)
    assert info.value.column == "capacity"
    assert info.value.message == "required column is missing (the header has 'Capacity')"


@pytest.mark.parametrize("number", ["1_00", "１００", "١٠٠"])
def test_python_only_number_spellings_are_rejected(good: Path, number: str):
    path = good / "commodities.csv"
    text = path.read_text()
    assert ",t,100," in text
    path.write_text(text.replace(",t,100,", f",t,{number},"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(good)
    assert (info.value.row, info.value.column) == (1, "demand")
    assert info.value.message == f"'{number}' is not a number"


def test_python_only_number_in_a_workbook_case_sheet(good: Path, tmp_path: Path):
    path = write_case_xlsx(load_case(good), tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["case"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value.endswith("factor"))
    ws.cell(row, 2).value = "1_0"  # float() reads 10
    wb.save(path)
    with pytest.raises(InputError) as info:
        load_case(path)
    assert (info.value.row, info.value.column) == (row - 1, "value")
    assert "'1_0' is not a number" in info.value.message


def test_empty_commodities_list_in_a_rule_is_an_error(good: Path):
    toml = good / "case.toml"
    text = toml.read_text()
    assert "min_share = 0.1" in text
    toml.write_text(text.replace("min_share = 0.1", "min_share = 0.1\ncommodities = []"))
    with pytest.raises(InputError) as info:
        load_case(good)
    assert (info.value.file, info.value.column) == (str(toml), "policy.rules[#1]")
    assert "commodities is empty" in info.value.message


# --- 15/16: workbooks --------------------------------------------------------------------------
@pytest.fixture
def book(good: Path, tmp_path: Path) -> Path:
    return write_case_xlsx(load_case(good), tmp_path / "case.xlsx")


def test_formula_without_a_saved_value_is_an_error(book: Path):
    wb = openpyxl.load_workbook(book)
    ws = wb["supply"]
    assert ws["C3"].value == 30  # capacity of ree from AUS, data row 2
    ws["C3"] = "=10*3"  # openpyxl saves the formula, not its value
    wb.save(book)
    with pytest.raises(InputError) as info:
        load_case(book)
    exc = info.value
    assert (exc.file, exc.row, exc.column) == (f"{book}[supply]", 2, "capacity")
    assert exc.message.startswith("cell C3 holds the formula =10*3 but no saved value")


def test_formula_with_a_saved_value_reads_that_value(book: Path):
    wb = openpyxl.load_workbook(book)
    wb["supply"]["C3"] = "=10*3"
    buf = io.BytesIO()
    wb.save(buf)
    # what Excel would have saved: the formula and the value it computed
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(book, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet5.xml":
                assert b'<c r="C3"><f>10*3</f><v /></c>' in data
                data = data.replace(b"<f>10*3</f><v />", b"<f>10*3</f><v>31</v>")
            dst.writestr(info, data)
    case = load_case(book)
    assert case.supply.loc[2, "capacity"] == 31.0


def test_formatted_empty_cells_below_a_table_are_not_rows(book: Path):
    wb = openpyxl.load_workbook(book)
    ws = wb["supply"]
    assert ws.max_row == 4  # header and three rows
    ws.cell(6, 1).font = Font(bold=True)  # formatted, empty, under the table
    ws.cell(7, 2).value = "  "  # a space only
    ws.cell(1_048_576, 3).font = Font(bold=True)  # the sheet's last row
    wb["commodities"].cell(9, 4).font = Font(italic=True)
    wb.save(book)
    case = load_case(book)  # without reading a million blank rows
    assert case.supply.index.tolist() == [1, 2, 3]
    assert case.supply["capacity"].tolist() == [100.0, 30.0, 200.0]


def test_blank_row_inside_a_sheet_is_skipped_and_rows_keep_their_numbers(book: Path):
    wb = openpyxl.load_workbook(book)
    ws = wb["supply"]
    ws.insert_rows(3)  # a blank sheet row 3 (data row 2)
    ws.cell(3, 1).font = Font(bold=True)
    ws["C5"] = -1  # ree_mine's capacity, now sheet row 5 = data row 4
    wb.save(book)
    with pytest.raises(InputError) as info:
        load_case(book)
    assert (info.value.row, info.value.column) == (4, "capacity")
    assert "negative" in info.value.message
