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
    s, cur = run.summary, str(run.summary.get("currency") or "USD")
    if run.kind == "solve":
        com = run.tables["commodities"]
        short = int((com["shortfall"] > 0).sum())
        line = (
            f"<b>Result</b> for case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{html.escape(str(s.get('status')))}; "
            f"supply cost {millions(s.get('supply_cost'), currency=cur)} a year"
        )
        if short:
            line += (
                f", {short} of {len(com)} commodities short, valued at "
                f"{millions(s.get('shortfall_value'), currency=cur)}: total "
                f"{millions(s.get('total'), currency=cur)}"
            )
        else:
            line += "; all need met"
        premiums = []
        if s.get("premium_vs_no_share_rules") is not None:
            premiums.append(
                f"{millions(s['premium_vs_no_share_rules'], True, cur)} against no share rules"
            )
        if s.get("premium_vs_today") is not None:
            who = (s.get("today") or {}).get("case", "")
            premiums.append(
                f"{millions(s['premium_vs_today'], True, cur)} against today "
                f"({html.escape(str(who))})"
            )
        if premiums:
            line += "; premium " + ", ".join(premiums)
        table = commodities_table(com, cur)
        more = "result.commodities, .mix, .stages, .capacity_values; plots: result.plot.mix() ..."
    elif run.kind == "sweep":
        points = run.tables["sweep_points"]
        params = list(s.get("parameters", []))
        line = (
            f"<b>SweepResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(points)} points over {html.escape(', '.join(params))}"
        )
        table = sweep_table(points, run.tables["sweep"], params, cur)
        more = "s.points, .table, .mix; plot: s.plot.sweep()"
    elif run.kind == "curve":
        line = (
            f"<b>CurveResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{run.tables['curve']['commodity'].nunique()} curves, "
            f"{len(run.tables['breakpoints'])} breakpoints"
        )
        table = curve_table(run.tables["curve"], cur)
        more = "c.curve, .breakpoints; plot: c.plot.curve()"
    elif run.kind == "stress":
        line = (
            f"<b>StressResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(run.tables['criticality'])} outages, the 15 worst:"
        )
        table = stress_table(run.tables["criticality"], top=15, currency=cur)
        more = "r.ranking, .by_commodity; plot: r.plot.criticality()"
    else:
        totals_table, table = compare_tables(
            run.tables["comparison"], run.tables["comparison_totals"], cur
        )
        line = f"<b>CompareResult</b>: {html.escape(', '.join(s.get('cases', [])))}"
        line += "</p>" + _table_html(totals_table) + "<p>By commodity:"
        more = "c.by_commodity, .totals, .results; plot: c.plot.comparison()"
    return (
        f'<div class="sourcing-result"><p>{line}</p>{_table_html(table)}'
        f'<p style="color:#666;font-size:0.85em">{html.escape(more)}</p></div>'
    )
