"""Every kind of bad input: a clear InputError naming file, row and column, and from
the CLI exit code 2, one line on stderr, no traceback and nothing written."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from model import InputError, load_case
from tests.conftest import write_case

GOOD = dict(
    commodities=[("ree", 100, "refining"), ("ree_mine", 0, "mining")],
    supply=[("ree", "CHN", 100, 1), ("ree", "AUS", 30, 2), ("ree_mine", "AUS", 200, 0.5)],
    recipes=[("ree", "ree_mine", 1.1)],
    policy={"max_china_share": 0.5, "rules": [{"country": "group:partner", "min_share": 0.1}]},
)


def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (old, text)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def remove(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def write(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


SCENARIO_OK = 'name = "s"\nbase = "."\n'

# id: (mutation, file, row, column, words in the message)
CASES = {
    "missing file": (remove("supply.csv"), "supply.csv", None, None, "missing"),
    "missing case.toml": (remove("case.toml"), "case.toml", None, None, "missing"),
    "missing column": (
        edit("supply.csv", "capacity", "capacty"),
        "supply.csv",
        None,
        "capacity",
        "missing",
    ),
    "unknown commodity": (
        edit("supply.csv", "ree,AUS,30", "rare,AUS,30"),
        "supply.csv",
        2,
        "commodity",
        "unknown",
    ),
    "unknown country": (
        edit("supply.csv", "ree,AUS,30", "ree,FRA,30"),
        "supply.csv",
        2,
        "country",
        "unknown",
    ),
    "bad country code": (
        edit("countries.csv", "AUS,Australia", "Aus,Australia"),
        "countries.csv",
        2,
        "country",
        "alpha-3",
    ),
    "duplicate key": (
        edit("supply.csv", "ree,AUS,30", "ree,CHN,30"),
        "supply.csv",
        2,
        "country",
        "duplicate",
    ),
    "duplicate commodity": (
        edit("commodities.csv", "ree_mine,", "ree,"),
        "commodities.csv",
        2,
        "commodity",
        "duplicate",
    ),
    "negative capacity": (
        edit("supply.csv", "ree,AUS,30", "ree,AUS,-30"),
        "supply.csv",
        2,
        "capacity",
        "negative",
    ),
    "negative demand": (
        edit("commodities.csv", ",t,100,", ",t,-1,"),
        "commodities.csv",
        1,
        "demand",
        "negative",
    ),
    "non-numeric cost": (
        edit("supply.csv", "ree,AUS,30,2", "ree,AUS,30,two"),
        "supply.csv",
        2,
        "unit_cost",
        "not a number",
    ),
    "NaN demand": (
        edit("commodities.csv", ",t,100,", ",t,nan,"),
        "commodities.csv",
        1,
        "demand",
        "finite",
    ),
    "blank required": (
        edit("supply.csv", "ree,AUS,30,2", "ree,AUS,,2"),
        "supply.csv",
        2,
        "capacity",
        "blank",
    ),
    "share above 1": (
        edit("commodities.csv", ",refining,", ",refining,1.5"),
        "commodities.csv",
        1,
        "max_china_share",
        "outside",
    ),
    "policy share outside": (
        edit("case.toml", "max_china_share = 0.5", "max_china_share = 1.5"),
        "case.toml",
        None,
        "policy.max_china_share",
        "less than or equal to 1",
    ),
    "min above max": (
        edit("case.toml", "min_share = 0.1", "min_share = 0.9\nmax_share = 0.2"),
        "case.toml",
        None,
        "policy.rules[#1]",
        "min_share 0.9 is above max_share 0.2",
    ),
    "unknown group": (
        edit("case.toml", "group:partner", "group:allies"),
        "case.toml",
        None,
        "policy.rules[#1].country",
        "no countries",
    ),
    "unknown key in TOML": (
        edit("case.toml", "max_china_share", "max_china_shares"),
        "case.toml",
        None,
        "policy.max_china_shares",
        "unknown key",
    ),
    "malformed TOML": (edit("case.toml", "name =", "name"), "case.toml", None, None, "malformed"),
    "malformed CSV": (
        edit("supply.csv", "ree,AUS,30,2", "ree,AUS,30,2,9"),
        "supply.csv",
        2,
        None,
        "fields",
    ),
    "duplicate header": (
        edit("supply.csv", "unit_cost", "capacity"),
        "supply.csv",
        None,
        "capacity",
        "twice",
    ),
    "empty file": (write("countries.csv", ""), "countries.csv", None, None, "empty"),
    "recipe cycle": (
        edit("recipes.csv", "ree,ree_mine,1.1", "ree,ree_mine,1.1\nree_mine,ree,1"),
        "recipes.csv",
        2,
        "input",
        "cycle",
    ),
    "recipe unknown input": (
        edit("recipes.csv", "ree,ree_mine", "ree,ore"),
        "recipes.csv",
        1,
        "input",
        "unknown",
    ),
    "recipe non-positive": (
        edit("recipes.csv", "ree_mine,1.1", "ree_mine,0"),
        "recipes.csv",
        1,
        "quantity",
        "greater than 0",
    ),
    "unknown stage in rule": (
        edit("case.toml", "min_share = 0.1", 'min_share = 0.1\nstage = "smelting"'),
        "case.toml",
        None,
        "policy.rules[#1].stage",
        "matches no commodity",
    ),
}


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_case(tmp_path / "case", **GOOD)


def test_good_case_loads(good: Path):
    case = load_case(good)
    assert len(case.supply) == 3


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_raises_located_error(good: Path, kind: str):
    mutate, file, row, column, words = CASES[kind]
    mutate(good)
    with pytest.raises(InputError) as info:
        load_case(good)
    exc = info.value
    assert exc.file is not None and Path(exc.file).name == file, str(exc)
    assert exc.row == row, str(exc)
    assert exc.column == column, str(exc)
    assert words in str(exc)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize("kind", list(CASES))
def test_cli_bad_input_exits_2_and_writes_nothing(good: Path, tmp_path: Path, kind: str):
    CASES[kind][0](good)
    out = tmp_path / "out"
    proc = run_cli("solve", str(good), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("error: ")
    assert CASES[kind][1] in proc.stderr
    assert not out.exists()


SCENARIOS = {
    "base missing": ('name = "s"\nbase = "../nowhere"\n', "base", "does not exist"),
    "no base key": ('name = "s"\n', "base", "needs a 'base'"),
    "change selects nothing": (
        SCENARIO_OK + '[[changes]]\ntable = "supply"\ncolumn = "capacity"\n'
        'commodity = "ree"\ncountry = "JPN"\nscale = 2\n',
        "changes[#1]",
        "selects no rows",
    ),
    "change unknown column": (
        SCENARIO_OK + '[[changes]]\ntable = "supply"\ncolumn = "price"\nscale = 2\n',
        "changes[#1]",
        "cannot be changed",
    ),
    "change unknown country": (
        SCENARIO_OK + '[[changes]]\ntable = "supply"\ncolumn = "capacity"\ncountry = "XYZ"\n'
        "scale = 2\n",
        "changes[#1].country",
        "unknown country",
    ),
    "change out of range": (
        SCENARIO_OK + '[[changes]]\ntable = "commodities"\ncolumn = "max_china_share"\nset = 2\n',
        "changes[#1]",
        "valid range",
    ),
    "scale and set": (
        SCENARIO_OK + '[[changes]]\ntable = "supply"\ncolumn = "capacity"\nscale = 2\nset = 1\n',
        "changes[#1]",
        "exactly one",
    ),
    "bad stage cap": (
        SCENARIO_OK + "[policy.max_china_share_by_stage]\nrefining = 1.2\n",
        "policy.max_china_share_by_stage.refining",
        "outside",
    ),
    "self loop": ('name = "s"\nbase = "s.toml"\n', "base", "loop"),
}


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_bad_scenario(good: Path, kind: str):
    text, column, words = SCENARIOS[kind]
    path = good / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_case(path)
    assert info.value.column == column, str(info.value)
    assert words in str(info.value)
    assert Path(info.value.file).name == "s.toml"


def test_cli_bad_scenario_exits_2(good: Path, tmp_path: Path):
    (good / "s.toml").write_text('name = "s"\nbase = "../nowhere"\n', encoding="utf-8")
    proc = run_cli("validate", str(good / "s.toml"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "s.toml" in proc.stderr and "base" in proc.stderr


def test_cli_missing_case_folder(tmp_path: Path):
    proc = run_cli("solve", str(tmp_path / "nope"), "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "solutions").exists()


def test_python_override_out_of_range(good: Path):
    from model import solve

    with pytest.raises(InputError):
        solve(load_case(good), max_china_share=1.2)


REVIEW_CASES = {
    "string where a number belongs": (
        edit("case.toml", "max_china_share = 0.5", 'max_china_share = "0.5"'),
        "case.toml",
        None,
        "policy.max_china_share",
        "valid number",
    ),
    "huge value": (
        edit("commodities.csv", ",t,100,", ",t,1e30,"),
        "commodities.csv",
        1,
        "demand",
        "outside",
    ),
    "no commodities": (
        write("commodities.csv", "commodity,name,unit,demand\n"),
        "commodities.csv",
        None,
        None,
        "no rows",
    ),
}


@pytest.mark.parametrize("kind", list(REVIEW_CASES))
def test_more_bad_input(good: Path, kind: str):
    mutate, file, row, column, words = REVIEW_CASES[kind]
    mutate(good)
    with pytest.raises(InputError) as info:
        load_case(good)
    assert Path(info.value.file).name == file and info.value.row == row
    assert info.value.column == column and words in str(info.value)


@pytest.mark.parametrize("body", ["set = nan", "scale = inf", "add = nan", "set = 1e30"])
def test_non_finite_or_huge_scenario_values(good: Path, body: str):
    (good / "s.toml").write_text(
        f'name = "s"\nbase = "."\n[[changes]]\ntable = "supply"\ncolumn = "capacity"\n{body}\n'
    )
    with pytest.raises(InputError) as info:
        load_case(good / "s.toml")
    assert info.value.column.startswith("changes[#1]")


def test_out_that_is_a_file_fails_before_solving(good: Path, tmp_path: Path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    proc = run_cli("solve", str(good), "--out", str(afile), cwd=tmp_path)
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert "Traceback" not in proc.stderr
