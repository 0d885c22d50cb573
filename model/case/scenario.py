"""Scenarios: a TOML file that changes a base case.

    name = "gallium-export-ban"       # optional; default: the file name without .toml
    base = "../base"                  # a case folder or another scenario
    [policy]
    max_china_share = 0.5             # overrides; rules are appended
    [[changes]]
    table = "supply"                  # or "commodities"
    column = "capacity"
    commodity = "gallium"             # selectors: commodity, country, stage
    country = "CHN"                   #   (str or list; 'group:partner' allowed)
    scale = 0.0                       # or set = ..., add = ...
    year = 2027                       # a case with a [horizon]: capacity or demand in
                                      #   these years only (or from_year / to_year)

In a case with a ``[horizon]`` a change of capacity or demand applies per commodity-year:
with ``year`` (one or a list) or ``from_year``/``to_year`` (inclusive) only in those years,
written into ``capacity_by_year`` / ``demand_by_year`` (so that the case as read, which run
folders keep, holds it), and without them in every year, the by-year rows included.
``table = "stockpile"`` or ``"buildout"`` changes those tables' values (columns
`STOCK_COLUMNS`, `BUILD_COLUMNS`; selectors commodity, stage and, for build-out, country).

A change that selects no rows is an error, so a typo never passes silently.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from model.case.core import Case
from model.case.policy import YEAR_COLUMNS, Change, HorizonSpec, ScenarioFile
from model.case.tables import TABLES, YEAR_TABLES, empty_table
from model.constants import GROUP_PREFIX, name_problem
from model.errors import InputError


def _as_list(value: str | list[str] | None) -> list[str] | None:
    return [value] if isinstance(value, str) else value


# blank means "no limit" or "the default": it can be set, not scaled or added to
BLANK_OK = (
    "max_china_share",
    "shortfall_penalty",
    "switching_premium",
    "max_buy",
    "max_release",
    "max_total",
)


def table_of(case: Case, table: str) -> pd.DataFrame:
    """The frame a change of ``table`` changes: supply, commodities or a by-year table."""
    if table == "supply":
        return case.supply
    if table == "commodities":
        return case.commodities
    frame = case.year_tables.get(table)
    return empty_table(YEAR_TABLES[table]) if frame is None else frame


def select_rows(case: Case, change: Change, path: Path, key: str) -> pd.Index:
    """Row labels of ``change.table`` that the selectors pick; every name must exist."""
    frame = table_of(case, change.table)
    mask = pd.Series(True, index=frame.index)
    commodities = set(case.commodities["commodity"])
    stage_of = dict(zip(case.commodities["commodity"], case.commodities["stage"], strict=True))
    of = case.horizon.of if case.horizon is not None else None
    if (wanted := _as_list(change.commodity)) is not None:
        # in a horizon case a commodity selects all of its years, a commodity-year its own
        bases = {b for b, _ in of.values()} if of is not None else set()
        for k in wanted:
            if k not in commodities and k not in bases:
                raise InputError(f"unknown commodity '{k}'", path, column=f"{key}.commodity")
        picked = frame["commodity"].isin(wanted)
        if of is not None:
            picked |= frame["commodity"].map(lambda k: of[k][0]).isin(wanted)
        mask &= picked
    if (years := _as_list(change.year)) is not None:
        if of is None:
            raise InputError(
                "year selects rows of a case with a [horizon] only", path, column=f"{key}.year"
            )
        for y in years:
            if y not in case.horizon.years:
                raise InputError(
                    f"year {y} is outside the horizon "
                    f"{case.horizon.years[0]}-{case.horizon.years[-1]}",
                    path,
                    column=f"{key}.year",
                )
        mask &= frame["commodity"].map(lambda k: of[k][1]).isin(years)
    if (stages := _as_list(change.stage)) is not None:
        for s in stages:
            if s not in case.stages():
                raise InputError(f"stage '{s}' matches no commodity", path, column=f"{key}.stage")
        mask &= frame["commodity"].map(stage_of).isin(stages)
    if (who := _as_list(change.country)) is not None:
        groups = case.groups()
        codes: set[str] = set()
        for w in who:
            if w.startswith(GROUP_PREFIX):
                tag = w.removeprefix(GROUP_PREFIX)
                if tag not in groups:
                    raise InputError(
                        f"group '{tag}' has no countries", path, column=f"{key}.country"
                    )
                codes |= groups[tag]
            elif w in set(case.countries["country"]):
                codes.add(w)
            else:
                raise InputError(f"unknown country '{w}'", path, column=f"{key}.country")
        mask &= frame["country"].isin(codes)
    if not mask.any():
        raise InputError(f"selects no rows of {change.table}.csv", path, column=key)
    return frame.index[mask.to_numpy()]


def apply_change(case: Case, change: Change, path: Path, key: str) -> None:
    """Apply one change in place, keeping values inside the column's valid range."""
    rows = select_rows(case, change, path, key)
    frame = table_of(case, change.table)
    if change.table in YEAR_TABLES:  # a copy: a sweep's point must not change its base
        frame = case.year_tables[change.table] = frame.copy()
    spec = (TABLES.get(change.table) or YEAR_TABLES[change.table]).column(change.column)
    old = frame.loc[rows, change.column].astype(float)
    if change.column in BLANK_OK and change.set is None and old.isna().any():
        raise InputError(
            f"cannot scale or add to a blank {change.column}; use set",
            path,
            column=key,
        )
    if change.scale is not None:
        new = old * change.scale
    elif change.add is not None:
        new = old + change.add
    else:
        new = pd.Series(change.set, index=rows, dtype=float)
    bad = new[
        (new < (spec.minimum if spec.minimum is not None else -np.inf))
        | (new > (spec.maximum if spec.maximum is not None else np.inf))
    ]
    if len(bad):
        raise InputError(
            f"would make {change.column} = {bad.iloc[0]:g} (row {bad.index[0]} of "
            f"{change.table}.csv), outside its valid range",
            path,
            column=key,
        )
    if change.column == "today":  # today's volume is bought from the row's capacity
        capacity = frame.loc[rows, "capacity"].astype(float)
        over = new[new > capacity]
        if len(over):
            row = over.index[0]
            raise InputError(
                f"would make today = {over.iloc[0]:g} above capacity {capacity[row]:g} "
                f"(row {row} of supply.csv)",
                path,
                column=key,
            )
        idle = new[(new > 0) & (frame.loc[rows, "status"] != "operating")]
        if len(idle):
            row = idle.index[0]
            raise InputError(
                f"would make today = {idle.iloc[0]:g} on a {frame.at[row, 'status']} row "
                f"(row {row} of supply.csv), which supplies nothing today",
                path,
                column=key,
            )
    frame.loc[rows, change.column] = new.to_numpy()


def check_floor(case: Case, path: Path | str, key: str) -> None:
    """After changes of stockpile.csv: every floor at most its initial holding (the error
    names the change, not the table, which `model.case.horizon` would name)."""
    frame = case.year_tables["stockpile"]
    floor, held = frame["floor"].to_numpy(float), frame["initial"].to_numpy(float)
    above = np.flatnonzero(floor > held)
    if above.size:
        i = int(above[0])
        raise InputError(
            f"would make floor {floor[i]:g} above the initial holding {held[i]:g} "
            f"(row {frame.index[i]} of stockpile.csv)",
            path,
            column=key,
        )


def _year_key(change: Change) -> str:
    if change.year is not None:
        return "year"
    return "from_year" if change.from_year is not None else "to_year"


def change_years(case: Case, change: Change, path: Path, key: str) -> list[int] | None:
    """The years a change selects, in order (None: it names none, so every year)."""
    if not change.has_years:
        return None
    column = f"{key}.{_year_key(change)}"
    spec = case.horizon_spec
    if spec is None:
        raise InputError("year selects rows of a case with a [horizon] only", path, column=column)
    if change.year is not None:
        years = [change.year] if isinstance(change.year, int) else change.year
        for y in years:
            if not spec.start <= y <= spec.end:
                raise InputError(
                    f"year {y} is outside the horizon {spec.start}-{spec.end}", path, column=column
                )
        return sorted(set(years))
    first = spec.start if change.from_year is None else max(change.from_year, spec.start)
    last = spec.end if change.to_year is None else min(change.to_year, spec.end)
    if first > last:
        raise InputError(
            f"the change covers no year of the horizon {spec.start}-{spec.end}",
            path,
            column=column,
        )
    return list(range(first, last + 1))


def _operate(change: Change, old: np.ndarray) -> np.ndarray:
    if change.scale is not None:
        return old * change.scale
    if change.add is not None:
        return old + change.add
    return np.full(len(old), change.set, dtype=float)


def apply_by_year(src: Case, change: Change, path: Path, key: str) -> None:
    """A change of capacity or demand in a horizon case as read, per commodity-year.

    Without years it changes the column (so every year, grown demand included) and the
    selected rows' values in the by-year table. With years it writes each selected
    (row, year)'s new value into ``capacity_by_year`` / ``demand_by_year``: the value
    the year had (that table's, else the row's, grown for demand) scaled, added to or
    set. A supply row has no capacity before its ``available_from``: those years are
    left out.
    """
    years = change_years(src, change, path, key)
    if years is not None and change.column not in YEAR_COLUMNS:
        raise InputError(
            f"{change.column} has no table by year; a change with years can change "
            f"{' or '.join(YEAR_COLUMNS)} only",
            path,
            column=f"{key}.{_year_key(change)}",
        )
    plain = change.model_copy(update={"year": None, "from_year": None, "to_year": None})
    if change.column not in YEAR_COLUMNS:
        apply_change(src, plain, path, key)
        return
    rows = select_rows(src, plain, path, key)
    capacity = change.column == "capacity"
    name = "capacity_by_year" if capacity else "demand_by_year"
    keys = ["commodity", "country"] if capacity else ["commodity"]
    frame = table_of(src, name).copy()
    at = {
        (*ids, int(y)): i
        for i, *ids, y in zip(
            frame.index.tolist(),
            *(frame[c].tolist() for c in keys),
            frame["year"].tolist(),
            strict=True,
        )
    }
    base = src.supply if capacity else src.commodities
    picked = list(zip(rows.tolist(), *(base.loc[rows, c].tolist() for c in keys), strict=True))
    if years is None:  # every year: the column, and the by-year rows of the selected rows
        apply_change(src, plain, path, key)
        wanted = {tuple(ids) for _, *ids in picked}
        cells = [(i, (*ids, y)) for (*ids, y), i in at.items() if tuple(ids) in wanted]
        if not cells:
            return
        old = frame.loc[[i for i, _ in cells], change.column].to_numpy(float)
    else:
        spec = src.horizon_spec
        cells, values = [], []
        for r, *ids in picked:
            start = float(src.supply.at[r, "available_from"]) if capacity else math.nan
            own = float(base.at[r, change.column])
            growth = 0.0 if capacity else float(base.at[r, "demand_growth"])
            for y in years:
                if y < start:  # not online yet: no capacity to change
                    continue
                i = at.get((*ids, y))
                if i is not None:
                    values.append(float(frame.at[i, change.column]))
                else:  # the value expand gives that year
                    grown = np.float64(own) * (1.0 + np.float64(growth)) ** np.float64(
                        y - spec.base
                    )
                    values.append(float(grown))
                cells.append((i, (*ids, y)))
        if not cells:
            raise InputError(
                f"selects no supply row with capacity in {', '.join(map(str, years))} "
                "(each starts later: available_from)",
                path,
                column=key,
            )
        old = np.array(values, dtype=float)
    new = _operate(change, old)
    low = TABLES[change.table].column(change.column).minimum or 0.0
    bad = np.flatnonzero(new < low)
    if bad.size:
        ids = cells[int(bad[0])][1]
        raise InputError(
            f"would make {change.column} = {new[bad[0]]:g} ({', '.join(map(str, ids[:-1]))} in "
            f"{ids[-1]}), outside its valid range",
            path,
            column=key,
        )
    added = []
    for (i, ids), v in zip(cells, new.tolist(), strict=True):
        if i is None:
            added.append(
                {**dict(zip(keys, ids[:-1], strict=True)), "year": float(ids[-1]), change.column: v}
            )
        else:
            frame.at[i, change.column] = v
    if added:
        more = pd.DataFrame(added, columns=frame.columns).astype(frame.dtypes.to_dict())
        frame = pd.concat([frame, more], ignore_index=True) if len(frame) else more
        frame.index = pd.Index(range(1, len(frame) + 1), dtype="int64", name="row")
    src.year_tables[name] = frame
    src.files.setdefault(name, str(path))


def apply_scenario_change(case: Case, change: Change, path: Path, key: str) -> None:
    """Apply one change of a scenario to its base (the case as read, for a horizon)."""
    if change.table in YEAR_TABLES:
        if case.horizon_spec is None:
            raise InputError(
                f"{change.table}.csv needs a case with a [horizon]", path, column=f"{key}.table"
            )
        if change.table not in case.year_tables or case.year_tables[change.table].empty:
            raise InputError(
                f"the case has no {change.table}.csv to change", path, column=f"{key}.table"
            )
        apply_change(case, change, path, key)
        if change.table == "stockpile":
            check_floor(case, path, key)
    elif case.horizon_spec is not None:
        apply_by_year(case, change, path, key)
    else:
        change_years(case, change, path, key)  # years need a [horizon]: an error here
        apply_change(case, change, path, key)


def _glide_path(case: Case, path_by_year: dict[str, float], path: Path) -> HorizonSpec:
    """The base's ``[horizon]`` with the scenario's glide path in place of its own (checked
    as case.toml's is: years inside the horizon, shares in [0, 1])."""
    if case.horizon_spec is None:
        raise InputError(
            "a glide path needs a base case with a [horizon]",
            path,
            column="horizon.max_china_share_by_year",
        )
    data = case.horizon_spec.model_dump()
    data["max_china_share_by_year"] = path_by_year
    try:
        return HorizonSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "max_china_share_by_year"
        message = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(message, path, column=f"horizon.{where}") from None


def apply_scenario(case: Case, spec: ScenarioFile, path: Path) -> Case:
    """Apply a scenario's overrides and changes to its loaded base case (in place).

    A base with a ``[horizon]`` is changed as read (its commodities, not its
    commodity-years; changes in some years go into its by-year tables, `apply_by_year`)
    and returned unexpanded; `load_case` validates and expands it.
    """
    if case.horizon is not None:
        case = case.horizon.source
    # without a name, the file's stem names the case, if it can name a run folder
    if spec.name is None and (problem := name_problem(path.stem)) is not None:
        raise InputError(
            f"no name given, and the file name '{path.stem}' {problem}; add name = \"...\"",
            path,
            column="name",
        )
    case.name = spec.name or path.stem
    case.description = spec.description or case.description
    case.sources.append(str(path))
    case.files["case"] = str(path)

    if spec.horizon is not None and spec.horizon.max_china_share_by_year is not None:
        case.horizon_spec = _glide_path(case, spec.horizon.max_china_share_by_year, path)
    over = spec.policy
    policy = case.policy.model_copy(deep=True)
    if over.max_china_share is not None:
        policy.max_china_share = over.max_china_share
    if over.china_cap_basis is not None:
        policy.china_cap_basis = over.china_cap_basis
    if over.max_china_share_by_stage is not None:
        for stage, cap in over.max_china_share_by_stage.items():
            if not 0.0 <= cap <= 1.0:
                raise InputError(
                    f"{cap:g} is outside [0, 1]",
                    path,
                    column=f"policy.max_china_share_by_stage.{stage}",
                )
        policy.max_china_share_by_stage = {
            **policy.max_china_share_by_stage,
            **over.max_china_share_by_stage,
        }
    if over.shortfall_penalty_factor is not None:
        policy.shortfall_penalty_factor = over.shortfall_penalty_factor
    if over.switching_premium is not None:
        policy.switching_premium = over.switching_premium
    if over.include_status is not None:
        policy.include_status = list(over.include_status)
    if over.shortage is not None:
        policy.shortage = over.shortage
    base_rules = [] if over.replace_rules else policy.rules
    # keep the origin of every rule (model_copy drops private attributes of copies)
    for new, old in zip(policy.rules, case.policy.rules, strict=True):
        new._origin, new._key = old._origin, old._key
    policy.rules = [*base_rules, *over.rules]
    case.policy = policy

    for i, change in enumerate(spec.changes):
        apply_scenario_change(case, change, path, f"changes[#{i + 1}]")
    return case
