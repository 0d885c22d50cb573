"""LP sensitivity of one solve: HiGHS cost and bound ranging.

For each supplier, the range of its unit cost over which the optimal basis
(and so the mix) stays the same; for each capacity, demand and China cap, the
range of that limit over which its shadow price holds. Ranges describe the
current optimal basis: at a degenerate optimum a range can be a single point
even though the mix would not change, so read them as guaranteed, not maximal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import highspy
import pandas as pd

from model.constants import CHINA
from model.errors import SolveError

if TYPE_CHECKING:
    from model.optimization.highs import Solution, Solver


def _num(v: float) -> float:
    """HiGHS uses +-1e30 style infinities; keep them as inf, round the rest."""
    if not math.isfinite(v) or abs(v) >= 1e29:
        return math.copysign(math.inf, v)
    return round(v, 6) + 0.0


def _per(v: float, f: float) -> float:
    """`_num` of a present value ``v`` in money of a year whose discount factor is ``f``."""
    return _num(v) if not math.isfinite(v) or abs(v) >= 1e29 else _num(v / f)


def ranging(solver: Solver, sol: Solution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cost ranges per supply row, limit ranges per capacity/demand/cap), from HiGHS.

    Call right after the solve whose basis it describes.
    """
    status, rg = solver.h.getRanging()
    if status != highspy.HighsStatus.kOk:  # no ranges rather than ranges of nothing
        raise SolveError("HiGHS could not compute ranging for the optimal basis")
    # each attribute access copies the whole vector from C++: take them once
    cost_dn, cost_up = list(rg.col_cost_dn.value_), list(rg.col_cost_up.value_)
    bound_dn, bound_up = list(rg.col_bound_dn.value_), list(rg.col_bound_up.value_)
    row_dn, row_up = list(rg.row_bound_dn.value_), list(rg.row_bound_up.value_)
    d = solver.data
    # a horizon case with a discount rate: HiGHS's costs, duals and their ranges are present
    # values; divided by the commodity-year's factor they are money of its year
    disc = d.discount or {}
    costs, limits = [], []
    for r, j in zip(d.rows, solver.xcol.tolist(), strict=True):
        f = disc.get(r[0], 1.0)
        costs.append(
            {
                "commodity": r[0],
                "country": r[1],
                "quantity": round(sol.x[r], 6) + 0.0,
                "unit_cost": d.cost[r],
                "cost_lower": _per(cost_dn[j], f),
                "cost_upper": _per(cost_up[j], f),
            }
        )
        cap, q = d.capacity[r], sol.x[r]
        if cap > 0 and q >= cap - 1e-7 * max(1.0, cap):
            limits.append(
                {
                    "limit": "capacity",
                    "commodity": r[0],
                    "country": r[1],
                    "value": cap,
                    "shadow_price": _per(-sol.reduced_cost[r], f),
                    "lower": _num(bound_dn[j]),
                    "upper": _num(bound_up[j]),
                }
            )
    for k, i in zip(d.commodities, solver.bal_row.tolist(), strict=True):
        limits.append(
            {
                "limit": "demand",
                "commodity": k,
                "country": "",
                "value": d.demand[k],
                "shadow_price": _per(sol.balance_dual[k], disc.get(k, 1.0)),
                "lower": _num(row_dn[i]),
                "upper": _num(row_up[i]),
            }
        )
    for k, i in solver.china_row.items():
        cap = d.china_cap[k]
        total = sum(sol.x[k, n] for n in d.suppliers[k])
        if cap >= 1.0 or total <= 0:
            continue
        share = sol.x[k, CHINA] / total
        row = {"limit": "china_cap", "commodity": k, "country": CHINA, "value": cap}
        if cap * total - sol.x[k, CHINA] > 1e-7 * max(1.0, total):
            # not binding: nothing changes for any cap down to China's current share
            row.update(shadow_price=0.0, lower=_num(share), upper=1.0, basis="exact")
        else:
            # the row is x_CHN - cap * S <= r (r = 0); moving r by dr is, to first order,
            # moving the cap by dr / S at the current supply S (S itself may move)
            lo, hi = row_dn[i], row_up[i]
            row.update(
                # per point
                shadow_price=_per(-0.01 * sol.china_dual[k] * total, disc.get(k, 1.0)),
                lower=_num(max(0.0, cap + lo / total)) if math.isfinite(lo) else 0.0,
                upper=_num(min(1.0, cap + hi / total)) if math.isfinite(hi) else 1.0,
                basis="first-order",
            )
        limits.append(row)
    limit_frame = pd.DataFrame(limits)
    if len(limit_frame):
        if "basis" not in limit_frame:
            limit_frame["basis"] = None
        limit_frame["basis"] = limit_frame["basis"].fillna("HiGHS ranging")
    return pd.DataFrame(costs), limit_frame
