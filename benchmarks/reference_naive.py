"""A naive Pyomo reference: the model as a first Pyomo script would write it.

Every constraint family is an indexed ``pyo.Constraint`` with a per-element
Python rule function building ``sum(...)`` expressions, parameters are plain
numbers baked into the expressions, and the model is solved through
``SolverFactory('appsi_highs')``. Nothing is kept between solves: a sweep of
101 China caps builds and solves 101 models. Same LP (and optimum) as the tool
and ``reference_highspy``; the data are read with ``reference_highspy.read_case``
(pandas), not with ``model/``.

    python benchmarks/reference_naive.py benchmarks/cases/S
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyomo.environ as pyo
from reference_highspy import CHINA, RefCase, china_caps, read_case, shortfall_penalties


def build(rc: RefCase, cap_default: float | None = None) -> pyo.ConcreteModel:
    """One ConcreteModel with rule-based constraints (China caps at `cap_default` if given)."""
    ids = [str(k) for k in rc.commodities]
    rows = [(ids[k], str(n)) for k, n in zip(rc.k_of, rc.country, strict=True)]
    capacity = dict(zip(rows, rc.capacity.tolist(), strict=True))
    cost = dict(zip(rows, rc.cost.tolist(), strict=True))
    demand = dict(zip(ids, rc.demand.tolist(), strict=True))
    penalty = dict(zip(ids, shortfall_penalties(rc).tolist(), strict=True))
    cap = dict(zip(ids, china_caps(rc, cap_default).tolist(), strict=True))
    stage = dict(zip(ids, rc.stage, strict=True))
    suppliers: dict[str, list[str]] = {k: [] for k in ids}
    for k, n in rows:
        suppliers[k].append(n)
    uses: dict[str, list[tuple[str, float]]] = {k: [] for k in ids}
    for q, p, a in zip(rc.r_product, rc.r_input, rc.r_qty, strict=True):
        uses[ids[p]].append((ids[q], float(a)))

    m = pyo.ConcreteModel(name=rc.name)
    m.K = pyo.Set(initialize=ids, ordered=True)
    m.R = pyo.Set(initialize=rows, dimen=2, ordered=True)
    m.x = pyo.Var(m.R, bounds=lambda m, k, n: (0.0, capacity[k, n]))
    m.s = pyo.Var(m.K, bounds=lambda m, k: (0.0, demand[k]))

    def supplied(m, k):
        return sum(m.x[k, n] for n in suppliers[k])

    def balance(m, p):
        downstream = sum(a * supplied(m, q) for q, a in uses[p])
        return supplied(m, p) + m.s[p] - downstream == demand[p]

    m.balance = pyo.Constraint(m.K, rule=balance)

    def china(m, k):
        if (k, CHINA) not in capacity:
            return pyo.Constraint.Skip
        return m.x[k, CHINA] - cap[k] * supplied(m, k) <= 0

    m.china = pyo.Constraint(m.K, rule=china)

    groups = rc.groups
    for r, rule in enumerate(rc.rules):
        if rule.get("commodities") is not None:
            covered = [k for k in ids if k in set(rule["commodities"])]
        elif rule.get("stage") is not None:
            covered = [k for k in ids if stage[k] == rule["stage"]]
        else:
            covered = list(ids)
        covered = [k for k in covered if suppliers[k]]
        who = rule["country"]
        if who == "each":
            if rule.get("max_share") is None:
                continue
            top = float(rule["max_share"])
            pairs = [(k, n) for k in covered for n in suppliers[k]]

            def each(m, k, n, top=top):
                return m.x[k, n] - top * supplied(m, k) <= 0

            m.add_component(f"rule{r}_each", pyo.Constraint(pairs, rule=each))
            continue
        members = groups.get(who[6:], set()) if who.startswith("group:") else {who}

        def share(m, k, members=members):
            return sum(m.x[k, n] for n in suppliers[k] if n in members)

        if rule.get("max_share") is not None:
            top = float(rule["max_share"])

            def at_most(m, k, top=top, share=share):
                return share(m, k) - top * supplied(m, k) <= 0

            m.add_component(f"rule{r}_max", pyo.Constraint(covered, rule=at_most))
        if rule.get("min_share") is not None:
            low = float(rule["min_share"])

            def at_least(m, k, low=low, share=share):
                return share(m, k) - low * supplied(m, k) >= 0

            m.add_component(f"rule{r}_min", pyo.Constraint(covered, rule=at_least))

    m.objective = pyo.Objective(
        expr=sum(cost[r] * m.x[r] for r in m.R) + sum(penalty[k] * m.s[k] for k in m.K),
        sense=pyo.minimize,
    )
    return m


def solve_model(m: pyo.ConcreteModel) -> float:
    opt = pyo.SolverFactory("appsi_highs")
    opt.highs_options = {"threads": 1, "random_seed": 0}
    res = opt.solve(m)
    if not pyo.check_optimal_termination(res):
        raise RuntimeError(f"HiGHS did not reach an optimum: {res.solver.termination_condition}")
    return float(pyo.value(m.objective))


@dataclass
class NaiveResult:
    objective: float
    timings: dict[str, float]


def solve(folder: str | Path | RefCase, cap_default: float | None = None) -> NaiveResult:
    """Read (unless given a RefCase), build and solve once."""
    t0 = time.perf_counter()
    rc = folder if isinstance(folder, RefCase) else read_case(folder)
    t1 = time.perf_counter()
    m = build(rc, cap_default)
    t2 = time.perf_counter()
    objective = solve_model(m)
    t3 = time.perf_counter()
    return NaiveResult(
        objective, {"read": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "total": t3 - t0}
    )


def sweep(folder: str | Path | RefCase, values: list[float]) -> tuple[list[float], float]:
    """Rebuild and solve for every case-default China cap; (objectives, seconds without read)."""
    rc = folder if isinstance(folder, RefCase) else read_case(folder)
    t0 = time.perf_counter()
    objectives = [solve(rc, v).objective for v in values]
    return objectives, time.perf_counter() - t0


def main(argv: list[str]) -> int:
    for folder in argv or ["benchmarks/cases/S"]:
        r = solve(folder)
        t = ", ".join(f"{k} {v:.3f}s" for k, v in r.timings.items())
        print(f"{folder}: objective {r.objective:.10g}; {t}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
