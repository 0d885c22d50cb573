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
    """A case as flat arrays; supply rows keep file order (column j = data row j).

    A case with ``[horizon]`` is held expanded: its commodities are commodity-years
    (year-major, ``<commodity>.<year>``), its supply rows every row in every year
    (year-major), as ``model/case/horizon.py`` expands them; a case without one is the
    one-year case with ``year`` 0 and no discounting.
    """

    name: str
    commodities: np.ndarray  # ids, table order (commodity-years: year-major)
    stage: np.ndarray  # '' for none
    demand: np.ndarray
    own_cap: np.ndarray  # NaN = not set
    own_penalty: np.ndarray  # NaN = not set
    k_of: np.ndarray  # commodity index of each supply row
    country: np.ndarray  # country code of each supply row
    capacity: np.ndarray  # the row's capacity (that year); status not applied
    cost: np.ndarray  # delivered cost per supply row
    groups: dict[str, set[str]]
    r_product: np.ndarray  # recipes: product index, input index, quantity
    r_input: np.ndarray
    r_qty: np.ndarray
    max_china_share: float = 1.0
    cap_by_stage: dict[str, float] = field(default_factory=dict)
    penalty_factor: float = 10.0
    rules: list[dict] = field(default_factory=list)
    shortage: str = "proportional"
    # supply tiers: today's volume, the switching premium of each row, the rows whose
    # status counts (policy include_status); the others have no capacity in the LP
    today: np.ndarray = field(default_factory=lambda: np.zeros(0))
    premium: np.ndarray = field(default_factory=lambda: np.zeros(0))
    included: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # years: per commodity(-year) its base commodity's id and its year (0: no horizon),
    # its discount factor, the glide path's China cap (NaN: the case default)
    base_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    year: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    discount: np.ndarray = field(default_factory=lambda: np.zeros(0))
    glide_cap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # stockpile: one entry per commodity-year with one (commodity-major, years in order)
    st_k: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    st_prev: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1: first
    st_initial: np.ndarray = field(default_factory=lambda: np.zeros(0))
    st_max_buy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    st_max_release: np.ndarray = field(default_factory=lambda: np.zeros(0))
    st_holding: np.ndarray = field(default_factory=lambda: np.zeros(0))
    st_floor: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # build-out: one variable per (option, year from its from_year): the supply row it
    # extends, its option, its most per year and its objective coefficient
    b_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    b_opt: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    b_max: np.ndarray = field(default_factory=lambda: np.zeros(0))
    b_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    b_total: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per option (inf: none)


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


def _text(frame: pd.DataFrame, column: str, default: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), default, dtype=object)
    return frame[column].fillna("").replace("", default).to_numpy(dtype=object)


def _optional(folder: Path, name: str, text: list[str]) -> pd.DataFrame | None:
    path = folder / name
    return _csv(path, text) if path.exists() else None


def read_case(folder: str | Path) -> RefCase:
    """Read a case folder (case.toml and the CSV tables) into arrays, expanded by year."""
    folder = Path(folder)
    with (folder / "case.toml").open("rb") as fh:
        meta = tomllib.load(fh)
    policy = meta.get("policy", {})
    if policy.get("china_cap_basis", "supplied") != "supplied" or any(
        r.get("basis", "supplied") != "supplied" for r in policy.get("rules", [])
    ):
        raise NotImplementedError("the reference builds shares of supply only (basis 'need')")
    hz = meta.get("horizon")
    years = np.arange(hz["start"], hz["end"] + 1) if hz else np.zeros(1, dtype=np.int64)
    ny = len(years)
    base_year = hz.get("base_year", hz["start"]) if hz else 0
    rate = float(hz.get("discount_rate", 0.0)) if hz else 0.0
    factor = (1.0 + rate) ** -(years - base_year).astype(float)

    countries = _csv(folder / "countries.csv", ["country", "name", "groups"])
    com = _csv(folder / "commodities.csv", ["commodity", "name", "unit", "stage"])
    sup = _csv(folder / "supply.csv", ["commodity", "country", "status"])
    ids = com["commodity"].to_numpy(dtype=object)
    nk = len(ids)
    kidx = pd.Index(ids)
    groups: dict[str, set[str]] = {}
    tags_col = countries["groups"].fillna("") if "groups" in countries else [""] * len(countries)
    for code, tags in zip(countries["country"], tags_col, strict=True):
        for tag in str(tags).split(";"):
            if tag.strip():
                groups.setdefault(tag.strip(), set()).add(code)

    # supply rows (file order), then a row of capacity 0 for each build option without one
    s_k = kidx.get_indexer(sup["commodity"])
    if (s_k < 0).any():
        raise ValueError("supply.csv names a commodity not in commodities.csv")
    s_n = sup["country"].to_numpy(dtype=object)
    unit_cost = sup["unit_cost"].astype(float).to_numpy()
    cost = (
        unit_cost * (1.0 + _num(sup, "tariff", 0.0))
        + _num(sup, "freight", 0.0)
        + _num(sup, "tariff_per_unit", 0.0)
    )
    cap = sup["capacity"].astype(float).to_numpy()
    today = _num(sup, "today", 0.0)
    status = _text(sup, "status", "operating")
    online = _num(sup, "available_from", np.nan)
    bo = _optional(folder, "buildout.csv", ["commodity", "country"]) if hz else None
    if bo is not None and len(bo):
        pos = {(k, n): j for j, (k, n) in enumerate(zip(s_k.tolist(), s_n.tolist(), strict=True))}
        bk = kidx.get_indexer(bo["commodity"])
        new = [
            (k, n, c)
            for k, n, c in zip(
                bk.tolist(), bo["country"], bo["unit_cost"].astype(float), strict=True
            )
            if (k, n) not in pos
        ]
        if new:
            s_k = np.concatenate([s_k, [k for k, _, _ in new]])
            s_n = np.concatenate([s_n, np.array([n for _, n, _ in new], dtype=object)])
            cost = np.concatenate([cost, [c for _, _, c in new]])
            cap, today = (
                np.concatenate([cap, np.zeros(len(new))]),
                np.concatenate([today, np.zeros(len(new))]),
            )
            status = np.concatenate([status, np.full(len(new), "operating", dtype=object)])
            online = np.concatenate([online, np.full(len(new), np.nan)])
    nr = len(s_k)

    # commodity-years: demand grown from the base year, then demand_by_year.csv
    yk = np.repeat(years, nk)
    demand = np.tile(com["demand"].astype(float).to_numpy(), ny)
    demand = demand * (1.0 + np.tile(_num(com, "demand_growth", 0.0), ny)) ** (
        yk - base_year
    ).astype(float)
    dby = _optional(folder, "demand_by_year.csv", ["commodity"]) if hz else None
    if dby is not None and len(dby):
        at = (dby["year"].astype(int).to_numpy() - years[0]) * nk + kidx.get_indexer(
            dby["commodity"]
        )
        demand[at] = dby["demand"].astype(float).to_numpy()
    # rows by year: capacity_by_year.csv, none before available_from (then operating)
    yr = np.repeat(years, nr)
    capacity = np.tile(cap, ny)
    cby = _optional(folder, "capacity_by_year.csv", ["commodity", "country"]) if hz else None
    if cby is not None and len(cby):
        pos = pd.Index(list(zip(s_k.tolist(), s_n.tolist(), strict=True)))
        j = pos.get_indexer(
            list(zip(kidx.get_indexer(cby["commodity"]).tolist(), cby["country"], strict=True))
        )
        capacity[(cby["year"].astype(int).to_numpy() - years[0]) * nr + j] = cby["capacity"].astype(
            float
        )
    starts = np.tile(online, ny)
    before = yr < np.nan_to_num(starts, nan=-np.inf)
    capacity[before] = 0.0
    came = ~np.isnan(starts) & ~before
    statuses = policy.get("include_status", ["operating"])
    included = np.isin(np.tile(status, ny), statuses) | came

    own_prem = _num(com, "switching_premium", np.nan)
    prem_k = np.where(np.isnan(own_prem), float(policy.get("switching_premium", 0.0)), own_prem)
    if hz:
        glide = np.full(ny, np.nan)
        for key in sorted(hz.get("max_china_share_by_year", {}), key=int):
            glide[years >= int(key)] = hz["max_china_share_by_year"][key]
    else:
        glide = np.full(1, np.nan)

    rp = ri = np.zeros(0, dtype=np.int64)
    rq = np.zeros(0)
    if (folder / "recipes.csv").exists():
        rec = _csv(folder / "recipes.csv", ["product", "input"])
        rp, ri = kidx.get_indexer(rec["product"]), kidx.get_indexer(rec["input"])
        rq = rec["quantity"].astype(float).to_numpy()
    shift_r = np.repeat(np.arange(ny) * nk, len(rp))
    stage = com["stage"].fillna("").to_numpy(dtype=object) if "stage" in com else None
    stage = stage if stage is not None else np.full(nk, "", dtype=object)
    rc = RefCase(
        name=meta.get("name", folder.name),
        commodities=(
            np.array([f"{k}.{y}" for y in years.tolist() for k in ids], dtype=object) if hz else ids
        ),
        stage=np.tile(stage, ny),
        demand=demand,
        own_cap=np.tile(_num(com, "max_china_share", np.nan), ny),
        own_penalty=np.tile(_num(com, "shortfall_penalty", np.nan), ny),
        k_of=(np.tile(s_k, ny) + np.repeat(np.arange(ny) * nk, nr)).astype(np.int64),
        country=np.tile(s_n, ny),
        capacity=capacity,
        cost=np.tile(cost, ny),
        groups=groups,
        r_product=(np.tile(rp, ny) + shift_r).astype(np.int64),
        r_input=(np.tile(ri, ny) + shift_r).astype(np.int64),
        r_qty=np.tile(rq, ny),
        max_china_share=float(policy.get("max_china_share", 1.0)),
        cap_by_stage=dict(policy.get("max_china_share_by_stage", {})),
        penalty_factor=float(policy.get("shortfall_penalty_factor", 10.0)),
        rules=list(policy.get("rules", [])),
        shortage=policy.get("shortage", "proportional"),
        today=np.minimum(np.tile(today, ny), capacity),
        premium=np.tile(prem_k[s_k], ny),
        included=included,
        base_id=np.tile(ids, ny),
        year=yk,
        discount=np.repeat(factor, nk),
        glide_cap=np.repeat(glide, nk),
    )
    if hz:
        _read_stock(rc, folder, kidx, years)
        if bo is not None and len(bo):
            _read_buildout(rc, bo, kidx, years, factor, s_k, s_n)
    return rc


def _read_stock(rc: RefCase, folder: Path, kidx: pd.Index, years: np.ndarray) -> None:
    st = _optional(folder, "stockpile.csv", ["commodity"])
    if st is None or not len(st):
        return
    nk, ny, ns = len(kidx), len(years), len(st)
    first = kidx.get_indexer(st["commodity"])
    rc.st_k = (np.repeat(first, ny) + np.tile(np.arange(ny) * nk, ns)).astype(np.int64)
    prev = np.arange(ns * ny) - 1
    prev[::ny] = -1
    rc.st_prev = prev
    initial = np.zeros(ns * ny)
    initial[::ny] = _num(st, "initial", 0.0)
    rc.st_initial = initial
    rc.st_max_buy = np.repeat(_num(st, "max_buy", np.inf), ny)
    rc.st_max_release = np.repeat(_num(st, "max_release", np.inf), ny)
    rc.st_holding = np.repeat(_num(st, "holding_cost", 0.0), ny)
    rc.st_floor = np.repeat(_num(st, "floor", 0.0), ny)


def _read_buildout(rc, bo, kidx, years, factor, s_k, s_n) -> None:
    """Per option, one build variable per year from its from_year; its objective
    coefficient is the annual cost times the discount factors of that year and later."""
    nr = len(s_k)
    pos = {(k, n): j for j, (k, n) in enumerate(zip(s_k.tolist(), s_n.tolist(), strict=True))}
    later = np.cumsum(factor[::-1])[::-1]  # sum of f[y'] for y' >= y
    rows, opts, most, costs = [], [], [], []
    first = _num(bo, "from_year", float(years[0]))
    for o, (k, n, annual, mx, fy) in enumerate(
        zip(
            kidx.get_indexer(bo["commodity"]).tolist(),
            bo["country"].tolist(),
            bo["annual_cost"].astype(float).tolist(),
            bo["max_per_year"].astype(float).tolist(),
            first.tolist(),
            strict=True,
        )
    ):
        t = np.flatnonzero(years >= max(int(fy), int(years[0])))
        rows.append(t * nr + pos[k, n])
        opts.append(np.full(len(t), o))
        most.append(np.full(len(t), mx))
        costs.append(annual * later[t])
    rc.b_row = np.concatenate(rows).astype(np.int64)
    rc.b_opt = np.concatenate(opts).astype(np.int64)
    rc.b_max = np.concatenate(most)
    rc.b_cost = np.concatenate(costs)
    rc.b_total = _num(bo, "max_total", np.inf)


# --- derived values, mirroring model/case.py ------------------------------------------------
def china_caps(rc: RefCase, default: float | None = None) -> np.ndarray:
    """Own cap, else the stage default, else the case default (in a year of the glide
    path, its cap), or `default` if given."""
    base = rc.max_china_share if default is None else float(default)
    glide = rc.glide_cap if len(rc.glide_cap) else np.full(len(rc.stage), np.nan)
    fallback = np.where(np.isnan(glide), base, glide)
    by_stage = np.array(
        [rc.cap_by_stage.get(s, f) for s, f in zip(rc.stage, fallback.tolist(), strict=True)],
        dtype=float,
    )
    return np.where(np.isnan(rc.own_cap), by_stage, rc.own_cap)


def shortfall_penalties(rc: RefCase) -> np.ndarray:
    """Own penalty, else factor x full cost (dearest delivered cost + inputs' full cost), else 1.

    A row that can sell beyond its today volume sells its dearest unit at (1 + premium) x
    its delivered cost (every row counts, whatever its status)."""
    nk = len(rc.commodities)
    unit = rc.cost
    if len(rc.premium):
        unit = np.where(rc.capacity > rc.today, unit * (1.0 + rc.premium), unit)
    dearest = np.full(nk, -np.inf)
    np.maximum.at(dearest, rc.k_of, unit)
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
    base = rc.base_id if len(rc.base_id) else rc.commodities
    if rule.get("commodities") is not None:
        out = np.isin(base, list(rule["commodities"]))
    elif rule.get("stage") is not None:
        out = rc.stage == rule["stage"]
    else:
        out = np.ones(len(rc.commodities), dtype=bool)
    if len(rc.year) and (rule.get("from_year") is not None or rule.get("to_year") is not None):
        first, last = rule.get("from_year", -np.inf), rule.get("to_year", np.inf)
        out &= (rc.year >= first) & (rc.year <= last)
    return np.flatnonzero(out)


def rule_members(rc: RefCase, rule: dict) -> set[str] | None:
    """The union of a rule's countries and groups ("A|B" or a list); None for 'each'."""
    given = [rule["country"]] if isinstance(rule["country"], str) else rule["country"]
    members = [part.strip() for item in given for part in item.split("|")]
    if members == ["each"]:
        return None
    out: set[str] = set()
    for who in members:
        if who.startswith("group:"):
            out |= rc.groups.get(who.removeprefix("group:"), set())
        else:
            out.add(who)
    return out


def unmet_weights(demand: np.ndarray) -> tuple[float, np.ndarray]:
    """m (the geometric mean of the positive demands, 1 if none) and m / demand[k]
    (1 where demand is 0): the row m * U of the proportional shortage policy."""
    pos = demand[demand > 0]
    scale = float(np.exp(np.log(pos).sum() / len(pos))) if len(pos) else 1.0
    return scale, np.divide(scale, demand, out=np.ones(len(demand)), where=demand > 0)


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
    # proportional shortage: the U row, its scale m, and the level-1 costs (m / demand on s)
    u_row: int | None = None
    u_scale: float = 1.0
    level1_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))


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
    """The sourcing LP of `rc` as column-wise sparse arrays.

    Columns: x (supply rows), s (shortfall), then, where the case has them, e (supply
    beyond today, rows with a premium), the stockpile's level, buy and release, and the
    build-out's b."""
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

    premium = rc.premium if len(rc.premium) else np.zeros(nx)
    tier = np.flatnonzero(premium > 0)
    ns, nb = len(rc.st_k), len(rc.b_row)
    c_e = nx + nk  # first column of each family
    c_lvl = c_e + len(tier)
    c_buy, c_rel = c_lvl + ns, c_lvl + 2 * ns
    c_b = c_lvl + 3 * ns
    ncol = c_b + nb

    t = _Triplets()
    # balance: S[p] + s[p] - sum_q a[q,p] S[q] (+ r[p] - b[p]) = demand[p]
    rep, col = expand(rc.r_product)
    t.block(
        nk,
        np.concatenate([rc.k_of, np.arange(nk), rc.r_input[rep], rc.st_k, rc.st_k]),
        np.concatenate(
            [np.arange(nx), nx + np.arange(nk), col, c_rel + np.arange(ns), c_buy + np.arange(ns)]
        ),
        np.concatenate([np.ones(nx), np.ones(nk), -rc.r_qty[rep], np.ones(ns), -np.ones(ns)]),
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
        members = rule_members(rc, rule)
        if members is None:
            if rule.get("max_share") is None:
                continue
            prep, j0 = expand(ks)  # one row per supply row of each covered commodity
            rep, col = expand(ks[prep])
            vals = (col == j0[rep]) - float(rule["max_share"])
            t.block(len(j0), rep, col, vals, -INF, 0.0)
            n_each += len(j0)
            continue
        member = np.isin(rc.country, list(members))
        rep, col = expand(ks)
        for bound, lower, upper in (("max_share", -INF, 0.0), ("min_share", 0.0, INF)):
            if rule.get(bound) is not None:
                t.block(len(ks), rep, col, member[col] - float(rule[bound]), lower, upper)
                n_group += len(ks)
    # tiers: x[j] - e[j] <= today[j] for rows with a premium
    n = len(tier)
    t.block(
        n,
        np.concatenate([np.arange(n), np.arange(n)]),
        np.concatenate([tier, c_e + np.arange(n)]),
        np.concatenate([np.ones(n), -np.ones(n)]),
        -INF,
        rc.today[tier] if n else np.zeros(0),
    )
    # stockpile: L[k] - L[k-] - b[k] + r[k] = initial (first year) or 0
    i = np.arange(ns)
    has = rc.st_prev >= 0
    t.block(
        ns,
        np.concatenate([i, i[has], i, i]),
        np.concatenate([c_lvl + i, c_lvl + rc.st_prev[has], c_buy + i, c_rel + i]),
        np.concatenate([np.ones(ns), -np.ones(int(has.sum())), -np.ones(ns), np.ones(ns)]),
        rc.st_initial,
        rc.st_initial,
    )
    # build-out: x[row] - sum_{t <= y} b[option, t] <= capacity[row]; sum_y b <= max_total
    b_first = np.flatnonzero(np.r_[True, rc.b_opt[1:] != rc.b_opt[:-1]]) if nb else np.zeros(0)
    run_start = np.repeat(b_first, np.diff(np.r_[b_first, nb]).astype(np.int64)) if nb else []
    run_len = np.arange(nb) - np.asarray(run_start, dtype=np.int64) + 1  # b up to this year
    brow = np.repeat(np.arange(nb), run_len)
    bcol = np.repeat(np.asarray(run_start, dtype=np.int64), run_len) + (
        np.arange(int(run_len.sum())) - np.repeat(np.cumsum(run_len) - run_len, run_len)
    )
    cap_lp = np.where(rc.included, rc.capacity, 0.0) if len(rc.included) else rc.capacity
    t.block(
        nb,
        np.concatenate([np.arange(nb), brow]),
        np.concatenate([rc.b_row, c_b + bcol]),
        np.concatenate([np.ones(nb), -np.ones(len(brow))]),
        -INF,
        cap_lp[rc.b_row],
    )
    limited = np.flatnonzero(np.isfinite(rc.b_total))
    sel = np.flatnonzero(np.isin(rc.b_opt, limited))
    t.block(
        len(limited),
        np.searchsorted(limited, rc.b_opt[sel]),
        c_b + sel,
        np.ones(len(sel)),
        -INF,
        rc.b_total[limited],
    )
    # proportional shortage: m * U = sum_k (m / demand[k]) s[k] <= m * nk (level 2 holds U*)
    u_row, scale, weights = None, 1.0, np.zeros(0)
    if rc.shortage == "proportional" and nk:
        scale, weights = unmet_weights(rc.demand)
        u_row = t.block(1, np.zeros(nk), nx + np.arange(nk), weights, -INF, scale * nk)

    rows = np.concatenate(t.rows)
    cols = np.concatenate(t.cols)
    vals = np.concatenate(t.vals)
    keep = vals != 0.0  # e.g. China at cap 1, a member at max 1: no entry, as in HiGHS
    matrix = sp.csc_matrix((vals[keep], (rows[keep], cols[keep])), shape=(t.n, ncol))
    matrix.sort_indices()
    f = rc.discount if len(rc.discount) else np.ones(nk)
    fx = f[rc.k_of]
    cost = np.concatenate(
        [
            rc.cost * fx,
            shortfall_penalties(rc) * f,
            premium[tier] * rc.cost[tier] * fx[tier],
            rc.st_holding * f[rc.st_k],
            np.zeros(2 * ns),
            rc.b_cost,
        ]
    )
    x_upper = cap_lp.copy()
    x_upper[rc.b_row] = INF  # the build rows' capacity row replaces the bound
    level1 = np.zeros(ncol)
    level1[nx : nx + nk] = weights if u_row is not None else 0.0
    return Lp(
        num_col=ncol,
        num_row=t.n,
        cost=cost,
        col_lower=np.concatenate([np.zeros(nx + nk + n), rc.st_floor, np.zeros(2 * ns + nb)]),
        col_upper=np.concatenate(
            [
                x_upper,
                rc.demand,
                np.full(n, INF),
                np.full(ns, INF),
                rc.st_max_buy,
                rc.st_max_release,
                rc.b_max,
            ]
        ),
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
        u_row=u_row,
        u_scale=scale,
        level1_cost=level1,
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


def _run(h: highspy.Highs, lp: Lp | None = None) -> float:
    """Solve; under the proportional shortage policy lexicographically, as the tool does
    (``model/optimization/highs.py`` ``Solver._run``): first the least unmet need U* alone,
    then the cost with the U row held at U* (+ 1e-13 x max(1, U*), times its scale m)."""
    if lp is not None and lp.u_row is not None:
        cols = np.arange(lp.num_col, dtype=np.int32)
        h.changeRowBounds(lp.u_row, -INF, INF)
        h.changeColsCost(lp.num_col, cols, lp.level1_cost)
        v = max(0.0, _run(h))
        h.changeColsCost(lp.num_col, cols, lp.cost)
        u = v / lp.u_scale
        h.changeRowBounds(lp.u_row, -INF, v + lp.u_scale * 1e-13 * max(1.0, u))
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
    commodities: int = 0  # commodity-years in a horizon case
    supply_rows: int = 0  # supply rows by year (columns x)
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
    objective = _run(h, lp)
    t4 = time.perf_counter()
    col = np.asarray(h.getSolution().col_value)
    row = np.asarray(h.getSolution().row_value)
    t5 = time.perf_counter()
    tm.update(read=t1 - t0, build=t2 - t1, passmodel=t3 - t2, solve=t4 - t3, solution=t5 - t4)
    tm["total"] = t5 - t0
    nk = len(rc.commodities)
    x, s = col[: lp.nx], col[lp.nx : lp.nx + nk]
    short = int((s > 1e-7 * np.maximum(1.0, rc.demand)).sum())
    supplied = np.bincount(rc.k_of, weights=x, minlength=nk)
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
        commodities=nk,
        supply_rows=lp.nx,
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
    _run(h, lp)
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
        objectives.append(_run(h, lp))
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
