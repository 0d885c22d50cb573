"""`solve`, the entry point notebooks and the CLI use for one case.

`solve(case)` builds a `model.optimization.highs.Solver` (the LP passed once to
a kept HiGHS instance), solves the case with and without
share rules, probes the optimum and returns a `Result`
(`model.optimization.results`) whose tables are pandas DataFrames.

Premiums are measured against two references: the case without share rules
(solved on the same instance) and "today", the root case of a scenario's
``base`` chain (`today_reference`), solved on its own.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from model._compat import pause_gc
from model.case import Case, load_today
from model.case.horizon import label_years
from model.case.restrictions import restricted_used
from model.errors import InputError
from model.optimization.highs import Solution, Solver
from model.optimization.ranging import ranging as run_ranging
from model.optimization.results import Reference, Result, make_result, reference
from model.output import canonical_inputs
from model.report.years import road
from model.stockneed import stock_needed

__all__ = ["Reference", "Result", "Solution", "Solver", "solve", "today_reference"]


# Above this many supply rows the per-row extras (one re-solve per binding
# capacity, HiGHS ranging) cost far more than the solve itself, so "auto" skips them.
DETAIL_ROWS = 5_000
# Probes re-solve once per binding cap and binding capacity: a horizon case has them
# in every year, so above this many commodities (commodity-years) "auto" skips them
# too (the shipped 2025-2035 case: 231, about 50 s of probes against 1 s of solve).
DETAIL_COMMODITIES = 100


def today_reference(case: Case) -> Reference:
    """ "Today" for premiums: `case` solved as given (main solve only, no probes)."""
    solver = Solver(case)
    return reference(solver, solver.run(), case.name)


def solve(
    case: Case,
    max_china_share: float | None = None,
    *,
    compare: bool = True,
    probes: bool | None = None,
    ranging: bool | None = None,
    today: Case | Reference | None = None,
) -> Result:
    """Solve a case and return a `Result`.

    ``max_china_share`` overrides the case's default China cap (commodities
    with their own cap keep it). ``compare`` also solves the case without
    share rules (for the premium over no share rules). ``probes`` re-solves the optimum with
    each China cap one point tighter and each binding capacity one unit larger
    (exact marginal values); ``ranging`` adds HiGHS cost and bound ranging.
    Both default to on for cases up to 5,000 supply rows (``None`` = auto), probes
    only up to 100 commodities (commodity-years in a horizon case).

    ``today`` is the reference for ``premium_vs_today``: a case (solved here) or a
    `Reference` already solved. By default it is the root case of a scenario's
    ``base`` chain, or for a case loaded directly the case itself as given
    (before ``max_china_share`` overrides its cap).
    """
    if today is None:
        today = load_today(case)
        if today is None and max_china_share is not None:
            today = case  # the case as given, without the override
    if max_china_share is not None:
        if not 0.0 <= float(max_china_share) <= 1.0:
            raise InputError(f"max_china_share = {max_china_share} is outside [0, 1]")
        case = case.copy()
        case.policy.max_china_share = float(max_china_share)
    small = len(case.supply) <= DETAIL_ROWS
    few = len(case.commodities) <= DETAIL_COMMODITIES
    probes = (compare and small and few) if probes is None else probes
    ranging = small if ranging is None else ranging
    t0 = time.perf_counter()
    solver = Solver(case)
    # HiGHS releases the GIL while it solves: serialize the inputs (for their hash and
    # the run folder) on the other core meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        inputs = pool.submit(canonical_inputs, case)
        uncapped = solver.run(shares=False) if compare else None
        main = solver.run()
        t1 = time.perf_counter()
        # ranging describes this basis, so it comes before the probes move HiGHS
        ranges = run_ranging(solver, main) if ranging else (pd.DataFrame(), pd.DataFrame())
        input_files = inputs.result()
    today_case = today if isinstance(today, Case) else None
    if today_case is not None:
        today = today_reference(today_case)
    with pause_gc():
        result = make_result(
            solver, main, uncapped, probe=probes, input_files=input_files, today=today
        )
    result.today_case = today_case
    result.cost_ranges, result.limit_ranges = (label_years(f, case) for f in ranges)
    if not case.restrictions.empty:  # only for cases that tag suppliers: others keep their bytes
        result.summary["restricted_used"] = restricted_used(case, result.mix)
    if case.horizon is not None:
        road_stock(case, result)
    result.summary["details"] = {"compare": compare, "probes": probes, "ranging": ranging}
    # how unmet need was shared (README "Shortage policy"); every solve above used it
    result.summary["policy"] = {"shortage": case.policy.shortage}
    # runs HiGHS solved only on a retry (model.optimization.highs.RETRIES); [] for most cases
    result.summary["solver"]["retries"] = solver.retries
    result.timings.update(
        build=round(solver.build_seconds, 4),
        solve=round(t1 - t0 - solver.build_seconds, 4),
        report=round(time.perf_counter() - t1, 4),
    )
    return result


def road_stock(case: Case, result: Result) -> None:
    """For a horizon run with caps that are met only from some year on: the least stock
    of the capped commodities that covers the years before (`stock_needed`), as
    ``summary["road"]``; the report says it in words. Nothing for other runs."""
    way = road(result.commodities)
    if way is None or way["met"] is None or not way["before"]:
        return
    need = stock_needed(case, commodities=way["commodities"], years=way["before"])
    need = need[(need["shortfall_without"] > 0) | (need["extra"] > 0)]
    result.summary["road"] = {
        "commodities": way["commodities"],
        "met_from": way["met"],
        "years_before": way["before"],
        "stock_needed": {
            str(r.commodity): {
                "initial": float(r.initial),
                "needed": float(r.needed),
                "shortfall_without": float(r.shortfall_without),
                "shortfall_left": float(r.shortfall_left),
            }
            for r in need.itertuples(index=False)
        },
    }
