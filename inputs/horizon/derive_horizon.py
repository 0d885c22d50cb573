"""Derive the multi-year case ("horizon", 2025-2035) from the base case and the research.

Run from anywhere:  python inputs/horizon/derive_horizon.py

Why a derived copy: a case folder reads its tables from itself (links out of the folder
are refused, since run folders copy them), and a scenario cannot add a [horizon] or by-year
tables. So this folder holds the base case's tables with what the years add, written by
this script from the two places the data lives: ``inputs/base`` (today: countries,
commodities, supply, recipes, restrictions, unchanged) and ``inputs/research/issue13``
(growth rates, announced projects, stockpile facts, build costs; each row with its
source). ``tests/test_horizon_case.py`` checks that the folder is what this script
writes, so the copies cannot drift from ``inputs/base``. pandas only, no network,
deterministic.

Writes, next to this file: ``countries.csv``, ``recipes.csv``, ``restrictions.csv``
(copies), ``commodities.csv`` (+ ``demand_growth``), ``supply.csv`` (+ ``available_from``,
+ one row per new (commodity, country) pair an announced project opens),
``capacity_by_year.csv`` (announced projects that add to an existing row, by year) and
``stockpile.csv``; and ``inputs/horizon-buildout/`` the same (and a copy of
``SOURCES.md``) plus ``buildout.csv``. ``case.toml`` (of each folder) and ``SOURCES.md``
are written by hand.

Every choice is a named constant below with its reason; SOURCES.md gives the sources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "base"
RESEARCH = HERE.parent / "research" / "issue13"
BUILDOUT_CASE = HERE.parent / "horizon-buildout"
YEARS = range(2025, 2036)
CHINA = "CHN"

# Demand growth: research demand_growth.csv, except the items it marks "not researched"
# (placeholders): neither their demand growth nor their capacity growth was researched,
# and demand growing against today's capacity would show a shortage that is only the
# missing capacity data. They are held flat (growth 0, ESTIMATE).
FLAT = {"polysilicon", "semiconductors", "semi_equipment", "hbm_memory"}

# A foreign project's output is sold to the world; the US buyer gets the same slice of it
# as of every foreign row of the base case (inputs/base/derive_base.py). ESTIMATE.
ACCESSIBLE_SHARE_FOREIGN = 0.30
ACCESSIBLE_SHARE_DOMESTIC = 1.0

# Announced projects used, by the `project` name in research projects.csv:
# project -> (factor from the announced unit to the case's unit, year it counts from or
# None for the announced year, accessible share or None for the default, why).
# Projects not listed are left out: already inside a base row (operating in 2024-25 and
# counted by USGS/IEA), no volume, no start year, in doubt, or outside the case's recipes.
PROJECTS: dict[str, tuple[float, int | None, float | None, str]] = {
    "Mountain Pass heavy RE (Dy/Tb) circuit": (1.0, None, None, "t Dy+Tb oxide = t REO"),
    "White Mesa Mill Phase 2 REE expansion": (
        1.0,
        None,
        None,
        "t NdPr oxide counted as t REO: a lower bound (La/Ce co-products not counted)",
    ),
    "Lynas Malaysia new HRE separation facility": (
        1.0,
        None,
        None,
        "t of heavy RE feed counted as t REO separated (ESTIMATE)",
    ),
    "Eneabba rare earths refinery": (1.0, None, None, "t TREO"),
    "La Rochelle magnet-RE line": (1.0, None, None, "target 4,500 t REO by 2030"),
    "Independence (Fort Worth, TX)": (1.0, None, None, "t magnets"),
    "10X magnet campus (Northlake, TX)": (1.0, None, None, "t magnets (9,000 t by difference)"),
    "Sumter (SC) plant": (1.0, None, None, "t magnets (2,000 t: Rare Earth Exchanges)"),
    "Stillwater (OK) magnet plant phase 1": (1.0, None, None, "t magnets"),
    "Narva magnet plant phase 1": (
        1.0,
        2026,
        None,
        "inaugurated Sep 2025, commercial ramp 2026: counted from 2026",
    ),
    "Narva magnet plant phase 2": (
        1.0,
        2028,
        None,
        "expansion begins 2027: counted from 2028 (ESTIMATE)",
    ),
    "Wagerup gallium plant": (1.0, None, None, "t Ga (base row AUS, planned)"),
    "Onsan gallium recovery": (1.0, None, None, "t Ga (base row KOR, planned)"),
    "Onsan germanium plant": (1.0, None, None, "t Ge (base row KOR, planned)"),
    "Thacker Pass Phase 1 (NV)": (1.0, None, None, "t Li (40,000 t LCE x 0.18786)"),
    "Thompson Falls (MT) smelter expansion": (
        1.0,
        None,
        None,
        "500 short t/month = 5,443 t/yr (unit ambiguous)",
    ),
    "Stibnite Gold Project (ID)": (1.0, None, None, "t Sb, life-of-mine average"),
    "Onsan antimony exports to US": (
        1.0,
        None,
        1.0,
        "a volume for US buyers: all of it accessible",
    ),
    "Sangdong phase 1": (1.0, None, None, "t W (2,300 t WO3 x 0.793)"),
    "Sangdong phase 2 + oxide plant": (1.0, None, None, "t W, year ESTIMATE 2027"),
    "Urenco USA (Eunice, NM) expansion": (
        1.0,
        2027,
        None,
        "cascades from May 2025, expansion complete early 2027: counted from 2027",
    ),
}
# Vulcan Elements (Benson NC, 10,000 t magnets): initial operations 2027, full capacity
# "in the next several years" (year not found). ESTIMATE: half from 2027, all from 2029.
VULCAN = "Benson (NC) magnet facility"
VULCAN_RAMP = {2027: 0.5, 2029: 1.0}
# Thacker Pass is a mine and a chemical plant: its lithium chemicals need no imported
# concentrate, so a USA lithium_mine row of the same Li content x the recipe's 1.1 is
# added with it (the recipe charges 1.1 t mine output per t refined).
THACKER = "Thacker Pass Phase 1 (NV)"
LITHIUM_RECIPE = 1.1

# Stockpile (National Defense Stockpile). Holdings are not public since 2023 (USGS MCS
# 2026), so every `initial` is 0: a conservative ESTIMATE. max_buy = FY2025 Annual
# Materials Plan potential acquisitions (USGS MCS 2026), in the case's units.
# Commodities without an AMP line get no stockpile row. holding_cost = 1% a year of
# the commodity's average delivered cost of today's purchases (storage, handling,
# insurance; research stockpile.csv, ESTIMATE), rounded to a whole unit of money.
STOCK_MAX_BUY = {
    "rare_earths_refining": 300,  # NdPr oxide 300 t
    "ndfeb_magnets": 450,  # NdFeB magnet block 450 t
    "antimony_mine": 700,  # antimony ingots 700 t
    "tungsten_mine": 2041,  # ores and concentrates + tungsten (t W content)
}
HOLDING_COST_SHARE = 0.01

# Build-out (horizon-buildout case only): research buildout.csv rows whose pair is in
# the case; unit_cost is the supply row's (an existing or a project row) or, for a new
# pair, NEW_PAIR_COST. Enrichment (capacity not found) and synthetic anode (outside the
# natural-flake recipe) are left out.
BUILD_LEFT_OUT = {("uranium_enrichment", "USA"), ("graphite_anode", "USA")}


def new_pair_cost(supply: pd.DataFrame, commodity: str) -> float:
    """Unit cost of a supplier the base case lacks: the dearest existing non-Chinese row
    of the commodity (a new plant is not cheaper than any running one; ESTIMATE)."""
    rows = supply[(supply["commodity"] == commodity) & (supply["country"] != CHINA)]
    return float(pd.to_numeric(rows["unit_cost"]).max())


def project_capacity() -> dict[tuple[str, str], dict[int, tuple[float, str]]]:
    """Accessible capacity each (commodity, country) pair gains, from which year, with notes."""
    projects = pd.read_csv(RESEARCH / "projects.csv", dtype=str, keep_default_na=False)
    gains: dict[tuple[str, str], dict[int, tuple[float, str]]] = {}
    names = set(projects["project"])
    missing = (set(PROJECTS) | {VULCAN}) - names
    if missing:
        raise SystemExit(f"projects not in research projects.csv: {sorted(missing)}")
    for _, p in projects.iterrows():
        name = p["project"]
        if name not in PROJECTS and name != VULCAN:
            continue
        domestic = p["country"] == "USA"
        default_share = ACCESSIBLE_SHARE_DOMESTIC if domestic else ACCESSIBLE_SHARE_FOREIGN
        volume = float(p["capacity"])
        if name == VULCAN:
            ramp = {y: volume * s for y, s in VULCAN_RAMP.items()}
            note = "Vulcan Elements Benson NC: half from 2027, all from 2029 (ESTIMATE)"
        else:
            factor, year, share, why = PROJECTS[name]
            year = year if year is not None else int(p["available_from"])
            share = share if share is not None else default_share
            ramp = {year: volume * factor * share}
            note = f"{p['company']} {name}: {why}; accessible share {share:g}"
        steps = gains.setdefault((p["commodity"], p["country"]), {})
        previous = 0.0
        for year, amount in sorted(ramp.items()):
            old = steps.get(year, (0.0, ""))
            steps[year] = (old[0] + amount - previous, "; ".join(filter(None, [old[1], note])))
            previous = amount
        if name == THACKER:
            mine = gains.setdefault(("lithium_mine", "USA"), {})
            year = int(p["available_from"])
            mine[year] = (volume * LITHIUM_RECIPE, f"{note}; its mine output (x1.1)")
    return gains


def derive(out: Path = HERE, buildout_out: Path | None = BUILDOUT_CASE) -> None:
    """Write the horizon case's tables into ``out`` (and the build-out variant)."""
    for name in ("countries.csv", "recipes.csv", "restrictions.csv"):
        shutil.copyfile(BASE / name, out / name)

    commodities = pd.read_csv(BASE / "commodities.csv", dtype=str, keep_default_na=False)
    growth = pd.read_csv(RESEARCH / "demand_growth.csv", dtype=str, keep_default_na=False)
    growth = growth.set_index("commodity")["annual_growth"]
    growth[sorted(FLAT)] = "0"
    if set(growth.index) != set(commodities["commodity"]):
        raise SystemExit("demand_growth.csv must name every commodity of the base case once")
    commodities.insert(
        commodities.columns.get_loc("note"),
        "demand_growth",
        commodities["commodity"].map(growth),
    )
    commodities.to_csv(out / "commodities.csv", index=False, lineterminator="\n")

    supply = pd.read_csv(BASE / "supply.csv", dtype=str, keep_default_na=False)
    supply.insert(supply.columns.get_loc("note"), "available_from", "")
    by_year: list[dict[str, object]] = []
    for (k, n), steps in sorted(project_capacity().items()):
        at = (supply["commodity"] == k) & (supply["country"] == n)
        if at.any():
            i = supply.index[at][0]
            base_cap = float(supply.at[i, "capacity"])
            first = supply.at[i, "available_from"]
            start = int(first) if first else YEARS[0]
            if supply.at[i, "status"] != "operating":
                # A base planned row is the project already (same volume x share): it
                # only gets its start year.
                start = min(steps)
                if abs(sum(v for v, _ in steps.values()) - base_cap) > 1e-6 * base_cap:
                    raise SystemExit(f"{k} {n}: project volume differs from the base row")
                supply.at[i, "available_from"] = str(start)
                supply.at[i, "note"] += f"; available from {start} (announced)"
                continue
            else:
                supply.at[i, "note"] += "; grows with announced projects: capacity_by_year.csv"
        else:
            start = min(steps)
            cap = steps[start][0]
            supply.loc[len(supply)] = {
                "commodity": k,
                "country": n,
                "capacity": _num(cap),
                "unit_cost": _num(new_pair_cost(supply, k)),
                "tariff": "",
                "today": "",
                "status": "planned",
                "available_from": str(start),
                "note": steps[start][1]
                + "; unit_cost = dearest non-Chinese row (ESTIMATE); see SOURCES.md (horizon)",
            }
            base_cap, steps = cap, {y: v for y, v in steps.items() if y != start}
        if not steps:
            continue
        level = base_cap
        for year in YEARS:
            if year < start:
                continue
            if year in steps:
                level += steps[year][0]
            by_year.append({"commodity": k, "country": n, "year": year, "capacity": _num(level)})
    supply = supply.sort_values(["commodity", "country"], kind="stable")
    supply.to_csv(out / "supply.csv", index=False, lineterminator="\n")
    pd.DataFrame(by_year).to_csv(out / "capacity_by_year.csv", index=False, lineterminator="\n")

    typed = supply.assign(
        today=pd.to_numeric(supply["today"]).fillna(0.0),
        unit_cost=pd.to_numeric(supply["unit_cost"]),
    )
    stock = []
    for k, max_buy in STOCK_MAX_BUY.items():
        rows = typed[typed["commodity"] == k]
        avg = (rows["today"] * rows["unit_cost"]).sum() / rows["today"].sum()
        stock.append(
            {
                "commodity": k,
                "initial": 0,
                "max_buy": max_buy,
                "max_release": "",
                "holding_cost": round(HOLDING_COST_SHARE * avg),
                "floor": 0,
            }
        )
    pd.DataFrame(stock).to_csv(out / "stockpile.csv", index=False, lineterminator="\n")

    if buildout_out is None:
        return
    buildout_out.mkdir(exist_ok=True)
    for name in (
        "countries.csv",
        "recipes.csv",
        "restrictions.csv",
        "commodities.csv",
        "supply.csv",
        "capacity_by_year.csv",
        "stockpile.csv",
    ):
        shutil.copyfile(out / name, buildout_out / name)
    shutil.copyfile(HERE / "SOURCES.md", buildout_out / "SOURCES.md")
    research = pd.read_csv(RESEARCH / "buildout.csv", dtype=str, keep_default_na=False)
    rows = []
    for _, r in research.iterrows():
        k, n = r["commodity"], r["country"]
        if (k, n) in BUILD_LEFT_OUT:
            continue
        at = (supply["commodity"] == k) & (supply["country"] == n)
        cost = float(supply.loc[at, "unit_cost"].iloc[0]) if at.any() else new_pair_cost(supply, k)
        rows.append(
            {
                "commodity": k,
                "country": n,
                "annual_cost": r["annualised_cost_per_unit"],
                "unit_cost": _num(cost),
                "max_per_year": r["max_build_per_year"],
                "from_year": r["from_year"],
                "max_total": "",
            }
        )
    pd.DataFrame(rows).to_csv(buildout_out / "buildout.csv", index=False, lineterminator="\n")


def _num(x: float) -> str:
    """A quantity as the base tables write it: whole numbers without '.0'."""
    x = round(float(x), 6)
    return str(int(x)) if x == int(x) else repr(x)


if __name__ == "__main__":
    derive()
