"""The physical limit: the sourcing LP built as numpy/scipy arrays and handed to highspy.

No Pyomo and no code from ``model/``: the case CSVs are read with pandas, every
constraint family is a vectorised block of (row, column, value) triplets, the
matrix is compressed once with scipy.sparse and passed to HiGHS in one call
(``Highs.passModel`` with column-wise arrays). What this costs on a machine is
the floor for any tool that reads the same files and solves the same LP with
the same solver.

The LP is the one README "The linear program" describes (and ``model/build.py``
builds); penalties and caps follow ``model/case.py`` (``shortfall_penalties``,
``china_caps``) so the optimum is the same to solver precision:

    columns  x[j] in [0, capacity[j]] for each supply row j;  s[k] in [0, demand[k]]
    balance  sum_{j of p} x[j] + s[p] - sum_{q uses p} a[q,p] * sum_{j of q} x[j] = demand[p]
    China    x[k,CHN] - cap[k] * S[k] <= 0                     (k with a CHN supply row)
    rules    sum_{j of k, n(j) in G} x[j] - max * S[k] <= 0,  ... - min * S[k] >= 0
             each: x[j0] - max * S[k] <= 0 for every supply row j0 of k
    minimize sum cost[j] x[j] + sum penalty[k] s[k]

``sweep`` re-solves one HiGHS instance warm over a grid of case-default China
caps, changing only the China-cap row coefficients (``Highs.changeCoeff``).

    python benchmarks/reference_highspy.py benchmarks/cases/M
"""

from __future__ import annotations

import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

CHINA = "CHN"
INF = highspy.kHighsInf


# --- reading ----------------------------------------------------------------------------------
@dataclass
class RefCase:
    """A case as flat arrays; supply rows keep file order (column j = data row j)."""

    name: str
    commodities: np.ndarray  # ids, table order
    stage: np.ndarray  # '' for none
    demand: np.ndarray
    own_cap: np.ndarray  # NaN = not set
    own_penalty: np.ndarray  # NaN = not set
    k_of: np.ndarray  # commodity index of each supply row
    country: np.ndarray  # country code of each supply row
    capacity: np.ndarray
    cost: np.ndarray  # delivered cost per supply row
    groups: dict[str, set[str]]
    r_product: np.ndarray  # recipes: product index, input index, quantity
    r_input: np.ndarray
    r_qty: np.ndarray
    max_china_share: float = 1.0
    cap_by_stage: dict[str, float] = field(default_factory=dict)
    penalty_factor: float = 10.0
    rules: list[dict] = field(default_factory=list)


def _csv(path: Path, text: list[str]) -> pd.DataFrame:
    """Blank cells are NaN in numeric columns and '' in text columns."""
    return pd.read_csv(
        path,
        dtype={c: str for c in text},
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
    )


def _num(frame: pd.DataFrame, column: str, default: float) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), default)
    return frame[column].astype(float).fillna(default).to_numpy()


def read_case(folder: str | Path) -> RefCase:
    """Read a case folder (case.toml and the CSV tables) into arrays."""
    folder = Path(folder)
    with (folder / "case.toml").open("rb") as fh:
        meta = tomllib.load(fh)
    policy = meta.get("policy", {})
    countries = _csv(folder / "countries.csv", ["country", "name", "groups"])
    com = _csv(folder / "commodities.csv", ["commodity", "name", "unit", "stage"])
    sup = _csv(folder / "supply.csv", ["commodity", "country"])
    ids = com["commodity"].to_numpy(dtype=object)
    kidx = pd.Index(ids)
    k_of = kidx.get_indexer(sup["commodity"])
    if (k_of < 0).any():
        raise ValueError("supply.csv names a commodity not in commodities.csv")
    groups: dict[str, set[str]] = {}
    tags_col = countries["groups"].fillna("") if "groups" in countries else [""] * len(countries)
    for code, tags in zip(countries["country"], tags_col, strict=True):
        for tag in str(tags).split(";"):
            if tag.strip():
                groups.setdefault(tag.strip(), set()).add(code)
    unit_cost = sup["unit_cost"].astype(float).to_numpy()
    cost = (
        unit_cost * (1.0 + _num(sup, "tariff", 0.0))
        + _num(sup, "freight", 0.0)
        + _num(sup, "tariff_per_unit", 0.0)
    )
    rp = ri = np.zeros(0, dtype=np.int64)
    rq = np.zeros(0)
    if (folder / "recipes.csv").exists():
        rec = _csv(folder / "recipes.csv", ["product", "input"])
        rp, ri = kidx.get_indexer(rec["product"]), kidx.get_indexer(rec["input"])
        rq = rec["quantity"].astype(float).to_numpy()
    stage = com["stage"].fillna("").to_numpy(dtype=object) if "stage" in com else None
    return RefCase(
        name=meta.get("name", folder.name),
        commodities=ids,
        stage=stage if stage is not None else np.full(len(ids), "", dtype=object),
        demand=com["demand"].astype(float).to_numpy(),
        own_cap=_num(com, "max_china_share", np.nan),
        own_penalty=_num(com, "shortfall_penalty", np.nan),
        k_of=k_of.astype(np.int64),
        country=sup["country"].to_numpy(dtype=object),
        capacity=sup["capacity"].astype(float).to_numpy(),
        cost=cost,
        groups=groups,
        r_product=np.asarray(rp, dtype=np.int64),
        r_input=np.asarray(ri, dtype=np.int64),
        r_qty=rq,
        max_china_share=float(policy.get("max_china_share", 1.0)),
        cap_by_stage=dict(policy.get("max_china_share_by_stage", {})),
        penalty_factor=float(policy.get("shortfall_penalty_factor", 10.0)),
        rules=list(policy.get("rules", [])),
    )


# --- derived values, mirroring model/case.py ------------------------------------------------
def china_caps(rc: RefCase, default: float | None = None) -> np.ndarray:
    """Own cap, else the stage default, else the case default (or `default` if given)."""
    base = rc.max_china_share if default is None else float(default)
    by_stage = np.array([rc.cap_by_stage.get(s, base) for s in rc.stage], dtype=float)
    return np.where(np.isnan(rc.own_cap), by_stage, rc.own_cap)


def shortfall_penalties(rc: RefCase) -> np.ndarray:
    """Own penalty, else factor x full cost (dearest delivered cost + inputs' full cost), else 1."""
    nk = len(rc.commodities)
    dearest = np.full(nk, -np.inf)
    np.maximum.at(dearest, rc.k_of, rc.cost)
    dearest[np.isneginf(dearest)] = 0.0
    # full = dearest + A @ full with A[product, input] = quantity; acyclic, so this settles
    a = sp.csr_matrix((rc.r_qty, (rc.r_product, rc.r_input)), shape=(nk, nk))
    full = dearest.copy()
    for _ in range(nk + 1):
        new = dearest + a @ full
        if np.array_equal(new, full):
            break
        full = new
    default = np.where(full > 0, rc.penalty_factor * full, 1.0)
    return np.where(np.isnan(rc.own_penalty), default, rc.own_penalty)


def rule_commodities(rc: RefCase, rule: dict) -> np.ndarray:
    if rule.get("commodities") is not None:
        return np.flatnonzero(np.isin(rc.commodities, list(rule["commodities"])))
    if rule.get("stage") is not None:
        return np.flatnonzero(rc.stage == rule["stage"])
    return np.arange(len(rc.commodities))


# --- the LP as arrays -------------------------------------------------------------------------
@dataclass
class Lp:
    num_col: int
    num_row: int
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_matrix
    nx: int
    # China-cap rows, for sweeps: one entry per (row, column) of each capped commodity
    china_k: np.ndarray  # capped commodity per China row
    china_row: np.ndarray  # its row index
    china_entry_row: np.ndarray
    china_entry_col: np.ndarray
    china_entry_k: np.ndarray
    china_entry_is_chn: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)


class _Triplets:
    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n = 0

    def block(self, n_rows, rows, cols, vals, lower, upper) -> int:
        """Add `n_rows` rows; `rows` are 0-based within the block. Returns the first row."""
        first = self.n
        self.rows.append(np.asarray(rows, dtype=np.int64) + first)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=float))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n_rows,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n_rows,)))
        self.n += n_rows
        return first


def build_lp(rc: RefCase, cap_default: float | None = None) -> Lp:
    """The sourcing LP of `rc` as column-wise sparse arrays."""
    nk, nx = len(rc.commodities), len(rc.k_of)
    order = np.argsort(rc.k_of, kind="stable")
    cnt = np.bincount(rc.k_of, minlength=nk)
    start = np.concatenate([[0], np.cumsum(cnt)[:-1]])

    def expand(ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each ks[i], every supply column of that commodity: (i repeated, column)."""
        c = cnt[ks]
        rep = np.repeat(np.arange(len(ks)), c)
        off = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        return rep, order[np.repeat(start[ks], c) + off]

    t = _Triplets()
    # balance: S[p] + s[p] - sum_q a[q,p] S[q] = demand[p]
    rep, col = expand(rc.r_product)
    t.block(
        nk,
        np.concatenate([rc.k_of, np.arange(nk), rc.r_input[rep]]),
        np.concatenate([np.arange(nx), nx + np.arange(nk), col]),
        np.concatenate([np.ones(nx), np.ones(nk), -rc.r_qty[rep]]),
        rc.demand,
        rc.demand,
    )
    # China cap: x[k,CHN] - cap[k] S[k] <= 0
    is_chn = rc.country == CHINA
    chn_col = np.full(nk, -1)
    chn_col[rc.k_of[is_chn]] = np.flatnonzero(is_chn)
    capped = np.flatnonzero(chn_col >= 0)
    caps = china_caps(rc, cap_default)
    rep, col = expand(capped)
    entry_chn = is_chn[col]
    first = t.block(len(capped), rep, col, entry_chn - caps[capped][rep], -INF, 0.0)
    china_row = first + np.arange(len(capped))
    china = (capped, china_row, china_row[rep], col, capped[rep], entry_chn)
    # share rules
    n_each = n_group = 0
    for rule in rc.rules:
        ks = rule_commodities(rc, rule)
        ks = ks[cnt[ks] > 0]
        who = rule["country"]
        if who == "each":
            if rule.get("max_share") is None:
                continue
            prep, j0 = expand(ks)  # one row per supply row of each covered commodity
            rep, col = expand(ks[prep])
            vals = (col == j0[rep]) - float(rule["max_share"])
            t.block(len(j0), rep, col, vals, -INF, 0.0)
            n_each += len(j0)
            continue
        if who.startswith("group:"):
            members = rc.groups.get(who.removeprefix("group:"), set())
        else:
            members = {who}
        member = np.isin(rc.country, list(members))
        rep, col = expand(ks)
        for bound, lower, upper in (("max_share", -INF, 0.0), ("min_share", 0.0, INF)):
            if rule.get(bound) is not None:
                t.block(len(ks), rep, col, member[col] - float(rule[bound]), lower, upper)
                n_group += len(ks)

    rows = np.concatenate(t.rows)
    cols = np.concatenate(t.cols)
    vals = np.concatenate(t.vals)
    keep = vals != 0.0  # e.g. China at cap 1, a member at max 1: no entry, as in HiGHS
    ncol = nx + nk
    matrix = sp.csc_matrix((vals[keep], (rows[keep], cols[keep])), shape=(t.n, ncol))
    matrix.sort_indices()
    return Lp(
        num_col=ncol,
        num_row=t.n,
        cost=np.concatenate([rc.cost, shortfall_penalties(rc)]),
        col_lower=np.zeros(ncol),
        col_upper=np.concatenate([rc.capacity, rc.demand]),
        row_lower=np.concatenate(t.lower),
        row_upper=np.concatenate(t.upper),
        matrix=matrix,
        nx=nx,
        china_k=china[0],
        china_row=china[1],
        china_entry_row=china[2],
        china_entry_col=china[3],
        china_entry_k=china[4],
        china_entry_is_chn=china[5],
        counts={"china_rows": len(capped), "each_rows": n_each, "group_rows": n_group},
    )


def new_highs() -> highspy.Highs:
    """A quiet HiGHS with the options the tool sets (one thread, fixed seed)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h


def pass_lp(h: highspy.Highs, lp: Lp) -> None:
    m = lp.matrix
    status = h.passModel(
        lp.num_col,
        lp.num_row,
        m.nnz,
        1,  # MatrixFormat.kColwise
        1,  # ObjSense.kMinimize
        0.0,
        lp.cost,
        lp.col_lower,
        lp.col_upper,
        lp.row_lower,
        lp.row_upper,
        m.indptr[:-1].astype(np.int32),
        m.indices.astype(np.int32),
        m.data.astype(float),
        np.zeros(lp.num_col, dtype=np.int32),  # integrality: all continuous
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model")


def _run(h: highspy.Highs) -> float:
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not reach an optimum: {h.modelStatusToString(status)}")
    return float(h.getInfo().objective_function_value)


# --- one solve --------------------------------------------------------------------------------
@dataclass
class RefResult:
    objective: float
    timings: dict[str, float]
    num_col: int
    num_row: int
    nnz: int
    shortfall_commodities: int
    china_caps_binding: int
    iterations: int
    x: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    shortfall: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def solve(folder: str | Path, *, keep: bool = False) -> RefResult:
    """Read, build, pass and solve; timings in seconds per phase."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    rc = read_case(folder)
    t1 = time.perf_counter()
    lp = build_lp(rc)
    t2 = time.perf_counter()
    h = new_highs()
    pass_lp(h, lp)
    t3 = time.perf_counter()
    objective = _run(h)
    t4 = time.perf_counter()
    col = np.asarray(h.getSolution().col_value)
    row = np.asarray(h.getSolution().row_value)
    t5 = time.perf_counter()
    tm.update(read=t1 - t0, build=t2 - t1, passmodel=t3 - t2, solve=t4 - t3, solution=t5 - t4)
    tm["total"] = t5 - t0
    x, s = col[: lp.nx], col[lp.nx :]
    short = int((s > 1e-7 * np.maximum(1.0, rc.demand)).sum())
    supplied = np.bincount(rc.k_of, weights=x, minlength=len(rc.commodities))
    caps = china_caps(rc)[lp.china_k]
    binding = int(
        ((caps < 1.0) & (row[lp.china_row] >= -1e-7 * np.maximum(1.0, supplied[lp.china_k]))).sum()
    )
    return RefResult(
        objective=objective,
        timings=tm,
        num_col=lp.num_col,
        num_row=lp.num_row,
        nnz=int(lp.matrix.nnz),
        shortfall_commodities=short,
        china_caps_binding=binding,
        iterations=int(h.getInfo().simplex_iteration_count),
        x=x if keep else np.zeros(0),
        shortfall=s if keep else np.zeros(0),
    )


# --- a warm sweep over China caps ----------------------------------------------------------
@dataclass
class RefSweep:
    values: list[float]
    objectives: list[float]
    timings: dict[str, float]
    point_seconds: list[float]
    coefficient_changes: int


def sweep(
    folder: str | Path | RefCase, values: list[float], *, from_base: bool = False
) -> RefSweep:
    """Solve once at the case's caps, then re-solve warm at each case-default cap in `values`.

    Only the China-cap rows of commodities whose cap follows the case default
    change (``changeCoeff`` per entry). Each point starts from the previous
    point's basis, or, with ``from_base``, from the base optimum's basis (as the
    tool's sweep does, for order-independent answers).
    """
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    rc = folder if isinstance(folder, RefCase) else read_case(folder)
    t1 = time.perf_counter()
    lp = build_lp(rc)
    h = new_highs()
    pass_lp(h, lp)
    t2 = time.perf_counter()
    _run(h)
    basis = h.getBasis() if from_base else None
    t3 = time.perf_counter()
    current = china_caps(rc)
    ek, erow = lp.china_entry_k, lp.china_entry_row.tolist()
    ecol, echn = lp.china_entry_col.tolist(), lp.china_entry_is_chn.astype(float)
    objectives, seconds, changes = [], [], 0
    for v in values:
        p0 = time.perf_counter()
        new = china_caps(rc, v)
        differs = (new != current)[ek]
        if differs.any():
            idx = np.flatnonzero(differs)
            coef = (echn[idx] - new[ek[idx]]).tolist()
            for i, c in zip(idx.tolist(), coef, strict=True):
                h.changeCoeff(erow[i], ecol[i], c)
            changes += len(idx)
            current = new
        if basis is not None:
            h.clearSolver()
            h.setBasis(basis)
        objectives.append(_run(h))
        seconds.append(time.perf_counter() - p0)
    t4 = time.perf_counter()
    tm.update(read=t1 - t0, build=t2 - t1, base_solve=t3 - t2, points=t4 - t3)
    tm["total_without_read"] = t4 - t1
    tm["total"] = t4 - t0
    return RefSweep(list(values), objectives, tm, seconds, changes)


def main(argv: list[str]) -> int:
    for folder in argv or ["benchmarks/cases/S"]:
        r = solve(folder)
        t = ", ".join(f"{k} {v:.3f}s" for k, v in r.timings.items())
        print(
            f"{folder}: objective {r.objective:.10g}; {r.num_col:,} columns, {r.num_row:,} rows, "
            f"{r.nnz:,} nonzeros; {r.shortfall_commodities} short, "
            f"{r.china_caps_binding} China caps binding; {t}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
