"""The linear program, in Pyomo: one small function per constraint family.

Notation (all per year):
  k, p, q   commodities (products at any stage)     n   supplying countries
  x[k,n]    quantity of k bought from n              s[k] shortfall of k (unmet demand)
  S[k]      supplied quantity of k, a variable defined by S[k] = sum_n x[k,n]
  a[q,p]    units of input p consumed per unit of product q (recipes)
  N[k]      need of k, a constant: demand[k] + sum_q a[q,k] * N[q], the direct demand plus
            what full downstream demand would consume; caps and rules with basis "need"
            bound shares of it
  today[k,n]  what the buyer takes from row (k,n) today; p[k,n] its switching premium
  e[k,n]    quantity bought from (k,n) beyond today, at (1 + p[k,n]) x its delivered cost
            (rows with p > 0 only)
  U         unmet need, sum_k s[k] / demand[k] (shortage = "proportional" only): minimised
            first, then held while cost is minimised (`define_unmet`)
  L[k], b[k], r[k]  a stockpile's level at the end of commodity-year k, what is bought into
            it and released from it that year (horizon cases with stockpile.csv only,
            `define_stockpile`)

A case with a ``[horizon]`` arrives expanded into commodity-years (``model.case.horizon``):
every k above is a commodity in one year, and its objective terms carry that year's
discount factor f[k] = (1 + r)^-(year - base_year) (``ModelData.discount``, empty when r = 0).

S[k] is a variable of its own so that every share row holds it once: a cap
row has two terms instead of one per supplier, which keeps the matrix sparse
and lets a sweep change a cap by changing a single coefficient.

`build_model` reads as the list of families. Rows are built as
`LinearExpression`s from plain lists (no operator overloading per term), since
Pyomo's per-element work dominates build time on large cases.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from model.case import Case
from model.constants import CHINA
from model.optimization.data import (
    SHARE_EACH,
    SHARE_MAX,
    SHARE_MIN,
    ModelData,
    capped,
    in_order,
    objective_coefficients,
    rule_suppliers,
    share_rule_index,
    unmet_scale,
    unmet_weight,
)


def pair_set(m: pyo.ConcreteModel, name: str, pairs: list[tuple[str, str]]) -> pyo.Set:
    """``pyo.Set(initialize=pairs, dimen=2, ordered=True)``, without Pyomo normalising and
    checking each pair on the way in (1.4 s for 200,000 supply rows): these are distinct
    (str, str) tuples already, which it would store unchanged. Where Pyomo's set keeps its
    members otherwise, the ordinary construction."""
    out = pyo.Set(dimen=2, ordered=True)
    m.add_component(name, out)
    values = getattr(out, "_values", None)
    if isinstance(values, dict) and not values and hasattr(out, "_ordered_values"):
        values.update(dict.fromkeys(pairs))
        out._ordered_values = None
    else:  # pragma: no cover - another Pyomo's internals
        out.update(pairs)
    return out


def define_variables(m: pyo.ConcreteModel) -> None:
    """Capacity: 0 <= x[k,n] <= capacity[k,n]; shortfall: 0 <= s[k] <= demand[k]; S[k] >= 0.

    Capacity is a variable bound (its dual is the reduced cost of x). Shortfall
    is bounded by direct demand: what downstream production consumes must be
    supplied, never assumed, so a missing input shows up as downstream shortfall.
    """
    d = m.data
    m.x = pyo.Var(m.R, bounds=(0.0, None))
    m._x_list = list(m.x.values())  # x in supply-row order (iterating the component is slow)
    # the capacities are plain floats, which `setub` would store unchanged after checking
    # each (0.5 s at 200,000 rows): stored directly
    for v, ub in zip(m._x_list, in_order(d.capacity, d.rows), strict=True):
        v._ub = ub
    m.shortfall = pyo.Var(m.K, bounds=(0.0, None))
    for k in d.commodities:
        m.shortfall[k].setub(d.demand[k])
    m.S = pyo.Var(m.K, bounds=(0.0, None))


def _vars(m: pyo.ConcreteModel) -> dict[tuple[str, str], pyo.Var]:
    """x as a plain dict (indexing the Pyomo component per term is slow)."""
    if not hasattr(m, "_xv"):
        m._xv = dict(zip(m.data.rows, m._x_list, strict=True))
    return m._xv


def term(coef: object, var: pyo.Var) -> MonomialTermExpression:
    return MonomialTermExpression((coef, var))


def define_supplied(m: pyo.ConcreteModel) -> None:
    """Supplied quantity: sum_n x[k,n] - S[k] = 0."""
    S, by_k = m.S, {k: [] for k in m.data.commodities}
    for (k, _), v in zip(m.data.rows, m._x_list, strict=True):
        by_k[k].append(v)
    m.supplied = pyo.Constraint(
        m.K, rule=lambda m, k: (0.0, LinearExpression([*by_k[k], term(-1.0, S[k])]), 0.0)
    )


def define_stockpile(m: pyo.ConcreteModel) -> None:
    """Stockpile, for every commodity-year k with one (k- is the same commodity's previous
    year; before the first year the level is the initial holding L0):

      level:  L[k] - L[k-] - b[k] + r[k] = 0      (first year: L[k] - b[k] + r[k] = L0)
      bounds: floor[k] <= L[k],  0 <= b[k] <= max_buy[k],  0 <= r[k] <= max_release[k]

    and in k's balance row (`define_balance`) + r[k] - b[k]: a release meets demand as
    supply does, a purchase into the stock takes supply. The objective charges
    holding_cost[k] * L[k] (times k's discount factor). Without stockpile.csv the family
    is empty and the LP is the one without it.
    """
    d = m.data
    m.STOCK = pyo.Set(initialize=d.stock, ordered=True)
    m.stock_level = pyo.Var(m.STOCK, bounds=lambda m, k: (d.stock_floor[k], None))
    m.stock_buy = pyo.Var(m.STOCK, bounds=lambda m, k: (0.0, _finite(d.stock_max_buy[k])))
    m.stock_release = pyo.Var(m.STOCK, bounds=lambda m, k: (0.0, _finite(d.stock_max_release[k])))
    L, b, r = m.stock_level, m.stock_buy, m.stock_release

    def rule(m: pyo.ConcreteModel, k: str) -> tuple:
        before = [term(-1.0, L[d.stock_prev[k]])] if k in d.stock_prev else []
        rhs = d.stock_initial.get(k, 0.0)
        return (rhs, LinearExpression([L[k], *before, term(-1.0, b[k]), r[k]]), rhs)

    m.stock_balance = pyo.Constraint(m.STOCK, rule=rule)


def _finite(bound: float) -> float | None:
    """A variable bound: None for no limit (inf)."""
    return None if math.isinf(bound) else bound


def define_balance(m: pyo.ConcreteModel) -> None:
    """Balance: S[p] + s[p] - sum_q a[q,p] * S[q] = demand[p] for every commodity p.

    Without recipes this is the demand row S[k] + s[k] = demand[k]. A commodity-year with
    a stockpile adds + r[p] - b[p] (`define_stockpile`).
    """
    S, s, d = m.S, m.shortfall, m.data
    stock = set(d.stock)

    def rule(m: pyo.ConcreteModel, p: str) -> tuple:
        body = [S[p], s[p], *(term(-a, S[q]) for q, a in d.uses[p])]
        if p in stock:
            body += [m.stock_release[p], term(-1.0, m.stock_buy[p])]
        return (d.demand[p], LinearExpression(body), d.demand[p])

    m.balance = pyo.Constraint(m.K, rule=rule)


def define_china_share(m: pyo.ConcreteModel) -> None:
    """China cap: x[k,CHN] - cap[k] * S[k] <= 0 for every k China can supply.

    A share of the supplied mix, so an unmeetable cap lowers supply (raises
    shortfall) instead of making the LP infeasible. With ``china_cap_basis =
    "need"`` the share is of the constant need: x[k,CHN] <= cap[k] * N[k].
    """
    d = m.data
    m.CAPPED = pyo.Set(initialize=capped(d), ordered=True)
    xv, S, cap = _vars(m), m.S, m.china_cap
    if d.china_need:
        m.china_share = pyo.Constraint(
            m.CAPPED,
            rule=lambda m, k: (None, LinearExpression([xv[k, CHINA]]), cap[k] * d.need[k]),
        )
        return
    m.china_share = pyo.Constraint(
        m.CAPPED,
        rule=lambda m, k: (None, LinearExpression([xv[k, CHINA], term(-cap[k], S[k])]), 0.0),
    )


def define_share_rules(m: pyo.ConcreteModel) -> None:
    """Share rules, for each rule r and commodity k it covers (G = r's countries):

      max:  sum_{n in G} x[k,n] - max_share[r] * S[k] <= 0
      min:  sum_{n in G} x[k,n] - min_share[r] * S[k] >= 0
      each: x[k,n] - max_share[r] * S[k] <= 0            for every supplier n of k

    G is the union of the rule's countries and groups. For a rule with basis
    "need" (max only) the bound is a constant, a share of the need N[k]:

      max:  sum_{n in G} x[k,n] <= max_share[r] * N[k]   (rows with no supplier in G dropped)
      each: x[k,n] <= max_share[r] * N[k]

    A min share whose countries cannot supply k forces S[k] = 0: the rule is
    reported as what limits supply, which is the literal answer.
    """
    d, xv, S = m.data, _vars(m), m.S
    need = d.rule_need
    max_idx, each_idx, min_idx = share_rule_index(d)
    rmax, rmin = m.rule_max, m.rule_min
    # one shared -bound * S[k] term per (rule, commodity): rows reuse it
    pairs = dict.fromkeys([*max_idx, *((r, k) for r, k, _ in each_idx)])
    # supplied basis: a -bound * S[k] term; need basis: no term, the bound bound * N[k]
    s_max = {(r, k): [] if r in need else [term(-rmax[r], S[k])] for r, k in pairs}
    s_min = {(r, k): [term(-rmin[r], S[k])] for r, k in min_idx}

    def upper(r: int, k: str) -> object:
        return rmax[r] * d.need[k] if r in need else 0.0

    def group(r: int, k: str, s_terms: list[MonomialTermExpression]) -> LinearExpression:
        return LinearExpression([*(xv[k, n] for n in rule_suppliers(d, r, k)), *s_terms])

    m.add_component(
        SHARE_MAX,
        pyo.Constraint(max_idx, rule=lambda m, r, k: (None, group(r, k, s_max[r, k]), upper(r, k))),
    )
    m.add_component(
        SHARE_EACH,
        pyo.Constraint(
            each_idx,
            rule=lambda m, r, k, n: (
                None,
                LinearExpression([xv[k, n], *s_max[r, k]]),
                upper(r, k),
            ),
        ),
    )
    m.add_component(
        SHARE_MIN,
        pyo.Constraint(min_idx, rule=lambda m, r, k: (0.0, group(r, k, s_min[r, k]), None)),
    )


def define_tiers(m: pyo.ConcreteModel) -> None:
    """Two cost tiers per row: x[k,n] - e[k,n] <= today[k,n], e[k,n] >= 0.

    For the rows with a switching premium p[k,n] > 0, e is what is
    bought beyond today's volume; the objective charges it p[k,n] * cost[k,n] on top
    of cost[k,n] * x[k,n], so up to today a unit costs cost[k,n], beyond it
    (1 + p[k,n]) * cost[k,n]. At the optimum e = max(0, x - today). With no premium
    anywhere the family is empty and the LP is the one-tier model.
    """
    tiered = m.data.tiered
    pair_set(m, "TIER", tiered)
    m.e = pyo.Var(m.TIER, bounds=(0.0, None))
    xv, e, today = _vars(m), m.e, m.data.today
    m.tier = pyo.Constraint(
        m.TIER,
        rule=lambda m, k, n: (None, LinearExpression([xv[k, n], term(-1.0, e[k, n])]), today[k, n]),
    )


def define_buildout(m: pyo.ConcreteModel) -> None:
    """Build-out (horizon cases with buildout.csv): for each option (k, n) and year y from
    its from_year, b[k.y,n] >= 0 new capacity built in year y, b <= max_per_year[k,n];

      capacity:  x[k.y,n] - sum_{from_year <= t <= y} b[k.t,n] <= capacity[k.y,n]
      max_total: sum_y b[k.y,n] <= max_total[k,n]                (options that give it)

    For those rows x has no upper bound of its own (the capacity row replaces it). Built
    capacity is paid every year from the year it is built: the objective adds
    sum_y f[y] * annual_cost * sum_{t<=y} b[k.t,n] = sum_t annual_cost * (sum_{y>=t} f[y])
    * b[k.t,n] (f = discount factors, 1 without discounting). Empty without build options.
    """
    d = m.data
    m.BUILD = pyo.Set(initialize=d.build, dimen=2, ordered=True)
    m.b = pyo.Var(m.BUILD, bounds=(0.0, None))
    for r in d.build:
        m.b[r].setub(d.build_max[r])
    xv, b = _vars(m), m.b
    for r in d.build_rows:
        xv[r].setub(None)
    m.BUILD_CAP = pyo.Set(initialize=list(d.build_rows), dimen=2, ordered=True)
    m.build_cap = pyo.Constraint(
        m.BUILD_CAP,
        rule=lambda m, k, n: (
            None,
            LinearExpression([xv[k, n], *(term(-1.0, b[t]) for t in d.build_rows[k, n])]),
            d.capacity[k, n],
        ),
    )
    m.build_total = pyo.Constraint(
        range(len(d.build_total)),
        rule=lambda m, i: (
            None,
            LinearExpression([b[t] for t in d.build_total[i][0]]),
            d.build_total[i][1],
        ),
    )


def define_unmet(m: pyo.ConcreteModel) -> None:
    """Unmet need, for ``shortage = "proportional"``: U = sum_k s[k] / demand[k].

    Each commodity's unmet direct demand as a share of it (commodities with demand
    0 have s[k] = 0 and add nothing), so every commodity weighs the same whatever
    its unit or price. The row holds m * U <= m * n_K, with m the geometric mean of
    the positive demands (`unmet_scale`), so its coefficients m / demand[k] sit
    around 1 whatever the units (HiGHS drops matrix entries below 1e-9: 1 / demand
    would vanish for a demand above 1e9). Its bound (every commodity fully short)
    never binds as built: the solver minimises U first, then holds the row at U*
    while it minimises cost (`model.optimization.highs.Solver._run`). Under
    ``"penalty"`` the row does not exist and the model is the single-objective one.
    """
    d = m.data
    if m.shortage != "proportional" or not d.commodities:
        return
    scale = m.unmet_scale = unmet_scale([d.demand[k] for k in d.commodities])
    s = m.shortfall
    body = LinearExpression(
        constant=0.0,
        linear_coefs=[unmet_weight(d.demand[k], scale) for k in d.commodities],
        linear_vars=[s[k] for k in d.commodities],
    )
    m.unmet = pyo.Constraint(expr=(None, body, scale * len(d.commodities)))


def define_objective(m: pyo.ConcreteModel) -> None:
    """Minimize sum_{k,n} cost[k,n] * x[k,n] + sum_k penalty[k] * s[k]
    + sum_{tiered k,n} p[k,n] * cost[k,n] * e[k,n] + sum_{stock k} holding_cost[k] * L[k]
    (+ the build-out's, `define_buildout`).

    In a horizon case with a discount rate, each term of commodity-year k is multiplied
    by its discount factor f[k] = (1 + r)^-(year - base_year): the objective is a
    present value."""
    d = m.data
    tiered = list(m.TIER)
    builds = list(m.BUILD) if m.component("BUILD") is not None else []
    m.objective = pyo.Objective(
        expr=LinearExpression(
            constant=0.0,
            linear_coefs=[c for family in objective_coefficients(d, tiered) for c in family],
            linear_vars=[
                *m._x_list,
                *m.shortfall.values(),
                *(m.e[r] for r in tiered),
                *(m.stock_level[k] for k in d.stock),
                *(m.b[r] for r in builds),
            ],
        ),
        sense=pyo.minimize,
    )


def build_model(case: Case, data: ModelData | None = None) -> pyo.ConcreteModel:
    """Build the sourcing LP for a validated case (with ``data``: from those values, which
    `ModelData.from_case` made from it).

    Capacity, cost, demand and penalty enter as numbers; the share bounds (China
    caps and rule bounds), which sit inside constraint coefficients, are mutable
    Params. `model.optimization.lp.assemble` builds the same LP as HiGHS arrays
    directly (the solver's default; tests/test_solver.py holds the two equal), and
    `model.optimization.highs.Solver` keeps ``m.data`` and the Params current when
    it has built this model.
    """
    d = ModelData.from_case(case) if data is None else data
    m = pyo.ConcreteModel(name=case.name)
    m.data = d
    m.shortage = case.policy.shortage
    m.K = pyo.Set(initialize=d.commodities, ordered=True)
    pair_set(m, "R", d.rows)
    m.china_cap = pyo.Param(m.K, initialize=d.china_cap, mutable=True)
    m.rule_max = pyo.Param(list(d.rule_max), initialize=d.rule_max, mutable=True)
    m.rule_min = pyo.Param(list(d.rule_min), initialize=d.rule_min, mutable=True)

    define_variables(m)
    define_supplied(m)
    define_stockpile(m)
    define_balance(m)
    define_china_share(m)
    define_share_rules(m)
    define_tiers(m)
    define_buildout(m)
    define_unmet(m)
    define_objective(m)
    return m
