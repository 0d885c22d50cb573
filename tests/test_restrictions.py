"""restrictions.csv: suppliers a US buyer may not use, warned about and listed when used.

Tiny case, worked by hand: tungsten demand 100 t from AUS (60 t at $10), PRK (50 t at
$5) and CHN (100 t at $6); gallium demand 10 t from CHN (10 t at $1) and AUS (5 t at $3).
PRK is restricted for every commodity, CHN for gallium only. Without rules the
cheapest mix buys PRK 50 t + CHN 50 t of tungsten and CHN 10 t of gallium: both
restricted suppliers are used. With rules holding them at 0: tungsten CHN 100 ($6 beats
AUS's $10), gallium AUS 5 and 5 t short; no restricted supplier is used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model import InputError, load_case, solve
from model.case.restrictions import unguarded
from model.excel import write_case_xlsx
from tests.conftest import write_case, write_csv

COUNTRIES = [
    ("AUS", "Australia", "partner"),
    ("PRK", "North Korea", "sanctioned"),
    ("CHN", "China", ""),
]
SUPPLY = [
    ("tungsten", "AUS", 60, 10),
    ("tungsten", "PRK", 50, 5),
    ("tungsten", "CHN", 100, 6),
    ("gallium", "CHN", 10, 1),
    ("gallium", "AUS", 5, 3),
]
RESTRICTIONS = [
    ("", "PRK", "US comprehensive sanctions (OFAC)", "31 CFR part 510"),
    ("gallium", "CHN", "China export ban on gallium (Dec 2024)", "MOFCOM 46/2024"),
]
SANCTIONS = {"name": "no sanctioned", "country": "group:sanctioned", "max_share": 0.0}
GALLIUM_BAN = {"country": "CHN", "commodities": ["gallium"], "max_share": 0.0}

WARN_PRK = (
    "warning: tungsten from PRK is restricted (US comprehensive sanctions (OFAC)), yet its "
    "50 t of capacity is open: no China cap of 0 and no rule with max_share = 0 covers it"
)
WARN_CHN = (
    "warning: gallium from CHN is restricted (China export ban on gallium (Dec 2024)), yet "
    "its 10 t of capacity is open: no China cap of 0 and no rule with max_share = 0 covers it"
)


def make(folder: Path, *, rules: list[dict] | None = None, restrictions=RESTRICTIONS) -> Path:
    write_case(
        folder,
        commodities=[("tungsten", 100), ("gallium", 10)],
        supply=SUPPLY,
        countries=COUNTRIES,
        policy={"rules": rules or []},
    )
    if restrictions is not None:
        write_csv(
            folder / "restrictions.csv",
            ["commodity", "country", "restriction", "source"],
            restrictions,
        )
    return folder


def sourcing(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True)


def pairs(case) -> list[tuple[str, str]]:
    return [(u.commodity, u.country) for u in unguarded(case)]


def test_loaded_with_blank_commodity_for_every_commodity(tmp_path: Path):
    case = load_case(make(tmp_path / "c"))
    r = case.restrictions
    assert r["country"].tolist() == ["PRK", "CHN"]
    assert r["commodity"].tolist() == ["", "gallium"]
    assert r["source"].tolist() == ["31 CFR part 510", "MOFCOM 46/2024"]


def test_validate_warns_one_line_each_and_exits_0(tmp_path: Path):
    proc = sourcing("validate", str(make(tmp_path / "c")), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: tiny:") and "2 restrictions" in proc.stdout
    assert proc.stderr.splitlines() == [WARN_PRK, WARN_CHN]


def test_rules_that_hold_them_at_zero_silence_the_warning(tmp_path: Path):
    assert pairs(load_case(make(tmp_path / "a", rules=[SANCTIONS]))) == [("gallium", "CHN")]
    assert pairs(load_case(make(tmp_path / "b", rules=[SANCTIONS, GALLIUM_BAN]))) == []
    # 'each' at 0 holds every country
    assert (
        pairs(load_case(make(tmp_path / "c", rules=[{"country": "each", "max_share": 0.0}]))) == []
    )


def test_rules_that_do_not_hold_them_at_zero_still_warn(tmp_path: Path):
    # max 10% is a cap, not an exclusion; a 0 rule on another commodity covers nothing here
    loose = {"country": "PRK", "max_share": 0.1}
    other = {"country": "CHN", "commodities": ["tungsten"], "max_share": 0.0}
    min_rule = {"country": "group:sanctioned", "min_share": 0.0}
    case = load_case(make(tmp_path / "a", rules=[loose, other, min_rule]))
    assert pairs(case) == [("tungsten", "PRK"), ("gallium", "CHN")]


def test_china_cap_of_zero_holds_china(tmp_path: Path):
    folder = make(tmp_path / "a", rules=[SANCTIONS])
    (folder / "s.toml").write_text(
        'base = "."\n[policy]\nmax_china_share = 0.0\n', encoding="utf-8"
    )
    assert pairs(load_case(folder / "s.toml")) == []


def test_zero_or_excluded_capacity_needs_no_rule(tmp_path: Path):
    folder = make(tmp_path / "a", rules=[SANCTIONS])
    (folder / "s.toml").write_text(
        'base = "."\n[[changes]]\ntable = "supply"\ncolumn = "capacity"\n'
        'commodity = "gallium"\ncountry = "CHN"\nset = 0\n',
        encoding="utf-8",
    )
    assert pairs(load_case(folder / "s.toml")) == []
    # a row whose status is not included (default: operating only) has no capacity
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "status"],
        [(*row, "standby" if row[1] == "CHN" and row[0] == "gallium" else "") for row in SUPPLY],
    )
    assert pairs(load_case(folder)) == []


def test_scenario_that_changes_rules_is_evaluated_again(tmp_path: Path):
    folder = make(tmp_path / "a", rules=[SANCTIONS, GALLIUM_BAN])
    (folder / "drop.toml").write_text(
        'base = "."\n[policy]\nreplace_rules = true\n', encoding="utf-8"
    )
    (folder / "back.toml").write_text(
        'base = "drop.toml"\n[[policy.rules]]\ncountry = "PRK"\nmax_share = 0.0\n',
        encoding="utf-8",
    )
    assert pairs(load_case(folder)) == []
    assert pairs(load_case(folder / "drop.toml")) == [("tungsten", "PRK"), ("gallium", "CHN")]
    assert pairs(load_case(folder / "back.toml")) == [("gallium", "CHN")]


def test_solve_lists_restricted_suppliers_used(tmp_path: Path):
    summary = solve(load_case(make(tmp_path / "a")), probes=False, ranging=False).summary
    assert summary["restricted_used"] == [
        {
            "commodity": "tungsten",
            "country": "PRK",
            "quantity": 50.0,
            "restriction": "US comprehensive sanctions (OFAC)",
        },
        {
            "commodity": "gallium",
            "country": "CHN",
            "quantity": 10.0,
            "restriction": "China export ban on gallium (Dec 2024)",
        },
    ]
    held = make(tmp_path / "b", rules=[SANCTIONS, GALLIUM_BAN])
    result = solve(load_case(held), probes=False, ranging=False)
    assert result.summary["restricted_used"] == []
    mix = result.mix.set_index(["commodity", "country"])["quantity"].to_dict()
    assert mix == {("tungsten", "CHN"): 100, ("gallium", "AUS"): 5}


def test_both_texts_when_tagged_twice(tmp_path: Path):
    rows = [*RESTRICTIONS, ("tungsten", "PRK", "Tungsten rule", "")]
    summary = solve(load_case(make(tmp_path / "a", restrictions=rows)), compare=False).summary
    assert summary["restricted_used"][0]["restriction"] == (
        "Tungsten rule; US comprehensive sanctions (OFAC)"
    )


def test_cli_solve_warns_and_prints_the_used_line(tmp_path: Path):
    proc = sourcing("solve", str(make(tmp_path / "c")), "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [WARN_PRK, WARN_CHN]
    assert (
        "restricted suppliers used (2): tungsten from PRK (50.00), gallium from CHN (10.00)"
        in proc.stdout
    )
    run = tmp_path / "solutions" / "tiny"
    assert json.loads((run / "summary.json").read_text())["restricted_used"][0]["quantity"] == 50
    assert (run / "inputs" / "restrictions.csv").read_text().splitlines()[1] == (
        ",PRK,US comprehensive sanctions (OFAC),31 CFR part 510"
    )


def test_case_without_restrictions_keeps_its_outputs(tmp_path: Path):
    result = solve(load_case(make(tmp_path / "a", restrictions=None)), compare=False)
    assert "restricted_used" not in result.summary
    assert "restrictions.csv" not in result.input_files


def test_workbook_round_trip(tmp_path: Path):
    case = load_case(make(tmp_path / "a"))
    back = load_case(write_case_xlsx(case, tmp_path / "case.xlsx"))
    assert back.restrictions.values.tolist() == case.restrictions.values.tolist()
    assert pairs(back) == [("tungsten", "PRK"), ("gallium", "CHN")]
    empty = load_case(
        write_case_xlsx(load_case(make(tmp_path / "b", restrictions=None)), tmp_path / "b.xlsx")
    )
    assert empty.restrictions.empty


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (("", "RUS", "x", ""), "country", "unknown country 'RUS' (not in countries.csv)"),
        (("copper", "PRK", "x", ""), "commodity", "unknown commodity 'copper'"),
        (("gallium", "CHN", "", ""), "restriction", "value is blank but required"),
        (("gallium", "China", "x", ""), "country", "is not an ISO 3166-1 alpha-3 code"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path: Path, row, column, message):
    folder = make(tmp_path / "a", restrictions=[RESTRICTIONS[0], row])
    with pytest.raises(InputError) as info:
        load_case(folder)
    exc = info.value
    assert (Path(exc.file).name, exc.row, exc.column) == ("restrictions.csv", 2, column)
    assert message in exc.message


def test_duplicate_restriction_is_an_error(tmp_path: Path):
    folder = make(tmp_path / "a", restrictions=[*RESTRICTIONS, ("", "PRK", "again", "")])
    with pytest.raises(InputError, match="duplicate key") as info:
        load_case(folder)
    assert info.value.row == 3


def test_bad_restriction_message_is_one_located_line(tmp_path: Path):
    # the CLI prints exactly this after "error: " and exits 2 (as for every InputError)
    folder = make(tmp_path / "a", restrictions=[("", "RUS", "x", "")])
    with pytest.raises(InputError) as info:
        load_case(folder)
    assert str(info.value) == (
        f"{folder / 'restrictions.csv'}, row 1 (line 2), column 'country': "
        "unknown country 'RUS' (not in countries.csv)"
    )
