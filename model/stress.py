"""Outage stress test: remove each supplier in turn and see what breaks.

Each outage sets the capacity of one country (or a group, or a set of k
countries, or one country for one commodity) to zero and re-solves on the
kept model. Outages are ranked first by the need they leave unmet, as a share:
the largest rise in any commodity's shortfall as a share of its need
(``shortfall_share_increase``), so losing all of a commodity ranks above losing
a little of it whatever the commodities' prices; outages that tie there (most
often: no new shortfall) are ranked by the rise in the total, supply cost plus
unmet need valued at its shortfall penalty (``total_increase``). The ranking
never rests on penalty-weighted money alone.
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
from model.case.params import parse_parameter
from model.constants import GROUP_PREFIX
from model.errors import InputError
from model.numbers import clean, money, vclean
from model.optimization.evaluate import Point, Record
from model.optimization.results import inputs_hash, package_versions
from model.optimization.runner import run_points
from model.output import TablesRun, canonical_inputs

MAX_OUTAGES = 20_000
RANK = (
    "largest rise in a commodity's shortfall as a share of its need, then the rise in the "
    "total (supply cost plus unmet need valued at its shortfall penalty)"
)


RANK_COLUMNS = [
    "outage",
    "kind",
    "shortfall_share_increase",
    "worst_commodity",
    "commodities_short",
    "supply_cost_increase",
    "shortfall_value_increase",
    "total_increase",
]


def _shares(rec: Record) -> tuple[np.ndarray, np.ndarray]:
    """(shortfall, shortfall as a share of need) per commodity, rounded as the tables round."""
    short = vclean(np.asarray(rec["shortfall"], dtype=float), np.asarray(rec["demand"], float))
    supplied = vclean(np.asarray(rec["supplied"], dtype=float), 1.0)
    need = supplied + short
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(need > 0, short / np.where(need > 0, need, 1.0), 0.0)
    return short, np.round(share, 9)


def outages(
    case: Case, *, groups: bool = True, k: int = 1, by_commodity: bool = False
) -> list[tuple[str, str, Point]]:
    """(label, kind, point) for every outage to test."""
    sup = case.supply[case.supply["capacity"] > 0]
    countries = sorted(set(sup["country"]))
    out: list[tuple[str, str, Point]] = []

    def remove(label: str, kind: str, selector: str) -> None:
        out.append((label, kind, [(parse_parameter(f"capacity[{selector}]"), 0.0)]))

    for size in range(1, k + 1):
        for combo in itertools.combinations(countries, size):
            remove(
                "+".join(combo),
                "country" if size == 1 else f"{size} countries",
                "country=" + "|".join(combo),
            )
    if groups:
        for tag, members in sorted(case.groups().items()):
            if members & set(countries):
                remove(f"{GROUP_PREFIX}{tag}", "group", f"country={GROUP_PREFIX}{tag}")
    if by_commodity:
        for kk, n in sup[["commodity", "country"]].itertuples(index=False):
            remove(f"{n}:{kk}", "supplier", f"commodity={kk},country={n}")
    if len(out) > MAX_OUTAGES:
        raise InputError(
            f"{len(out):,} outages is more than {MAX_OUTAGES:,}; lower k",
            "command line",
            column="k",
        )
    return out


@dataclass
class StressResult(TablesRun):
    case: Case
    by_commodity: pd.DataFrame
    ranking: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    kind = "stress"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        # a horizon case: commodity as given and a year column (worst_year for the ranking)
        ranking = label_years(self.ranking, self.case, "worst_commodity", "worst_year")
        return {"stress": label_years(self.by_commodity, self.case), "criticality": ranking}

    @property
    def plot(self):
        """Figures of this result: ``.criticality(top=15)``."""
        from model.plots import StressPlots  # here, not above: matplotlib only when drawing

        return StressPlots(self)


def _other(rec: Record) -> float:
    """A horizon case's stock holding and build-out costs (records have them only when the
    case has a stockpile / build-out): part of the total, like the supply cost."""
    return float(sum(np.sum(rec[key]) for key in ("holding", "build") if key in rec))


def stress(
    case: Case,
    *,
    groups: bool = True,
    k: int = 1,
    by_commodity: bool = False,
    workers: int = 1,
    client: Any = None,
    progress: bool = False,
) -> StressResult:
    """Remove each supplying country (and group, and k-sets) in turn; rank by impact."""
    if k < 1:
        raise InputError(f"k must be at least 1 (got {k})", "command line", column="k")
    t0 = time.perf_counter()
    tests = outages(case, groups=groups, k=k, by_commodity=by_commodity)
    points: list[Point] = [[], *(p for _, _, p in tests)]  # point 0 is the case as given
    records = run_points(
        case,
        points,
        token=inputs_hash(canonical_inputs(case)),
        workers=workers,
        client=client,
        uncapped=False,
        progress=progress,
        label="stress",
    )
    ids = list(case.commodities["commodity"])
    base = records[0]
    pen = np.array(base["penalty"])
    b_short, b_share = _shares(base)
    b_total = float(np.sum(base["cost"]) + pen @ b_short) + _other(base)
    rows, ranking = [], []
    for i, (label, kind, _) in enumerate(tests, start=1):
        rec = records[i]
        dcost = np.array(rec["cost"]) - np.array(base["cost"])
        dshort = np.array(rec["shortfall"]) - np.array(base["shortfall"])
        short, share = _shares(rec)
        rise = share - b_share
        for j, kk in enumerate(ids):
            if abs(dcost[j]) > 1e-6 * max(1.0, base["cost"][j]) or abs(dshort[j]) > 1e-9:
                s = rec["supplied"][j]
                rows.append(
                    {
                        "outage": label,
                        "kind": kind,
                        "commodity": kk,
                        "cost": clean(rec["cost"][j], rec["cost"][j]),
                        "cost_increase": money(dcost[j], rec["cost"][j]),
                        "shortfall": clean(rec["shortfall"][j], rec["demand"][j]),
                        "extra_shortfall": clean(dshort[j], rec["demand"][j]),
                        "shortfall_share": float(share[j]),
                        "shortfall_share_increase": round(float(rise[j]), 9) + 0.0,
                        "china_share": round(rec["china"][j] / s, 9) if s > 0 else float("nan"),
                    }
                )
        worst = int(np.argmax(rise)) if (rise > 0).any() else None
        total = float(np.sum(rec["cost"]) + pen @ short) + _other(rec)
        value = float(pen @ (short - b_short))
        ranking.append(
            {
                "outage": label,
                "kind": kind,
                "shortfall_share_increase": round(float(rise[worst]), 9)
                if worst is not None
                else 0.0,
                "worst_commodity": ids[worst] if worst is not None else "",
                "commodities_short": int((dshort > 1e-7).sum()),
                "supply_cost_increase": money(float(dcost.sum()), float(np.sum(rec["cost"]))),
                "shortfall_value_increase": money(value, total),
                "total_increase": money(total - b_total, total),
            }
        )
    rank = pd.DataFrame(ranking, columns=RANK_COLUMNS)
    # shares tie when equal to 6 decimals (0.0001 of a point): then the money decides
    rank["_share"] = rank["shortfall_share_increase"].round(6)
    rank = rank.sort_values(
        ["_share", "total_increase", "outage"], ascending=[False, False, True], kind="stable"
    ).drop(columns="_share")
    rank.insert(0, "rank", range(1, len(rank) + 1))
    summary = {
        "kind": "stress",
        "name": f"{case.name}-stress",
        "case": case.name,
        "outages": len(tests),
        "k": k,
        "groups": groups,
        "by_commodity": by_commodity,
        "currency": case.currency,
        "rank": RANK,
        "base_objective": base["objective"],
        "base_total": clean(b_total, 1.0),
        "versions": package_versions(),
        "timings_seconds": {"total": round(time.perf_counter() - t0, 4)},
    }
    cols = [
        "outage",
        "kind",
        "commodity",
        "cost",
        "cost_increase",
        "shortfall",
        "extra_shortfall",
        "shortfall_share",
        "shortfall_share_increase",
        "china_share",
    ]
    return StressResult(
        case, pd.DataFrame(rows, columns=cols), rank.reset_index(drop=True), summary
    )
