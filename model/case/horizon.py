"""Several years in one case: a case with ``[horizon]`` expanded into commodity-years.

A case whose case.toml has a ``[horizon]`` table (``start``, ``end``, optional
``discount_rate`` and ``base_year``, optional ``[horizon.max_china_share_by_year]``) is
read as usual and then expanded by `expand` into an ordinary one-year case whose
commodities are commodity-years, ``<commodity>.<year>``: each has its year's demand,
each supply row its year's capacity, and recipes hold within a year (``magnet.2027``
consumes ``oxide.2027``). The model, the solver, sweeps, stress, curve and ranging then
run unchanged: a one-year horizon is the one-year case, not a second code path.

Data by year, all optional:

- ``commodities.csv`` column ``demand_growth``: demand in year y is
  ``demand * (1 + demand_growth)^(y - base_year)``;
- ``demand_by_year.csv`` (``commodity, year, demand``) overrides that for its years;
- ``supply.csv`` column ``available_from``: before that year the row has no capacity;
  from it the row counts as operating, whatever its ``status`` (a planned project that
  has come online), so ``include_status`` does not leave it out;
- ``capacity_by_year.csv`` (``commodity, country, year, capacity``) overrides a row's
  capacity in its years (not before its ``available_from``);
- a row's ``today`` in a year is at most its capacity that year;
- ``stockpile.csv`` (``commodity, initial, max_buy, max_release, holding_cost, floor``):
  stock carried from year to year (`model.optimization.build.define_stockpile`), checked
  here and kept in ``Horizon.stock``.

Build-out, optional: ``buildout.csv`` (``commodity, country, annual_cost, unit_cost,
max_per_year``, optional ``from_year, max_total``) names capacity the LP may build
(`model.optimization.build.define_buildout`). Its pair needs no supply row: one is added
in every year with capacity 0 and the option's ``unit_cost`` (other columns at their
defaults, status operating), so that built capacity has a row to supply through; a pair
with a supply row must have the same ``unit_cost`` (built capacity extends that row).

Discounting (in the LP only): costs and penalties of year y are multiplied by
``(1 + discount_rate)^-(y - base_year)`` (`model.case.core.Horizon.discount`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from model.case.core import BuildOption, Case, Horizon
from model.case.policy import STOCK_COLUMNS
from model.case.tables import TABLES
from model.errors import InputError


def _check_names(
    file: str,
    row: int,
    k: str,
    commodities: set[str],
    n: str | None = None,
    countries: set[str] | None = None,
) -> None:
    """A by-year table's row must name a defined commodity (and country, if it has one):
    the errors `model.case.checks.check_references` gives for supply.csv."""
    if k not in commodities:
        raise InputError(
            f"unknown commodity '{k}' (not in commodities.csv)", file, row, "commodity"
        )
    if countries is not None and n not in countries:
        raise InputError(f"unknown country '{n}' (not in countries.csv)", file, row, "country")


def year_id(commodity: str, year: int) -> str:
    """The id of a commodity in one year: ``gallium.2027``."""
    return f"{commodity}.{year}"


def _years(frame: pd.DataFrame, column: str, file: str) -> np.ndarray:
    """A year column's values; a non-integer year is an error naming its row."""
    values = frame[column].to_numpy(float)
    given = ~np.isnan(values)
    bad = np.flatnonzero(given & (values != np.round(values)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{values[i]:g} is not a year", file, int(frame.index[i]), column)
    return values


def check_no_horizon(case: Case) -> None:
    """Data by year needs a ``[horizon]``: without one it is an error, not silently unused."""
    growth = case.commodities["demand_growth"].to_numpy(float)
    if growth.any():
        i = int(np.flatnonzero(growth)[0])
        raise InputError(
            "demand_growth needs a [horizon] in case.toml (the years to grow over)",
            case.files["commodities"],
            int(case.commodities.index[i]),
            "demand_growth",
        )
    start = case.supply["available_from"].to_numpy(float)
    if (~np.isnan(start)).any():
        i = int(np.flatnonzero(~np.isnan(start))[0])
        raise InputError(
            "available_from needs a [horizon] in case.toml (the years it is read in)",
            case.files["supply"],
            int(case.supply.index[i]),
            "available_from",
        )
    for rule in case.policy.rules:
        for key in ("from_year", "to_year"):
            if getattr(rule, key) is not None:
                raise InputError(
                    f"{key} needs a [horizon] in case.toml",
                    rule._origin or case.files["case"],
                    column=f"{rule._key or 'policy.rules'}.{key}",
                )


def _check_rules(case: Case) -> None:
    spec = case.horizon_spec
    for rule in case.policy.rules:
        first = spec.start if rule.from_year is None else rule.from_year
        last = spec.end if rule.to_year is None else rule.to_year
        if first > spec.end or last < spec.start:
            key = "from_year" if first > spec.end else "to_year"
            raise InputError(
                f"the rule covers no year of the horizon {spec.start}-{spec.end}",
                rule._origin or case.files["case"],
                column=f"{rule._key or 'policy.rules'}.{key}",
            )


def _in_horizon(years: np.ndarray, frame: pd.DataFrame, case: Case, file: str) -> None:
    spec = case.horizon_spec
    out = np.flatnonzero((years < spec.start) | (years > spec.end))
    if out.size:
        i = int(out[0])
        raise InputError(
            f"year {years[i]:g} is outside the horizon {spec.start}-{spec.end}",
            file,
            int(frame.index[i]),
            "year",
        )


def _demand_overrides(case: Case) -> dict[tuple[str, int], float]:
    frame = case.year_tables.get("demand_by_year")
    if frame is None or frame.empty:
        return {}
    file = case.files["demand_by_year"]
    years = _years(frame, "year", file)
    _in_horizon(years, frame, case, file)
    known = set(case.commodities["commodity"].tolist())
    ks = frame["commodity"].tolist()
    for row, k in zip(frame.index.tolist(), ks, strict=True):
        _check_names(file, row, k, known)
    values = frame["demand"].to_numpy(float).tolist()
    return {(k, int(y)): v for k, y, v in zip(ks, years.tolist(), values, strict=True)}


def _capacity_overrides(case: Case, start: dict[tuple[str, str], float]) -> dict:
    frame = case.year_tables.get("capacity_by_year")
    if frame is None or frame.empty:
        return {}
    file = case.files["capacity_by_year"]
    years = _years(frame, "year", file)
    _in_horizon(years, frame, case, file)
    commodities = set(case.commodities["commodity"].tolist())
    countries = set(case.countries["country"].tolist())
    out = {}
    for row, k, n, y, v in zip(
        frame.index.tolist(),
        frame["commodity"].tolist(),
        frame["country"].tolist(),
        years.tolist(),
        frame["capacity"].to_numpy(float).tolist(),
        strict=True,
    ):
        _check_names(file, row, k, commodities, n, countries)
        if (k, n) not in start:
            raise InputError(f"no supply row ({k}, {n}) in supply.csv", file, row, "country")
        if y < start[k, n]:
            raise InputError(
                f"year {y:g} is before the row's available_from {start[k, n]:g} "
                "(it has no capacity before then)",
                file,
                row,
                "year",
            )
        out[k, n, int(y)] = v
    return out


def _stockpile(case: Case) -> dict[str, dict[str, float]]:
    """stockpile.csv checked against the case: a known commodity, a floor at most the initial
    holding (so that holding still, buying and releasing nothing, is always possible)."""
    frame = case.year_tables.get("stockpile")
    if frame is None or frame.empty:
        return {}
    file = case.files["stockpile"]
    known = set(case.commodities["commodity"].tolist())
    out = {}
    values = {c: frame[c].to_numpy(float).tolist() for c in STOCK_COLUMNS}
    for i, (row, k) in enumerate(
        zip(frame.index.tolist(), frame["commodity"].tolist(), strict=True)
    ):
        _check_names(file, row, k, known)
        stock = {c: values[c][i] for c in STOCK_COLUMNS}
        if stock["floor"] > stock["initial"]:
            raise InputError(
                f"floor {stock['floor']:g} is above the initial holding {stock['initial']:g} "
                "(the stock must start at or above its floor)",
                file,
                row,
                "floor",
            )
        out[k] = stock
    return out


def _buildout(src: Case) -> tuple[list[BuildOption], pd.DataFrame]:
    """The build options of ``buildout.csv`` (checked: file, row, column) and the supply
    table with a row of capacity 0 added for each option's pair that has none."""
    frame = src.year_tables.get("buildout")
    sup = src.supply
    if frame is None or frame.empty:
        return [], sup
    spec = src.horizon_spec
    file = src.files["buildout"]
    years = _years(frame, "from_year", file)
    late = np.flatnonzero(years > spec.end)
    if late.size:
        i = int(late[0])
        raise InputError(
            f"from_year {years[i]:g} is after the horizon's end {spec.end}",
            file,
            int(frame.index[i]),
            "from_year",
        )
    commodities = set(src.commodities["commodity"].tolist())
    countries = set(src.countries["country"].tolist())
    pairs = list(zip(sup["commodity"].tolist(), sup["country"].tolist(), strict=True))
    row_cost = dict(zip(pairs, sup["unit_cost"].to_numpy(float).tolist(), strict=True))
    options, added = [], []
    for row, k, n, annual, cost, most, first, total in zip(
        frame.index.tolist(),
        frame["commodity"].tolist(),
        frame["country"].tolist(),
        frame["annual_cost"].to_numpy(float).tolist(),
        frame["unit_cost"].to_numpy(float).tolist(),
        frame["max_per_year"].to_numpy(float).tolist(),
        years.tolist(),
        frame["max_total"].to_numpy(float).tolist(),
        strict=True,
    ):
        _check_names(file, row, k, commodities, n, countries)
        if (k, n) in row_cost:
            if cost != row_cost[k, n]:
                raise InputError(
                    f"unit_cost {cost:g} differs from the supply row ({k}, {n})'s unit_cost "
                    f"{row_cost[k, n]:g} (built capacity extends that row)",
                    file,
                    row,
                    "unit_cost",
                )
        else:
            added.append((k, n, cost))
        start = spec.start if math.isnan(first) else max(int(first), spec.start)
        options.append(
            BuildOption(k, n, annual, most, start, math.inf if math.isnan(total) else total)
        )
    if added:
        defaults = {c.name: c.default for c in TABLES["supply"].columns}
        new = pd.DataFrame(
            {
                c: [defaults.get(c) if defaults.get(c) is not None else math.nan] * len(added)
                for c in sup.columns
            }
        )
        new["commodity"] = [k for k, _, _ in added]
        new["country"] = [n for _, n, _ in added]
        new["capacity"] = 0.0
        new["today"] = 0.0
        new["unit_cost"] = [c for _, _, c in added]
        new["status"] = "operating"
        new = new.astype(sup.dtypes.to_dict())
        sup = pd.concat([sup, new], ignore_index=True)
        sup.index = pd.Index(range(1, len(sup) + 1), dtype="int64", name="row")
    return options, sup


def _repeat(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    """``frame`` stacked ``times`` times (year-major), numbered 1.. as a table read is."""
    out = pd.concat([frame] * times, ignore_index=True) if times > 1 else frame.copy()
    out.index = pd.Index(range(1, len(out) + 1), dtype="int64", name="row")
    return out


def expand(src: Case) -> Case:
    """The one-year case of commodity-years for a case read with a ``[horizon]``.

    ``src`` has been validated as read; the by-year data are checked here (unknown
    commodity, country, supply row or year: file, row and column).
    """
    spec = src.horizon_spec
    assert spec is not None
    _check_rules(src)
    years = spec.years
    ny = len(years)
    com = src.commodities
    build, sup = _buildout(src)
    ks = com["commodity"].tolist()
    year_k = np.repeat(np.array(years, dtype=float), len(ks))

    # commodities: demand grown from the base year, then the by-year table's values
    demand = np.tile(com["demand"].to_numpy(float), ny)
    growth = np.tile(com["demand_growth"].to_numpy(float), ny)
    demand = demand * (1.0 + growth) ** (year_k - spec.base)
    over = _demand_overrides(src)
    ids = [year_id(k, y) for y in years for k in ks]
    if over:
        pos = {k: i for i, k in enumerate(ks)}
        for (k, y), v in over.items():
            demand[(y - spec.start) * len(ks) + pos[k]] = v
    commodities = _repeat(com, ny)
    commodities["commodity"] = pd.Series(ids, index=commodities.index, dtype=object)
    commodities["demand"] = demand
    commodities["demand_growth"] = 0.0

    # supply: capacity by year, none before available_from; online rows count as operating
    pairs = list(zip(sup["commodity"].tolist(), sup["country"].tolist(), strict=True))
    file = src.files["supply"]
    online = _years(sup, "available_from", file)
    first_of = dict(zip(pairs, np.nan_to_num(online, nan=-math.inf).tolist(), strict=True))
    late = np.flatnonzero((online > spec.start) & (sup["today"].to_numpy(float) > 0))
    if late.size:
        i = int(late[0])
        raise InputError(
            f"today {sup['today'].iat[i]:g} but available_from {online[i]:g} is after the "
            f"horizon's start {spec.start}: capacity not yet online supplies nothing today",
            file,
            int(sup.index[i]),
            "today",
        )
    year_r = np.repeat(np.array(years, dtype=float), len(pairs))
    capacity = np.tile(sup["capacity"].to_numpy(float), ny)
    cap_over = _capacity_overrides(src, first_of)
    if cap_over:
        pos = {r: i for i, r in enumerate(pairs)}
        for (k, n, y), v in cap_over.items():
            capacity[(y - spec.start) * len(pairs) + pos[k, n]] = v
    starts = np.tile(online, ny)
    before = year_r < np.nan_to_num(starts, nan=-math.inf)
    capacity[before] = 0.0
    supply = _repeat(sup, ny)
    supply["commodity"] = pd.Series(
        [year_id(k, y) for y in years for k, _ in pairs], index=supply.index, dtype=object
    )
    supply["capacity"] = capacity
    supply["today"] = np.minimum(np.tile(sup["today"].to_numpy(float), ny), capacity)
    came = ~np.isnan(starts) & ~before
    if came.any():
        status = supply["status"].to_numpy(object).copy()
        status[came] = "operating"
        supply["status"] = pd.Series(status, index=supply.index, dtype=object)
    supply["available_from"] = math.nan

    # recipes hold within a year; restrictions tag a commodity in every year
    rec = src.recipes
    recipes = _repeat(rec, ny) if len(rec) else rec.copy()
    if len(rec):
        recipes["product"] = [year_id(p, y) for y in years for p in rec["product"].tolist()]
        recipes["input"] = [year_id(i, y) for y in years for i in rec["input"].tolist()]
    res = src.restrictions
    every = res[res["commodity"] == ""]
    own = res[res["commodity"] != ""]
    restrictions = pd.concat([every, _repeat(own, ny)], ignore_index=True) if len(own) else res
    if len(own):
        restrictions["commodity"] = [""] * len(every) + [
            year_id(k, y) for y in years for k in own["commodity"].tolist()
        ]
        restrictions.index = pd.Index(range(1, len(restrictions) + 1), dtype="int64", name="row")

    horizon = Horizon(
        spec=spec,
        source=src,
        of={year_id(k, y): (k, y) for y in years for k in ks},
        stock=_stockpile(src),
        buildout=build,
    )
    if spec.discount_rate:
        factor = {y: horizon.factor(y) for y in years}
        horizon.discount = {year_id(k, y): factor[y] for y in years for k in ks}
    return Case(
        name=src.name,
        description=src.description,
        countries=src.countries,
        commodities=commodities,
        supply=supply,
        recipes=recipes,
        policy=src.policy,
        files=src.files,
        sources=src.sources,
        folder=src.folder,
        restrictions=restrictions,
        currency=src.currency,
        horizon_spec=spec,
        horizon=horizon,
    )


def label_years(
    frame: pd.DataFrame, case: Case, column: str = "commodity", year: str = "year"
) -> pd.DataFrame:
    """A result table of a horizon case with ``column`` the commodity as given and a
    ``year`` column after it (instead of the expanded id); the frame itself otherwise.

    A value that is no commodity-year (a curve's ``all``, a blank) is kept, its year
    blank."""
    if case.horizon is None or column not in frame.columns:
        return frame
    of = case.horizon.of
    pairs = [of.get(k, (k, None)) for k in frame[column].tolist()]
    out = frame.copy()
    # a new column of the same kind as the one replaced (pandas infers its string dtype)
    out[column] = pd.Series([p[0] for p in pairs], index=frame.index, dtype=frame[column].dtype)
    at = list(out.columns).index(column) + 1
    whole = all(p[1] is not None for p in pairs)
    years = pd.Series([p[1] for p in pairs], index=frame.index, dtype="int64" if whole else "Int64")
    out.insert(at, year, years)
    return out


def join_years(frame: pd.DataFrame, column: str = "commodity", year: str = "year") -> pd.DataFrame:
    """The inverse of `label_years`: ``column`` back to ``<commodity>.<year>`` (where the
    year is given) and the year column dropped, for plots and report text that treat
    every commodity-year as one commodity; the frame itself when it has no year column."""
    if year not in frame.columns:
        return frame
    out = frame.drop(columns=[year])
    ys = frame[year].tolist()
    out[column] = [
        k
        if y is None or y is pd.NA or (isinstance(y, float) and math.isnan(y))
        else year_id(k, int(y))
        for k, y in zip(frame[column].tolist(), ys, strict=True)
    ]
    return out


def whole_years(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with its year columns as whole numbers (blank stays blank) for writing."""
    out = frame
    for col in columns:
        if col in out.columns and out[col].dtype == float:
            out = out.copy() if out is frame else out
            text = ["" if math.isnan(v) else str(round(v)) for v in out[col].tolist()]
            out[col] = pd.Series(text, index=out.index, dtype=object)
    return out


def commodity_ids(frame: pd.DataFrame) -> list[str]:
    """The commodity ids of a result table's rows: ``<commodity>.<year>`` where the table
    has a ``year`` column (a horizon case), else its ``commodity`` column."""
    if "year" not in frame.columns:
        return frame["commodity"].tolist()
    return [year_id(k, int(y)) for k, y in zip(frame["commodity"], frame["year"], strict=True)]


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    """A result table indexed by `commodity_ids` (one row per commodity, or commodity-year)."""
    if "year" not in frame.columns:
        return frame.set_index("commodity")
    out = frame.drop(columns=["commodity", "year"])
    out.index = pd.Index(commodity_ids(frame), name="commodity")
    return out


def id_tables(kind: str, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables of a sweep, curve, stress or compare run with commodity-years joined
    back into ids (`join_years`): their plots and report sections treat each
    commodity-year as one commodity. Solve runs (and tables without years) unchanged."""
    if kind == "solve":
        return tables
    out = {}
    for name, frame in tables.items():
        frame = join_years(frame)
        out[name] = join_years(frame, "worst_commodity", "worst_year")
    return out
