"""The LP as HiGHS takes it, assembled directly from `ModelData`.

`model.optimization.build` states the LP in Pyomo, one function per constraint family.
This module makes the very arrays Pyomo's standard-form compiler makes of that model
(``LinearStandardFormCompiler().write(build_model(case), mixed_form=True)``), without
building Pyomo's per-element objects or walking their expressions, which took 60-80% of
a run's build: the same columns and rows in the same order, the same coefficients,
bounds, right-hand sides and costs, from the same Python numbers. `Solver` passes them
to HiGHS; ``Solver(case, compile="pyomo")`` passes Pyomo's compile instead, and
tests/test_solver.py holds the two equal entry for entry (shipped cases, scenarios,
benchmark cases and random cases), so HiGHS solves the same LP either way.

The order is Pyomo's: columns are whole variable components in the order the compiler
first meets them, the objective first (x, s, e, L, b: its terms), then S (in the
supplied rows), then the stockpile's buy and release columns (in its balance rows).
Rows are the constraint families in the order `build_model` declares them, each in its
index order; every row is an equality or one-sided, so each constraint is one row.
Zero coefficients are left out, as Pyomo leaves them out.

Share bounds (China caps, rule bounds) sit in the matrix as the coefficient of S[k], or
for basis "need" in the right-hand side, bound * N[k]. Both are assembled at
`PLACEHOLDER`, as `Solver` has Pyomo compile them (a bound of 0 would drop the entry
and a sweep could not set it later); the solver then puts the real bounds in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

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

INF = float("inf")  # highspy.kHighsInf
PLACEHOLDER = 0.5  # every share bound while the LP is assembled (see the module's docstring)


class CSC(NamedTuple):
    """A sparse matrix by column, named as scipy names them: column j's rows are
    ``indices[indptr[j]:indptr[j + 1]]`` (ascending) and its values ``data[...]``."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]


@dataclass
class LP:
    """The LP's arrays and where each family's columns and rows are.

    Column positions are aligned with `ModelData`: ``xcol`` with ``rows``, ``scol`` and
    ``Scol`` with ``commodities``, ``ecol`` with ``tiered``, ``stock_cols`` (L, buy,
    release) with ``stock``, ``bcol`` with ``build``. ``col_blocks`` and ``row_blocks``
    name each family's columns and rows with their indices as `build_model` names them
    (`column_keys`, `row_keys`).
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: CSC
    offset: float = 0.0
    row_k: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # x -> k
    # positions in ``rows`` of the tiered rows (``tiered``) and of the rows whose capacity
    # the build-out extends (``build_rows``)
    tier_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bcap_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    xcol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    scol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    Scol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    ecol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    stock_cols: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int32))
    bcol: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    bal_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    china_row: dict[str, int] = field(default_factory=dict)
    rule_index: list[tuple[tuple, int]] = field(default_factory=list)  # ((family, *index), row)
    tier_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    stock_row: dict[str, int] = field(default_factory=dict)  # every stock balance row
    bcap_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    btotal_row: list[int] = field(default_factory=list)
    u_row: int | None = None
    u_scale: float = 1.0
    col_blocks: list[tuple[str, list]] = field(default_factory=list)
    row_blocks: list[tuple[str, list]] = field(default_factory=list)

    def column_keys(self) -> list[tuple[str, Any]]:
        """(variable name in `build_model`, index) per column, in column order."""
        return [(name, i) for name, index in self.col_blocks for i in index]

    def row_keys(self) -> list[tuple[str, Any]]:
        """(constraint name in `build_model`, index) per row, in row order."""
        return [(name, i) for name, index in self.row_blocks for i in index]


class _Rows:
    """Rows in the making: their bounds, and the matrix entries as (row, column, value)."""

    def __init__(self) -> None:
        self.n = 0
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.i: list[np.ndarray] = []
        self.j: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.blocks: list[tuple[str, list]] = []

    def add(self, name: str, index: list, lower: Any, upper: Any) -> int:
        """Rows for ``index`` (bounds: arrays or one number each); the first one's position."""
        first, n = self.n, len(index)
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.blocks.append((name, index))
        self.n += n
        return first

    def entries(self, i: Any, j: Any, v: Any) -> None:
        i = np.asarray(i, dtype=np.int64)
        self.i.append(i)
        self.j.append(np.asarray(j, dtype=np.int64))
        self.v.append(np.broadcast_to(np.asarray(v, dtype=float), i.shape))


def assemble(d: ModelData, shortage: str) -> LP:
    """The LP `build_model` states, for values ``d`` and shortage policy ``shortage``."""
    # the rows with a premium (`ModelData.tiered`), found once with their positions
    premium = np.fromiter((d.premium.get(r, 0.0) for r in d.rows), dtype=float, count=len(d.rows))
    tier_pos = np.flatnonzero(premium > 0)
    tiered = [d.rows[i] for i in tier_pos.tolist()]
    nr, nk, nt, ns, nb = len(d.rows), len(d.commodities), len(tiered), len(d.stock), len(d.build)
    # the column layout: the objective's families, then S, then the stock's buy and release
    sizes = {"x": nr, "shortfall": nk, "e": nt, "stock_level": ns, "b": nb, "S": nk}
    sizes |= {"stock_buy": ns, "stock_release": ns}
    start = dict(zip(sizes, np.cumsum([0, *sizes.values()]).tolist(), strict=False))
    cols = {
        name: np.arange(start[name], start[name] + n, dtype=np.int32) for name, n in sizes.items()
    }
    n_col = sum(sizes.values())
    kidx = {k: i for i, k in enumerate(d.commodities)}
    row_k = np.array([kidx[k] for k, _ in d.rows], dtype=np.int64)
    out = LP(
        cost=np.zeros(n_col),
        col_lower=np.zeros(n_col),
        col_upper=np.full(n_col, INF),
        row_lower=np.zeros(0),
        row_upper=np.zeros(0),
        matrix=CSC(np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0), (0, 0)),
        row_k=row_k,
        tier_pos=tier_pos,
        xcol=cols["x"],
        scol=cols["shortfall"],
        Scol=cols["S"],
        ecol=cols["e"],
        stock_cols=np.stack([cols["stock_level"], cols["stock_buy"], cols["stock_release"]], 1),
        bcol=cols["b"],
        col_blocks=[
            ("x", d.rows),
            ("shortfall", d.commodities),
            ("e", tiered),
            ("stock_level", d.stock),
            ("b", d.build),
            ("S", d.commodities),
            ("stock_buy", d.stock),
            ("stock_release", d.stock),
        ],
    )
    _columns(out, d, tiered)
    rows = _Rows()
    _supplied(rows, out, d, row_k)
    _stockpile(rows, out, d)
    _balance(rows, out, d, kidx)
    pos = {r: i for i, r in enumerate(d.rows)} if (d.rules or nb) else {}
    _china_share(rows, out, d, pos, kidx)
    _share_rules(rows, out, d, pos, kidx)
    _tiers(rows, out, d, tiered)
    _buildout(rows, out, d, pos)
    if shortage == "proportional":
        _unmet(rows, out, d)
    out.row_lower = np.concatenate([np.zeros(0), *rows.lower])
    out.row_upper = np.concatenate([np.zeros(0), *rows.upper])
    out.row_blocks = rows.blocks
    out.matrix = _csc(rows, n_col)
    return out


def _columns(out: LP, d: ModelData, tiered: list[tuple[str, str]]) -> None:
    """Bounds (`define_variables`, `define_stockpile`, `define_buildout`) and costs
    (`define_objective`): 0 <= x <= capacity, 0 <= s <= demand, S, e >= 0,
    L >= floor, 0 <= buy <= max_buy, 0 <= release <= max_release, 0 <= b <= max_per_year."""
    out.col_upper[out.xcol] = in_order(d.capacity, d.rows)
    out.col_upper[out.scol] = in_order(d.demand, d.commodities)
    if d.stock:
        level, buy, release = out.stock_cols.T
        out.col_lower[level] = [d.stock_floor[k] for k in d.stock]
        out.col_upper[buy] = [d.stock_max_buy[k] for k in d.stock]
        out.col_upper[release] = [d.stock_max_release[k] for k in d.stock]
    if d.build:
        out.col_upper[out.bcol] = [d.build_max[r] for r in d.build]
    at = [out.xcol, out.scol, out.ecol, out.stock_cols[:, 0], out.bcol]
    for j, coefs in zip(at, objective_coefficients(d, tiered), strict=True):
        if len(j):
            out.cost[j] = coefs
    out.cost[out.cost == 0] = 0.0  # as Pyomo leaves zero costs out: no -0.0


def _supplied(rows: _Rows, out: LP, d: ModelData, row_k: np.ndarray) -> None:
    """sum_n x[k,n] - S[k] = 0 for every commodity k (`build.define_supplied`)."""
    first = rows.add("supplied", d.commodities, 0.0, 0.0)
    rows.entries(first + row_k, out.xcol, 1.0)
    rows.entries(first + np.arange(len(d.commodities)), out.Scol, -1.0)


def _stockpile(rows: _Rows, out: LP, d: ModelData) -> None:
    """L[k] - L[k-] - b[k] + r[k] = 0, the first year's = L0 (`build.define_stockpile`)."""
    if not d.stock:
        return
    rhs = [d.stock_initial.get(k, 0.0) for k in d.stock]
    first = rows.add("stock_balance", d.stock, rhs, rhs)
    at = {k: i for i, k in enumerate(d.stock)}
    level, buy, release = out.stock_cols.T
    i = first + np.arange(len(d.stock))
    out.stock_row = dict(zip(d.stock, i.tolist(), strict=True))
    rows.entries(i, level, 1.0)
    prev = [(first + at[k], level[at[p]]) for k, p in d.stock_prev.items()]
    if prev:
        rows.entries(*zip(*prev, strict=True), -1.0)
    rows.entries(i, buy, -1.0)
    rows.entries(i, release, 1.0)


def _balance(rows: _Rows, out: LP, d: ModelData, kidx: dict[str, int]) -> None:
    """S[p] + s[p] - sum_q a[q,p] * S[q] (+ r[p] - b[p]) = demand[p] (`build.define_balance`)."""
    demand = in_order(d.demand, d.commodities)
    first = rows.add("balance", d.commodities, demand, demand)
    out.bal_row = i = np.arange(first, first + len(d.commodities), dtype=np.int32)
    rows.entries(i, out.Scol, 1.0)
    rows.entries(i, out.scol, 1.0)
    uses = [(first + kidx[p], out.Scol[kidx[q]], -a) for p, us in d.uses.items() for q, a in us]
    if uses:
        rows.entries(*zip(*uses, strict=True))
    if d.stock:
        at = [first + kidx[k] for k in d.stock]
        rows.entries(at, out.stock_cols[:, 2], 1.0)
        rows.entries(at, out.stock_cols[:, 1], -1.0)


def _china_share(rows: _Rows, out: LP, d: ModelData, pos: dict, kidx: dict[str, int]) -> None:
    """x[k,CHN] - cap[k] * S[k] <= 0, or x[k,CHN] <= cap[k] * N[k] for basis "need"
    (`build.define_china_share`)."""
    ks = capped(d)
    if not pos:  # no rules or build-out needed every row's position: China's rows only
        pos = {r: i for i, r in enumerate(d.rows) if r[1] == CHINA}
    upper = [PLACEHOLDER * d.need[k] for k in ks] if d.china_need else 0.0
    first = rows.add("china_share", ks, -INF, upper)
    i = np.arange(first, first + len(ks))
    out.china_row = dict(zip(ks, i.tolist(), strict=True))
    rows.entries(i, out.xcol[[pos[k, CHINA] for k in ks]], 1.0)
    if not d.china_need:
        rows.entries(i, out.Scol[[kidx[k] for k in ks]], -PLACEHOLDER)


def _share_rules(rows: _Rows, out: LP, d: ModelData, pos: dict, kidx: dict[str, int]) -> None:
    """max: sum_{n in G} x[k,n] - max_share * S[k] <= 0; each: x[k,n] - max_share * S[k]
    <= 0; min: sum_{n in G} x[k,n] - min_share * S[k] >= 0; basis "need": the bound
    max_share * N[k] instead of the S term (`build.define_share_rules`)."""
    max_idx, each_idx, min_idx = share_rule_index(d)
    need = d.rule_need

    def upper(r: int, k: str) -> float:
        return PLACEHOLDER * d.need[k] if r in need else 0.0

    def family(name: str, index: list, lower: Any, upper: Any, members: Any) -> None:
        first = rows.add(name, index, lower, upper)
        i, j, v = [], [], []
        for at, idx in enumerate(index):
            k, xs, with_s = members(*idx)
            for n in xs:
                i.append(first + at)
                j.append(out.xcol[pos[k, n]])
                v.append(1.0)
            if with_s:
                i.append(first + at)
                j.append(out.Scol[kidx[k]])
                v.append(-PLACEHOLDER)
            out.rule_index.append(((name, *idx), first + at))
        if i:
            rows.entries(i, j, v)

    family(
        SHARE_MAX,
        max_idx,
        -INF,
        [upper(r, k) for r, k in max_idx],
        lambda r, k: (k, rule_suppliers(d, r, k), r not in need),
    )
    family(
        SHARE_EACH,
        each_idx,
        -INF,
        [upper(r, k) for r, k, _ in each_idx],
        lambda r, k, n: (k, [n], r not in need),
    )
    family(SHARE_MIN, min_idx, 0.0, INF, lambda r, k: (k, rule_suppliers(d, r, k), True))


def _tiers(rows: _Rows, out: LP, d: ModelData, tiered: list[tuple[str, str]]) -> None:
    """x[k,n] - e[k,n] <= today[k,n] for every row with a premium (`build.define_tiers`);
    ``out.tier_pos`` holds their positions in ``d.rows``."""
    first = rows.add("tier", tiered, -INF, [d.today[r] for r in tiered])
    out.tier_row = i = np.arange(first, first + len(tiered), dtype=np.int32)
    if not tiered:
        return
    rows.entries(i, out.xcol[out.tier_pos], 1.0)
    rows.entries(i, out.ecol, -1.0)


def _buildout(rows: _Rows, out: LP, d: ModelData, pos: dict) -> None:
    """x[k.y,n] - sum_{t <= y} b[k.t,n] <= capacity[k.y,n]; sum_y b[k.y,n] <= max_total
    (`build.define_buildout`)."""
    caps = list(d.build_rows)
    first = rows.add("build_cap", caps, -INF, [d.capacity[r] for r in caps])
    out.bcap_row = np.arange(first, first + len(caps), dtype=np.int32)
    out.bcap_pos = np.array([pos[r] for r in caps], dtype=np.int64)
    bpos = {r: i for i, r in enumerate(d.build)}
    i, j = [], []
    for at, r in enumerate(caps):
        for t in d.build_rows[r]:
            i.append(first + at)
            j.append(out.bcol[bpos[t]])
    if caps:
        rows.entries(out.bcap_row, out.xcol[out.bcap_pos], 1.0)
        rows.entries(i, j, -1.0)
    totals = list(range(len(d.build_total)))
    first = rows.add("build_total", totals, -INF, [most for _, most in d.build_total])
    out.btotal_row = [first + t for t in totals]
    i, j = [], []
    for t, (built, _) in enumerate(d.build_total):
        for r in built:
            i.append(first + t)
            j.append(out.bcol[bpos[r]])
    if i:
        rows.entries(i, j, 1.0)


def _unmet(rows: _Rows, out: LP, d: ModelData) -> None:
    """m * U = sum_k m / demand[k] * s[k] <= m * n_K, the proportional policy's row
    (`build.define_unmet`)."""
    if not d.commodities:
        return
    scale = out.u_scale = unmet_scale([d.demand[k] for k in d.commodities])
    out.u_row = rows.add("unmet", [None], -INF, scale * len(d.commodities))
    weights = [unmet_weight(d.demand[k], scale) for k in d.commodities]
    rows.entries(np.full(len(weights), out.u_row), out.scol, weights)


def _csc(rows: _Rows, n_col: int) -> CSC:
    """The matrix, canonical as Pyomo's compiler leaves it (scipy's ``tocsc``,
    ``sum_duplicates``, ``eliminate_zeros``): by column, rows ascending in each, a
    row's entries for the same column summed, zeros left out."""
    i = np.concatenate([np.zeros(0, dtype=np.int64), *rows.i])
    j = np.concatenate([np.zeros(0, dtype=np.int64), *rows.j])
    v = np.concatenate([np.zeros(0), *rows.v])
    order = np.lexsort((i, j))  # by column, then row; stable, so duplicates keep their order
    i, j, v = i[order], j[order], v[order]
    if i.size:
        first = np.ones(i.size, dtype=bool)
        first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
        if not first.all():
            starts = np.flatnonzero(first)
            v = np.add.reduceat(v, starts)
            i, j = i[starts], j[starts]
        keep = v != 0
        if not keep.all():
            i, j, v = i[keep], j[keep], v[keep]
    indptr = np.zeros(n_col + 1, dtype=np.int32)
    np.cumsum(np.bincount(j, minlength=n_col), out=indptr[1:])
    return CSC(indptr, i.astype(np.int32), v.astype(float), (rows.n, n_col))


def from_pyomo(m: Any, layout: LP) -> LP:
    """Pyomo's standard-form compile of the model ``m`` (`build.build_model`), its share
    bounds at `PLACEHOLDER` as `assemble` has them, with ``layout``'s columns and rows:
    Pyomo's numbers placed by name (variable or constraint and index) where ``layout``
    has that column or row. The two orders are the same (tests/test_solver.py); placing
    by name keeps this right if a Pyomo release ordered them otherwise."""
    import scipy.sparse
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    shares = [m.china_cap, m.rule_max, m.rule_min]
    saved = [{i: p[i].value for i in p} for p in shares]
    for p in shares:
        for i in p:
            p[i] = PLACEHOLDER
    try:
        repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    finally:
        for p, values in zip(shares, saved, strict=True):
            for i, v in values.items():
                p[i] = v
    at_col = {key: j for j, key in enumerate(layout.column_keys())}
    at_row = {key: i for i, key in enumerate(layout.row_keys())}
    n_row, n_col = len(at_row), len(at_col)
    cols = np.array(
        [at_col[v.parent_component().local_name, v.index()] for v in repn.columns], dtype=np.int64
    )
    rows = np.array(
        [at_row[c.parent_component().local_name, c.index()] for c, _ in repn.rows], dtype=np.int64
    )
    cost = np.zeros(n_col)
    cost[cols] = repn.c.toarray().ravel()
    col_lower = np.zeros(n_col)
    col_upper = np.full(n_col, INF)
    for j, v in zip(cols.tolist(), repn.columns, strict=True):
        lb, ub = v.bounds
        col_lower[j] = -INF if lb is None else lb
        col_upper[j] = INF if ub is None else ub
    row_lower = np.full(n_row, -INF)
    row_upper = np.full(n_row, INF)
    for i, (_, mult), rhs in zip(rows.tolist(), repn.rows, repn.rhs, strict=True):
        if mult >= 0:
            row_upper[i] = rhs
        if mult <= 0:
            row_lower[i] = rhs
    a = repn.A.tocoo()
    placed = scipy.sparse.csc_array((a.data, (rows[a.row], cols[a.col])), shape=(n_row, n_col))
    placed.sum_duplicates()
    matrix = CSC(placed.indptr, placed.indices, placed.data, (n_row, n_col))
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    return replace(
        layout,
        cost=cost,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        matrix=matrix,
        offset=offset,
    )
