"""The values of the LP, prepared once from a case: `ModelData`, and what both ways of
building the LP read from it in the same order (the Pyomo model, `model.optimization.build`,
and its HiGHS arrays, `model.optimization.lp`): the share-rule rows, the China-capped
commodities, the objective's coefficients and the unmet-need row's weights.

No Pyomo here: a solve that assembles the arrays directly never imports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model.case import Case
from model.constants import CHINA

# The share-rule constraint families, named once: the model's components (m.share_max, ...)
# and the bound each row holds. `highs` finds their rows by these names, `results` reports them.
SHARE_MAX, SHARE_EACH, SHARE_MIN = "share_max", "share_each", "share_min"
SHARE_FAMILIES = {SHARE_MAX: "max", SHARE_EACH: "max", SHARE_MIN: "min"}


@dataclass
class ModelData:
    """Plain Python data for the model, prepared once from a validated case."""

    commodities: list[str]
    rows: list[tuple[str, str]]  # supply rows (k, n), in supply.csv order
    suppliers: dict[str, list[str]]
    capacity: dict[tuple[str, str], float]
    cost: dict[tuple[str, str], float]
    demand: dict[str, float]
    penalty: dict[str, float]
    china_cap: dict[str, float]
    uses: dict[str, list[tuple[str, float]]]  # input p -> [(product q, a[q,p])]
    inputs: dict[str, list[tuple[str, float]]]  # product q -> [(input p, a[q,p])]
    # share rules expanded: rule index -> (label, subject countries or None for each, commodities)
    rules: list[tuple[str, set[str] | None, list[str]]] = field(default_factory=list)
    rule_max: dict[int, float] = field(default_factory=dict)
    rule_min: dict[int, float] = field(default_factory=dict)
    rule_need: set[int] = field(default_factory=set)  # rules whose shares are of need
    china_need: bool = False  # China caps are shares of need
    need: dict[str, float] = field(default_factory=dict)  # N[k], when a basis uses it
    # supply tiers: today's volume per row, and the row's switching premium (0 = one tier)
    today: dict[tuple[str, str], float] = field(default_factory=dict)
    premium: dict[tuple[str, str], float] = field(default_factory=dict)
    # rows whose status policy.include_status leaves out (capacity 0 here) -> their status
    excluded: dict[tuple[str, str], str] = field(default_factory=dict)
    # a horizon case: per commodity-year, (1 + r)^-(year - base_year), the factor on its costs
    # and penalty in the objective (empty: no discounting)
    discount: dict[str, float] = field(default_factory=dict)
    # a stockpile (horizon cases with stockpile.csv): the commodity-years with one, each
    # commodity's years in order; the previous year of each but the first; the initial
    # holding before each first year; per commodity-year the limits (inf: none), the
    # holding cost per unit held at the year's end and the floor
    stock: list[str] = field(default_factory=list)
    stock_prev: dict[str, str] = field(default_factory=dict)
    stock_initial: dict[str, float] = field(default_factory=dict)
    stock_max_buy: dict[str, float] = field(default_factory=dict)
    stock_max_release: dict[str, float] = field(default_factory=dict)
    stock_holding: dict[str, float] = field(default_factory=dict)
    stock_floor: dict[str, float] = field(default_factory=dict)
    # build-out (horizon cases with buildout.csv; `define_buildout`): rows (k.y, n) with a
    # build variable b, its most per year, its objective coefficient (annual cost times the
    # discount factors of its year and every later one), its annual cost undiscounted;
    # rows whose capacity the cumulative build adds to -> the build rows up to its year;
    # max_total limits: (build rows, most in total)
    build: list[tuple[str, str]] = field(default_factory=list)
    build_max: dict[tuple[str, str], float] = field(default_factory=dict)
    build_cost: dict[tuple[str, str], float] = field(default_factory=dict)
    build_annual: dict[tuple[str, str], float] = field(default_factory=dict)
    build_rows: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    build_total: list[tuple[list[tuple[str, str]], float]] = field(default_factory=list)

    @property
    def tiered(self) -> list[tuple[str, str]]:
        """Rows that sell beyond today at a premium: every row with p > 0.

        Also those whose capacity is at most today (or 0) now: a sweep may scale a
        capacity above today and a probe adds a unit of capacity, and the model's
        structure is fixed when it is built.
        """
        return [r for r in self.rows if self.premium.get(r, 0.0) > 0]

    @classmethod
    def from_case(cls, case: Case, like: tuple[Case, ModelData] | None = None) -> ModelData:
        """Values for the model from a case.

        With ``like=(base_case, base_data)``, tables that are the very objects
        of the base case are not read again: their values are shared with
        ``base_data`` (sweeps change a few values of one case many times).
        """
        if like is not None:
            base_case, base = like
            same_supply = case.supply is base_case.supply
            same_commodities = case.commodities is base_case.commodities
            same_tiers = (
                case.policy.switching_premium == base_case.policy.switching_premium
                and case.policy.include_status == base_case.policy.include_status
            )
            if (
                same_supply
                and same_commodities
                and same_tiers
                and case.recipes is base_case.recipes
            ):
                data = cls(
                    **{
                        **base.__dict__,
                        "china_cap": case.china_caps().to_dict(),
                        "china_need": case.policy.china_cap_basis == "need",
                        "rules": [],
                        "rule_max": {},
                        "rule_min": {},
                        "rule_need": set(),
                    }
                )
                data._add_rules(case)
                if not data.need:
                    data._add_need()
                if case.horizon is not None and (
                    case.horizon.stock is not base_case.horizon.stock
                    or case.horizon.buildout is not base_case.horizon.buildout
                ):  # a sweep of stock or build values: the same variables, new values
                    data._renew_options(case)
                return data
        # .tolist() first: iterating pandas columns element by element is slow at 10^5 rows
        ks = case.commodities["commodity"].tolist()
        s = case.supply
        rows = list(zip(s["commodity"].tolist(), s["country"].tolist(), strict=True))
        suppliers: dict[str, list[str]] = {k: [] for k in ks}
        for k, n in rows:
            suppliers[k].append(n)
        uses: dict[str, list[tuple[str, float]]] = {k: [] for k in ks}
        inputs: dict[str, list[tuple[str, float]]] = {k: [] for k in ks}
        for p, i, a in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
            uses[i].append((p, float(a)))
            inputs[p].append((i, float(a)))
        capacity = case.supply["capacity"].to_numpy(float)
        included = case.included()
        excluded = {}
        if not included.all():  # statuses left out by policy: no capacity, the row stays
            capacity = np.where(included, capacity, 0.0)
            status = case.supply["status"].tolist()
            excluded = {rows[i]: status[i] for i in np.flatnonzero(~included).tolist()}
        data = cls(
            commodities=ks,
            rows=rows,
            suppliers=suppliers,
            capacity=dict(zip(rows, capacity.tolist(), strict=True)),
            cost=dict(zip(rows, case.delivered_cost().to_numpy(float).tolist(), strict=True)),
            demand=dict(zip(ks, case.commodities["demand"].to_numpy(float).tolist(), strict=True)),
            penalty=case.shortfall_penalties().to_dict(),
            china_cap=case.china_caps().to_dict(),
            china_need=case.policy.china_cap_basis == "need",
            uses=uses,
            inputs=inputs,
            today=dict(zip(rows, case.supply["today"].to_numpy(float).tolist(), strict=True)),
            premium=dict(zip(rows, case.row_premiums().tolist(), strict=True)),
            excluded=excluded,
            discount=case.horizon.discount if case.horizon is not None else {},
        )
        data._add_rules(case)
        data._add_need()
        if case.horizon is not None and case.horizon.stock:
            data._add_stock(case)
        data._add_buildout(case)
        return data

    def _renew_options(self, case: Case) -> None:
        """The stock and build values anew from ``case`` (shared with a base until now)."""
        for name in ("stock", "build", "build_total"):
            setattr(self, name, [])
        for name in (
            "stock_prev",
            "stock_initial",
            "stock_max_buy",
            "stock_max_release",
            "stock_holding",
            "stock_floor",
            "build_max",
            "build_cost",
            "build_annual",
            "build_rows",
        ):
            setattr(self, name, {})
        if case.horizon.stock:
            self._add_stock(case)
        self._add_buildout(case)

    def _add_stock(self, case: Case) -> None:
        """The stockpile's values per commodity-year, from `model.case.core.Horizon.stock`."""
        hz = case.horizon
        assert hz is not None
        for k, v in hz.stock.items():
            prev = None
            for y in hz.years:
                i = f"{k}.{y}"
                self.stock.append(i)
                if prev is None:
                    self.stock_initial[i] = v["initial"]
                else:
                    self.stock_prev[i] = prev
                self.stock_max_buy[i] = math.inf if math.isnan(v["max_buy"]) else v["max_buy"]
                rel = v["max_release"]
                self.stock_max_release[i] = math.inf if math.isnan(rel) else rel
                self.stock_holding[i] = v["holding_cost"]
                self.stock_floor[i] = v["floor"]
                prev = i

    def _add_buildout(self, case: Case) -> None:
        """The build variables of a horizon case's build options (`define_buildout`)."""
        if case.horizon is None or not case.horizon.buildout:
            return
        h = case.horizon
        years = h.years
        f = {y: h.factor(y) if h.spec.discount_rate else 1.0 for y in years}
        for o in h.buildout:
            built = [(f"{o.commodity}.{y}", o.country) for y in years if y >= o.from_year]
            after = [y for y in years if y >= o.from_year]
            for i, r in enumerate(built):
                self.build.append(r)
                self.build_max[r] = o.max_per_year
                self.build_annual[r] = o.annual_cost
                self.build_cost[r] = o.annual_cost * math.fsum(f[y] for y in after[i:])
                self.build_rows[r] = built[: i + 1]
            if math.isfinite(o.max_total):
                self.build_total.append((built, o.max_total))

    def _add_rules(self, case: Case) -> None:
        for r, rule in enumerate(case.policy.rules):
            self.rules.append((rule.label, case.rule_countries(rule), case.rule_commodities(rule)))
            if rule.max_share is not None:
                self.rule_max[r] = rule.max_share
            if rule.min_share is not None:
                self.rule_min[r] = rule.min_share
            if rule.basis == "need":
                self.rule_need.add(r)

    def _add_need(self) -> None:
        """N[k] = demand[k] + sum_q a[q,k] * N[q] (recipes are acyclic), if a basis uses it."""
        if not (self.rule_need or self.china_need):
            return
        need: dict[str, float] = {}

        def of(k: str) -> float:
            if k not in need:
                need[k] = self.demand[k] + sum(a * of(q) for q, a in self.uses[k])
            return need[k]

        self.need = {k: of(k) for k in self.commodities}


def in_order(values: dict, keys: list) -> list:
    """``[values[k] for k in keys]``. Dicts made by ``zip(rows, ...)`` already hold ``keys``
    in that order: then their values as they are, after one list comparison (which checks
    identity first) instead of hashing every (commodity, country) tuple again."""
    if len(values) == len(keys) and list(values) == keys:
        return list(values.values())
    return list(map(values.__getitem__, keys))


def capped(d: ModelData) -> list[str]:
    """The commodities China can supply, in order: those with a China cap row."""
    return [k for k in d.commodities if (k, CHINA) in d.capacity]


def share_rule_index(
    d: ModelData,
) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]], list[tuple[int, str]]]:
    """The indices of the share-rule rows (`define_share_rules`), in order: max (rule,
    commodity), each (rule, commodity, supplier) and min (rule, commodity). A commodity
    without suppliers has none; a need-basis max row with no supplier in the rule's
    countries is dropped (it would hold 0 <= bound)."""
    need = d.rule_need
    max_idx = [
        (r, k)
        for r in d.rule_max
        for k in d.rules[r][2]
        if d.rules[r][1] is not None
        and d.suppliers[k]
        and (r not in need or any(n in d.rules[r][1] for n in d.suppliers[k]))
    ]
    each_idx = [
        (r, k, n)
        for r in d.rule_max
        for k in d.rules[r][2]
        if d.rules[r][1] is None
        for n in d.suppliers[k]
    ]
    min_idx = [(r, k) for r in d.rule_min for k in d.rules[r][2] if d.suppliers[k]]
    return max_idx, each_idx, min_idx


def rule_suppliers(d: ModelData, r: int, k: str) -> list[str]:
    """The suppliers of k among rule r's countries, in supply order: the x a max or min
    row of the rule sums (`build.define_share_rules`)."""
    subject = d.rules[r][1]
    return [n for n in d.suppliers[k] if n in subject]


def objective_coefficients(d: ModelData, tiered: list[tuple[str, str]]) -> list[list[float]]:
    """The objective's coefficients (`define_objective`), per family in its column order:
    x (cost), s (penalty), e (premium * cost), L (holding cost), b (build cost), each
    times its commodity-year's discount factor where the case discounts (the build
    cost has its factors in already)."""
    costs = in_order(d.cost, d.rows)
    penalties = in_order(d.penalty, d.commodities)
    premiums = [d.premium[r] * d.cost[r] for r in tiered]
    if d.discount:
        f = d.discount
        costs = [c * f[k] for c, (k, _) in zip(costs, d.rows, strict=True)]
        penalties = [c * f[k] for c, k in zip(penalties, d.commodities, strict=True)]
        premiums = [c * f[k] for c, (k, _) in zip(premiums, tiered, strict=True)]
    holding = [d.stock_holding[k] * (d.discount.get(k, 1.0)) for k in d.stock]
    return [costs, penalties, premiums, holding, [d.build_cost[r] for r in d.build]]


def unmet_scale(demands: list[float]) -> float:
    """m, the geometric mean of the positive demands (1 if none): the U row is held times m."""
    logs = [math.log(v) for v in demands if v > 0]
    return math.exp(math.fsum(logs) / len(logs)) if logs else 1.0


def unmet_weight(demand: float, scale: float) -> float:
    """m / demand[k], the coefficient of s[k] in the row m * U; 1 where demand is 0 (s[k] is
    then fixed at 0 and the weight unused; 1 keeps the entry for a later demand)."""
    return scale / demand if demand > 0 else 1.0
