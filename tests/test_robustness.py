"""Inputs that used to end in a traceback: deep recipe chains and long cycles, a
one-sided range message, control characters in messages, and `sourcing report`
on a damaged run folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model import InputError, load_case, solve
from model.curve import curve
from model.report import write_report
from model.sweep import sweep
from tests.conftest import ROOT, write_case

DEPTH = 1_100  # deeper than Python's default recursion limit (1,000 frames)


def chain(folder: Path, n: int, *, cycle: bool = False, last_capacity: float = 1e6) -> Path:
    """k0 consumes one k1 per unit, k1 one k2, ...; each has direct demand 1, AUS sells at 1."""
    ks = [f"k{i}" for i in range(n)]
    supply = [(k, "AUS", 1e6, 1.0) for k in ks[:-1]] + [(ks[-1], "AUS", last_capacity, 1.0)]
    recipes = [(ks[i], ks[i + 1], 1.0) for i in range(n - 1)]
    if cycle:
        recipes.append((ks[-1], ks[0], 1.0))
    return write_case(folder, commodities=[(k, 1) for k in ks], supply=supply, recipes=recipes)


def test_deep_recipe_chain_validates_and_solves(tmp_path: Path):
    case = load_case(chain(tmp_path / "deep", DEPTH))
    result = solve(case)
    com = result.commodities.set_index("commodity")
    # k_i is needed for its own demand (1) and for each k_{i-1} made: need(k_i) = i + 1
    assert com.loc["k0", "supplied"] == pytest.approx(1, rel=1e-9)
    assert com.loc["k1099", "supplied"] == pytest.approx(DEPTH, rel=1e-9)
    assert (com["shortfall"] == 0).all()
    # every unit costs 1: sum over i of (i + 1)
    assert result.total_cost == pytest.approx(DEPTH * (DEPTH + 1) / 2)
    # default penalty: 10 x (own price 1 + full cost of the chain below), k0's is 10 x 1,100
    assert com.loc["k0", "shortfall_penalty"] == 10 * DEPTH
    assert com.loc["k1099", "shortfall_penalty"] == 10


def test_deep_chain_of_short_commodities_traces_every_input(tmp_path: Path):
    # the far end can sell only 1 unit: k1099 meets its own demand and nothing more, so
    # every product above it is short and "what binds" is traced 1,099 inputs deep
    result = solve(load_case(chain(tmp_path / "short", DEPTH, last_capacity=1.0)))
    com = result.commodities.set_index("commodity")
    assert com.loc["k1099", "binding"] == "capacity AUS"
    assert com.loc["k1098", "binding"] == "input k1099 (capacity AUS)"
    assert com.loc["k1", "binding"].startswith("input k2 (input k3 (input k4 (")
    assert com.loc["k1", "binding"].endswith("input k1099 (capacity AUS" + ")" * 1098)


def test_long_recipe_cycle_is_reported_as_a_cycle(tmp_path: Path):
    folder = chain(tmp_path / "cycle", 1_200, cycle=True)
    with pytest.raises(InputError) as err:
        load_case(folder)
    names = " -> ".join([f"k{i}" for i in range(1_200)] + ["k0"])
    assert str(err.value) == (
        f"{folder / 'recipes.csv'}, row 1200 (line 1201), column 'input': recipe cycle: {names}"
    )


def test_cycle_below_the_first_product_names_only_the_loop(tmp_path: Path):
    folder = write_case(
        tmp_path / "c",
        commodities=[("a", 1), ("b", 1), ("c", 1), ("d", 1)],
        supply=[("a", "AUS", 9, 1.0)],
        recipes=[("a", "b", 1), ("b", "c", 1), ("c", "d", 1), ("d", "b", 1)],
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert err.value.row == 4 and err.value.column == "input"
    assert err.value.message == "recipe cycle: b -> c -> d -> b"


def test_recipe_quantity_above_the_maximum_is_a_clear_error(tmp_path: Path):
    folder = write_case(
        tmp_path / "q",
        commodities=[("a", 1), ("b", 1)],
        supply=[("b", "AUS", 9, 1.0)],
        recipes=[("a", "b", "1e16")],
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    # quantity has no minimum, only "greater than 0": the range printed is (0, 1e15]
    assert str(err.value) == (
        f"{folder / 'recipes.csv'}, row 1 (line 2), column 'quantity': 1e16 is outside (0, 1e+15]"
    )


def test_control_characters_in_a_message_are_escaped(tmp_path: Path):
    folder = write_case(
        tmp_path / "n", commodities=[("a", 1)], supply=[("a", "AUS", 9, 1.0)], name="tiny"
    )
    (folder / "countries.csv").write_text(
        'country,name,groups\n"A\nB",x,\nAUS,"Australia",\n', encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert str(err.value) == (
        f"{folder / 'countries.csv'}, row 1 (line 2), column 'country': "
        "'A\\nB' is not an ISO 3166-1 alpha-3 code (three capital letters)"
    )
    # and a terminal escape sequence is shown, not sent
    (folder / "countries.csv").write_text("country,name,groups\n\x1b[2JAUS,x,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'\\x1b\[2JAUS' is not an ISO"):
        load_case(folder)


def test_deeply_nested_toml_is_malformed_not_a_crash(tmp_path: Path):
    folder = write_case(tmp_path / "t", commodities=[("a", 1)], supply=[("a", "AUS", 9, 1.0)])
    toml = folder / "case.toml"
    toml.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n" + toml.read_text())
    with pytest.raises(InputError) as err:
        load_case(folder)
    assert str(err.value) == f"{toml}: malformed TOML: arrays or tables nested too deeply"


# --- sourcing report on a damaged run folder ----------------------------------------------------
SMALL = {
    "commodities": [("ore", 100, "mining"), ("metal", 40, "refining")],
    "supply": [
        ("ore", "CHN", 150, 1.0),
        ("ore", "AUS", 60, 1.5),
        ("metal", "CHN", 80, 4.0),
        ("metal", "JPN", 10, 5.0),
    ],
    "recipes": [("metal", "ore", 1.5)],
    "policy": {"max_china_share": 0.5},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    case = load_case(write_case(root / "case", **SMALL))
    return {
        "solve": solve(case).write(root / "out", name="solve"),
        "sweep": sweep(case, {"max_china_share": "1,0.5"}, progress=False).write(
            root / "out", name="sweep", plots=False
        ),
        "curve": curve(case, commodities=["ore"], grid="1,0.5").write(
            root / "out", name="curve", plots=False
        ),
    }


def _replace_line(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line] = lines[line].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _drop_column(path: Path, column: str) -> None:
    lines = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    i = lines[0].index(column)
    path.write_text("\n".join(",".join(c[:i] + c[i + 1 :]) for c in lines) + "\n")


def _reheaded(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = ",".join(f"c{i}" for i in range(len(lines[0].split(","))))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _summary_value(folder: Path, key: str, value: object) -> None:
    data = json.loads((folder / "summary.json").read_text())
    data[key] = value
    (folder / "summary.json").write_text(json.dumps(data))


# damage -> (run kind, change, file named, rest of the message after "file[, row, column]: ")
DAMAGE = {
    "mix emptied": (
        "solve",
        lambda f: (f / "mix.csv").write_text(""),
        "mix.csv",
        ": file is empty (no header row)",
    ),
    "commodities re-headed": (
        "solve",
        lambda f: _reheaded(f / "commodities.csv"),
        "commodities.csv",
        ", column 'commodity': required column is missing",
    ),
    "mix column renamed": (
        "solve",
        lambda f: _replace_line(f / "mix.csv", 0, ",share,", ",portion,"),
        "mix.csv",
        ", column 'share': required column is missing",
    ),
    "countries emptied": (
        "solve",
        lambda f: (f / "inputs" / "countries.csv").write_text(""),
        "inputs/countries.csv",
        ": file is empty (no header row)",
    ),
    "countries re-headed": (
        "solve",
        lambda f: _reheaded(f / "inputs" / "countries.csv"),
        "inputs/countries.csv",
        ", column 'country': required column is missing",
    ),
    "text in a number column": (
        "solve",
        lambda f: _set_cell(f / "commodities.csv", 2, "shortfall", "lots"),
        "commodities.csv",
        ", row 2 (line 3), column 'shortfall': 'lots' is not a number",
    ),
    "text in a stage count": (
        "solve",
        lambda f: _set_cell(f / "stages.csv", 1, "with_shortfall", "some"),
        "stages.csv",
        ", row 1 (line 2), column 'with_shortfall': 'some' is not a number",
    ),
    "malformed case.toml": (
        "solve",
        lambda f: (f / "inputs" / "case.toml").write_text('name = "x\n'),
        "inputs/case.toml",
        ": malformed TOML: ",
    ),
    "case.toml of the wrong shape": (
        "solve",
        lambda f: (f / "inputs" / "case.toml").write_text('name = "x"\npolicy = 3\n'),
        "inputs/case.toml",
        ", column 'policy': ",
    ),
    "binary SOURCES.md": (
        "solve",
        lambda f: (f / "inputs" / "SOURCES.md").write_bytes(bytes(range(256))),
        "inputs/SOURCES.md",
        ": not UTF-8 text: ",
    ),
    "summary total is text": (
        "solve",
        lambda f: _summary_value(f, "total", "a lot"),
        "summary.json",
        ", column 'total': must be a number",
    ),
    "summary nested too deeply": (
        "solve",
        lambda f: (f / "summary.json").write_text("[" * 100_000 + "]" * 100_000),
        "summary.json",
        ": summary.json is nested too deeply",
    ),
    "curve column the plot reads dropped": (
        "curve",
        lambda f: _drop_column(f / "curve.csv", "premium_vs_no_share_rules"),
        "curve.csv",
        ", column 'premium_vs_no_share_rules': required column is missing",
    ),
    "sweep points header only": (
        "sweep",
        lambda f: (f / "sweep_points.csv").write_text(
            (f / "sweep_points.csv").read_text().splitlines()[0] + "\n"
        ),
        "sweep_points.csv",
        ": table has no rows",
    ),
    "swept parameter column renamed": (
        "sweep",
        lambda f: _replace_line(f / "sweep_points.csv", 0, "max_china_share", "cap"),
        "sweep_points.csv",
        ", column 'max_china_share': required column is missing (a swept parameter)",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_report_on_a_damaged_run_folder_names_the_file(runs, damage: str, tmp_path: Path):
    kind, change, file, rest = DAMAGE[damage]
    folder = tmp_path / kind
    shutil.copytree(runs[kind], folder)
    change(folder)
    with pytest.raises(InputError) as err:
        write_report(folder)
    assert str(err.value).startswith(f"{folder / file}{rest}"), str(err.value)
    assert not (folder / "report.html").exists() and not (folder / "report.md").exists()


def test_report_cli_on_a_damaged_run_folder_exits_2(runs, tmp_path: Path):
    folder = tmp_path / "run"
    shutil.copytree(runs["solve"], folder)
    (folder / "mix.csv").write_text("")
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    proc = subprocess.run([*cmd, "report", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {folder / 'mix.csv'}: file is empty (no header row)\n"
    assert not (folder / "report.html").exists()
