"""The linear program, in Pyomo: one small function per constraint family.

Notation (all per year):
  k, p, q   commodities (products at any stage)     n   supplying countries
  x[k,n]    quantity of k bought from n              s[k] shortfall of k (unmet demand)
  S[k]      = sum_n x[k,n], the supplied quantity of k
  a[q,p]    units of input p consumed per unit of product q (recipes)

`build_model` reads as the list of families. Values that sensitivity runs
change are mutable Params (capacity, cost, demand, penalty, caps, rule
bounds); the structure (which rows exist, recipes) is fixed at build time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo

from model.case import CHINA, Case


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

    @classmethod
    def from_case(cls, case: Case) -> ModelData:
        ks = list(case.commodities["commodity"])
        rows = list(zip(case.supply["commodity"], case.supply["country"], strict=True))
        suppliers: dict[str, list[str]] = {k: [] for k in ks}
        for k, n in rows:
            suppliers[k].append(n)
        uses: dict[str, list[tuple[str, float]]] = {k: [] for k in ks}
        inputs: dict[str, list[tuple[str, float]]] = {k: [] for k in ks}
        for p, i, a in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
            uses[i].append((p, float(a)))
            inputs[p].append((i, float(a)))
        data = cls(
            commodities=ks,
            rows=rows,
            suppliers=suppliers,
            capacity=dict(zip(rows, case.supply["capacity"].astype(float), strict=True)),
            cost=dict(zip(rows, case.delivered_cost().astype(float), strict=True)),
            demand=dict(zip(ks, case.commodities["demand"].astype(float), strict=True)),
            penalty=case.shortfall_penalties().to_dict(),
            china_cap=case.china_caps().to_dict(),
            uses=uses,
            inputs=inputs,
        )
        for r, rule in enumerate(case.policy.rules):
            data.rules.append((rule.label, case.rule_countries(rule), case.rule_commodities(rule)))
            if rule.max_share is not None:
                data.rule_max[r] = rule.max_share
            if rule.min_share is not None:
                data.rule_min[r] = rule.min_share
        return data


def supplied(m: pyo.ConcreteModel, k: str) -> pyo.Expression:
    """S[k] = sum_n x[k,n]."""
    return pyo.quicksum(m.x[k, n] for n in m.data.suppliers[k])


def define_variables(m: pyo.ConcreteModel) -> None:
    """Capacity: 0 <= x[k,n] <= capacity[k,n]; shortfall: 0 <= s[k] <= demand[k].

    Capacity is a variable bound (its dual is the reduced cost of x). Shortfall
    is bounded by direct demand: what downstream production consumes must be
    supplied, never assumed, so a missing input shows up as downstream shortfall.
    """
    m.x = pyo.Var(m.R, bounds=lambda m, k, n: (0.0, m.capacity[k, n]))
    m.shortfall = pyo.Var(m.K, bounds=lambda m, k: (0.0, m.demand[k]))


def define_balance(m: pyo.ConcreteModel) -> None:
    """Balance: S[p] + s[p] = demand[p] + sum_q a[q,p] * S[q] for every commodity p.

    Without recipes this is the demand row S[k] + s[k] = demand[k].
    """

    def rule(m: pyo.ConcreteModel, p: str) -> pyo.Expression:
        downstream = pyo.quicksum((a * supplied(m, q) for q, a in m.data.uses[p]), start=0.0)
        return supplied(m, p) + m.shortfall[p] - downstream == m.demand[p]

    m.balance = pyo.Constraint(m.K, rule=rule)


def define_china_share(m: pyo.ConcreteModel) -> None:
    """China cap: x[k,CHN] - cap[k] * S[k] <= 0 for every k China can supply.

    A share of the supplied mix, so an unmeetable cap lowers supply (raises
    shortfall) instead of making the LP infeasible.
    """
    m.CAPPED = pyo.Set(initialize=[k for k in m.K if (k, CHINA) in m.capacity], ordered=True)

    def rule(m: pyo.ConcreteModel, k: str) -> pyo.Expression:
        return m.x[k, CHINA] - m.china_cap[k] * supplied(m, k) <= 0.0

    m.china_share = pyo.Constraint(m.CAPPED, rule=rule)


def _rule_terms(m: pyo.ConcreteModel, r: int, k: str) -> list[str]:
    subject = m.data.rules[r][1]
    return [n for n in m.data.suppliers[k] if subject is None or n in subject]


def define_share_rules(m: pyo.ConcreteModel) -> None:
    """Share rules, for each rule r and commodity k it covers (G = r's countries):

      max:  sum_{n in G} x[k,n] - max_share[r] * S[k] <= 0
      min:  sum_{n in G} x[k,n] - min_share[r] * S[k] >= 0
      each: x[k,n] - max_share[r] * S[k] <= 0            for every supplier n of k

    A min share whose countries cannot supply k forces S[k] = 0: the rule is
    reported as what limits supply, which is the literal answer.
    """
    d = m.data
    max_idx = [
        (r, k)
        for r in d.rule_max
        for k in d.rules[r][2]
        if d.rules[r][1] is not None and d.suppliers[k]
    ]
    each_idx = [
        (r, k, n)
        for r in d.rule_max
        for k in d.rules[r][2]
        if d.rules[r][1] is None
        for n in d.suppliers[k]
    ]
    min_idx = [(r, k) for r in d.rule_min for k in d.rules[r][2] if d.suppliers[k]]
    m.RULE_MAX = pyo.Set(initialize=max_idx, dimen=2, ordered=True)
    m.RULE_EACH = pyo.Set(initialize=each_idx, dimen=3, ordered=True)
    m.RULE_MIN = pyo.Set(initialize=min_idx, dimen=2, ordered=True)

    def group(m: pyo.ConcreteModel, r: int, k: str) -> pyo.Expression:
        return pyo.quicksum((m.x[k, n] for n in _rule_terms(m, r, k)), start=0.0)

    m.share_max = pyo.Constraint(
        m.RULE_MAX, rule=lambda m, r, k: group(m, r, k) - m.rule_max[r] * supplied(m, k) <= 0.0
    )
    m.share_each = pyo.Constraint(
        m.RULE_EACH, rule=lambda m, r, k, n: m.x[k, n] - m.rule_max[r] * supplied(m, k) <= 0.0
    )
    m.share_min = pyo.Constraint(
        m.RULE_MIN, rule=lambda m, r, k: group(m, r, k) - m.rule_min[r] * supplied(m, k) >= 0.0
    )


def define_objective(m: pyo.ConcreteModel) -> None:
    """Minimize sum_{k,n} cost[k,n] * x[k,n] + sum_k penalty[k] * s[k]."""
    m.supply_cost = pyo.Expression(expr=pyo.quicksum((m.cost[r] * m.x[r] for r in m.R), start=0.0))
    m.penalty_cost = pyo.Expression(
        expr=pyo.quicksum((m.penalty[k] * m.shortfall[k] for k in m.K), start=0.0)
    )
    m.objective = pyo.Objective(expr=m.supply_cost + m.penalty_cost, sense=pyo.minimize)


def build_model(case: Case) -> pyo.ConcreteModel:
    """Build the sourcing LP for a validated case."""
    d = ModelData.from_case(case)
    m = pyo.ConcreteModel(name=case.name)
    m.data = d
    m.K = pyo.Set(initialize=d.commodities, ordered=True)
    m.R = pyo.Set(initialize=d.rows, dimen=2, ordered=True)
    m.capacity = pyo.Param(m.R, initialize=d.capacity, mutable=True)
    m.cost = pyo.Param(m.R, initialize=d.cost, mutable=True)
    m.demand = pyo.Param(m.K, initialize=d.demand, mutable=True)
    m.penalty = pyo.Param(m.K, initialize=d.penalty, mutable=True)
    m.china_cap = pyo.Param(m.K, initialize=d.china_cap, mutable=True)
    m.rule_max = pyo.Param(list(d.rule_max), initialize=d.rule_max, mutable=True)
    m.rule_min = pyo.Param(list(d.rule_min), initialize=d.rule_min, mutable=True)

    define_variables(m)
    define_balance(m)
    define_china_share(m)
    define_share_rules(m)
    define_objective(m)
    return m
