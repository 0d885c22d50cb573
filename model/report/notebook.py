"""Result objects in Jupyter: a compact HTML summary (``_repr_html_``)."""

from __future__ import annotations

import html
from typing import Any

from model.formats import millions
from model.report.document import _table_html
from model.report.run import run_from_result
from model.report.sensitivity import compare_tables, curve_table, stress_table, sweep_table
from model.report.solve import commodities_table


# --- notebooks: result._repr_html_ --------------------------------------------------------------
def result_html(obj: Any) -> str:
    """A compact HTML summary and the main table, for Jupyter."""
    run = run_from_result(obj)
    s = run.summary
    if run.kind == "solve":
        com = run.tables["commodities"]
        short = int((com["shortfall"] > 0).sum())
        line = (
            f"<b>Result</b> for case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{html.escape(str(s.get('status')))}; "
            f"supply cost {millions(s.get('total_cost'))} a year"
        )
        if s.get("total_cost_premium") is not None:
            line += f" ({millions(s['total_cost_premium'], signed=True)} against no share rules)"
        line += f"; {short} of {len(com)} commodities short" if short else "; all need met"
        table = commodities_table(com)
        more = "result.commodities, .mix, .stages, .capacity_values; plots: result.plot.mix() ..."
    elif run.kind == "sweep":
        points = run.tables["sweep_points"]
        params = list(s.get("parameters", []))
        line = (
            f"<b>SweepResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(points)} points over {html.escape(', '.join(params))}"
        )
        table = sweep_table(points, run.tables["sweep"], params)
        more = "s.points, .table, .mix; plot: s.plot.sweep()"
    elif run.kind == "curve":
        line = (
            f"<b>CurveResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{run.tables['curve']['commodity'].nunique()} curves, "
            f"{len(run.tables['breakpoints'])} breakpoints"
        )
        table = curve_table(run.tables["curve"])
        more = "c.curve, .breakpoints; plot: c.plot.curve()"
    elif run.kind == "stress":
        line = (
            f"<b>StressResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(run.tables['criticality'])} outages, the 15 worst:"
        )
        table = stress_table(run.tables["criticality"], top=15)
        more = "r.ranking, .by_commodity; plot: r.plot.criticality()"
    else:
        totals_table, table = compare_tables(
            run.tables["comparison"], run.tables["comparison_totals"]
        )
        line = f"<b>CompareResult</b>: {html.escape(', '.join(s.get('cases', [])))}"
        line += "</p>" + _table_html(totals_table) + "<p>By commodity:"
        more = "c.by_commodity, .totals, .results; plot: c.plot.comparison()"
    return (
        f'<div class="sourcing-result"><p>{line}</p>{_table_html(table)}'
        f'<p style="color:#666;font-size:0.85em">{html.escape(more)}</p></div>'
    )
