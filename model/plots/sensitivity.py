"""Charts of sensitivity runs: sweep, curve, criticality (stress) and comparison."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from model.formats import money_label, money_scale
from model.plots.common import (
    CASE_COLOURS,
    CHINA_COLOUR,
    LINE_COLOURS,
    MAX_LINES,
    MAX_ROWS,
    PCT,
    TICKS,
    _hbar_setup,
    _new_figure,
    _style,
    _top_legend,
)


# --- sensitivity results --------------------------------------------------------------------------
def _cap_axis(ax: Any) -> None:
    ax.set_xlim(101, -1)
    ax.xaxis.set_major_formatter(PCT)
    ax.grid(color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)


def curve(
    curve: pd.DataFrame,
    *,
    commodities: list[str] | None = None,
    top: int = 10,
    title: str | None = None,
    currency: str = "USD",
) -> Figure:
    """The price of de-risking: premium and shortfall as China's cap goes 100% -> 0%.

    The premium is the case's total (supply cost plus unmet need valued at its
    shortfall penalty) against the same point without share rules; the shortfall
    is unmet need as a share of the commodity's need (with every cap together, the
    largest share among the commodities). One line per commodity (or one for all
    caps together), at most ``top`` lines, strongest effect first; breakpoints,
    where the mix changes, are dots. Commodities left out (no effect, or beyond
    ``top``) are named in a note.
    """
    df = curve.copy()
    if commodities is not None:
        unknown = sorted(set(commodities) - set(df["commodity"]))
        if unknown:
            raise ValueError(f"not in the curve: {', '.join(unknown)}")
        df = df[df["commodity"].isin(commodities)]
    df["short_pct"] = 100.0 * df["shortfall_share"]
    premium = "premium_vs_no_share_rules"
    together = "all" in set(df["commodity"])
    names = list(dict.fromkeys(df["commodity"]))

    def effect(k: str) -> float:  # how much the cap moves the premium
        p = df.loc[df["commodity"] == k, premium]
        return float(p.max() - p.min())

    flat = [
        k
        for k in names
        if effect(k) < 1e-9 and (df.loc[df["commodity"] == k, "shortfall_share"] < 1e-12).all()
    ]
    drawn = [k for k in names if k not in flat]
    # strongest effect first, so the legend reads as a ranking
    drawn.sort(key=lambda k: -effect(k))
    drawn, smaller = drawn[:top], drawn[top:]
    notes = []
    if smaller:
        notes.append("smaller effects, not drawn: " + _names(smaller))
    if flat:
        notes.append("no premium and no shortfall at any cap: " + _names(flat))
    scale, words = money_scale(df[premium], currency)
    with _style():
        fig = _new_figure(10, 7.2)
        upper, lower = fig.subplots(2, 1, sharex=True)
        for i, k in enumerate(drawn):
            g = df[df["commodity"] == k].sort_values("cap", ascending=False)
            colour = LINE_COLOURS[i % len(LINE_COLOURS)]
            x = 100 * g["cap"]
            bp = g["breakpoint"].astype(bool).to_numpy()
            for ax, y in ((upper, g[premium] / scale), (lower, g["short_pct"])):
                ax.plot(x, y, color=colour, linewidth=1.5, label=k if ax is upper else None)
                ax.plot(x[bp], y[bp], "o", color=colour, markersize=3)
        upper.set_title(
            "Premium over no share rules: supply cost plus unmet need valued at its penalty"
        )
        upper.set_ylabel(f"{words} a year")
        upper.yaxis.set_major_formatter(TICKS)
        upper.axhline(0, color="#888888", linewidth=0.8)
        lower.set_title(
            "Shortfall: the largest share of need unmet among the commodities"
            if together
            else "Shortfall: unmet need as a share of the commodity's need"
        )
        lower.set_ylabel("% of need")
        lower.yaxis.set_major_formatter(PCT)
        for ax in (upper, lower):
            ax.title.set_fontweight("normal")
            _cap_axis(ax)
        xlabel = "cap on China's share of supply (from no cap, left, to nothing from China, right)"
        if notes:
            xlabel += "\n" + _wrap("; ".join(notes), 120)
        lower.set_xlabel(xlabel)
        lower.plot([], [], "o", color="#444444", markersize=3, label="breakpoint (mix changes)")
        handles, labels = upper.get_legend_handles_labels()
        h2, l2 = lower.get_legend_handles_labels()
        _side_legend(upper, handles + h2, labels + l2)
        fig.suptitle(
            title or "The price of de-risking: cost and shortfall as China's cap tightens",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


def _side_legend(ax: Any, handles: list[Any], labels: list[str], **kw: Any) -> None:
    """A legend right of ``ax``, its top level with the axes' frame.

    Below the figure's title and the axes' own, whatever their length (a figure
    legend "outside right upper" sits at the title's height, and a long title ran
    into it); constrained layout makes room for it beside every axes of the column.
    """
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kw)


def _names(items: list[str], limit: int = 12) -> str:
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines)


def _is_cap(parameter: str) -> bool:
    return parameter.startswith("max_china_share")


def _param_format(parameter: str) -> Callable[[float], str]:
    if _is_cap(parameter):
        return lambda v: f"{100 * v:.0f}%"
    if re.match(r"^(capacity|unit_cost|demand|freight|tariff_per_unit)\[", parameter):
        return lambda v: f"x{v:g}"
    return lambda v: f"{v:g}"


def sweep(
    points: pd.DataFrame,
    parameters: list[str],
    *,
    x: str | None = None,
    title: str | None = None,
    currency: str = "USD",
) -> Figure:
    """What the rules cost, and commodities short, across a sweep.

    The premium is the point's total (supply cost plus unmet need valued at its
    shortfall penalty) against the same point without share rules (solid) and
    against the case as given, "today" (dashed). The x axis is ``x``, or else
    the parameter with the most values; each combination of the other parameters
    is one colour.
    """
    if not parameters:
        raise ValueError("a sweep plot needs at least one parameter")
    if x is None:
        x = max(parameters, key=lambda p: (points[p].nunique(), -parameters.index(p)))
    elif x not in parameters:
        raise ValueError(f"'{x}' is not a parameter of this sweep ({', '.join(parameters)})")
    others = [p for p in parameters if p != x]
    cap = _is_cap(x)
    y_cols = [
        (c, style)
        for c, style in (("premium_vs_no_share_rules", "-o"), ("premium_vs_today", "--s"))
        if c in points
    ] or [("total", "-o")]
    series = (
        [((), points)]
        if not others
        else [
            (key if isinstance(key, tuple) else (key,), g)
            for key, g in points.groupby(others, sort=False)
        ]
    )
    note = ""
    if len(series) > MAX_LINES:
        note = f" (first {MAX_LINES} of {len(series)} combinations)"
        series = series[:MAX_LINES]
    scale, words = money_scale(points[[c for c, _ in y_cols]].to_numpy().ravel(), currency)
    with _style():
        fig = _new_figure(9, 6.2)
        upper, lower = fig.subplots(2, 1, sharex=True)
        for i, (key, g) in enumerate(series):
            g = g.sort_values(x)
            xs = g[x].astype(float) * (100 if cap else 1)
            if len(others) == 1:
                label = _param_format(others[0])(key[0])
            else:
                label = ", ".join(
                    f"{p} = {_param_format(p)(v)}" for p, v in zip(others, key, strict=True)
                )
            colour = LINE_COLOURS[i % len(LINE_COLOURS)]
            for j, (col, style) in enumerate(y_cols):
                upper.plot(
                    xs,
                    g[col] / scale,
                    style,
                    color=colour,
                    markersize=3.5,
                    label=(label or None) if j == 0 else None,
                )
            lower.plot(xs, g["commodities_with_shortfall"], "-o", color=colour, markersize=3.5)
        if y_cols[0][0] == "total":
            upper.set_title("Total: supply cost plus unmet need valued at its shortfall penalty")
        else:
            names = {
                "premium_vs_no_share_rules": "against no share rules",
                "premium_vs_today": "against the case as given (today)",
            }
            upper.set_title("Premium: the total (supply cost + unmet need valued) over a reference")
            upper.axhline(0, color="#888888", linewidth=0.8)
            upper.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        color="#444444",
                        linestyle=style[:-1],
                        marker=style[-1],
                        markersize=3.5,
                        label=names[c],
                    )
                    for c, style in y_cols
                ],
                loc="upper left",
                fontsize=8,
            )
        upper.set_ylabel(f"{words} a year")
        upper.yaxis.set_major_formatter(TICKS)
        lower.set_title("Commodities with unmet need")
        lower.set_ylabel("commodities")
        lower.yaxis.get_major_locator().set_params(integer=True)
        lower.set_ylim(bottom=0, top=max(1, int(points["commodities_with_shortfall"].max())) + 0.5)
        values = points[x].astype(float) * (100 if cap else 1)
        pad = max(1e-9, 0.04 * (values.max() - values.min()) or 0.04 * abs(values.max()) or 1)
        for ax in (upper, lower):
            ax.title.set_fontweight("normal")
            ax.grid(color="#e0e0e0", linewidth=0.6)
            ax.set_axisbelow(True)
            if cap:
                ax.set_xlim(values.max() + pad, values.min() - pad)  # tighter caps to the right
                ax.xaxis.set_major_formatter(PCT)
            else:
                ax.set_xlim(values.min() - pad, values.max() + pad)
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _param_format(x)(v)))
        lower.set_xlabel(x + (" (cap on China's share, tighter to the right)" if cap else ""))
        if others:
            handles, labels = upper.get_legend_handles_labels()
            _side_legend(
                upper,
                handles,
                labels,
                title=others[0] if len(others) == 1 else "other parameters",
                title_fontsize=8,
                alignment="left",
            )
        fig.suptitle(
            (title or f"Sweep over {x}: what the rules cost") + note,
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


def criticality(
    ranking: pd.DataFrame,
    countries: pd.DataFrame | None = None,
    *,
    top: int = 15,
    title: str | None = None,
    currency: str = "USD",
) -> Figure:
    """The top outages in the ranking's order, as horizontal bars (log scale if wide-ranging).

    Outages are ranked by the need they leave unmet (the largest rise in a
    commodity's shortfall as a share of its need), then by the rise in the total
    (supply cost plus unmet need valued at its shortfall penalty), which is the
    bar's length. With ``countries``, single-country outages are labelled with the
    country's name.
    """
    hurts = (ranking["total_increase"] > 0) | (ranking["shortfall_share_increase"] > 0)
    r = ranking[hurts].head(top)
    names = (
        dict(zip(countries["country"], countries["name"], strict=True))
        if countries is not None
        else {}
    )
    labels = [f"{names[o]} ({o})" if o in names else str(o) for o in r["outage"]]
    with _style():
        fig = _new_figure(10, 1.8 + 0.32 * max(1, len(r)))
        ax = fig.subplots()
        if r.empty:
            ax.text(0.5, 0.5, "no outage raises the total", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            ys = _hbar_setup(ax, labels, "")
            scale, words = money_scale(r["total_increase"], currency)
            values = np.maximum(r["total_increase"].to_numpy(), 0.0) / scale
            short = r["commodities_short"].to_numpy() > 0
            colours = np.where(short, CHINA_COLOUR, "#78909c")
            ax.barh(ys, values, color=colours, height=0.65)
            positive = values[values > 0]
            log = len(positive) > 0 and positive.max() / positive.min() > 100
            if log:
                ax.set_xscale("log")
                values = np.maximum(values, positive.min() / 3)
            for y, v, row in zip(ys, values, r.itertuples(index=False), strict=True):
                text = " " + money_label(row.total_increase, currency)
                if row.shortfall_share_increase > 0:
                    text += (
                        f"; {row.worst_commodity} {100 * row.shortfall_share_increase:.0f}% of "
                        f"need unmet, {row.commodities_short} short"
                    )
                ax.text(v, y, text, va="center", fontsize=7.5)
            top_value = max(float(values.max()), 1e-12)
            lo = float(values.min()) / 3 if log else 0
            ax.set_xlim(lo, top_value * (30 if log else 1.6))
            ax.xaxis.set_major_formatter(TICKS)
            ax.set_xlabel(
                f"rise in the total when the supplier is lost, {words} a year"
                + (" (log scale)" if log else "")
                + "\ntotal = supply cost + unmet need valued at its shortfall penalty; ranked by"
                " unmet share of need first"
            )
            handles = [
                Patch(facecolor=CHINA_COLOUR, label="leaves need unmet"),
                Patch(facecolor="#78909c", label="only raises cost"),
            ]
            _top_legend(ax, handles, ncols=2)
        fig.suptitle(
            title or f"Supplier criticality: the {len(r)} outages that hurt most",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


def comparison(
    by_commodity: pd.DataFrame, *, title: str | None = None, currency: str = "USD"
) -> Figure:
    """Cases side by side per commodity: China share, unmet need and cost."""
    cases = list(dict.fromkeys(by_commodity["case"]))
    ks = list(dict.fromkeys(by_commodity["commodity"]))
    df = by_commodity.set_index(["case", "commodity"])
    need = df["supplied"] + df["shortfall"]
    note = ""
    if len(ks) > MAX_ROWS:  # large cases: the commodities the cases disagree on most
        spread = (
            pd.DataFrame({"china": df["china_share"], "short": df["shortfall"] / need})
            .fillna(0.0)
            .groupby(level="commodity")
            .agg(lambda v: v.max() - v.min())
            .sum(axis=1)
        )
        keep = set(spread.sort_values(ascending=False, kind="stable").index[:MAX_ROWS])
        note = f" ({MAX_ROWS} of {len(ks)} commodities: those that differ most)"
        ks = [k for k in ks if k in keep]
    panels = [
        ("China's share of supply", 100 * df["china_share"], PCT),
        (
            "unmet need (% of need)",
            (100 * df["shortfall"] / need.where(need > 0)).fillna(0.0),
            PCT,
        ),
    ]
    scale, words = money_scale(df["cost"], currency)
    panels.append((f"supply cost ({words} a year)", df["cost"] / scale, TICKS))
    height = 0.8 / len(cases)
    with _style():
        fig = _new_figure(11, 1.8 + 0.16 * len(ks) * max(2, len(cases)))
        axes = fig.subplots(1, 3, sharey=True)
        fig.get_layout_engine().set(wspace=0.08)  # room between "100%" and the next "0%"
        for ax, (label, values, fmt) in zip(axes, panels, strict=True):
            ys = _hbar_setup(ax, ks, label)
            ax.title.set_fontsize(9)
            for i, c in enumerate(cases):
                v = values.loc[c].reindex(ks).fillna(0.0).to_numpy()
                ax.barh(
                    ys - 0.4 + height * (i + 0.5),
                    v,
                    height=height,
                    color=CASE_COLOURS[i % len(CASE_COLOURS)],
                    label=c if ax is axes[0] else None,
                )
            ax.xaxis.set_major_formatter(fmt)
            if fmt is PCT:
                ax.set_xlim(0, 100)
        _top_legend(axes[0], ncols=min(4, len(cases)))
        fig.suptitle(
            (title or "Scenario comparison by commodity") + note,
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig
