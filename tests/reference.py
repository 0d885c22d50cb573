"""An independent formulation of the sourcing LP as matrices, solved with scipy.

It reads the validated `Case` tables directly and writes every row by hand,
sharing no code with `model.optimization.build`, so agreement of optima is real evidence.
China caps, shortfall penalties and country groups are resolved here too, from
the raw tables and the README's rules (not with `Case.china_caps` and friends),
so a bug in resolving them shows as a different optimum.
A share "of need" is a share of the commodity's gross requirement (direct demand
plus what full downstream demand consumes), computed here by expanding the
recipe matrix: need = (I - A)^-1 demand with A[p, q] = a[q, p].
Supply tiers, as the README words them: a row sells up to its `today` volume at its
delivered cost and the rest of its capacity at (1 + switching premium) times it, the
premium being the commodity's own column or else the policy's; written here as a second
variable per row (its beyond-today part, capped at capacity - today) instead of the
model's x - e <= today. Rows whose `status` is not in `include_status` have no capacity.

A case with a ``[horizon]`` arrives expanded into commodity-years (``<commodity>.<year>``,
README "Horizon (years)"), an ordinary one-year case but for three things resolved here
from the ids and the ``[horizon]`` as read: the glide path replaces the case default cap
in its years (a step path), rules name commodities (all their years) and hold from
``from_year`` to ``to_year``, and costs and penalties of year y are multiplied by
(1 + discount_rate)^-(y - base_year).

A stockpile (``stockpile.csv``, horizon cases only, README "Stockpile") is written here
without a level variable: the level at the end of year y is initial + sum_{t <= y}
(bought[t] - released[t]), so the floor is a '<=' row over the purchases and releases of
the years so far and the holding cost of year y is a cost on each earlier purchase and
release (plus a constant for the initial holding, added to the optimum).

Under ``shortage = "proportional"`` (the README's default) the LP is solved
lexicographically, by two linprog calls: first min sum_k s[k] / demand[k] (U*),
then the cost objective with that sum held at U* (plus 1e-12 of it).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import OptimizeResult, linprog

from model.case import Case


def _year_of(k: str) -> tuple[str, int]:
    """(commodity, year) of a commodity-year id ``<commodity>.<year>``."""
    base, _, year = k.rpartition(".")
    return base, int(year)


def reference_discount(case: Case) -> dict[str, float]:
    """README: costs of year y count (1 + r)^-(y - base_year); {} without a horizon."""
    spec = case.horizon_spec
    if spec is None:
        return {}
    base = spec.start if spec.base_year is None else spec.base_year
    return {
        k: (1.0 + spec.discount_rate) ** -(_year_of(k)[1] - base)
        for k in case.commodities["commodity"]
    }


def reference_caps(case: Case) -> dict[str, float]:
    """README: a commodity's own max_china_share, else its stage default, else the case
    default (in a horizon case: the glide path's value from the latest year it gives up
    to the commodity's year, else the case default)."""
    pol = case.policy
    glide = case.horizon_spec.max_china_share_by_year if case.horizon_spec is not None else {}
    out = {}
    for k, own, stage in case.commodities[["commodity", "max_china_share", "stage"]].itertuples(
        index=False
    ):
        if own == own:  # not NaN: a blank cell reads as NaN
            out[k] = float(own)
        elif stage in pol.max_china_share_by_stage:
            out[k] = float(pol.max_china_share_by_stage[stage])
        else:
            out[k] = float(pol.max_china_share)
            if glide:
                year = _year_of(k)[1]
                given = [int(y) for y in glide if int(y) <= year]
                if given:
                    out[k] = float(glide[str(max(given))])
    return out


def reference_premiums(case: Case) -> dict[str, float]:
    """README: a commodity's own switching_premium, else the policy's."""
    out = {}
    for k, own in case.commodities[["commodity", "switching_premium"]].itertuples(index=False):
        out[k] = float(own) if own == own else float(case.policy.switching_premium)
    return out


def reference_penalties(case: Case) -> dict[str, float]:
    """README: own shortfall_penalty, else factor x (dearest delivered cost + the full cost
    of the inputs one unit needs); 1 where that full cost is 0 (nothing can supply it).
    A row's dearest unit is one beyond today, at the switching premium, if it has any."""
    premium = reference_premiums(case)
    dearest: dict[str, float] = {}
    for k, u, t, f, tpu, cap, today in case.supply[
        ["commodity", "unit_cost", "tariff", "freight", "tariff_per_unit", "capacity", "today"]
    ].itertuples(index=False):
        unit = u * (1 + t) + f + tpu
        if cap > today:
            unit *= 1 + premium[k]
        dearest[k] = max(dearest.get(k, 0.0), unit)
    recipe = case.recipes[["product", "input", "quantity"]].itertuples(index=False)
    needs: dict[str, list[tuple[str, float]]] = {}
    for p, i, q in recipe:
        needs.setdefault(p, []).append((i, float(q)))
    full: dict[str, float] = {}
    # inputs before products: repeat until every commodity's inputs are known (recipes
    # are acyclic, so each pass settles at least one more)
    pending = list(case.commodities["commodity"])
    while pending:
        left = []
        for k in pending:
            if all(i in full for i, _ in needs.get(k, [])):
                full[k] = dearest.get(k, 0.0) + sum(q * full[i] for i, q in needs.get(k, []))
            else:
                left.append(k)
        assert len(left) < len(pending), "recipe cycle"
        pending = left
    factor = case.policy.shortfall_penalty_factor
    out = {}
    for k, own in case.commodities[["commodity", "shortfall_penalty"]].itertuples(index=False):
        if own == own:
            out[k] = float(own)
        else:
            out[k] = factor * full[k] if full[k] > 0 else 1.0
    return out


def reference_groups(case: Case) -> dict[str, set[str]]:
    """Tag -> countries, from the ';'-separated groups column."""
    out: dict[str, set[str]] = {}
    for code, tags in case.countries[["country", "groups"]].itertuples(index=False):
        for tag in str(tags).split(";"):
            if tag.strip():
                out.setdefault(tag.strip(), set()).add(code)
    return out


def reference_objective(case: Case) -> float:
    """The optimum under the case's shortage policy: cost + penalty x shortfall, at U = U*
    under "proportional"."""
    c, w, a_ub, b_ub, a_eq, b_eq, bounds = _matrices(case)
    c, w, a_ub, b_ub, a_eq, bounds, held = _with_stock(case, c, w, a_ub, b_ub, a_eq, bounds)
    if case.policy.shortage == "penalty":
        return _linprog(c, a_ub, b_ub, a_eq, b_eq, bounds).fun + held
    u = max(0.0, _linprog(w, a_ub, b_ub, a_eq, b_eq, bounds).fun)
    a_ub = np.vstack([a_ub, w]) if a_ub is not None else w[None, :]
    # On a badly scaled LP (capacities of 1e-6 beside demands of 100) level 1's U* can sit
    # below what HiGHS, solving level 2 from scratch, finds feasible within its 1e-7
    # tolerances (case: test_robust_solve, capacities 1e-6 under a one-third rule, level 1
    # 2e-7 below level 2's least U): widen the slack only then, in steps, so that a case
    # HiGHS solves cleanly keeps the tight bound the tool uses.
    for slack in (1e-12, 1e-10, 1e-8, 1e-6, 1e-4):
        b_u = np.append(b_ub if b_ub is not None else [], u + slack * max(1.0, u))
        try:
            return _linprog(c, a_ub, b_u, a_eq, b_eq, bounds).fun + held
        except AssertionError:
            if slack == 1e-4:
                raise
    raise AssertionError("unreachable")


def reference_unmet(case: Case) -> float:
    """Level 1 of the proportional policy: min sum_k s[k] / demand[k] over demand > 0."""
    c, w, a_ub, b_ub, a_eq, b_eq, bounds = _matrices(case)
    _, w, a_ub, b_ub, a_eq, bounds, _ = _with_stock(case, c, w, a_ub, b_ub, a_eq, bounds)
    return max(0.0, _linprog(w, a_ub, b_ub, a_eq, b_eq, bounds).fun)


def _matrices(case: Case) -> tuple:
    """(cost, unmet weights, A_ub, b_ub, A_eq, b_eq, bounds) over [x, s] (and z, with tiers)."""
    com = list(case.commodities["commodity"])
    sup = case.supply.reset_index(drop=True)
    nx, nk = len(sup), len(com)
    kidx = {k: i for i, k in enumerate(com)}
    cost = (
        sup["unit_cost"] * (1 + sup["tariff"]) + sup["freight"] + sup["tariff_per_unit"]
    ).to_numpy()
    penalties = reference_penalties(case)
    demand = case.commodities["demand"].to_numpy(dtype=float)
    # capacity that counts: rows whose status the policy includes (blank = operating)
    counted = sup["status"].isin(case.policy.include_status).to_numpy()
    capacity = np.where(counted, sup["capacity"].to_numpy(float), 0.0)
    today = sup["today"].to_numpy(float)
    # each row's two tiers: y[j] up to today at cost, z[j] beyond it at (1 + premium) cost
    premium = np.array([reference_premiums(case)[k] for k in sup["commodity"]])
    tiers = bool((premium > 0).any())  # else one tier: x up to capacity at cost
    first = np.minimum(capacity, today) if tiers else capacity
    discount = reference_discount(case)  # present values, in a horizon case
    if discount:
        cost = cost * np.array([discount[k] for k in sup["commodity"]])
        penalties = {k: v * discount[k] for k, v in penalties.items()}
    c = np.concatenate([cost, np.array([penalties[k] for k in com])])
    bounds = [(0, float(v)) for v in first] + [(0, float(d)) for d in demand]
    if tiers:
        c = np.concatenate([c, cost * (1 + premium)])
        bounds += [(0, float(v)) for v in capacity - first]
    nv = nx + nk + (nx if tiers else 0)  # x = y + z enters every row through both tiers

    def widen(row: np.ndarray) -> np.ndarray:
        """A row written over (x, s): with tiers, its x coefficients repeated on z."""
        return np.concatenate([row, row[:nx]]) if tiers else row

    # S[k] as a row vector over x
    srow = np.zeros((nk, nx + nk))
    for j, k in enumerate(sup["commodity"]):
        srow[kidx[k], j] = 1.0

    a_eq = srow.copy()
    a_eq[:, nx:] = np.eye(nk)
    for p, i, q in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
        a_eq[kidx[i]] -= q * srow[kidx[p]]
    b_eq = demand
    a_eq = np.array([widen(r) for r in a_eq]).reshape(nk, nv)

    # gross requirement: need = demand + A need, A[p, q] = units of p per unit of q
    a_mat = np.zeros((nk, nk))
    for p, i, q in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
        a_mat[kidx[i], kidx[p]] += q
    need = np.linalg.solve(np.eye(nk) - a_mat, demand)

    ub_rows, ub_rhs = [], []

    def share_row(k: str, members: set[str], bound: float, sense: str, basis: str) -> None:
        r = np.zeros(nx + nk)
        for j, (kk, n) in enumerate(zip(sup["commodity"], sup["country"], strict=True)):
            if kk == k:
                in_g = 1.0 if n in members else 0.0
                r[j] = in_g - bound if basis == "supplied" else in_g
        rhs = bound * need[kidx[k]] if basis == "need" else 0.0
        r = widen(r)
        ub_rows.append(r if sense == "max" else -r)
        ub_rhs.append(rhs if sense == "max" else -rhs)

    caps = reference_caps(case)
    china_basis = case.policy.china_cap_basis
    for k in com:
        if ((sup["commodity"] == k) & (sup["country"] == "CHN")).any():
            share_row(k, {"CHN"}, caps[k], "max", china_basis)
    groups = reference_groups(case)
    for rule in case.policy.rules:
        if rule.commodities is not None:
            ks = [k for k in com if k in rule.commodities]
            if case.horizon_spec is not None:  # a commodity names all its years
                ks = [k for k in com if _year_of(k)[0] in rule.commodities]
        elif rule.stage is not None:
            ks = [k for k, s in zip(com, case.commodities["stage"], strict=True) if s == rule.stage]
        else:
            ks = com
        if case.horizon_spec is not None:
            first = rule.from_year if rule.from_year is not None else -np.inf
            last = rule.to_year if rule.to_year is not None else np.inf
            ks = [k for k in ks if first <= _year_of(k)[1] <= last]
        # the subject as written: a string with "|" between parts, or a list of such strings
        given = [rule.country] if isinstance(rule.country, str) else rule.country
        parts = [p.strip() for g in given for p in g.split("|")]
        for k in ks:
            if parts == ["each"]:
                for n in sup.loc[sup["commodity"] == k, "country"]:
                    share_row(k, {n}, rule.max_share, "max", rule.basis)
                continue
            members: set[str] = set()
            for part in parts:
                if part.startswith("group:"):
                    members |= groups.get(part[6:], set())
                else:
                    members.add(part)
            if rule.max_share is not None:
                share_row(k, members, rule.max_share, "max", rule.basis)
            if rule.min_share is not None:
                share_row(k, members, rule.min_share, "min", rule.basis)

    a_ub = np.array(ub_rows) if ub_rows else None
    b_ub = np.array(ub_rhs) if ub_rows else None
    # U = sum_k s[k] / demand[k] over commodities with demand (the others have s = 0)
    w = np.zeros(nx + nk)
    w[nx:] = [1.0 / v if v > 0 else 0.0 for v in demand]
    w = np.concatenate([w, np.zeros(nx)]) if tiers else w  # no weight on the beyond-today tier
    if case.horizon is not None and case.horizon.source.year_tables.get("buildout") is not None:
        c, w, a_ub, b_ub, a_eq, b_eq = _with_buildout(
            case, sup, capacity, tiers, c, w, a_ub, b_ub, a_eq, b_eq, bounds, widen
        )
    return c, w, a_ub, b_ub, a_eq, b_eq, bounds


def _with_stock(case: Case, c, w, a_ub, b_ub, a_eq, bounds) -> tuple:
    """The matrices with a stockpile's purchases and releases appended (per stocked
    commodity, per year: bought, released), and the constant holding cost of the initial
    holding; unchanged (and 0) without stockpile.csv."""
    hz = case.horizon
    table = hz.source.year_tables.get("stockpile") if hz is not None else None
    if table is None or table.empty:
        return c, w, a_ub, b_ub, a_eq, bounds, 0.0
    spec = case.horizon_spec
    years = list(range(spec.start, spec.end + 1))
    com = list(case.commodities["commodity"])
    kidx = {k: i for i, k in enumerate(com)}
    discount = reference_discount(case)
    n0 = len(c)
    extra_c, extra_bounds, floor_rows, floor_rhs = [], [], [], []
    eq_cols = []  # (row of the balance, column, coefficient)
    held = 0.0
    for k, init, max_buy, max_rel, hold, floor in table[
        ["commodity", "initial", "max_buy", "max_release", "holding_cost", "floor"]
    ].itertuples(index=False):
        first = n0 + len(extra_c)
        cols = {}  # year -> (bought column, released column)
        for t, y in enumerate(years):
            cols[y] = (first + 2 * t, first + 2 * t + 1)
            extra_bounds += [
                (0.0, None if max_buy != max_buy else float(max_buy)),
                (0.0, None if max_rel != max_rel else float(max_rel)),
            ]
            extra_c += [0.0, 0.0]
            # year y's balance: released adds to supply, bought takes from it
            eq_cols += [(kidx[f"{k}.{y}"], cols[y][1], 1.0), (kidx[f"{k}.{y}"], cols[y][0], -1.0)]
        for y in years:
            f = discount.get(f"{k}.{y}", 1.0)
            held += f * hold * init
            row = {}
            for t in years:
                if t <= y:  # what was bought and released up to y is held at y's end
                    row[cols[t][0]] = 1.0
                    row[cols[t][1]] = -1.0
                    extra_c[cols[t][0] - n0] += f * hold
                    extra_c[cols[t][1] - n0] -= f * hold
            # floor <= init + sum(bought - released), as -sum(...) <= init - floor
            floor_rows.append({j: -v for j, v in row.items()})
            floor_rhs.append(float(init) - float(floor))
    n = n0 + len(extra_c)
    c = np.concatenate([c, extra_c])
    w = np.concatenate([w, np.zeros(len(extra_c))])
    a_eq = np.hstack([a_eq, np.zeros((a_eq.shape[0], len(extra_c)))])
    for i, j, v in eq_cols:
        a_eq[i, j] += v
    rows = np.zeros((len(floor_rows), n))
    for i, row in enumerate(floor_rows):
        for j, v in row.items():
            rows[i, j] = v
    if a_ub is not None:
        a_ub = np.vstack([np.hstack([a_ub, np.zeros((a_ub.shape[0], len(extra_c)))]), rows])
        b_ub = np.concatenate([b_ub, floor_rhs])
    else:
        a_ub, b_ub = rows, np.array(floor_rhs)
    return c, w, a_ub, b_ub, a_eq, [*bounds, *extra_bounds], held


def _with_buildout(case, sup, capacity, tiers, c, w, a_ub, b_ub, a_eq, b_eq, bounds, widen):
    """README "Build-out", read from buildout.csv as given: per option and year from its
    from_year, a build column b[y] in [0, max_per_year] and a cumulative column C[y] with
    C[y] - C[y-1] - b[y] = 0 (C[from_year] = b[from_year]), costing annual_cost * f[y] in
    year y; the supply row (k.y, n) loses its capacity bound for x <= capacity + C[y];
    sum_y b[y] <= max_total. Appends columns (bounds in place) and rows."""
    frame = case.horizon.source.year_tables["buildout"]
    spec = case.horizon_spec
    base = spec.start if spec.base_year is None else spec.base_year
    nx = len(sup)
    where = {
        (k, n): j for j, (k, n) in enumerate(zip(sup["commodity"], sup["country"], strict=True))
    }
    n0 = len(c)
    cols_c: list[float] = []
    eq_rows: list[dict[int, float]] = []
    ub_rows: list[tuple[dict[int, float], float]] = []
    for k, n, annual, most, first, total in frame[
        ["commodity", "country", "annual_cost", "max_per_year", "from_year", "max_total"]
    ].itertuples(index=False):
        start = spec.start if np.isnan(first) else max(spec.start, int(first))
        years = list(range(start, spec.end + 1))
        b_of, c_of = {}, {}
        for y in years:
            b_of[y] = n0 + len(cols_c)
            cols_c.append(0.0)
            bounds.append((0, float(most)))
            c_of[y] = n0 + len(cols_c)
            cols_c.append(annual * (1.0 + spec.discount_rate) ** -(y - base))
            bounds.append((0, None))
            row = {c_of[y]: 1.0, b_of[y]: -1.0}
            if y > start:
                row[c_of[y - 1]] = -1.0
            eq_rows.append(row)
            j = where[f"{k}.{y}", n]  # the expansion gives every option a row in every year
            if tiers:  # the beyond-today tier takes what the build adds
                bounds[nx + len(case.commodities) + j] = (0, None)
            else:
                bounds[j] = (0, None)
            x = np.zeros(nx + len(case.commodities))
            x[j] = 1.0
            wide = widen(x)
            ub_rows.append(({**dict(enumerate(wide.tolist())), c_of[y]: -1.0}, capacity[j]))
        if not np.isnan(total):
            ub_rows.append(({b_of[y]: 1.0 for y in years}, float(total)))
    nv = len(c) + len(cols_c)

    def grow(a):
        return None if a is None else np.hstack([a, np.zeros((a.shape[0], len(cols_c)))])

    c = np.concatenate([c, np.array(cols_c)])
    w = np.concatenate([w, np.zeros(len(cols_c))])
    a_eq = grow(a_eq)
    extra_eq = np.zeros((len(eq_rows), nv))
    for i, row in enumerate(eq_rows):
        for j, v in row.items():
            extra_eq[i, j] = v
    a_eq = np.vstack([a_eq, extra_eq])
    b_eq = np.concatenate([b_eq, np.zeros(len(eq_rows))])
    extra_ub = np.zeros((len(ub_rows), nv))
    for i, (row, _) in enumerate(ub_rows):
        for j, v in row.items():
            extra_ub[i, j] = v
    rhs = np.array([r for _, r in ub_rows], dtype=float)
    a_ub = extra_ub if a_ub is None else np.vstack([grow(a_ub), extra_ub])
    b_ub = rhs if b_ub is None else np.concatenate([b_ub, rhs])
    return c, w, a_ub, b_ub, a_eq, b_eq


def _linprog(
    c: np.ndarray,
    a_ub: np.ndarray | None,
    b_ub: np.ndarray | None,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    bounds: list[tuple[float, float]],
) -> OptimizeResult:
    """linprog, optimal or an assertion error."""
    # HiGHS (behind linprog) can end in "Solve error" on a badly scaled LP (demand 1e9,
    # penalty 1e11) that solves without presolve or by interior point: try those in turn.
    for method, options in (
        ("highs", {}),
        ("highs-ds", {"presolve": False}),
        ("highs-ipm", {"presolve": False}),
    ):
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=bounds,
            method=method,
            options=options,
        )
        if res.status == 0:
            break
    assert res.status == 0, res.message
    return res
