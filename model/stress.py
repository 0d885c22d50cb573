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

In a case with a ``[horizon]`` an outage may last only some years (``year``, or
``from_year`` and optionally ``years``): the capacity is removed in those commodity-years
only, and the tables gain ``outage_years``. One outage can be named instead of the
enumeration (``country`` and/or ``commodity``); on a horizon case its result also holds
`model.stockneed.stock_needed` for the outage (what the stock must hold to cover its
years). With a stockpile, each outage gets ``bridged_years``: how many of its years, from
the first, the stock can cover with no new shortfall (`model.stockneed.bridged_years`).
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
from model.case.params import apply_values, parse_parameter
from model.constants import GROUP_PREFIX
from model.errors import InputError
from model.formats import year_ranges
from model.numbers import clean, money, vclean
from model.optimization.data import ModelData
from model.optimization.evaluate import Point, Record
from model.optimization.highs import Solver
from model.optimization.results import inputs_hash, package_versions
from model.optimization.runner import run_points
from model.output import TablesRun, canonical_inputs
from model.stockneed import bridged_years, stock_needed

MAX_OUTAGES = 20_000
RANK = (
    "largest rise in a commodity's shortfall as a share of its need, then the rise in the "
    "total (supply cost plus unmet need valued at its shortfall penalty)"
)


# a horizon case with a stockpile or build-out: their costs are in the total too
RANK_WITH_STOCK = RANK.replace("(supply cost plus", "(supply, stock and build-out costs plus")

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


def _shares(rec: Record, stock: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(shortfall, shortfall as a share of need) per commodity, rounded as the tables round.

    With a stockpile (``stock``) the need is demand plus what downstream production
    consumes (supply plus shortfall would miss what the stock released or took in)."""
    short = vclean(np.asarray(rec["shortfall"], dtype=float), np.asarray(rec["demand"], float))
    if stock:
        need = vclean(np.asarray(rec["demand"], float) + np.asarray(rec["downstream"], float), 1.0)
    else:
        supplied = vclean(np.asarray(rec["supplied"], dtype=float), 1.0)
        need = supplied + short
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(need > 0, short / np.where(need > 0, need, 1.0), 0.0)
    return short, np.round(share, 9)


def outage_years(
    case: Case, year: int | None = None, from_year: int | None = None, years: int | None = None
) -> list[int] | None:
    """The years an outage lasts: ``year`` alone, or ``from_year`` to the horizon's end
    (``years`` of them if given); None when none is given (the outage lasts throughout).
    Only in a case with a ``[horizon]``; a year outside it is an error."""
    if year is None and from_year is None:
        if years is not None:
            raise InputError("--years needs --from-year", "command line", column="years")
        return None
    flag = "year" if year is not None else "from-year"
    if year is not None and from_year is not None:
        raise InputError("give --year or --from-year, not both", "command line", column="year")
    if case.horizon is None:
        raise InputError(
            f"--{flag} needs a case with a [horizon] in case.toml (an outage in some years)",
            "command line",
            column=flag,
        )
    if years is not None and year is not None:
        raise InputError("--years goes with --from-year", "command line", column="years")
    if years is not None and years < 1:
        raise InputError(
            f"--years must be at least 1 (got {years})", "command line", column="years"
        )
    span = case.horizon.years
    first = year if year is not None else from_year
    assert first is not None
    last = first if year is not None else span[-1] if years is None else first + years - 1
    for y, key in ((first, flag), (last, "years")):
        if y not in span:
            raise InputError(
                f"year {y} is outside the horizon {span[0]}-{span[-1]}",
                "command line",
                column=key,
            )
    return list(range(first, last + 1))


def outages(
    case: Case,
    *,
    groups: bool = True,
    k: int = 1,
    by_commodity: bool = False,
    years: list[int] | None = None,
) -> list[tuple[str, str, Point]]:
    """(label, kind, point) for every outage to test (in ``years`` only, if given)."""
    sup = case.supply[case.supply["capacity"] > 0]
    countries = sorted(set(sup["country"]))
    out: list[tuple[str, str, Point]] = []
    when = "" if years is None else ",year=" + "|".join(map(str, years))

    def remove(label: str, kind: str, selector: str) -> None:
        out.append((label, kind, [(parse_parameter(f"capacity[{selector}{when}]"), 0.0)]))

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
        pairs = sup[["commodity", "country"]].itertuples(index=False)
        if years is not None:  # an outage in some years: each commodity with its years
            pairs = dict.fromkeys((case.base_id(kk), n) for kk, n in pairs)
        for kk, n in pairs:
            remove(f"{n}:{kk}", "supplier", f"commodity={kk},country={n}")
    if len(out) > MAX_OUTAGES:
        raise InputError(
            f"{len(out):,} outages is more than {MAX_OUTAGES:,}; lower k",
            "command line",
            column="k",
        )
    return out


def named_outage(
    case: Case, country: str | None, commodity: str | None, years: list[int] | None
) -> tuple[str, str, Point]:
    """(label, kind, point) of one outage: the supply of ``country`` (a code, ``group:<tag>``,
    several with ``|``) of ``commodity`` (all commodities if None), or of every supplier of
    ``commodity`` when ``country`` is None; in ``years`` only, if given."""
    parts = [f"country={country}"] if country else []
    parts += [f"commodity={commodity}"] if commodity else []
    if years is not None:
        parts.append("year=" + "|".join(map(str, years)))
    point: Point = [(parse_parameter(f"capacity[{','.join(parts)}]"), 0.0)]
    if country and commodity:
        return f"{country}:{commodity}", "supplier", point
    if country:
        return country, "group" if country.startswith(GROUP_PREFIX) else "country", point
    return f"all:{commodity}", "commodity", point


@dataclass
class StressResult(TablesRun):
    case: Case
    by_commodity: pd.DataFrame
    ranking: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    # a named outage in a horizon case: `model.stockneed.stock_needed` for it (else None)
    stock_needed: pd.DataFrame | None = None

    kind = "stress"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        # a horizon case: commodity as given and a year column (worst_year for the ranking)
        ranking = label_years(self.ranking, self.case, "worst_commodity", "worst_year")
        tables = {"stress": label_years(self.by_commodity, self.case), "criticality": ranking}
        if self.stock_needed is not None:
            tables["stock_needed"] = self.stock_needed
        return tables

    @property
    def plot(self):
        """Figures of this result: ``.criticality(top=15)``."""
        from model.plots import StressPlots  # here, not above: matplotlib only when drawing

        return StressPlots(self)


def _costed(case: Case) -> bool:
    """A horizon case with a stockpile or build-out options (costs beside supply)."""
    hz = case.horizon
    return hz is not None and bool(hz.stock or hz.buildout)


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
    country: str | None = None,
    commodity: str | None = None,
    year: int | None = None,
    from_year: int | None = None,
    years: int | None = None,
) -> StressResult:
    """Remove each supplying country (and group, and k-sets) in turn; rank by impact.

    ``country`` and/or ``commodity`` name one outage instead (the enumeration options are
    then unused). In a horizon case ``year`` (that year only) or ``from_year`` (that year
    and every later one, or ``years`` of them) limits the outage to those years.
    """
    if k < 1:
        raise InputError(f"k must be at least 1 (got {k})", "command line", column="k")
    t0 = time.perf_counter()
    span = outage_years(case, year, from_year, years)
    if country or commodity:
        tests = [named_outage(case, country, commodity, span)]
        apply_values(case, tests[0][2])  # a name that selects nothing fails before solving
    else:
        tests = outages(case, groups=groups, k=k, by_commodity=by_commodity, years=span)
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
    bridged = _bridged(case, tests, records, span)
    out_text = {} if span is None else {"outage_years": year_ranges(span)}
    pen = np.array(base["penalty"])
    stocked = case.horizon is not None and bool(case.horizon.stock)
    b_short, b_share = _shares(base, stocked)
    b_total = float(np.sum(base["cost"]) + pen @ b_short) + _other(base)
    rows, ranking = [], []
    for i, (label, kind, _) in enumerate(tests, start=1):
        rec = records[i]
        dcost = np.array(rec["cost"]) - np.array(base["cost"])
        dshort = np.array(rec["shortfall"]) - np.array(base["shortfall"])
        short, share = _shares(rec, stocked)
        rise = share - b_share
        for j, kk in enumerate(ids):
            if abs(dcost[j]) > 1e-6 * max(1.0, base["cost"][j]) or abs(dshort[j]) > 1e-9:
                s = rec["supplied"][j]
                rows.append(
                    {
                        "outage": label,
                        "kind": kind,
                        **out_text,
                        **({} if bridged is None else {"bridged_years": bridged[i - 1]}),
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
                **out_text,
                **({} if bridged is None else {"bridged_years": bridged[i - 1]}),
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
    extra = [*out_text, *([] if bridged is None else ["bridged_years"])]
    rank = pd.DataFrame(ranking, columns=[*RANK_COLUMNS[:2], *extra, *RANK_COLUMNS[2:]])
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
        "rank": RANK_WITH_STOCK if _costed(case) else RANK,
        "base_objective": base["objective"],
        "base_total": clean(b_total, 1.0),
        **({} if span is None else {"outage_years": span}),
        **(
            {}
            if bridged is None
            else {"bridged_years": {t[0]: n for t, n in zip(tests, bridged, strict=True)}}
        ),
        "versions": package_versions(),
        "timings_seconds": {"total": round(time.perf_counter() - t0, 4)},
    }
    cols = [
        "outage",
        "kind",
        *extra,
        "commodity",
        "cost",
        "cost_increase",
        "shortfall",
        "extra_shortfall",
        "shortfall_share",
        "shortfall_share_increase",
        "china_share",
    ]
    needed = None
    if (country or commodity) and case.horizon is not None:
        needed = stock_needed(
            apply_values(case, tests[0][2]),
            commodities=None if not commodity else _bases(case, commodity),
            years=span,
        )
        summary["stock_needed"] = {
            r["commodity"]: {c: r[c] for c in needed.columns[1:]} for r in needed.to_dict("records")
        }
    summary["timings_seconds"] = {"total": round(time.perf_counter() - t0, 4)}
    return StressResult(
        case, pd.DataFrame(rows, columns=cols), rank.reset_index(drop=True), summary, needed
    )


def _bases(case: Case, commodity: str) -> list[str]:
    """The commodities (as given) a ``commodity`` selector names (ids or commodity-years)."""
    of = case.horizon.of if case.horizon is not None else {}
    names = [v.strip() for v in commodity.split("|") if v.strip()]
    return list(dict.fromkeys(of[v][0] if v in of else v for v in names))


def _bridged(
    case: Case, tests: list[tuple[str, str, Point]], records: list[Record], span: list[int] | None
) -> list[int] | None:
    """Per outage, how many of its years from the first the stockpile bridges with no new
    shortfall (`model.stockneed.bridged_years`); None without a stockpile."""
    if case.horizon is None or not case.horizon.stock:
        return None
    years = span if span is not None else case.horizon.years
    base_short = np.asarray(records[0]["shortfall"], dtype=float)
    tol = 1e-9 * np.maximum(1.0, np.asarray(records[0]["demand"], dtype=float))
    solver = None
    out = []
    for i, (_, _, point) in enumerate(tests, start=1):
        if (np.asarray(records[i]["shortfall"], dtype=float) <= base_short + tol).all():
            out.append(len(years))  # the plan solved has no new shortfall at all
            continue
        if solver is None:  # one model, built only if an outage leaves need unmet
            solver = Solver(case)
        solver.apply(ModelData.from_case(apply_values(case, point), like=(case, solver.base_data)))
        out.append(bridged_years(solver, base_short, years))
    return out
