"""Several years in one case (README "Horizon (years)"), hand-solved.

A case with ``[horizon]`` is expanded into commodity-years at load time; the LP is the
one-year LP of those, with costs of year y discounted by (1 + r)^-(y - base_year).
Every expected value below is worked by hand in the comment above it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import InputError, load_case, solve
from model.case.params import apply_values, parse_parameter
from model.sweep import sweep
from tests.conftest import BASE, COUNTRIES, ROOT, write_csv
from tests.reference import reference_objective
from tests.test_properties import cases

APPROX = dict(rel=1e-9, abs=1e-9)


def horizon_case(
    folder: Path,
    *,
    commodities: list[tuple],
    supply: list[tuple],
    horizon: dict | None,
    policy: dict | None = None,
    recipes: list[tuple] | None = None,
    tables: dict[str, tuple[list[str], list[tuple]]] | None = None,
    name: str = "years",
) -> Path:
    """A case folder. commodities: (id, demand, demand_growth or None[, stage]);
    supply: (commodity, country, capacity, unit_cost[, status[, available_from]])."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "countries.csv", ["country", "name", "groups"], COUNTRIES)
    write_csv(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand", "demand_growth", "stage"],
        [(k, k.title(), "t", d, g, (s or [""])[0]) for k, d, g, *s in commodities],
    )
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "status", "available_from"],
        [(*r, "", "")[:6] for r in supply],
    )
    if recipes:
        write_csv(folder / "recipes.csv", ["product", "input", "quantity"], recipes)
    for file, (header, rows) in (tables or {}).items():
        write_csv(folder / file, header, rows)
    policy = dict(policy or {})
    rules = policy.pop("rules", [])
    doc = {"name": name, "description": "test case", "policy": policy}
    if horizon is not None:
        doc["horizon"] = horizon
    text = tomli_w.dumps(doc)
    for rule in rules:
        text += "\n[[policy.rules]]\n" + tomli_w.dumps(rule)
    (folder / "case.toml").write_text(text, encoding="utf-8")
    return folder


def by_year(frame, column: str) -> dict[tuple[str, int], float]:
    return {(k, y): v for k, y, v in frame[["commodity", "year", column]].itertuples(index=False)}


def bought(r) -> dict[tuple[int, str], float]:
    """(year, country) -> quantity bought."""
    return {(y, n): q for y, n, q in r.mix[["year", "country", "quantity"]].itertuples(index=False)}


# --- demand by year ------------------------------------------------------------------------------
def test_demand_grows_from_the_base_year(tmp_path: Path):
    # demand 100 growing 10% a year from 2026, one supplier at $2: 100 t ($200) in 2026,
    # 110 t ($220) in 2027, so $420 over the horizon; no discounting, objective 420
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("k", 100, 0.1)],
                supply=[("k", "AUS", 1000, 2)],
                horizon={"start": 2026, "end": 2027},
            )
        )
    )
    assert by_year(r.commodities, "demand") == pytest.approx({("k", 2026): 100, ("k", 2027): 110})
    assert by_year(r.commodities, "cost") == pytest.approx({("k", 2026): 200, ("k", 2027): 220})
    assert r.supply_cost == pytest.approx(420) and r.objective == pytest.approx(420)
    assert [(y["year"], y["supply_cost"]) for y in r.summary["by_year"]] == [
        (2026, 200.0),
        (2027, pytest.approx(220)),
    ]
    assert list(r.commodities.columns[:2]) == ["commodity", "year"]


def test_demand_by_year_overrides_growth_and_base_year_sets_the_origin(tmp_path: Path):
    # growth 10% from base year 2025: 2026 is 110 t; demand_by_year sets 2027 to 150 t
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("k", 100, 0.1)],
                supply=[("k", "AUS", 1000, 2)],
                horizon={"start": 2026, "end": 2027, "base_year": 2025},
                tables={
                    "demand_by_year.csv": (["commodity", "year", "demand"], [("k", 2027, 150)])
                },
            )
        )
    )
    assert by_year(r.commodities, "demand") == pytest.approx({("k", 2026): 110, ("k", 2027): 150})
    assert r.supply_cost == pytest.approx(220 + 300)


# --- capacity by year ----------------------------------------------------------------------------
def test_a_project_coming_online(tmp_path: Path):
    # demand 100 a year; AUS sells at $2; a planned JPN project at $1 comes online in 2027.
    # Only operating capacity counts (the default), yet JPN's row counts from 2027 on:
    # 2026 AUS 100 ($200), 2027 JPN 100 ($100); in 2028 capacity_by_year gives JPN 40 t,
    # so JPN 40 + AUS 60 = $40 + $120 = $160. Total $460.
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("k", 100, None)],
                supply=[("k", "AUS", 1000, 2), ("k", "JPN", 1000, 1, "planned", 2027)],
                horizon={"start": 2026, "end": 2028},
                tables={
                    "capacity_by_year.csv": (
                        ["commodity", "country", "year", "capacity"],
                        [("k", "JPN", 2028, 40)],
                    )
                },
            )
        )
    )
    assert bought(r) == pytest.approx(
        {(2026, "AUS"): 100, (2027, "JPN"): 100, (2028, "JPN"): 40, (2028, "AUS"): 60}
    )
    assert r.supply_cost == pytest.approx(460)


def test_a_planned_row_without_available_from_stays_out(tmp_path: Path):
    # the same project with no start year: planned, left out by include_status, every year
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("k", 100, None)],
                supply=[("k", "AUS", 1000, 2), ("k", "JPN", 1000, 1, "planned")],
                horizon={"start": 2026, "end": 2027},
            )
        )
    )
    assert bought(r) == {(2026, "AUS"): 100.0, (2027, "AUS"): 100.0}


# --- discounting ---------------------------------------------------------------------------------
def test_discounting_counts_later_years_less_in_the_objective_only(tmp_path: Path):
    # demand 100 a year at $1, r = 10%: $100 in each year; the objective, a present value,
    # counts 2027's $100 as 100 / 1.1: 100 + 90.909090... = 190.909090...; the tables and
    # the headline report $100 a year, $200 in total; the shadow price of demand is $1 in
    # each year's own money (the LP's dual for 2027 is 1 / 1.1)
    folder = horizon_case(
        tmp_path / "c",
        commodities=[("k", 100, None)],
        supply=[("k", "AUS", 1000, 1)],
        horizon={"start": 2026, "end": 2027, "discount_rate": 0.1},
    )
    r = solve(load_case(folder))
    assert r.objective == pytest.approx(100 + 100 / 1.1, **APPROX)
    assert by_year(r.commodities, "cost") == {("k", 2026): 100.0, ("k", 2027): 100.0}
    assert r.supply_cost == 200.0 and r.total == 200.0
    assert r.summary["present_value"]["total"] == pytest.approx(190.909091)
    assert by_year(r.commodities, "shadow_price") == pytest.approx(
        {("k", 2026): 1.0, ("k", 2027): 1.0}
    )
    limits = r.limit_ranges[r.limit_ranges["limit"] == "demand"]
    assert limits["shadow_price"].tolist() == pytest.approx([1.0, 1.0])
    # discounted to 2027 instead, 2026's $100 is worth 110: objective 210
    text = (
        (folder / "case.toml")
        .read_text()
        .replace("discount_rate", "base_year = 2027\ndiscount_rate")
    )
    (folder / "case.toml").write_text(text)
    assert solve(load_case(folder), compare=False).objective == pytest.approx(210, **APPROX)


# --- caps that change over time ------------------------------------------------------------------
def test_a_glide_path_steps_the_china_cap_down(tmp_path: Path):
    # demand 100 a year, CHN at $1, AUS at $2. Glide path 80% from 2027, 50% from 2029;
    # before it the case default (100%). 2026: CHN 100 ($100); 2027 and 2028 (the 80%
    # holds until the next step): CHN 80 + AUS 20 ($120); 2029: CHN 50 + AUS 50 ($150).
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("k", 100, None)],
                supply=[("k", "CHN", 1000, 1), ("k", "AUS", 1000, 2)],
                horizon={
                    "start": 2026,
                    "end": 2029,
                    "max_china_share_by_year": {"2027": 0.8, "2029": 0.5},
                },
            )
        )
    )
    caps = by_year(r.commodities, "max_china_share")
    assert caps == {("k", 2026): 1.0, ("k", 2027): 0.8, ("k", 2028): 0.8, ("k", 2029): 0.5}
    assert bought(r) == pytest.approx(
        {
            (2026, "CHN"): 100,
            (2027, "CHN"): 80,
            (2027, "AUS"): 20,
            (2028, "CHN"): 80,
            (2028, "AUS"): 20,
            (2029, "CHN"): 50,
            (2029, "AUS"): 50,
        }
    )
    assert r.supply_cost == pytest.approx(100 + 120 + 120 + 150)


def test_rules_hold_in_their_years_and_stage_caps_beat_the_glide_path(tmp_path: Path):
    # 'a' (refining, stage cap 90%) and 'b' (mining), demand 100 each, CHN $1 / AUS $2.
    # Glide path 50% from 2026 applies to b only (a's stage default is more specific):
    # a CHN 90 in both years. Rule "CHN at most 30% from 2027" on b: 2026 CHN 50, 2027 CHN 30.
    r = solve(
        load_case(
            horizon_case(
                tmp_path / "c",
                commodities=[("a", 100, None, "refining"), ("b", 100, None, "mining")],
                supply=[
                    ("a", "CHN", 1000, 1),
                    ("a", "AUS", 1000, 2),
                    ("b", "CHN", 1000, 1),
                    ("b", "AUS", 1000, 2),
                ],
                horizon={"start": 2026, "end": 2027, "max_china_share_by_year": {"2026": 0.5}},
                policy={
                    "max_china_share_by_stage": {"refining": 0.9},
                    "rules": [
                        {
                            "country": "CHN",
                            "max_share": 0.3,
                            "commodities": ["b"],
                            "from_year": 2027,
                        }
                    ],
                },
            )
        )
    )
    china = r.mix[r.mix["country"] == "CHN"]
    assert by_year(china, "quantity") == pytest.approx(
        {("a", 2026): 90, ("a", 2027): 90, ("b", 2026): 50, ("b", 2027): 30}
    )


# --- the one-year special case -------------------------------------------------------------------
def test_a_one_year_horizon_is_the_case_itself(tmp_path: Path):
    """inputs/base with [horizon] start = end: the same LP, so exactly the same answer."""
    folder = tmp_path / "base"
    shutil.copytree(BASE, folder)
    with (folder / "case.toml").open("a") as fh:
        fh.write("\n[horizon]\nstart = 2025\nend = 2025\ndiscount_rate = 0.07\n")
    plain = solve(load_case(BASE), probes=False)
    years = solve(load_case(folder), probes=False)
    assert years.objective == plain.objective
    assert set(years.commodities["year"]) == {2025}
    for table in ("commodities", "mix", "capacity_values", "cost_ranges", "limit_ranges"):
        one = getattr(years, table).drop(columns="year")
        assert one.equals(getattr(plain, table)), table
    assert years.stages.drop(columns="year").equals(plain.stages)


def test_no_horizon_run_folder_is_byte_identical_to_before_horizons():
    """tests/cases/no-horizon solved by the code before horizons existed (main at 0b2c792):
    the sha256 of every file of its run folder (summary.json without timings, package
    versions and the words on how the LP reached HiGHS, which changed when the LP began to
    be assembled directly; its hash recomputed so at eac849d, the last commit before, which
    gave the same hash as the direct LP does) is in no-horizon-run.sha256.json. The current
    code must write the same bytes."""
    expected = json.loads((ROOT / "tests/cases/no-horizon-run.sha256.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        out = solve(load_case(ROOT / "tests/cases/no-horizon")).write(tmp)
        got = {}
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.name == "summary.json":
                s = json.loads(data)
                for key in ("timings_seconds", "versions"):
                    s.pop(key)
                s["solver"].pop("version")
                assert s["solver"].pop("interface").endswith("-> highspy (kept instance)")
                data = json.dumps(s, indent=2, sort_keys=True).encode()
            got[str(path.relative_to(out))] = hashlib.sha256(data).hexdigest()
    assert got == expected


# --- run folders, selectors ----------------------------------------------------------------------
def small(folder: Path) -> Path:
    return horizon_case(
        folder,
        commodities=[("k", 100, 0.1), ("m", 10, None)],
        supply=[
            ("k", "CHN", 1000, 1),
            ("k", "AUS", 1000, 2),
            ("k", "JPN", 1000, 1.5, "planned", 2027),
            ("m", "USA", 100, 5),
        ],
        recipes=[("m", "k", 2)],
        horizon={
            "start": 2026,
            "end": 2028,
            "discount_rate": 0.05,
            "max_china_share_by_year": {"2027": 0.6},
        },
    )


def test_a_run_folder_keeps_the_case_as_read_and_reproduces_the_run(tmp_path: Path):
    r = solve(load_case(small(tmp_path / "c")))
    out = r.write(tmp_path / "out")
    written = (out / "inputs/case.toml").read_text()
    assert "[horizon]" in written and "[horizon.max_china_share_by_year]" in written
    # the commodities as given (not the commodity-years), years as whole numbers
    assert (out / "inputs/supply.csv").read_text().splitlines()[3].endswith(",planned,2027")
    again = solve(load_case(out / "inputs")).write(tmp_path / "again")
    for table in ("mix.csv", "commodities.csv", "stages.csv", "capacity_values.csv"):
        assert (out / table).read_bytes() == (again / table).read_bytes(), table
    summary = json.loads((out / "summary.json").read_text())
    assert summary["horizon"] == {
        "start": 2026,
        "end": 2028,
        "base_year": 2026,
        "discount_rate": 0.05,
    }


def test_selectors_name_a_commodity_in_every_year_or_one_year(tmp_path: Path):
    case = load_case(small(tmp_path / "c"))
    # demand of k: 100, 110, 121; doubled in 2027 only, then all of k's years halved
    point = apply_values(case, [(parse_parameter("demand[commodity=k,year=2027]"), 2.0)])
    demand = dict(zip(point.commodities["commodity"], point.commodities["demand"], strict=True))
    assert demand["k.2026"] == 100 and demand["k.2027"] == pytest.approx(220)
    point = apply_values(case, [(parse_parameter("demand[commodity=k]"), 0.5)])
    demand = dict(zip(point.commodities["commodity"], point.commodities["demand"], strict=True))
    assert [demand[f"k.{y}"] for y in (2026, 2027, 2028)] == pytest.approx([50, 55, 60.5])
    assert [demand[f"m.{y}"] for y in (2026, 2027, 2028)] == [10, 10, 10]
    # a scenario change names the commodity as given: every year of it
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'base = "c"\n[[changes]]\ntable = "supply"\ncolumn = "capacity"\n'
        'commodity = "k"\ncountry = "CHN"\nset = 30\n'
    )
    s = load_case(scenario)
    chn = s.supply[s.supply["country"] == "CHN"]
    assert chn["capacity"].tolist() == [30, 30, 30]


# --- bad input -----------------------------------------------------------------------------------
BAD = [
    ({"horizon": {"start": 2030, "end": 2026}}, "case.toml", "horizon", "end 2026 is before start"),
    ({"horizon": {"start": 2000, "end": 2060}}, "case.toml", "horizon", "spans 61 years"),
    (
        {"horizon": {"start": 2026, "end": 2027, "discount_rate": -0.1}},
        "case.toml",
        "horizon.discount_rate",
        "greater than or equal to 0",
    ),
    (
        {"horizon": {"start": 2026, "end": 2027, "max_china_share_by_year": {"2030": 0.5}}},
        "case.toml",
        "horizon",
        "year 2030 is outside the horizon",
    ),
    (
        {"tables": {"demand_by_year.csv": (["commodity", "year", "demand"], [("zz", 2026, 1)])}},
        "demand_by_year.csv",
        "row 1 (line 2), column 'commodity'",
        "unknown commodity 'zz'",
    ),
    (
        {
            "tables": {
                "demand_by_year.csv": (
                    ["commodity", "year", "demand"],
                    [("k", 2026, 1), ("k", 2031, 1)],
                )
            }
        },
        "demand_by_year.csv",
        "row 2 (line 3), column 'year'",
        "year 2031 is outside the horizon 2026-2027",
    ),
    (
        {
            "tables": {
                "capacity_by_year.csv": (
                    ["commodity", "country", "year", "capacity"],
                    [("k", "USA", 2026, 1)],
                )
            }
        },
        "capacity_by_year.csv",
        "row 1 (line 2), column 'country'",
        "no supply row (k, USA)",
    ),
    (
        {
            "tables": {
                "capacity_by_year.csv": (
                    ["commodity", "country", "year", "capacity"],
                    [("k", "JPN", 2026, 1)],
                )
            }
        },
        "capacity_by_year.csv",
        "row 1 (line 2), column 'year'",
        "before the row's available_from 2027",
    ),
    (
        {"available_from": 2026.5},
        "supply.csv",
        "row 2 (line 3), column 'available_from'",
        "2026.5 is not a year",
    ),
    (
        {"horizon": None, "growth": 0.1},
        "commodities.csv",
        "row 1 (line 2), column 'demand_growth'",
        "demand_growth needs a [horizon]",
    ),
    (
        {
            "horizon": None,
            "tables": {"demand_by_year.csv": (["commodity", "year", "demand"], [("k", 2026, 1)])},
        },
        "demand_by_year.csv",
        "",
        "demand_by_year.csv needs a [horizon]",
    ),
    (
        {"rules": [{"country": "CHN", "max_share": 0.5, "from_year": 2030}]},
        "case.toml",
        "policy.rules[#1].from_year",
        "covers no year of the horizon",
    ),
]


@pytest.mark.parametrize(("kw", "file", "where", "message"), BAD)
def test_bad_horizon_input_names_file_row_and_column(tmp_path: Path, kw, file, where, message):
    folder = horizon_case(
        tmp_path / "c",
        commodities=[("k", 100, kw.get("growth"))],
        supply=[
            ("k", "AUS", 1000, 2),
            ("k", "JPN", 1000, 1, "planned", kw.get("available_from", 2027)),
        ],
        horizon=kw.get("horizon", {"start": 2026, "end": 2027}),
        tables=kw.get("tables"),
        policy={"rules": kw["rules"]} if "rules" in kw else None,
    )
    with pytest.raises(InputError) as err:
        load_case(folder)
    text = str(err.value)
    assert text.startswith(str(folder / file)), text
    assert where in text and message in text, text


def test_bad_horizon_exits_2_from_the_command_line(tmp_path: Path):
    folder = horizon_case(
        tmp_path / "c",
        commodities=[("k", 100, None)],
        supply=[("k", "AUS", 1000, 2)],
        horizon={"start": 2026, "end": 2026 + 60},
    )
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "solve", str(folder), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "case.toml" in proc.stderr and "spans 61 years" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
    # a good one: validate counts the tables as read and names the years
    proc = subprocess.run(
        [sys.executable, "-m", "model.cli", "validate", str(small(tmp_path / "good"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 commodities" in proc.stdout and "3 years (2026-2028)" in proc.stdout


# --- random horizons against the reference and a year-by-year sum --------------------------------
@st.composite
def horizons(draw):
    """A random small case (tests.test_properties.cases) spread over 1-3 years."""
    spec = draw(cases())
    start = 2026
    years = list(range(start, start + draw(st.integers(1, 3))))
    horizon = {
        "start": start,
        "end": years[-1],
        "discount_rate": draw(st.sampled_from([0.0, 0.05, 0.3])),
        "base_year": draw(st.sampled_from([start, start - 1, years[-1]])),
    }
    if draw(st.booleans()):
        steps = draw(st.lists(st.sampled_from(years), max_size=2, unique=True))
        horizon["max_china_share_by_year"] = {
            str(y): draw(st.sampled_from([0.0, 0.3, 0.8])) for y in steps
        }
    growth = {c[0]: draw(st.sampled_from([None, 0.0, 0.25, -0.2])) for c in spec["commodities"]}
    online = [
        draw(st.sampled_from([None, None, start, start + 1, start + 2]))
        if len(row) < 5 or row[4] == 0  # a row bought today is online already
        else None
        for row in spec["supply"]
    ]
    rules = [
        {**r, "from_year": draw(st.sampled_from(years))} if draw(st.booleans()) else r
        for r in spec["policy"]["rules"]
    ]
    return spec, horizon, growth, online, rules


def write_years(folder: Path, spec, horizon, growth, online, rules, year: int | None) -> Path:
    """The random case with its [horizon] (year None), or year's own one-year case, worked
    out here from the README's rules (not by the expansion)."""
    tiers = "supply_columns" in spec
    base = horizon["base_year"]
    com_rows = []
    for k, demand, stage in spec["commodities"]:
        if year is None:
            com_rows.append((k, k, "t", demand, growth[k], stage, ""))
        else:
            g = growth[k] or 0.0
            com_rows.append((k, k, "t", demand * (1 + g) ** (year - base), "", stage, ""))
    folder.mkdir(parents=True)
    write_csv(folder / "countries.csv", ["country", "name", "groups"], COUNTRIES)
    write_csv(
        folder / "commodities.csv",
        ["commodity", "name", "unit", "demand", "demand_growth", "stage", "switching_premium"],
        [(*r[:6], spec.get("premiums", {}).get(r[0]) if tiers else None) for r in com_rows],
    )
    sup = []
    for row, first in zip(spec["supply"], online, strict=True):
        k, n, cap, cost, today, status = (*row, 0, "")[:6] if not tiers else row
        if year is None:
            sup.append((k, n, cap, cost, today, status, first))
        elif first is not None and year < first:
            sup.append((k, n, 0, cost, 0, status, None))
        else:  # online from its year on: operating whatever its status
            sup.append((k, n, cap, cost, today, "operating" if first is not None else status, None))
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", "today", "status", "available_from"],
        sup,
    )
    if spec["recipes"]:
        write_csv(folder / "recipes.csv", ["product", "input", "quantity"], spec["recipes"])
    policy = {k: v for k, v in spec["policy"].items() if k != "rules"}
    if year is not None:
        steps = {int(y): v for y, v in horizon.get("max_china_share_by_year", {}).items()}
        if [y for y in steps if y <= year]:
            policy["max_china_share"] = steps[max(y for y in steps if y <= year)]
    doc = {"name": "r", "policy": policy}
    if year is None:
        doc["horizon"] = horizon
    text = tomli_w.dumps(doc)
    for rule in rules:
        if year is None:
            text += "\n[[policy.rules]]\n" + tomli_w.dumps(rule)
        elif rule.get("from_year", year) <= year:
            plain = {k: v for k, v in rule.items() if k != "from_year"}
            text += "\n[[policy.rules]]\n" + tomli_w.dumps(plain)
    (folder / "case.toml").write_text(text, encoding="utf-8")
    return folder


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(horizons())
def test_random_horizons_match_the_reference_and_the_years_solved_apart(drawn):
    """The expanded case's optimum is the scipy reference's (which discounts and reads the
    glide path and rule years on its own), and, the years being uncoupled, the sum over
    years of each year's own one-year case, discounted."""
    spec, horizon, growth, online, rules = drawn
    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(write_years(Path(tmp) / "h", spec, horizon, growth, online, rules, None))
        r = solve(case, compare=False, probes=False, ranging=False)
        assert r.objective == pytest.approx(reference_objective(case), rel=1e-7, abs=1e-4)
        apart = 0.0
        for year in range(horizon["start"], horizon["end"] + 1):
            one = load_case(
                write_years(Path(tmp) / str(year), spec, horizon, growth, online, rules, year)
            )
            factor = (1 + horizon["discount_rate"]) ** -(year - horizon["base_year"])
            apart += factor * reference_objective(one)
        assert r.objective == pytest.approx(apart, rel=1e-7, abs=1e-4)
        # the tables report undiscounted money: the supply cost is the mix's
        assert r.mix["cost"].sum() == pytest.approx(r.total_cost, rel=1e-7, abs=1e-4)


def test_a_restricted_supplier_is_warned_about_once_not_per_year(tmp_path: Path):
    from model.case.restrictions import unguarded

    folder = small(tmp_path / "c")
    write_csv(
        folder / "restrictions.csv", ["commodity", "country", "restriction"], [("k", "CHN", "ban")]
    )
    open_rows = unguarded(load_case(folder))
    assert [(u.commodity, u.country, u.capacity) for u in open_rows] == [("k", "CHN", 1000.0)]


def test_a_year_selector_needs_a_horizon(tmp_path: Path):
    plain = horizon_case(
        tmp_path / "plain", commodities=[("k", 1, None)], supply=[("k", "AUS", 1, 1)], horizon=None
    )
    with pytest.raises(InputError, match="year selects rows of a case with a \\[horizon\\] only"):
        apply_values(load_case(plain), [(parse_parameter("demand[year=2027]"), 2.0)])
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'base = "plain"\n[[changes]]\ntable = "commodities"\ncolumn = "demand"\n'
        "year = 2027\nscale = 2\n"
    )
    with pytest.raises(InputError, match="with a \\[horizon\\] only") as err:
        load_case(scenario)
    assert err.value.column == "changes[#1].year"


def test_sweep_points_of_a_discounted_horizon_equal_cold_solves(tmp_path: Path):
    """A sweep pushes changed costs and demands into the kept HiGHS instance, where
    costs are present values: each point must equal a cold solve of the same inputs."""
    case = load_case(small(tmp_path / "c"))
    r = solve(case, compare=False, probes=False, ranging=False)
    assert r.objective < r.total  # discounted: later years count less
    s = sweep(case, {"unit_cost[country=JPN]": "1,1.2", "demand[commodity=k,year=2028]": "1,3"})
    for i, point in enumerate(s.points_spec):
        cold = solve(apply_values(case, point), compare=False, probes=False, ranging=False)
        warm = s.points.set_index("point").loc[i, "objective"]
        assert warm == pytest.approx(cold.objective, **APPROX)
