"""Excel: result workbooks (one sheet per table) and cases read from a workbook,
round-tripped against the CSV case, with errors naming workbook, sheet, row and column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from model import InputError, load_case, solve
from model.excel import write_case_xlsx
from model.output import canonical_inputs
from tests.conftest import BASE, ROOT


def sourcing(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    return subprocess.run([*cmd, *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_case_xlsx(load_case(BASE), tmp_path_factory.mktemp("xlsx") / "base.xlsx")


def test_case_round_trips_through_a_workbook(workbook: Path, tmp_path: Path):
    case = load_case(BASE)
    again = load_case(workbook)
    # the same tables, policy and description, byte for byte as canonical files
    assert canonical_inputs(again) == canonical_inputs(case)
    assert again.files["supply"] == f"{workbook}[supply]"
    # the same answer
    a, b = solve(case), solve(again)
    pd.testing.assert_frame_equal(a.mix, b.mix)
    pd.testing.assert_frame_equal(a.commodities, b.commodities)
    assert a.summary["inputs_sha256"] == b.summary["inputs_sha256"]
    # written twice, the same bytes (no timestamps)
    second = write_case_xlsx(case, tmp_path / "again.xlsx")
    assert second.read_bytes() == workbook.read_bytes()


def test_rules_and_stage_caps_round_trip(tmp_path: Path):
    scenario = load_case(ROOT / "inputs" / "scenarios" / "procurement-rules.toml")
    scenario.policy.max_china_share_by_stage = {"refining": 0.4}
    path = write_case_xlsx(scenario, tmp_path / "rules.xlsx")
    again = load_case(path)
    assert canonical_inputs(again) == canonical_inputs(scenario)
    assert [r.label for r in again.policy.rules] == [r.label for r in scenario.policy.rules]
    pd.testing.assert_frame_equal(solve(scenario).mix, solve(again).mix)


def test_a_scenario_can_build_on_a_workbook(workbook: Path, tmp_path: Path):
    shutil_copy = tmp_path / "base.xlsx"
    shutil_copy.write_bytes(workbook.read_bytes())
    toml = tmp_path / "ban.toml"
    toml.write_text(
        'name = "ban"\nbase = "base.xlsx"\n[[changes]]\ntable = "supply"\n'
        'column = "capacity"\ncommodity = "gallium"\ncountry = "CHN"\nscale = 0.0\n'
    )
    case = load_case(toml)
    row = case.supply[(case.supply["commodity"] == "gallium") & (case.supply["country"] == "CHN")]
    assert float(row["capacity"].iloc[0]) == 0.0


def edited(workbook: Path, tmp_path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(workbook)
    edit(wb)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return path


def find_row(ws, **match) -> int:
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if all(ws.cell(r, header.index(k) + 1).value == v for k, v in match.items()):
            return r
    raise AssertionError(match)


def set_cell(ws, row: int, column: str, value) -> None:
    header = [c.value for c in ws[1]]
    ws.cell(row, header.index(column) + 1).value = value


def test_errors_name_workbook_sheet_row_and_column(workbook: Path, tmp_path: Path):
    where = {}

    def negative_capacity(wb):
        ws = wb["supply"]
        where["row"] = find_row(ws, commodity="gallium", country="CHN")
        set_cell(ws, where["row"], "capacity", -5)

    with pytest.raises(InputError) as err:
        load_case(edited(workbook, tmp_path, negative_capacity))
    e = err.value
    assert e.file.endswith("edited.xlsx[supply]") and e.column == "capacity"
    assert e.row == where["row"] - 1  # data row, as in a CSV file: sheet row 2 is row 1
    assert "negative" in str(e) and f"(line {where['row']})" in str(e)

    def unknown_country(wb):
        set_cell(wb["supply"], 3, "country", "ZZZ")

    with pytest.raises(InputError, match=r"edited\.xlsx\[supply\], row 2 .*unknown country 'ZZZ'"):
        load_case(edited(workbook, tmp_path, unknown_country))

    def bad_key(wb):
        wb["case"].append(["policy.max_chna_share", 0.5])

    with pytest.raises(InputError, match=r"\[case\], row \d+ .*column 'key'.*unknown key"):
        load_case(edited(workbook, tmp_path, bad_key))

    def bad_cap(wb):
        ws = wb["case"]
        set_cell(ws, find_row(ws, key="policy.max_china_share"), "value", 1.5)

    with pytest.raises(InputError, match=r"\[case\], row 3 \(line 4\), column 'value'"):
        load_case(edited(workbook, tmp_path, bad_cap))

    def bad_rule(wb):
        wb["rules"].append(["partners", "group:partnr", None, None, None, 0.4])

    with pytest.raises(InputError, match=r"\[rules\], row 5 .*column 'country'.*group 'partnr'"):
        load_case(edited(workbook, tmp_path, bad_rule))

    def rule_share(wb):
        wb["rules"].append(["cap", "CHN", None, None, "lots", None])

    with pytest.raises(InputError, match=r"\[rules\], row 5 .*column 'max_share'.*not a number"):
        load_case(edited(workbook, tmp_path, rule_share))

    def no_supply(wb):
        del wb["supply"]

    with pytest.raises(InputError, match=r"sheet 'supply' is missing"):
        load_case(edited(workbook, tmp_path, no_supply))

    def stray_value(wb):
        wb["countries"].cell(4, 9).value = "note without a header"

    with pytest.raises(InputError, match=r"\[countries\], row 3 .*column I, which has no header"):
        load_case(edited(workbook, tmp_path, stray_value))

    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_text("country,name\n")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        load_case(not_xlsx)
    cli = sourcing("validate", str(edited(workbook, tmp_path, negative_capacity)))
    assert cli.returncode == 2 and "edited.xlsx[supply]" in cli.stderr


def test_solve_xlsx_writes_one_sheet_per_table(tmp_path: Path):
    runs = []
    for name in ("a", "b"):
        proc = sourcing("solve", "--out", str(tmp_path), "--name", name, "--xlsx", "--plots", "-q")
        assert proc.returncode == 0, proc.stderr
        runs.append(tmp_path / "solutions" / name)
    a, b = runs
    assert (a / "results.xlsx").read_bytes() == (b / "results.xlsx").read_bytes()
    for f in sorted((a / "plots").iterdir()):  # plots are byte-identical across runs too
        assert f.read_bytes() == (b / "plots" / f.name).read_bytes(), f.name
    wb = openpyxl.load_workbook(a / "results.xlsx")
    assert wb.sheetnames == [
        "summary",
        "mix",
        "commodities",
        "stages",
        "capacity_values",
        "ranging_costs",
        "ranging_limits",
    ]
    sheet = pd.read_excel(a / "results.xlsx", sheet_name="commodities")
    csv = pd.read_csv(a / "commodities.csv")
    pd.testing.assert_frame_equal(
        sheet[["commodity", "supplied", "china_share", "cost"]],
        csv[["commodity", "supplied", "china_share", "cost"]],
    )
    summary = dict(pd.read_excel(a / "results.xlsx", sheet_name="summary").values)
    assert summary["case"] == "base" and summary["status"] == "optimal"
    assert "timings_seconds.build" not in summary
    # HiGHS ranging holds infinite bounds: they stay readable as text, not a broken file
    ranging = pd.read_excel(a / "results.xlsx", sheet_name="ranging_costs")
    assert (ranging["cost_upper"].astype(str) == "inf").any()


def test_sweep_xlsx(tmp_path: Path):
    proc = sourcing(
        "sweep", "inputs/base", "--set", "max_china_share=1,0.5", "--out", str(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "solutions" / "base-sweep" / "results.xlsx").exists()
    proc = sourcing(
        "sweep",
        "inputs/base",
        "--set",
        "max_china_share=1,0.5",
        "--out",
        str(tmp_path),
        "--name",
        "x",
        "--xlsx",
        "--no-plots",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "solutions" / "x"
    assert not (folder / "plots").exists()
    wb = openpyxl.load_workbook(folder / "results.xlsx")
    assert wb.sheetnames == ["summary", "sweep", "sweep_points", "sweep_mix"]
    points = pd.read_excel(folder / "results.xlsx", sheet_name="sweep_points")
    assert list(points["max_china_share"]) == [1.0, 0.5]
