"""Scenarios and sweeps over the years of a horizon (README "Horizon (years)",
"Sensitivity runs"), hand-solved: scenario changes in some years, stock and build
options in scenarios and sweeps, sweeps of the glide path.

Every expected value is worked by hand in the comment above it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model import InputError, load_case, solve
from model.case.params import apply_values, parse_parameter
from model.sweep import sweep
from tests.test_buildout import outage_case
from tests.test_cli import sourcing
from tests.test_horizon import bought, by_year, horizon_case
from tests.test_stockpile import case as stock_case

APPROX = dict(rel=1e-9, abs=1e-9)
YEARS = {"start": 2026, "end": 2028}


def two_suppliers(folder: Path, **extra) -> Path:
    """2026-2028, demand 10 t a year of k; CHN sells 10 t at $1, AUS 10 t at $2."""
    return horizon_case(
        folder,
        commodities=[("k", 10, None)],
        supply=[("k", "CHN", 10, 1), ("k", "AUS", 10, 2)],
        horizon=YEARS,
        **extra,
    )


def scenario(path: Path, changes: str, base: str = "c") -> Path:
    path.write_text(f'base = "{base}"\n{changes}', encoding="utf-8")
    return path


def change(**keys) -> str:
    return "[[changes]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())


def quick(case):
    return solve(case, compare=False, probes=False, ranging=False)


# --- scenario changes in some years -------------------------------------------------------------
def test_a_supplier_zeroed_in_one_year_changes_that_year_only(tmp_path: Path):
    # base: CHN's 10 t at $1 every year. CHN capacity 0 in 2027: that year AUS's 10 t at
    # $2; 2026 and 2028 keep CHN. Supply cost 10 + 20 + 10 = 40.
    two_suppliers(tmp_path / "c")
    s = scenario(
        tmp_path / "s.toml",
        change(table="supply", column="capacity", country="CHN", year=2027, set=0),
    )
    r = quick(load_case(s))
    assert bought(r) == {(2026, "CHN"): 10, (2027, "AUS"): 10, (2028, "CHN"): 10}
    assert r.supply_cost == pytest.approx(40, **APPROX)
    # the run folder keeps the change as a capacity_by_year row, and solving it reproduces
    out = r.write(tmp_path / "out")
    assert (out / "inputs/capacity_by_year.csv").read_text().splitlines() == [
        "commodity,country,year,capacity",
        "k,CHN,2027,0.0",
    ]
    again = quick(load_case(out / "inputs"))
    assert bought(again) == bought(r)


def test_from_year_holds_to_the_end_and_to_year_from_the_start(tmp_path: Path):
    # CHN at 0 from 2027: AUS in 2027 and 2028, 10 + 20 + 20 = 50
    two_suppliers(tmp_path / "c")
    s = scenario(
        tmp_path / "s.toml",
        change(table="supply", column="capacity", country="CHN", from_year=2027, scale=0),
    )
    r = quick(load_case(s))
    assert bought(r) == {(2026, "CHN"): 10, (2027, "AUS"): 10, (2028, "AUS"): 10}
    assert r.supply_cost == pytest.approx(50, **APPROX)
    # CHN halved up to 2027 (5 t, AUS the other 5 t: 5 + 10 = 15 a year), 2028 whole: 10
    s = scenario(
        tmp_path / "t.toml",
        change(table="supply", column="capacity", country="CHN", to_year=2027, scale=0.5),
    )
    r = quick(load_case(s))
    assert bought(r) == {
        (2026, "CHN"): 5,
        (2026, "AUS"): 5,
        (2027, "CHN"): 5,
        (2027, "AUS"): 5,
        (2028, "CHN"): 10,
    }
    assert r.supply_cost == pytest.approx(40, **APPROX)


def test_demand_in_one_year_scales_that_years_grown_demand(tmp_path: Path):
    # demand 100 growing 10% from 2026: 100, 110, 121; +20% in 2027 only: 132
    horizon_case(
        tmp_path / "c",
        commodities=[("k", 100, 0.1)],
        supply=[("k", "AUS", 1000, 2)],
        horizon=YEARS,
    )
    s = scenario(
        tmp_path / "s.toml", change(table="commodities", column="demand", year=[2027], scale=1.2)
    )
    r = quick(load_case(s))
    assert by_year(r.commodities, "demand") == pytest.approx(
        {("k", 2026): 100, ("k", 2027): 132, ("k", 2028): 121}
    )


def test_a_change_without_years_reaches_the_by_year_rows_too(tmp_path: Path):
    # capacity_by_year gives CHN 4 t in 2028. CHN halved in every year: 5, 5 and 2 t
    # (the by-year row halved too). 2026 and 2027: CHN 5 at $1 + AUS 5 at $2 = 15;
    # 2028: CHN 2 + AUS 8 x 2 = 18. Supply cost 48.
    two_suppliers(
        tmp_path / "c",
        tables={
            "capacity_by_year.csv": (
                ["commodity", "country", "year", "capacity"],
                [("k", "CHN", 2028, 4)],
            )
        },
    )
    s = scenario(
        tmp_path / "s.toml",
        change(table="supply", column="capacity", country="CHN", scale=0.5),
    )
    r = quick(load_case(s))
    assert bought(r) == {
        (2026, "CHN"): 5,
        (2026, "AUS"): 5,
        (2027, "CHN"): 5,
        (2027, "AUS"): 5,
        (2028, "CHN"): 2,
        (2028, "AUS"): 8,
    }
    assert r.supply_cost == pytest.approx(48, **APPROX)


def test_a_planned_row_is_changed_only_from_its_start(tmp_path: Path):
    # AUS online from 2027 (no capacity in 2026); "AUS 4 t from 2026 on" writes 2027 and
    # 2028 only. 2026: CHN 10 at $3 = 30; 2027 and 2028: AUS 4 at $2 + CHN 6 at $3 = 26.
    horizon_case(
        tmp_path / "c",
        commodities=[("k", 10, None)],
        supply=[("k", "CHN", 10, 3), ("k", "AUS", 10, 2, "planned", 2027)],
        horizon=YEARS,
    )
    s = scenario(
        tmp_path / "s.toml",
        change(table="supply", column="capacity", country="AUS", from_year=2026, set=4),
    )
    loaded = load_case(s)
    rows = loaded.horizon.source.year_tables["capacity_by_year"]
    assert rows[["country", "year", "capacity"]].values.tolist() == [
        ["AUS", 2027, 4],
        ["AUS", 2028, 4],
    ]
    r = quick(loaded)
    assert bought(r) == {
        (2026, "CHN"): 10,
        (2027, "AUS"): 4,
        (2027, "CHN"): 6,
        (2028, "AUS"): 4,
        (2028, "CHN"): 6,
    }
    assert r.supply_cost == pytest.approx(30 + 26 + 26, **APPROX)


# --- stock and build options in scenarios and sweeps ----------------------------------------------
def test_a_sweep_of_the_initial_stock_bridges_an_outage(tmp_path: Path):
    # k: demand 10 a year, AUS 20 t at $2 in 2026 and none in 2027; nothing can be
    # bought into the stock (max_buy 0). Initial 0, 5, 10: 2027 is short 10, 5, 0 (the
    # stock is released in 2027: the least unmet need first). Objective: 2026 10 t x $2 =
    # 20, plus the shortfall at the default penalty 10 x $2 = $20/t: 220, 120, 20.
    loaded = load_case(stock_case(tmp_path / "c", [("k", 0, 0, "", "", "")]))
    s = sweep(loaded, {"stockpile[commodity=k].initial": [0, 5, 10]})
    short = s.table.set_index(["point", "commodity"])["shortfall"]
    assert [short.loc[(i, "k.2027")] for i in range(3)] == pytest.approx([10, 5, 0], **APPROX)
    assert [short.loc[(i, "k.2026")] for i in range(3)] == [0, 0, 0]
    objectives = s.points.set_index("point")["objective"]
    assert objectives.tolist() == pytest.approx([220, 120, 20], **APPROX)
    for i, point in enumerate(s.points_spec):  # warm points equal cold solves
        assert objectives.loc[i] == pytest.approx(
            quick(apply_values(loaded, point)).objective, **APPROX
        )


def test_sweeps_of_stock_limits_floor_and_holding_cost(tmp_path: Path):
    # stock buyable (max_buy 10), holding $0.5/t: 2026 buys 20 t ($40), 10 into the stock
    # ($5 held), released in 2027: objective 45. max_release 4: 6 t short in 2027 at $20:
    # 2026 buys 14 ($28), holds 4 ($2), 120: 150. Holding cost $30/t (above the penalty):
    # still stored under the proportional policy, 40 + 300 = 340. Initial 5, floor 5: 5 t
    # must stay, so 2026 buys 10 into the stock (20 t at $2 = 40, level 15: $7.5 held) and
    # 2027 releases 10 (level 5: $2.5 held): 50.
    loaded = load_case(stock_case(tmp_path / "c", [("k", 0, 10, "", 0.5, "")]))
    objective = {}
    for text, values in (
        ("stockpile[commodity=k].max_release", [4]),
        ("stockpile[commodity=k].holding_cost", [30]),
        ("stockpile.initial", [5]),
    ):
        s = sweep(loaded, {text: values})
        objective[text] = s.points["objective"].iloc[0]
    assert objective == pytest.approx(
        {
            "stockpile[commodity=k].max_release": 150,
            "stockpile[commodity=k].holding_cost": 340,
            # initial 5 (floor 0): buy 5 in 2026 ($30 in all), hold 10 ($5), release 10
            "stockpile.initial": 35,
        },
        **APPROX,
    )
    # the floor is checked against the point's initial once both are in, in any order
    s = sweep(loaded, {"stockpile.floor": [5], "stockpile.initial": [5]})
    assert s.points["objective"].iloc[0] == pytest.approx(50, **APPROX)


def test_a_scenario_sets_the_stock_and_the_build_limit(tmp_path: Path):
    # the stock case without a way to buy into the stock: initial 10 covers 2027: 20
    stock_case(tmp_path / "c", [("k", 0, 0, "", "", "")])
    s = scenario(
        tmp_path / "s.toml",
        change(table="stockpile", column="initial", commodity="k", set=10),
    )
    r = quick(load_case(s))
    assert r.objective == pytest.approx(20, **APPROX)
    assert by_year(r.commodities, "shortfall") == {("k", 2026): 0, ("k", 2027): 0}
    out = r.write(tmp_path / "out")
    assert (out / "inputs/stockpile.csv").read_text().splitlines()[1].startswith("k,10")
    # build-out: at most 10 a year builds 10 in 2026, objective 60 (tests/test_buildout.py);
    # the scenario's 4 a year leaves 2 short in 2027: 166
    outage_case(tmp_path / "b", 10)
    s = scenario(
        tmp_path / "b.toml",
        change(table="buildout", column="max_per_year", commodity="k", country="USA", set=4),
        base="b",
    )
    assert quick(load_case(s)).objective == pytest.approx(166, **APPROX)


def test_a_sweep_of_the_build_limit_and_max_total(tmp_path: Path):
    # max_per_year 4 and 10: 166 and 60 (tests/test_buildout.py). max_total 10, then 6:
    # at 10 the same 60; at 6, 6 are built in 2026: annual 6 x $1 x 2 years = 12, supply
    # 6 x $2 in each year = 24, AUS 4 x $5 = 20 in 2026, 2027 short 4 x $50 = 200: 256
    loaded = load_case(outage_case(tmp_path / "c", 4))
    s = sweep(loaded, {"buildout[commodity=k,country=USA].max_per_year": "4,10"})
    assert s.points["objective"].tolist() == pytest.approx([166, 60], **APPROX)
    short = s.table.set_index(["point", "commodity"])["shortfall"]
    assert [short.loc[(0, "k.2027")], short.loc[(1, "k.2027")]] == pytest.approx([2, 0])
    capped = load_case(
        outage_case(
            tmp_path / "t",
            10,
            **{
                "buildout.csv": (
                    [
                        "commodity",
                        "country",
                        "annual_cost",
                        "unit_cost",
                        "max_per_year",
                        "max_total",
                    ],
                    [("k", "USA", 1, 2, 10, 20)],
                )
            },
        )
    )
    s = sweep(capped, {"buildout.max_total": "10,6"})
    assert s.points["objective"].tolist() == pytest.approx([60, 256], **APPROX)
    # annual cost $1 -> $4: building 10 in 2026 costs 10 x 4 x 2 + 40 = 120; building in
    # 2027 only: AUS 50 + 40 + 20 = 110
    s = sweep(capped, {"buildout[commodity=k].annual_cost": [4]})
    assert s.points["objective"].iloc[0] == pytest.approx(110, **APPROX)
    for i, point in enumerate(s.points_spec):
        assert s.points["objective"].iloc[i] == pytest.approx(
            quick(apply_values(capped, point)).objective, **APPROX
        )


# --- sweeps of the glide path ------------------------------------------------------------------
def china_share(s) -> dict[tuple[int, str], float]:
    t = s.table
    return {(p, k): v for p, k, v in t[["point", "commodity", "china_share"]].itertuples(False)}


def test_a_sweep_of_a_glide_path_value_moves_its_years_only(tmp_path: Path):
    # glide path 2027: 80%, 2028: 60% (2026 keeps the default 100%). CHN is cheaper, so
    # China's share is each year's cap. Sweeping the 2027 value over 50% and 30%: 2026
    # 100%, 2027 the value, 2028 still 60% (the next given year).
    horizon = {**YEARS, "max_china_share_by_year": {"2027": 0.8, "2028": 0.6}}
    folder = horizon_case(
        tmp_path / "g",
        commodities=[("k", 10, None)],
        supply=[("k", "CHN", 10, 1), ("k", "AUS", 10, 2)],
        horizon=horizon,
    )
    loaded = load_case(folder)
    s = sweep(loaded, {"max_china_share_by_year[2027]": "0.5,0.3"})
    assert china_share(s) == pytest.approx(
        {
            (0, "k.2026"): 1.0,
            (0, "k.2027"): 0.5,
            (0, "k.2028"): 0.6,
            (1, "k.2026"): 1.0,
            (1, "k.2027"): 0.3,
            (1, "k.2028"): 0.6,
        }
    )
    # a year not in the path adds a step: 70% from 2026 until 2027's 80%
    s = sweep(loaded, {"max_china_share_by_year[2026]": [0.7]})
    assert [china_share(s)[0, f"k.{y}"] for y in (2026, 2027, 2028)] == pytest.approx(
        [0.7, 0.8, 0.6]
    )
    # the commodities' own caps in one year instead: 2027 only, 2028 keeps the path
    s = sweep(loaded, {"max_china_share[year=2027]": [0.5]})
    assert [china_share(s)[0, f"k.{y}"] for y in (2026, 2027, 2028)] == pytest.approx(
        [1.0, 0.5, 0.6]
    )
    # each point equals a cold solve; 2027 at 30%: 2026 CHN 10 at $1 = 10, 2027 CHN 3 +
    # AUS 7 x 2 = 17, 2028 (60%) CHN 6 + AUS 4 x 2 = 14: supply cost 41
    cold = quick(apply_values(loaded, s.points_spec[0]))
    assert s.points["objective"].iloc[0] == pytest.approx(cold.objective, **APPROX)
    point = [(parse_parameter("max_china_share_by_year[2027]"), 0.3)]
    assert quick(apply_values(loaded, point)).supply_cost == pytest.approx(41, **APPROX)


def test_a_scenario_replaces_the_glide_path(tmp_path: Path):
    # the base's path (2027: 80%) is replaced whole by 2027: 50%, 2028: 30%. CHN is
    # cheaper, so China's share is each year's cap: 2026 CHN 10 x $1 = 10; 2027 CHN 5 +
    # AUS 5 x $2 = 15; 2028 CHN 3 + AUS 7 x $2 = 17: supply cost 42.
    two_suppliers(tmp_path / "c")
    base = tmp_path / "c" / "case.toml"
    base.write_text(
        base.read_text() + "\n[horizon.max_china_share_by_year]\n2027 = 0.8\n", encoding="utf-8"
    )
    path = scenario(
        tmp_path / "s.toml", "[horizon.max_china_share_by_year]\n2027 = 0.5\n2028 = 0.3\n"
    )
    r = quick(load_case(path))
    share = by_year(r.commodities, "china_share")
    assert [share["k", y] for y in (2026, 2027, 2028)] == pytest.approx([1.0, 0.5, 0.3])
    assert r.supply_cost == pytest.approx(42, **APPROX)
    # the run folder keeps the scenario's path, so its inputs solve the same
    out = r.write(tmp_path / "o")
    assert "2028 = 0.3" in (out / "inputs" / "case.toml").read_text()
    assert quick(load_case(out / "inputs")).supply_cost == pytest.approx(42, **APPROX)


def test_a_glide_path_in_a_scenario_is_checked(tmp_path: Path):
    plain = horizon_case(
        tmp_path / "p", commodities=[("k", 1, None)], supply=[("k", "AUS", 1, 1)], horizon=None
    )
    path = scenario(tmp_path / "a.toml", "[horizon.max_china_share_by_year]\n2027 = 0.5\n", "p")
    with pytest.raises(InputError, match="a glide path needs a base case with a") as err:
        load_case(path)
    assert err.value.column == "horizon.max_china_share_by_year"
    assert plain.exists()
    two_suppliers(tmp_path / "c")
    path = scenario(tmp_path / "b.toml", "[horizon.max_china_share_by_year]\n2030 = 0.5\n")
    with pytest.raises(InputError, match="year 2030 is outside the horizon 2026-2028"):
        load_case(path)
    path = scenario(tmp_path / "d.toml", "[horizon]\nstart = 2020\n")
    with pytest.raises(InputError, match="start"):
        load_case(path)


# --- bad input -----------------------------------------------------------------------------------
def bad_scenario(tmp_path: Path, base: Path, changes: str) -> InputError:
    s = scenario(tmp_path / "bad.toml", changes, base=base.name)
    with pytest.raises(InputError) as err:
        load_case(s)
    assert err.value.file == str(s)
    return err.value


def test_bad_year_selectors_name_the_file_and_key(tmp_path: Path):
    plain = horizon_case(
        tmp_path / "plain", commodities=[("k", 1, None)], supply=[("k", "AUS", 1, 1)], horizon=None
    )
    e = bad_scenario(
        tmp_path, plain, change(table="supply", column="capacity", from_year=2027, scale=0)
    )
    assert e.column == "changes[#1].from_year" and "with a [horizon] only" in e.message
    years = two_suppliers(tmp_path / "c")
    e = bad_scenario(tmp_path, years, change(table="supply", column="capacity", year=2031, scale=0))
    assert e.column == "changes[#1].year" and "year 2031 is outside the horizon 2026-2028" in str(e)
    e = bad_scenario(
        tmp_path, years, change(table="supply", column="capacity", from_year=2030, scale=0)
    )
    assert e.column == "changes[#1].from_year" and "covers no year" in e.message
    e = bad_scenario(
        tmp_path, years, change(table="supply", column="unit_cost", year=2027, scale=2)
    )
    assert e.column == "changes[#1].year" and "unit_cost has no table by year" in e.message
    e = bad_scenario(
        tmp_path,
        years,
        change(table="supply", column="capacity", year=2027, from_year=2027, scale=2),
    )
    assert e.column == "changes[#1]" and "not both" in e.message
    e = bad_scenario(tmp_path, years, change(table="supply", column="capacity", year=2027, add=-11))
    assert e.column == "changes[#1]" and "capacity = -1 (k, CHN in 2027)" in e.message


def test_bad_stock_and_build_changes_name_the_file_and_key(tmp_path: Path):
    stocked = stock_case(tmp_path / "c", [("k", 0, 0, "", "", "")])
    e = bad_scenario(tmp_path, stocked, change(table="stockpile", column="size", set=1))
    assert e.column == "changes[#1]" and "column 'size' cannot be changed" in e.message
    e = bad_scenario(tmp_path, stocked, change(table="stockpile", column="floor", set=3))
    assert "floor 3 above the initial holding 0 (row 1 of stockpile.csv)" in e.message
    e = bad_scenario(tmp_path, stocked, change(table="stockpile", column="max_release", scale=2))
    assert "cannot scale or add to a blank max_release; use set" in e.message
    e = bad_scenario(
        tmp_path, stocked, change(table="stockpile", column="initial", year=2027, set=2)
    )
    assert e.column == "changes[#1]" and "hold in every year" in e.message
    e = bad_scenario(tmp_path, stocked, change(table="buildout", column="max_total", set=2))
    assert e.column == "changes[#1].table" and "the case has no buildout.csv" in e.message
    e = bad_scenario(
        tmp_path, stocked, change(table="stockpile", column="initial", commodity="x", set=2)
    )
    assert e.column == "changes[#1].commodity" and "unknown commodity 'x'" in e.message
    loaded = load_case(stocked)
    for text, message in (
        ("stockpile[commodity=k].size", "a stockpile parameter is stockpile[<selectors>]"),
        ("stockpile[country=AUS].initial", "it cannot select by country"),
        ("stockpile[year=2027].initial", "hold in every year"),
        ("max_china_share_by_year[20x]", "a glide-path parameter is"),
    ):
        with pytest.raises(InputError, match=message.replace("[", "\\[")) as err:
            parse_parameter(text, "sweep.toml")
        assert (err.value.file, err.value.column) == ("sweep.toml", text)
    for text, message in (
        ("stockpile.initial", "initial -1 is negative"),
        ("buildout.max_per_year", "the case has no buildout.csv"),
        ("max_china_share_by_year[2031]", "year 2031 is outside the horizon 2026-2027"),
    ):
        with pytest.raises(InputError, match=message) as err:
            sweep(loaded, {text: [-1 if "initial" in text else 0.5]})
        assert err.value.column == text
    # a blank max_total has no limit row in the kept model: it cannot be swept
    with pytest.raises(InputError, match="max_total of \\(k, USA\\) is blank") as err:
        sweep(load_case(outage_case(tmp_path / "b", 4)), {"buildout.max_total": [5]})
    plain = horizon_case(
        tmp_path / "plain", commodities=[("k", 1, None)], supply=[("k", "AUS", 1, 1)], horizon=None
    )
    with pytest.raises(InputError, match="needs a case with a \\[horizon\\]"):
        sweep(load_case(plain), {"max_china_share_by_year[2027]": [0.5]})


def test_the_command_line_exits_2_on_a_year_outside_the_horizon(tmp_path: Path):
    two_suppliers(tmp_path / "c")
    s = scenario(
        tmp_path / "s.toml",
        change(table="supply", column="capacity", country="CHN", year=2035, set=0),
    )
    run = sourcing("solve", str(s), "--out", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert "s.toml" in run.stderr and "changes[#1].year" in run.stderr
    assert "year 2035 is outside the horizon 2026-2028" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
