"""Fast re-solves: change values in the kept HiGHS model and solve again.

The Pyomo model stays the single formulation; after one solve through Pyomo we
look up which HiGHS column and row each Pyomo variable and constraint became,
and from then on push only the values that changed (bounds, costs, right-hand
sides, the coefficients that hold a share) straight into HiGHS. This skips
Pyomo's per-solve change detection, which dominates re-solve time.

Every point starts from the same stored basis (the base optimum), so the answer
for a point never depends on which points ran before it on the same worker:
serial, multi-process and cluster runs give identical results.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from model.build import ModelData
from model.case import CHINA
from model.errors import SolveError
from model.solve import Solver


@dataclass
class PointSolution:
    """Primal values of one re-solve, as arrays aligned with ModelData.rows/commodities."""

    objective: float
    x: np.ndarray
    shortfall: np.ndarray


class Resolver:
    """Drive the HiGHS instance a `Solver` keeps, with values from a `ModelData`."""

    def __init__(self, solver: Solver) -> None:
        self.solver = solver
        solver.run()  # one solve through Pyomo: structure and index maps are now fixed
        m, hs = solver.model, solver.highs
        self.h: highspy.Highs = hs._solver_model
        self.h.setOptionValue("output_flag", False)
        vmap, cmap = hs._pyomo_var_to_solver_var_map, hs._pyomo_con_to_solver_con_map
        d = m.data
        self.rows = d.rows
        self.commodities = d.commodities
        self.xcol = np.array([vmap[id(m.x[r])] for r in d.rows], dtype=np.int32)
        self.scol = np.array([vmap[id(m.shortfall[k])] for k in d.commodities], dtype=np.int32)
        self.bal_row = np.array([cmap[m.balance[k]] for k in d.commodities], dtype=np.int32)
        col_of = dict(zip(d.rows, self.xcol.tolist(), strict=True))
        # share rows: (row, [(col, is_member)]) per China cap commodity and per rule
        self.china: dict[str, tuple[int, list[tuple[int, bool]]]] = {
            k: (cmap[m.china_share[k]], [(col_of[k, n], n == CHINA) for n in d.suppliers[k]])
            for k in m.CAPPED
        }
        self.rule_rows: dict[tuple[str, int], list[tuple[int, list[tuple[int, bool]]]]] = {}
        for r, k in m.RULE_MAX:
            members = d.rules[r][1]
            self.rule_rows.setdefault(("max", r), []).append(
                (cmap[m.share_max[r, k]], [(col_of[k, n], n in members) for n in d.suppliers[k]])
            )
        for r, k, n0 in m.RULE_EACH:
            self.rule_rows.setdefault(("max", r), []).append(
                (cmap[m.share_each[r, k, n0]], [(col_of[k, n], n == n0) for n in d.suppliers[k]])
            )
        for r, k in m.RULE_MIN:
            members = d.rules[r][1] or set()
            self.rule_rows.setdefault(("min", r), []).append(
                (cmap[m.share_min[r, k]], [(col_of[k, n], n in members) for n in d.suppliers[k]])
            )
        self.current = self._values(d)
        self.basis = self.h.getBasis()

    @staticmethod
    def _values(d: ModelData) -> dict[str, object]:
        return {
            "capacity": np.array([d.capacity[r] for r in d.rows], dtype=float),
            "cost": np.array([d.cost[r] for r in d.rows], dtype=float),
            "demand": np.array([d.demand[k] for k in d.commodities], dtype=float),
            "penalty": np.array([d.penalty[k] for k in d.commodities], dtype=float),
            "china_cap": dict(d.china_cap),
            "rule_max": dict(d.rule_max),
            "rule_min": dict(d.rule_min),
        }

    def _set_share(self, row: int, entries: list[tuple[int, bool]], bound: float) -> None:
        for col, member in entries:
            self.h.changeCoeff(row, col, (1.0 if member else 0.0) - bound)

    def apply(self, d: ModelData) -> None:
        """Push the values of `d` that differ from what HiGHS holds now."""
        if d.rows != self.rows or d.commodities != self.commodities:
            raise SolveError("a re-solve cannot change which supply rows or commodities exist")
        new = self._values(d)
        cur = self.current
        h = self.h
        for name in ("capacity", "cost"):
            changed = np.flatnonzero(new[name] != cur[name])
            if changed.size:
                idx = self.xcol[changed]
                if name == "capacity":
                    h.changeColsBounds(
                        idx.size, idx, np.zeros(idx.size), new[name][changed].astype(float)
                    )
                else:
                    h.changeColsCost(idx.size, idx, new[name][changed].astype(float))
        changed = np.flatnonzero(new["demand"] != cur["demand"])
        if changed.size:
            dem = new["demand"][changed]
            h.changeRowsBounds(changed.size, self.bal_row[changed], dem, dem)
            h.changeColsBounds(changed.size, self.scol[changed], np.zeros(changed.size), dem)
        changed = np.flatnonzero(new["penalty"] != cur["penalty"])
        if changed.size:
            h.changeColsCost(changed.size, self.scol[changed], new["penalty"][changed])
        for k, cap in new["china_cap"].items():
            if k in self.china and cap != cur["china_cap"][k]:
                self._set_share(*self.china[k], cap)
        for kind in ("max", "min"):
            key = f"rule_{kind}"
            if set(new[key]) != set(cur[key]):
                raise SolveError(f"a re-solve cannot add or remove a rule's {kind}_share")
            for r, bound in new[key].items():
                if bound != cur[key][r]:
                    for row, entries in self.rule_rows.get((kind, r), []):
                        self._set_share(row, entries, bound)
        self.current = new
        self._sync_pyomo(d)

    def _sync_pyomo(self, d: ModelData) -> None:
        """Keep the Pyomo model's mutable values equal to what HiGHS holds."""
        m = self.solver.model
        for r in d.rows:
            m.capacity[r] = d.capacity[r]
            m.cost[r] = d.cost[r]
        for k in d.commodities:
            m.demand[k] = d.demand[k]
            m.penalty[k] = d.penalty[k]
            m.china_cap[k] = d.china_cap[k]
        for r, v in d.rule_max.items():
            m.rule_max[r] = v
        for r, v in d.rule_min.items():
            m.rule_min[r] = v
        m.data = d

    def relaxed(self, d: ModelData) -> ModelData:
        """The same values with every China cap at 1 and rules made slack (no share rules)."""
        return ModelData(
            **{
                **d.__dict__,
                "china_cap": dict.fromkeys(d.china_cap, 1.0),
                "rule_max": dict.fromkeys(d.rule_max, 1.0),
                "rule_min": dict.fromkeys(d.rule_min, 0.0),
            }
        )

    def solve(self) -> PointSolution:
        """Solve from the stored base basis and return the primal solution."""
        h = self.h
        h.clearSolver()  # drop factorization, edge weights, perturbations: no history
        h.setBasis(self.basis)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolveError(f"HiGHS did not reach an optimum: {h.modelStatusToString(status)}")
        cols = np.asarray(h.getSolution().col_value)
        return PointSolution(
            objective=float(h.getInfo().objective_function_value),
            x=cols[self.xcol],
            shortfall=cols[self.scol],
        )
