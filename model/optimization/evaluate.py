"""Evaluate many variants of one case on a single built model.

An `Evaluator` builds the LP once, keeps its HiGHS instance, and for
each point applies the parameter values to a copy of the case, pushes the
changed numbers into HiGHS (`model.optimization.highs`) and re-solves warm. It returns a
compact record of plain lists and one array (the mix), so records travel
between processes, go into a JSON-lines checkpoint and come back bit-identical.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.case import Case
from model.case.params import Parameter, apply_values
from model.constants import CHINA
from model.optimization.data import ModelData
from model.optimization.highs import PointSolution, Solver, horizon_costs, relaxed

Point = list[tuple[Parameter, float]]
Record = dict[str, Any]


class Evaluator:
    """One model built once; `evaluate(point)` gives that point's record."""

    def __init__(self, case: Case, *, uncapped: bool = True) -> None:
        self.case = case
        self.uncapped = uncapped
        self.solver = Solver(case)
        self.base_data = self.solver.data
        d = self.solver.data
        kidx = {k: i for i, k in enumerate(d.commodities)}
        self.nk = len(d.commodities)
        self.row_k = self.solver.row_k  # supply row -> commodity position
        self.is_china = np.array([n == CHINA for _, n in d.rows], dtype=float)
        # downstream[p] = sum_q a[q,p] * supplied[q], as a matrix
        self.uses = np.zeros((self.nk, self.nk))
        for p, pairs in d.uses.items():
            for q, a in pairs:
                self.uses[kidx[p], kidx[q]] += a
        self._uncapped_cache: dict[tuple, dict[str, list[float]]] = {}
        # every point starts from the base optimum's basis; solved here, before any
        # point, so that forked workers inherit it instead of each solving it again
        self.solver.solve_base()

    def _aggregate(self, sol: PointSolution, d: ModelData) -> dict[str, list[float]]:
        # the costs of the point just solved, switching premiums included
        spend = self.solver.supply_costs(sol.x)
        supplied = np.bincount(self.row_k, weights=sol.x, minlength=self.nk)
        out = self._other_costs(sol, d)
        return {
            **out,
            "supplied": supplied.tolist(),
            "shortfall": sol.shortfall.tolist(),
            "cost": np.bincount(self.row_k, weights=spend, minlength=self.nk).tolist(),
            "china": np.bincount(
                self.row_k, weights=sol.x * self.is_china, minlength=self.nk
            ).tolist(),
            "downstream": (self.uses @ supplied).tolist(),
        }

    def _other_costs(self, sol: PointSolution, d: ModelData) -> dict[str, list[float]]:
        """A horizon case's stock holding and build-out costs per commodity-year
        (`horizon_costs`, undiscounted): part of the point's total. Keys only when the case
        has a stockpile / build-out, so other records stay as they were."""
        if not d.stock and not d.build:
            return {}
        holding, build = horizon_costs(d, sol.level, sol.build)
        out = {}
        for key, part, on in (("holding", holding, d.stock), ("build", build, d.build)):
            if on:
                out[key] = [part.get(k, 0.0) for k in d.commodities]
        return out

    def evaluate(self, point: Point, index: int = 0) -> Record:
        case = apply_values(self.case, point) if point else self.case
        d = ModelData.from_case(case, like=(self.case, self.base_data))
        record: Record = {"point": index, "values": [v for _, v in point]}
        if self.uncapped:
            key = tuple((p.text, v) for p, v in point if not p.is_policy)
            if key not in self._uncapped_cache:
                self.solver.apply(relaxed(d))
                base = self._aggregate(self.solver.solve_point(), d)
                self._uncapped_cache[key] = {
                    "uncapped_cost": base["cost"],
                    "uncapped_supplied": base["supplied"],
                    "uncapped_shortfall": base["shortfall"],
                    **{f"uncapped_{c}": base[c] for c in ("holding", "build") if c in base},
                }
            record.update(self._uncapped_cache[key])
        self.solver.apply(d)
        sol = self.solver.solve_point()
        record["objective"] = sol.objective
        record.update(self._aggregate(sol, d))
        record["cap"] = [d.china_cap[k] for k in d.commodities]
        record["demand"] = [d.demand[k] for k in d.commodities]
        record["penalty"] = [d.penalty[k] for k in d.commodities]
        nz = np.flatnonzero(sol.x > 0)
        # one (n, 3) array [row, quantity, unit cost]: pickles as one buffer between
        # processes (a list of lists cost more than the solve); the checkpoint writes lists
        cost = self.solver.current["cost"]
        if self.solver.tier_pos.size:  # a row's average unit cost over both of its tiers
            cost = np.where(
                sol.x > 0, self.solver.supply_costs(sol.x) / np.where(sol.x > 0, sol.x, 1.0), cost
            )
        record["mix"] = np.column_stack([nz, sol.x[nz], cost[nz]]).astype(float)
        return record
