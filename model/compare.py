"""Scenarios side by side: solve several cases and tabulate the differences.

The first case is the reference; every other case's cost, China share and
shortfall are reported by commodity with their difference from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.case import Case
from model.errors import InputError
from model.numbers import clean, money
from model.optimization.results import package_versions
from model.output import TablesRun
from model.solve import Result, solve


@dataclass
class CompareResult(TablesRun):
    results: list[Result]
    by_commodity: pd.DataFrame
    totals: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    kind = "compare"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        return {"comparison": self.by_commodity, "comparison_totals": self.totals}

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


def compare(cases: list[Case]) -> CompareResult:
    """Solve each case; differences are against the first."""
    if len(cases) < 2:
        raise InputError("compare needs at least two cases or scenarios")
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise InputError(f"cases to compare must have different names (got {', '.join(names)})")
    results = [solve(c) for c in cases]
    cols = ["cost", "supplied", "shortfall", "china_share", "average_unit_cost"]
    frames = []
    for r in results:
        f = r.commodities.set_index("commodity")[["stage", *cols]].copy()
        f.insert(0, "case", r.case.name)
        frames.append(f)
    ref = frames[0]
    rows = []
    for f in frames:
        g = f.join(ref[cols].add_suffix("_ref"), how="outer")
        for c in ("cost", "shortfall", "china_share"):
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
                "total_cost": r.total_cost,
                "objective": r.objective,
                "commodities_with_shortfall": r.summary["commodities_with_shortfall"],
                "total_cost_vs_first": money(r.total_cost - results[0].total_cost, r.total_cost),
            }
            for r in results
        ]
    )
    summary = {
        "kind": "compare",
        "name": "compare-" + "-vs-".join(names),
        "cases": names,
        "versions": package_versions(),
    }
    return CompareResult(results, by_commodity, totals, summary)
