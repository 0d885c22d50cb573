"""The price of de-risking: cost and shortfall as China's cap goes from 100% to 0%.

For each commodity China supplies (or for all commodities together), the cap
is swept on a grid; wherever the mix changes between two grid points (a
supplier enters or leaves, fills up, or shortfall starts), the change is
located by bisection to within ``tol``. The result is the curve a policy
analyst puts in a brief, with its breakpoints named.

Each row gives the commodity's supply cost, shortfall (units and share of need)
and the value of that shortfall, and the premium of the whole case's total
(supply cost plus unmet need valued at its shortfall penalty, over every
commodity: a cap on one commodity can leave a product that needs it short)
against the same point without share rules and against the case as given
("today"). With every cap together (``--together``) quantities of different
commodities do not add up: the row has money and shares only, its
``shortfall_share`` being the largest among the commodities.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.case import Case
from model.case.horizon import label_years
from model.case.params import parse_grid, parse_parameter
from model.constants import CHINA
from model.errors import InputError
from model.numbers import clean, money, vclean
from model.optimization.evaluate import Evaluator, Record
from model.optimization.results import package_versions
from model.optimization.runner import progress_bar
from model.output import TablesRun

ALL = "all"


def _totals(rec: Record, prefix: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per commodity (cost, shortfall, total = cost + stock holding + build-out + penalty x
    shortfall), rounded as the result tables round them; ``prefix="uncapped_"`` for the
    point without share rules. (Holding and build-out costs: only in a horizon case's
    records with a stockpile / build-out.)"""
    cost = np.asarray(rec[f"{prefix}cost"], dtype=float)
    demand = np.asarray(rec["demand"], dtype=float)
    short = vclean(np.asarray(rec[f"{prefix}shortfall"], dtype=float), demand)
    cost = vclean(cost, cost)
    total = cost + np.asarray(rec["penalty"], dtype=float) * short
    for key in ("holding", "build"):
        if f"{prefix}{key}" in rec:
            total = total + np.asarray(rec[f"{prefix}{key}"], dtype=float)
    return cost, short, total


def _other(rec: Record) -> np.ndarray | float:
    """Stock holding and build-out costs per commodity (0 without them), part of `_totals`."""
    parts = [np.asarray(rec[key], dtype=float) for key in ("holding", "build") if key in rec]
    return sum(parts) if parts else 0.0


def _signature(rec: Record, ev: Evaluator, ks: list[int]) -> tuple:
    """What 'the mix' is at a point: who supplies, who is full, where shortfall is."""
    d = ev.solver.data
    mix = [(int(j), q) for j, q, _ in np.asarray(rec["mix"], dtype=float).reshape(-1, 3).tolist()]
    cap = {j: d.capacity[d.rows[j]] for j, _ in mix}
    rows = []
    for j, q in mix:
        k = ev.row_k[j]
        if k in ks and q > 1e-7:
            full = q >= cap[j] - 1e-7 * max(1.0, cap[j])
            rows.append((int(j), bool(full)))
    short = tuple(bool(rec["shortfall"][k] > 1e-7 * max(1.0, rec["demand"][k])) for k in ks)
    return tuple(sorted(rows)), short


def _describe(before: tuple, after: tuple, ev: Evaluator, names: list[str]) -> str:
    d = ev.solver.data
    b, a = dict(before[0]), dict(after[0])
    words = []
    for j in sorted(set(b) | set(a)):
        k, n = d.rows[j]
        who = f"{n} ({k})" if len(names) > 1 else n
        if j not in b:
            words.append(f"{who} enters" + (" at capacity" if a[j] else ""))
        elif j not in a:
            words.append(f"{who} leaves")
        elif b[j] != a[j]:
            words.append(f"{who} {'fills up' if a[j] else 'no longer full'}")
    for name, s0, s1 in zip(names, before[1], after[1], strict=True):
        if s0 != s1:
            words.append(
                f"shortfall {'starts' if s1 else 'ends'}" + (f" ({name})" if len(names) > 1 else "")
            )
    return "; ".join(words) or "basis change"


@dataclass
class CurveResult(TablesRun):
    case: Case
    curve: pd.DataFrame
    breakpoints: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    kind = "curve"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        # a horizon case: commodity as given and a year column (blank for ``all``)
        curve, breaks = (label_years(f, self.case) for f in (self.curve, self.breakpoints))
        return {"curve": curve, "breakpoints": breaks}

    @property
    def plot(self):
        """Figures of this result: ``.curve(commodities=None)``."""
        from model.plots import CurvePlots  # here, not above: matplotlib only when drawing

        return CurvePlots(self)


def curve(
    case: Case,
    *,
    commodities: list[str] | None = None,
    together: bool = False,
    grid: str | list[float] = "1:0:0.05",
    tol: float = 1e-4,
    progress: bool = False,
) -> CurveResult:
    """Sweep China's cap for each commodity (or all together) and locate the breakpoints."""
    t0 = time.perf_counter()
    caps = parse_grid(grid, "command line", "grid")
    for c in caps:
        if not 0.0 <= c <= 1.0:
            raise InputError(f"cap {c:g} is outside [0, 1]", "command line", column="grid")
    caps = sorted(set(caps), reverse=True)
    if not 0 < tol < 0.1:
        raise InputError(f"tol {tol:g} must be in (0, 0.1)", "command line", column="tol")
    ids = list(case.commodities["commodity"])
    china = set(case.supply.loc[case.supply["country"] == CHINA, "commodity"])
    if commodities:
        for k in commodities:
            if k not in ids:
                raise InputError(f"unknown commodity '{k}'", "command line", column="commodity")
        targets = list(commodities)
    else:
        targets = [k for k in ids if k in china]
    if not targets:
        raise InputError("no commodity that China supplies to sweep", "command line")
    groups = [(ALL, targets)] if together else [(k, [k]) for k in targets]
    ev = Evaluator(case, uncapped=True)
    today_total = float(_totals(ev.evaluate([]))[2].sum())  # the case as given
    kidx = {k: i for i, k in enumerate(ids)}
    rows, breaks = [], []
    with progress_bar(progress) as bar:
        task = bar.add_task("curve", total=len(groups))
        for label, members in groups:
            sel = ALL if together and not commodities else "commodity=" + "|".join(members)
            param = parse_parameter(f"max_china_share[{sel}]")
            ks = [kidx[k] for k in members]
            cache: dict[float, tuple[Record, tuple]] = {}

            def at(cap: float, ks=ks, param=param, cache=cache) -> tuple[Record, tuple]:
                cap = round(cap, 9)
                if cap not in cache:
                    rec = ev.evaluate([(param, cap)])
                    cache[cap] = (rec, _signature(rec, ev, ks))
                return cache[cap]

            found = []
            for top, bottom in itertools.pairwise(caps):
                hi, s_hi = top, at(top)[1]
                s_bottom = at(bottom)[1]
                # an interval may hold several changes: find the first below `hi`,
                # then continue from just below it, until the bottom's mix is reached
                while s_hi != s_bottom:
                    lo, s_lo = bottom, s_bottom
                    while hi - lo > tol:
                        mid = (hi + lo) / 2
                        s_mid = at(mid)[1]
                        if s_mid == s_hi:
                            hi = mid
                        else:
                            lo, s_lo = mid, s_mid
                    found.append((round(lo, 6), round(hi, 6), s_hi, s_lo))
                    hi, s_hi = lo, s_lo
            # a change exactly on a grid point shows as two touching intervals
            # (e.g. 'AUS fills up' then 'JPN enters'): report it once
            merged: list[tuple[float, float, tuple, tuple]] = []
            for lo, hi, s_hi, s_lo in found:
                if merged and merged[-1][0] - hi <= 2 * tol:
                    prev = merged.pop()
                    lo, hi, s_hi = lo, prev[1], prev[2]
                merged.append((lo, hi, s_hi, s_lo))
            found = merged
            for lo, hi, s_hi, s_lo in found:
                breaks.append(
                    {
                        "commodity": label,
                        "cap_from": hi,
                        "cap_to": lo,
                        "change": _describe(s_hi, s_lo, ev, members),
                    }
                )
            break_caps = {b for lo, hi, _, _ in found for b in (lo, hi)}
            for cap in sorted(set(caps) | break_caps, reverse=True):
                rec = at(cap)[0]
                cost, short, total = _totals(rec)
                u_total = float(_totals(rec, "uncapped_")[2].sum())
                here = float(total.sum())
                supplied = vclean(np.asarray(rec["supplied"], dtype=float), 1.0)[ks]
                need = supplied + short[ks]
                with np.errstate(divide="ignore", invalid="ignore"):
                    shares = np.where(need > 0, short[ks] / np.where(need > 0, need, 1.0), 0.0)
                one = len(ks) == 1 and not together
                value = float((total - _other(rec) - cost)[ks].sum())
                rows.append(
                    {
                        "commodity": label,
                        "cap": cap,
                        "breakpoint": cap in break_caps,
                        # units: for one commodity only (unlike units do not add up)
                        "supplied": float(supplied[0]) if one else float("nan"),
                        "shortfall": float(short[ks][0]) if one else float("nan"),
                        "shortfall_share": round(float(shares.max()), 9),
                        "commodities_short": int((short[ks] > 0).sum()),
                        "china_share": round(rec["china"][ks[0]] / supplied[0], 9)
                        if one and supplied[0] > 0
                        else float("nan"),
                        "cost": clean(float(cost[ks].sum()), 1.0),
                        "shortfall_value": clean(value, 1.0),
                        "premium_vs_no_share_rules": money(here - u_total, here),
                        "premium_vs_today": money(here - today_total, here),
                    }
                )
            bar.advance(task)
    summary = {
        "kind": "curve",
        "name": f"{case.name}-curve" + ("-together" if together else ""),
        "case": case.name,
        "commodities": targets,
        "together": together,
        "currency": case.currency,
        "today": {"case": case.name, "total": clean(today_total, 1.0)},
        "grid": caps,
        "tol": tol,
        "versions": package_versions(),
        "timings_seconds": {"total": round(time.perf_counter() - t0, 4)},
    }
    return CurveResult(
        case,
        pd.DataFrame(rows),
        pd.DataFrame(breaks, columns=["commodity", "cap_from", "cap_to", "change"]),
        summary,
    )
