"""Solving: a kept HiGHS instance, and the `solve` entry point notebooks use.

`Solver` owns one Pyomo model and one persistent HiGHS instance
(`pyomo.contrib.solver` 'highs'), so re-solves after changing mutable values
start from the last basis. `solve(case)` returns a `Result` whose tables are
pandas DataFrames.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from model.build import build_model
from model.case import CHINA, Case
from model.errors import InputError, SolveError
from model.ranging import ranging

# Tolerance for "at a bound" and for cleaning solver noise (relative to the bound's scale).
TOL = 1e-7


@dataclass
class Solution:
    """Raw values of one solve: primal, duals and reduced costs keyed by index."""

    objective: float
    x: dict[tuple[str, str], float]
    shortfall: dict[str, float]
    balance_dual: dict[str, float]
    china_dual: dict[str, float]
    reduced_cost: dict[tuple[str, str], float]
    rule_slack: dict[tuple, float] = field(default_factory=dict)
    seconds: float = 0.0


class Solver:
    """One model, one live HiGHS instance; change values and call `run` again."""

    def __init__(self, case: Case) -> None:
        self.case = case
        t0 = time.perf_counter()
        self.model = build_model(case)
        self.build_seconds = time.perf_counter() - t0
        self.highs = Highs()
        if not self.highs.available():
            raise SolveError("HiGHS (highspy) is not available; install the 'highspy' package")
        self.highs.config.raise_exception_on_nonoptimal_result = False
        self.highs.config.load_solutions = False
        self.highs.config.solver_options["threads"] = 1  # deterministic and cheap
        self.highs.config.solver_options["random_seed"] = 0

    def run(self, *, shares: bool = True) -> Solution:
        """Solve the model; with ``shares=False`` the China cap and share rules are off."""
        m = self.model
        for con in (m.china_share, m.share_max, m.share_each, m.share_min):
            con.activate() if shares else con.deactivate()
        t0 = time.perf_counter()
        res = self.highs.solve(m)
        seconds = time.perf_counter() - t0
        if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
            raise SolveError(
                f"HiGHS did not reach an optimum: {res.termination_condition.name} "
                f"(solution status {res.solution_status.name})"
            )
        res.solution_loader.load_vars()
        duals = res.solution_loader.get_duals()
        rc = res.solution_loader.get_reduced_costs()
        x = {r: float(m.x[r].value or 0.0) for r in m.R}
        sol = Solution(
            objective=float(res.incumbent_objective),
            x=x,
            shortfall={k: float(m.shortfall[k].value or 0.0) for k in m.K},
            balance_dual={k: float(duals.get(m.balance[k], 0.0)) for k in m.K},
            china_dual=(
                {k: float(duals.get(m.china_share[k], 0.0)) for k in m.CAPPED} if shares else {}
            ),
            reduced_cost={r: float(rc.get(m.x[r], 0.0)) for r in m.R},
            seconds=seconds,
        )
        if shares:
            for name in ("share_max", "share_each", "share_min"):
                con = getattr(m, name)
                for idx in con:
                    body = pyo.value(con[idx].body)
                    sol.rule_slack[(name, *idx)] = abs(body)
        return sol

    # --- exact one-sided changes, by re-solving the kept HiGHS model directly --------------
    # These bypass Pyomo (a probe changes one bound or one row in HiGHS, re-solves
    # warm-started and restores it), so dozens of probes cost milliseconds.
    def _probe(self, change, restore) -> tuple[float, list[float]] | None:
        h = self.highs._solver_model
        change(h)
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        out = (
            (h.getInfo().objective_function_value, list(h.getSolution().col_value)) if ok else None
        )
        restore(h)
        return out

    def _quiet(self) -> None:
        self.highs._solver_model.setOptionValue("output_flag", False)

    def _col(self, var) -> int:
        return self.highs._pyomo_var_to_solver_var_map[id(var)]

    def capacity_value(
        self, row: tuple[str, str], main: Solution, step: float = 1.0
    ) -> tuple[float, float, bool]:
        """Effect of `step` more units of capacity on one supply row, by re-solve (exact).

        Returns (objective saved per unit, supply cost saved per unit, whether any
        shortfall shrinks). When shortfall shrinks, the objective saving is mostly
        the shortfall penalty, a policy weight rather than a market price.
        """
        m = self.model
        self._quiet()
        j = self._col(m.x[row])
        ub = float(m.capacity[row].value)
        res = self._probe(
            lambda h: h.changeColBounds(j, 0.0, ub + step),
            lambda h: h.changeColBounds(j, 0.0, ub),
        )
        if res is None:
            return math.nan, math.nan, False
        objective, cols = res
        d = m.data
        cost = sum(d.cost[r] * cols[self._col(m.x[r])] for r in d.rows)
        main_cost = sum(d.cost[r] * main.x[r] for r in d.rows)
        relieved = any(
            cols[self._col(m.shortfall[k])] < main.shortfall[k] - 1e-7 * max(1.0, d.demand[k])
            for k in d.commodities
        )
        return (main.objective - objective) / step, (main_cost - cost) / step, relieved

    def cap_change(self, k: str, objective: float, step: float = 0.01) -> tuple[float, float]:
        """(objective change, shortfall change) if k's China cap were `step` tighter (exact)."""
        m = self.model
        self._quiet()
        row = self.highs._pyomo_con_to_solver_con_map[m.china_share[k]]
        cap = float(m.china_cap[k].value)
        new = max(0.0, cap - step)
        cols = [(self._col(m.x[k, n]), n == CHINA) for n in m.data.suppliers[k]]

        def set_cap(c: float):
            return lambda h: [h.changeCoeff(row, j, (1.0 - c) if chn else -c) for j, chn in cols]

        res = self._probe(set_cap(new), set_cap(cap))
        if res is None:
            return math.nan, math.nan
        s_col = self._col(m.shortfall[k])
        return res[0] - objective, res[1][s_col] - float(m.shortfall[k].value or 0.0)


@dataclass
class Result:
    """The answer to one case: tables as DataFrames, headline numbers as plain values."""

    case: Case
    status: str
    objective: float
    total_cost: float
    mix: pd.DataFrame
    commodities: pd.DataFrame
    stages: pd.DataFrame
    capacity_values: pd.DataFrame
    summary: dict[str, Any]
    timings: dict[str, float]
    cost_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)
    limit_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def total_shortfall_penalty(self) -> float:
        return float(self.summary["shortfall_penalty_cost"])

    def write(self, out: str = ".", *, name: str | None = None, force: bool = False):
        """Write the run folder ``<out>/solutions/<name>/``; see `model.output.write_run`."""
        from model.output import write_run

        return write_run(self, out, name=name, force=force)

    def __repr__(self) -> str:
        return (
            f"Result(case={self.case.name!r}, status={self.status!r}, "
            f"total_cost={self.total_cost:,.0f}, commodities={len(self.commodities)})"
        )


def solve(
    case: Case,
    max_china_share: float | None = None,
    *,
    compare: bool = True,
) -> Result:
    """Solve a case and return a `Result`.

    ``max_china_share`` overrides the case's default China cap (commodities
    with their own cap keep it). ``compare`` also solves the case without
    share rules (for the cost premium) and probes the optimum by re-solving:
    each China cap one point tighter and each binding capacity one unit larger.
    """
    from model.results import make_result

    if max_china_share is not None:
        if not 0.0 <= float(max_china_share) <= 1.0:
            raise InputError(f"max_china_share = {max_china_share} is outside [0, 1]")
        case = case.copy()
        case.policy.max_china_share = float(max_china_share)
    t0 = time.perf_counter()
    solver = Solver(case)
    uncapped = solver.run(shares=False) if compare else None
    main = solver.run()
    cost_ranges, limit_ranges = ranging(solver, main)  # describes this basis: before probes
    t1 = time.perf_counter()
    result = make_result(solver, main, uncapped, probe=compare)
    result.cost_ranges, result.limit_ranges = cost_ranges, limit_ranges
    result.timings.update(
        build=round(solver.build_seconds, 4),
        solve=round(t1 - t0 - solver.build_seconds, 4),
        report=round(time.perf_counter() - t1, 4),
    )
    return result
