"""An independent formulation of the sourcing LP as matrices, solved with scipy.

It reads the validated `Case` tables directly and writes every row by hand,
sharing no code with `model.optimization.build`, so agreement of optima is real evidence.
A share "of need" is a share of the commodity's gross requirement (direct demand
plus what full downstream demand consumes), computed here by expanding the
recipe matrix: need = (I - A)^-1 demand with A[p, q] = a[q, p].
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from model.case import Case


def reference_objective(case: Case) -> float:
    com = list(case.commodities["commodity"])
    sup = case.supply.reset_index(drop=True)
    nx, nk = len(sup), len(com)
    kidx = {k: i for i, k in enumerate(com)}
    cost = (
        sup["unit_cost"] * (1 + sup["tariff"]) + sup["freight"] + sup["tariff_per_unit"]
    ).to_numpy()
    c = np.concatenate([cost, case.shortfall_penalties().reindex(com).to_numpy()])
    demand = case.commodities["demand"].to_numpy(dtype=float)
    bounds = [(0, float(v)) for v in sup["capacity"]] + [(0, float(d)) for d in demand]

    # S[k] as a row vector over x
    srow = np.zeros((nk, nx + nk))
    for j, k in enumerate(sup["commodity"]):
        srow[kidx[k], j] = 1.0

    a_eq = srow.copy()
    a_eq[:, nx:] = np.eye(nk)
    for p, i, q in case.recipes[["product", "input", "quantity"]].itertuples(index=False):
        a_eq[kidx[i]] -= q * srow[kidx[p]]
    b_eq = demand

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
        ub_rows.append(r if sense == "max" else -r)
        ub_rhs.append(rhs if sense == "max" else -rhs)

    caps = case.china_caps()
    china_basis = case.policy.china_cap_basis
    for k in com:
        if ((sup["commodity"] == k) & (sup["country"] == "CHN")).any():
            share_row(k, {"CHN"}, caps[k], "max", china_basis)
    groups = case.groups()
    for rule in case.policy.rules:
        if rule.commodities is not None:
            ks = [k for k in com if k in rule.commodities]
        elif rule.stage is not None:
            ks = [k for k, s in zip(com, case.commodities["stage"], strict=True) if s == rule.stage]
        else:
            ks = com
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
    return float(res.fun)
