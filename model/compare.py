"""Scenarios side by side: solve several cases and tabulate the differences.

The first case is the reference; every other case's cost, China share and
shortfall are reported by commodity with their difference from it. Totals are
in money and shares only (quantities of different commodities do not add up):
supply cost, the value of the shortfall (and a horizon case's stock holding and
build-out costs), their total, the largest shortfall as a
share of need, and the premium of each case's rules against today (the root of
its ``base`` chain) and against no share rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.case import Case, load_case
from model.case.horizon import by_id, commodity_ids, label_years
from model.case.load import today_source
from model.errors import InputError
from model.numbers import clean, money
from model.optimization.moves import shortage_moves
from model.optimization.results import Reference, package_versions
from model.output import TablesRun
from model.solve import Result, solve, today_reference


@dataclass
class CompareResult(TablesRun):
    results: list[Result]
    by_commodity: pd.DataFrame
    totals: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    kind = "compare"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        # a horizon case: commodity as given and a year column, like solve's tables
        return {
            "comparison": label_years(self.by_commodity, self.results[0].case),
            "comparison_totals": self.totals,
        }

    def run_case(self) -> Case:
        return self.results[0].case  # the reference case's inputs go with the run

    def run_sources(self) -> list[Path]:
        # every scenario file compared
        return [Path(s) for r in self.results for s in r.case.sources if s.endswith(".toml")]

    @property
    def plot(self):
        """Figures of this result: ``.comparison()``, ``.mix(case)``."""
        from model.plots import ComparePlots  # here, not above: matplotlib only when drawing

        return ComparePlots(self)


def _root(case: Case) -> Path | None:
    """The case folder or workbook a case was read from (its own, or its base chain's root)."""
    if (root := today_source(case)) is not None:
        return root.resolve()
    if not case.sources:
        return None  # built in code
    first = Path(case.sources[0])
    return (first.parent if first.name == "case.toml" else first).resolve()


def _reference(r: Result) -> Reference:
    com = r.commodities
    ids = commodity_ids(com)  # commodity-years in a horizon case
    return Reference(
        name=r.case.name,
        cost=dict(zip(ids, com["cost"], strict=True)),
        shortfall=dict(zip(ids, com["shortfall"], strict=True)),
        penalty=dict(zip(ids, com["shortfall_penalty"], strict=True)),
    )


def _solve_all(cases: list[Case]) -> list[Result]:
    """Solve every case, each scenario's today solved once however many share it
    (and not at all when that root case is itself compared)."""
    direct = [today_source(c) is None for c in cases]
    results: dict[int, Result] = {}
    refs: dict[Path, Reference] = {}
    for i, c in enumerate(cases):
        if direct[i]:
            results[i] = solve(c)
            if (root := _root(c)) is not None:
                refs.setdefault(root, _reference(results[i]))
    for i, c in enumerate(cases):
        if not direct[i]:
            root = _root(c)
            if root not in refs:
                refs[root] = today_reference(load_case(root))
            results[i] = solve(c, today=refs[root])
    return [results[i] for i in range(len(cases))]


def _moves(first: Result, other: Result) -> list[str]:
    """Sentences on shortage that moved between commodities from ``first`` to ``other``."""
    a, b = (by_id(r.commodities) for r in (first, other))
    return shortage_moves(a["shortfall"], b["shortfall"], b["unit"], b["supplied"] + b["shortfall"])


def compare(cases: list[Case]) -> CompareResult:
    """Solve each case; differences are against the first."""
    if len(cases) < 2:
        raise InputError("compare needs at least two cases or scenarios")
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise InputError(f"cases to compare must have different names (got {', '.join(names)})")
    currencies = sorted({c.currency for c in cases})
    if len(currencies) > 1:
        raise InputError(f"cases to compare must use one currency (got {', '.join(currencies)})")
    results = _solve_all(cases)
    cols = [
        "cost",
        "supplied",
        "shortfall",
        "shortfall_share",
        "china_share",
        "average_unit_cost",
        "shortfall_value",
        "total",
        "premium_vs_today",
    ]
    frames = []
    for r in results:
        # (a horizon case's commodity-years as commodity.year, like sweep, curve and stress)
        f = by_id(r.commodities)[["stage", *cols]].copy()
        f.insert(0, "case", r.case.name)
        frames.append(f)
    ref = frames[0]
    rows = []
    for f in frames:
        g = f.join(ref[cols].add_suffix("_ref"), how="outer")
        for c in ("cost", "shortfall", "china_share", "total"):
            g[f"{c}_vs_{names[0]}"] = (g[c] - g[f"{c}_ref"]).map(lambda v: clean(v, 1.0))
        g["case"] = f["case"].iloc[0]
        rows.append(g.drop(columns=[f"{c}_ref" for c in cols]).reset_index())
    by_commodity = pd.concat(rows, ignore_index=True)
    by_commodity = by_commodity[["case", *[c for c in by_commodity.columns if c != "case"]]]
    totals = pd.DataFrame(
        [
            {
                "case": r.case.name,
                "description": r.case.description,
                "supply_cost": r.supply_cost,
                "shortfall_value": r.summary["shortfall_value"],
                # stock holding and build-out: parts of the total (columns only when a
                # case has them)
                **{
                    key: r.summary.get(key, 0.0)
                    for key in ("holding_cost", "buildout_cost")
                    if any(key in q.summary for q in results)
                },
                "total": r.total,
                "commodities_with_shortfall": r.summary["commodities_with_shortfall"],
                "worst_shortfall_share": float(r.commodities["shortfall_share"].max()),
                "today": r.summary["today"]["case"],
                "premium_vs_today": r.summary["premium_vs_today"],
                "premium_vs_no_share_rules": r.summary["premium_vs_no_share_rules"],
                "total_vs_first": money(r.total - results[0].total, r.total),
                "objective": r.objective,
            }
            for r in results
        ]
    )
    summary = {
        "kind": "compare",
        "name": "compare-" + "-vs-".join(names),
        "cases": names,
        "currency": currencies[0],
        "versions": package_versions(),
        # where shortage went from the first case to each other one, in words
        "shortage_moves": {r.case.name: _moves(results[0], r) for r in results[1:]},
    }
    return CompareResult(results, by_commodity, totals, summary)
