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

A change that selects no rows is an error, so a typo never passes silently.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.case.core import Case
from model.case.policy import Change, ScenarioFile
from model.case.tables import TABLES
from model.constants import GROUP_PREFIX, name_problem
from model.errors import InputError


def _as_list(value: str | list[str] | None) -> list[str] | None:
    return [value] if isinstance(value, str) else value


def select_rows(case: Case, change: Change, path: Path, key: str) -> pd.Index:
    """Row labels of ``change.table`` that the selectors pick; every name must exist."""
    frame = case.supply if change.table == "supply" else case.commodities
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
    frame = case.supply if change.table == "supply" else case.commodities
    spec = TABLES[change.table].column(change.column)
    old = frame.loc[rows, change.column].astype(float)
    blank_ok = change.column in ("max_china_share", "shortfall_penalty", "switching_premium")
    if blank_ok and change.set is None and old.isna().any():
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


def apply_scenario(case: Case, spec: ScenarioFile, path: Path) -> Case:
    """Apply a scenario's overrides and changes to its loaded base case (in place).

    A base with a ``[horizon]`` is changed as read (its commodities, not its
    commodity-years) and returned unexpanded; `load_case` validates and expands it.
    """
    if case.horizon is not None:
        case = case.horizon.source
        for i, change in enumerate(spec.changes):
            if change.year is not None:
                raise InputError(
                    "a scenario change cannot select years yet (a sweep parameter can: "
                    "capacity[...,year=2030]); give the years' values in "
                    "capacity_by_year.csv or demand_by_year.csv",
                    path,
                    column=f"changes[#{i + 1}].year",
                )
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
        apply_change(case, change, path, f"changes[#{i + 1}]")
    return case
