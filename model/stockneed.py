"""How large a stockpile covers a shortage: the least initial holding per commodity.

`stock_needed` answers, for a case with a ``[horizon]``: what would each commodity's
stock have to hold before the first year so that the years asked about have no more
unmet need than an unlimited stock would leave? It is one LP, the case's own, solved
in levels in one kept HiGHS instance (as `model.optimization.highs.Solver._run` does
for the proportional shortage policy):

0. the case as given (its stock, its shortage policy): the unmet need ``shortfall_without``
   of each commodity-year, and U_other, the unmet need in the other years of the horizon;
1. with ``extra[k] >= 0`` added to the initial holding of each selected commodity (its
   first year's stock balance ``L - b + r - extra = initial``): minimise U_years, the
   unmet need in the years asked about, holding U_other at most where step 0 left it (so
   that the stock is never filled by leaving another year short);
2. minimise sum_k extra[k], holding U_years at its minimum (plus the proportional
   policy's tolerance, `model.optimization.highs.unmet_tolerance`) and U_other as above;
3. the case's own costs (supply, holding, build, shortfall penalties), holding the extra
   at that minimum: which plan carries the needed stock (what is left short, where).

Unmet need is measured as the case's shortage policy measures it: under
``"proportional"`` sum s[k] / demand[k] (every commodity weighs the same), under
``"penalty"`` the shortfall penalties. Cost is kept out of the sizing (level 3 only
picks among the plans of least extra): a stock is sized by what it must cover, not by
what holding it costs. A commodity without a row in stockpile.csv gets one for this
computation: initial 0, no buy or release limits, holding cost 0.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterable

import highspy
import numpy as np
import pandas as pd

from model.case import Case
from model.case.horizon import year_id
from model.errors import InputError
from model.numbers import clean
from model.optimization.highs import INF, Solver, unmet_tolerance

COLUMNS = [
    "commodity",
    "initial",
    "needed",
    "extra",
    "held_at_start",
    "shortfall_without",
    "shortfall_left",
]
NO_STOCK = {"initial": 0.0, "max_buy": math.nan, "max_release": math.nan}
NO_STOCK |= {"holding_cost": 0.0, "floor": 0.0}


def _selection(
    case: Case, commodities: Iterable[str] | None, years: Iterable[int] | None
) -> tuple[list[str], list[int]]:
    """The commodities (as given) and years asked about, checked against the case."""
    hz = case.horizon
    if hz is None:
        raise InputError(
            "the stock needed is a question over years: the case needs a [horizon] in case.toml",
            case.files.get("case"),
            column="horizon",
        )
    known = list(dict.fromkeys(k for k, _ in hz.of.values()))
    picked = known if commodities is None else list(dict.fromkeys(commodities))
    for k in picked:
        if k not in known:
            raise InputError(f"unknown commodity '{k}'", "command line", column="commodity")
    if not picked:
        raise InputError("no commodity to size a stock for", "command line", column="commodity")
    asked = hz.years if years is None else sorted(set(int(y) for y in years))
    for y in asked:
        if y not in hz.years:
            raise InputError(
                f"year {y} is outside the horizon {hz.years[0]}-{hz.years[-1]}",
                "command line",
                column="years",
            )
    if not asked:
        raise InputError("no year to cover", "command line", column="years")
    return picked, asked


def with_stock(case: Case, commodities: Iterable[str]) -> Case:
    """``case`` with a stockpile row for each of ``commodities`` that has none (initial 0,
    no limits, no holding cost); the case itself when all have one."""
    hz = case.horizon
    assert hz is not None
    missing = [k for k in commodities if k not in hz.stock]
    if not missing:
        return case
    out = copy.copy(case)
    out.horizon = dataclasses.replace(
        hz, stock={**hz.stock, **{k: dict(NO_STOCK) for k in missing}}
    )
    return out


def _minimise(solver: Solver, cost: np.ndarray, what: str) -> np.ndarray:
    """Solve with ``cost`` as the objective (with the solver's retries); the columns' values."""
    h = solver.h
    n = h.getNumCol()
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    solver._solve(what)
    return np.asarray(h.getSolution().col_value)


def _hold(h: highspy.Highs, cols: np.ndarray, weights: np.ndarray, at_most: float) -> None:
    """Add the row sum_j weights[j] * column[j] <= at_most (plus the level tolerance)."""
    keep = weights != 0
    cols, weights = cols[keep], weights[keep]
    if cols.size:
        top = at_most + unmet_tolerance(abs(at_most))
        h.addRow(-INF, top, cols.size, cols.astype(np.int32), weights.astype(float))


def stock_needed(
    case: Case,
    *,
    commodities: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The least initial stock of each commodity that leaves no more unmet need in
    ``years`` (default: every year of the horizon) than an unlimited stock would.

    One row per commodity (``commodities``, default all, as given, not commodity-years):
    ``initial`` (stockpile.csv's, 0 without a row), ``needed`` (the initial holding
    required), ``extra = needed - initial``, ``shortfall_without`` (unmet need summed over
    ``years`` with the case's stock) and ``shortfall_left`` (what even the needed stock
    cannot cover, e.g. because of max_release). ``held_at_start`` is what that plan holds
    at the start of the first year asked: the initial holding plus what it buys before
    then from spare supply (an outage from 2027 may need little held today and much held
    on 1 January 2027). The levels are in the module docstring.
    A case without ``[horizon]`` is an `InputError`.
    """
    picked, asked = _selection(case, commodities, years)
    hz = case.horizon
    assert hz is not None
    sized = with_stock(case, picked)
    solver = Solver(sized)
    h, d = solver.h, solver.data
    n0 = h.getNumCol()
    real = np.array(h.getCols(n0, np.arange(n0, dtype=np.int32))[2], dtype=float)
    first = hz.years[0]

    # the rows the computation added (commodities without a stock) stay shut for level 0
    added = [k for k in picked if k not in hz.stock]
    stock_pos = {k: i for i, k in enumerate(d.stock)}
    shut = np.array(
        [
            solver.stock_cols[stock_pos[year_id(k, y)], j]
            for k in added
            for y in hz.years
            for j in (1, 2)
        ],
        dtype=np.int32,
    )
    if shut.size:
        h.changeColsBounds(shut.size, shut, np.zeros(shut.size), np.zeros(shut.size))
    solver._run("stock needed: the case as given")  # level 0, under the case's policy
    s0 = np.asarray(h.getSolution().col_value)[solver.scol]
    if shut.size:
        h.changeColsBounds(shut.size, shut, np.zeros(shut.size), np.full(shut.size, INF))
    if solver.u_row is not None:  # its U* held level 0's second solve; not the levels below
        h.changeRowBounds(solver.u_row, -INF, INF)

    # extra[k]: one column per commodity, in its first year's stock balance with -1
    rows = [solver.stock_balance_row[year_id(k, first)] for k in picked]
    for r in rows:
        h.addCol(0.0, 0.0, INF, 1, np.array([r], dtype=np.int32), np.array([-1.0]))
    n = h.getNumCol()
    extra_cols = np.arange(n0, n, dtype=np.int32)
    real = np.concatenate([real, np.zeros(n - n0)])

    # unmet need as the policy weighs it, per commodity-year; split by the years asked
    demand = solver.current["demand"]
    weight, _ = _weights(solver, real)
    year_of = np.array([hz.of[k][1] for k in d.commodities])
    inside = np.isin(year_of, asked)
    _hold(h, solver.scol[~inside], weight[~inside], float(weight[~inside] @ s0[~inside]))

    level1 = np.zeros(n)
    level1[solver.scol[inside]] = weight[inside]
    col = _minimise(solver, level1, "stock needed: least unmet need")
    _hold(h, solver.scol[inside], weight[inside], float(weight[inside] @ col[solver.scol[inside]]))
    level2 = np.zeros(n)
    level2[extra_cols] = 1.0
    col = _minimise(solver, level2, "stock needed: least extra stock")
    least = float(col[extra_cols].sum())
    _hold(h, extra_cols, np.ones(len(extra_cols)), least)
    col = _minimise(solver, real, "stock needed: least cost")

    s3 = col[solver.scol]
    base = np.array([hz.of[i][0] for i in d.commodities], dtype=object)
    out = []
    for k, j in zip(picked, extra_cols.tolist(), strict=True):
        at = np.flatnonzero(inside & (base == k))
        scale = float(demand[at].sum()) if at.size else 1.0
        initial = float(hz.stock.get(k, NO_STOCK)["initial"])
        extra = clean(max(0.0, float(col[j])), max(initial, scale))
        start = initial + extra
        if asked[0] > first:  # the level at the end of the year before
            start = float(col[solver.stock_cols[stock_pos[year_id(k, asked[0] - 1)], 0]])
        out.append(
            {
                "commodity": k,
                "initial": initial,
                "needed": clean(initial + extra, max(initial, scale)),
                "extra": extra,
                "held_at_start": clean(start, max(initial, scale)),
                "shortfall_without": clean(float(s0[at].sum()), scale),
                "shortfall_left": clean(float(s3[at].sum()), scale),
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


def _weights(solver: Solver, cost: np.ndarray) -> tuple[np.ndarray, float]:
    """Per commodity-year, the weight of a unit of unmet need as the shortage policy counts
    it (proportional: m / demand, m the U row's scale; penalty: the shortfall's cost as
    HiGHS holds it), and the size of one unit of unmet need in those weights."""
    demand = solver.current["demand"]
    if solver.u_row is not None:
        scale = solver.u_scale
        return np.divide(scale, demand, out=np.zeros(len(demand)), where=demand > 0), scale
    return cost[solver.scol], 1.0


def bridged_years(solver: Solver, base_shortfall: np.ndarray, years: list[int]) -> int:
    """How many of the outage ``years`` (consecutive), from the first, can be covered with
    no new unmet need, on ``solver`` holding the outage's values.

    Year n counts if some plan leaves no more unmet need (as the shortage policy weighs
    it) in all the years up to and including it (those before the outage too, so the stock
    is not filled by leaving an earlier year short) than ``base_shortfall`` (per
    commodity-year: the case without the outage) does. Each is a re-solve of the kept
    model with those shortfalls as the only cost; the real costs are put back after.
    """
    hz = solver.case.horizon
    assert hz is not None
    h, d = solver.h, solver.data
    n = h.getNumCol()
    cols = np.arange(n, dtype=np.int32)
    real = np.array(h.getCols(n, cols)[2], dtype=float)
    weight, unit = _weights(solver, real)
    year_of = np.array([hz.of[k][1] for k in d.commodities])
    if solver.u_row is not None:  # the last solve's U* does not bind these
        h.changeRowBounds(solver.u_row, -INF, INF)
    count = 0
    try:
        for y in years:
            within = year_of <= y
            cost = np.zeros(n)
            cost[solver.scol[within]] = weight[within]
            col = _minimise(solver, cost, "bridged years")
            got = float(weight[within] @ col[solver.scol[within]])
            ref = float(weight[within] @ base_shortfall[within])
            if got > ref + 1e-7 * max(unit, abs(ref)):
                break
            count += 1
    finally:
        h.changeColsCost(n, cols, real)
    return count
