"""Which figures a run folder has, drawn from its tables, and their files."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model.case.horizon import id_tables
from model.plots.common import figure_files
from model.plots.sensitivity import comparison, criticality, curve, sweep
from model.plots.solve import china_share, mix, stages, timeline
from model.plots.years import buildout_years, mix_years, stock_years
from model.report.years import year_plots


# --- which figures a run has -------------------------------------------------------------------
def run_figures(
    kind: str, tables: dict[str, pd.DataFrame], summary: dict[str, Any], countries: pd.DataFrame
) -> dict[str, Figure]:
    """The figures a run folder of this kind holds, by file stem.

    ``tables`` maps table names (the CSV stems: mix, commodities, curve, ...)
    to DataFrames; the same call serves result objects and folders read back.
    """
    tables = id_tables(kind, tables)  # a horizon run's commodity-years as ids
    name = summary.get("name") or summary.get("case", "")
    currency = str(summary.get("currency") or "USD")
    if kind == "solve":
        case = f"case {summary.get('case', name)}"
        figures = {
            "mix": mix(
                tables["mix"], tables["commodities"], countries, title=f"Sourcing mix: {case}"
            ),
            "china_share": china_share(
                tables["commodities"], title=f"China's share of supply against its cap: {case}"
            ),
            "stages": stages(
                tables["mix"],
                tables["commodities"],
                countries,
                title=f"Spend by supply-chain stage and supplier: {case}",
                currency=currency,
            ),
        }
        if "year" in tables["commodities"].columns:  # a horizon solve: its years
            figures["timeline"] = timeline(
                tables["commodities"],
                title=f"China's share against the glide path, and supply cost, by year: {case}",
                currency=currency,
            )
            figures.update(years_figures(tables, countries, case))
        return figures
    if kind == "sweep":
        parameters = list(summary.get("parameters", []))
        return {"sweep": sweep(tables["sweep_points"], parameters, currency=currency)}
    if kind == "curve":
        return {"curve": curve(tables["curve"], currency=currency)}
    if kind == "stress":
        return {"criticality": criticality(tables["criticality"], countries, currency=currency)}
    if kind == "compare":
        return {"comparison": comparison(tables["comparison"], currency=currency)}
    raise ValueError(f"unknown run kind '{kind}'")


def years_figures(
    tables: dict[str, pd.DataFrame], countries: pd.DataFrame, case: str
) -> dict[str, Figure]:
    """The figures of `year_plots`."""
    com, figures = tables["commodities"], {}
    for name in year_plots(tables):
        if name == "mix_years":
            figures[name] = mix_years(
                tables["mix"],
                com,
                countries,
                tables.get("stock"),
                title=f"Mix over the years, shares of supply, stock release and unmet need: {case}",
            )
        elif name == "buildout":
            figures[name] = buildout_years(
                tables["buildout"], com, title=f"Capacity built so far, by year: {case}"
            )
        else:
            figures[name] = stock_years(tables["stock"], com, title=f"Stockpile by year: {case}")
    return figures


def plot_files(figures: dict[str, Figure]) -> dict[str, bytes]:
    """``plots/<name>.png`` and ``.svg`` for each figure, ready for a run folder."""
    files: dict[str, bytes] = {}
    for name, fig in figures.items():
        for file, data in figure_files(fig, name).items():
            files[f"plots/{file}"] = data
    return files
