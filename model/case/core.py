"""A case: the input tables and policy of one question, already validated.

`Case` holds the tables and the policy and derives what the model and the
reports need from them (groups, caps, delivered costs, penalties, rule subjects).
Reading lives in `model.case.load`, the cross-table checks in `model.case.checks`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.case.policy import HorizonSpec, Policy, ShareRule
from model.case.tables import TABLES, empty_table
from model.constants import EACH, GROUP_PREFIX


@dataclass(frozen=True)
class BuildOption:
    """One row of buildout.csv: capacity of (commodity, country) that could be built.

    ``from_year`` is the first year it can be built (the horizon's start when blank),
    ``max_total`` the most built over the horizon (inf: no limit)."""

    commodity: str
    country: str
    annual_cost: float
    max_per_year: float
    from_year: int
    max_total: float


@dataclass
class Horizon:
    """How a case with a ``[horizon]`` was expanded into commodity-years (`model.case.horizon`).

    The expanded case is an ordinary one-year case whose commodities are commodity-years,
    ``<commodity>.<year>``; ``of`` maps each back to its (commodity, year). ``source`` is
    the case as read (tables, by-year tables, policy), which scenarios change and run
    folders write, so that loading it again gives the same expansion.
    """

    spec: HorizonSpec
    source: Case
    of: dict[str, tuple[str, int]]
    # per expanded id, (1 + r)^-(year - base_year); empty when the discount rate is 0
    discount: dict[str, float] = field(default_factory=dict)
    # stockpile.csv as checked: commodity (as given) -> initial, max_buy, max_release,
    # holding_cost, floor (a blank max is nan: no limit); empty without the file
    stock: dict[str, dict[str, float]] = field(default_factory=dict)
    # build-out options (buildout.csv, model.case.horizon._buildout), in file order
    buildout: list[BuildOption] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return self.spec.years

    def factor(self, year: int) -> float:
        """What one unit of money in ``year`` is worth in the base year."""
        return (1.0 + self.spec.discount_rate) ** -(year - self.spec.base)


@dataclass
class Case:
    """Everything the model needs, already validated.

    Tables keep their file row numbers as index so later checks can point at rows.
    ``files`` maps each table (and ``case``) to the file it came from.
    """

    name: str
    description: str
    countries: pd.DataFrame
    commodities: pd.DataFrame
    supply: pd.DataFrame
    recipes: pd.DataFrame
    policy: Policy
    files: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # every file read, in order
    folder: Path | None = None  # the base case folder (for SOURCES.md)
    # optional restrictions.csv: suppliers a US buyer may not use (see model.case.restrictions)
    restrictions: pd.DataFrame = field(default_factory=lambda: empty_table(TABLES["restrictions"]))
    currency: str = "USD"  # labels every money output; scenarios keep their base's
    # a case with a [horizon]: the spec as read, its by-year tables (on the case as read),
    # and once expanded into commodity-years (model.case.horizon.expand), the mapping
    horizon_spec: HorizonSpec | None = None
    year_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    horizon: Horizon | None = None

    def copy(self) -> Case:
        """A deep copy, safe to modify for a what-if."""
        return copy.deepcopy(self)

    # --- derived values the model and reports use -----------------------------------------
    def groups(self) -> dict[str, set[str]]:
        """Group tag -> set of country codes."""
        out: dict[str, set[str]] = {}
        for code, tags in zip(self.countries["country"], self.countries["groups"], strict=True):
            for tag in str(tags).split(";"):
                if tag:
                    out.setdefault(tag, set()).add(code)
        return out

    def stages(self) -> set[str]:
        return {s for s in self.commodities["stage"] if s}

    def china_caps(self) -> pd.Series:
        """Cap per commodity: its own column, else its stage default, else the case default."""
        by_stage = self.policy.max_china_share_by_stage
        default = self.policy.max_china_share
        owns = self.commodities["max_china_share"].tolist()
        stages = self.commodities["stage"].tolist()
        if self.horizon is not None:  # the glide path replaces the case default in its years
            of, spec = self.horizon.of, self.horizon.spec
            glide = {y: spec.china_cap(y) for y in spec.years}
            defaults = [glide[of[k][1]] for k in self.commodities["commodity"].tolist()]
            defaults = [default if g is None else g for g in defaults]
        else:
            defaults = [default] * len(owns)
        caps = [
            own if not np.isnan(own) else by_stage.get(stage, fallback)
            for own, stage, fallback in zip(owns, stages, defaults, strict=True)
        ]
        return pd.Series(caps, index=self.commodities["commodity"].to_numpy(), dtype=float)

    def delivered_cost(self) -> pd.Series:
        """unit_cost * (1 + tariff) + freight + tariff_per_unit, per supply row."""
        s = self.supply
        return s["unit_cost"] * (1.0 + s["tariff"]) + s["freight"] + s["tariff_per_unit"]

    def switching_premiums(self) -> pd.Series:
        """Premium per commodity on supply beyond a row's ``today``: its own column, else
        the policy's ``switching_premium``."""
        own = self.commodities["switching_premium"].to_numpy(float)
        return pd.Series(
            np.where(np.isnan(own), self.policy.switching_premium, own),
            index=self.commodities["commodity"].to_numpy(),
            dtype=float,
        )

    def row_premiums(self) -> np.ndarray:
        """The switching premium of each supply row (its commodity's), in row order."""
        if not self.commodities["switching_premium"].notna().any():
            return np.full(len(self.supply), self.policy.switching_premium)
        return self.supply["commodity"].map(self.switching_premiums()).to_numpy(float)

    def included(self) -> np.ndarray:
        """Per supply row, whether its status counts (policy ``include_status``): rows of
        other statuses have no capacity in the model."""
        statuses = self.policy.include_status
        if statuses == ["operating"] and "status" not in self.supply:
            return np.ones(len(self.supply), dtype=bool)
        return self.supply["status"].isin(statuses).to_numpy(bool)

    def shortfall_penalties(self) -> pd.Series:
        """Penalty per unit of unmet demand, per commodity.

        Default: ``shortfall_penalty_factor`` (10) times the commodity's full
        cost, the dearest supplier's delivered cost plus the full cost of the
        inputs one unit consumes. So a shortfall always costs more than buying
        anything that could fill it. If that full cost is 0 the penalty is 1.
        A row that can sell beyond its ``today`` volume sells its dearest unit at
        (1 + switching premium) x its delivered cost. Every row counts, whatever its
        status, so the penalty does not change with ``include_status``.
        """
        ids = self.commodities["commodity"].tolist()
        dearest: dict[str, float] = {}
        unit = self.delivered_cost().to_numpy(float)
        beyond = self.supply["capacity"].to_numpy(float) > self.supply["today"].to_numpy(float)
        unit = np.where(beyond, unit * (1.0 + self.row_premiums()), unit)
        for k, c in zip(self.supply["commodity"].tolist(), unit.tolist(), strict=True):
            if c > dearest.get(k, -np.inf):
                dearest[k] = c
        inputs: dict[str, list[tuple[str, float]]] = {}
        for p, i, q in self.recipes[["product", "input", "quantity"]].itertuples(index=False):
            inputs.setdefault(p, []).append((i, q))
        full: dict[str, float] = {}

        def full_cost(k: str) -> float:
            # inputs before products, with an explicit stack: recipe chains can be
            # deeper than Python's recursion limit
            stack = [k]
            while stack:
                top = stack[-1]
                if top in full:
                    stack.pop()
                    continue
                todo = [i for i, _ in inputs.get(top, []) if i not in full]
                if todo:
                    stack.extend(todo)
                    continue
                full[top] = float(dearest.get(top, 0.0)) + sum(
                    q * full[i] for i, q in inputs.get(top, [])
                )
                stack.pop()
            return full[k]

        factor = self.policy.shortfall_penalty_factor
        out = []
        for k, own in zip(ids, self.commodities["shortfall_penalty"].tolist(), strict=True):
            if not np.isnan(own):
                out.append(own)
            else:
                fc = full_cost(k)
                out.append(factor * fc if fc > 0 else 1.0)
        return pd.Series(out, index=ids, dtype=float)

    def rule_countries(self, rule: ShareRule) -> set[str] | None:
        """Countries a rule's subject covers (the union of its members); None for 'each'."""
        members = rule.members
        if members == [EACH]:
            return None
        groups = self.groups() if any(m.startswith(GROUP_PREFIX) for m in members) else {}
        out: set[str] = set()
        for who in members:
            if who.startswith(GROUP_PREFIX):
                out |= groups.get(who.removeprefix(GROUP_PREFIX), set())
            else:
                out.add(who)
        return out

    def rule_commodities(self, rule: ShareRule) -> list[str]:
        """Commodities a rule covers, in table order."""
        ids = list(self.commodities["commodity"])
        if rule.commodities is not None:
            wanted = set(rule.commodities)
            out = [k for k in ids if k in wanted or self.base_id(k) in wanted]
        elif rule.stage is not None:
            out = [
                k for k, s in zip(ids, self.commodities["stage"], strict=True) if s == rule.stage
            ]
        else:
            out = ids
        if self.horizon is not None and (rule.from_year is not None or rule.to_year is not None):
            first = rule.from_year if rule.from_year is not None else -math.inf
            last = rule.to_year if rule.to_year is not None else math.inf
            out = [k for k in out if first <= self.horizon.of[k][1] <= last]
        return out

    def base_id(self, k: str) -> str:
        """The commodity a commodity-year belongs to (``gallium`` for ``gallium.2027``);
        ``k`` itself in a case without a horizon."""
        return k if self.horizon is None else self.horizon.of[k][0]
