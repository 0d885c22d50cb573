"""Plots of run results, drawn with matplotlib without a display.

Every function takes tables (the DataFrames of a result object, or the same
tables read back from a run folder's CSV files) and returns a
`matplotlib.figure.Figure`. Figures are made with the object API, not
``pyplot``, so nothing global changes and a notebook does not show a figure
twice. Result objects expose them as an accessor::

    result.plot.mix()            # sourcing mix per commodity, faceted by stage
    result.plot.china_share()    # China's share of supply against its cap
    curve_result.plot.curve()    # the price of de-risking
    stress_result.plot.criticality()
    compare_result.plot.comparison()

`figure_files` renders a figure to PNG and SVG bytes that do not change from
one run to the next (no dates or software tags, a fixed SVG id salt), so run
folders stay byte-identical for the same inputs.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from model.constants import CHINA
from model.formats import money_label, money_scale, number

PARTNER, DOMESTIC = "partner", "domestic"

CHINA_COLOUR = "#c62828"
PARTNER_COLOURS = ("#0d47a1", "#1976d2", "#42a5f5", "#90caf9", "#1565c0", "#64b5f6", "#0b3c8c")
DOMESTIC_COLOUR = "#2e7d32"
OTHER_COLOURS = ("#757575", "#a3a3a3", "#5c5c5c", "#c4c4c4", "#8c8c8c", "#b5b5b5")
UNMET_COLOUR = "#ffffff"
CASE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
LINE_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
)

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.titlesize": 12,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "svg.hashsalt": "sourcing-model",  # fixed ids in SVG output: identical files per run
    "svg.fonttype": "none",  # SVG text stays text: smaller, searchable
    "figure.dpi": 100,
}
DPI = 130
PCT = PercentFormatter(xmax=100, decimals=0)


def _style() -> Any:
    return matplotlib.rc_context(STYLE)


def _new_figure(width: float, height: float) -> Figure:
    _notebook_display()
    return Figure(figsize=(width, height), layout="constrained")


def _notebook_display() -> None:
    """In IPython, show a returned Figure as a PNG even if pyplot was never imported."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        formatter.for_type(Figure, lambda fig: figure_files(fig, "f", svg=False)["f.png"])


def figure_files(fig: Figure, name: str, *, svg: bool = True) -> dict[str, bytes]:
    """``{name.png: bytes, name.svg: bytes}``, the same bytes for the same figure."""
    out = {}
    engine = fig.get_layout_engine()
    with _style():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        out[f"{name}.png"] = buf.getvalue()
        if svg:
            # the layout is done: keep it for the SVG instead of solving it again
            fig.set_layout_engine("none")
            try:
                buf = io.BytesIO()
                fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
                out[f"{name}.svg"] = buf.getvalue()
            finally:
                fig.set_layout_engine(engine)
    return out


# --- who is who ---------------------------------------------------------------------------------
def country_kinds(countries: pd.DataFrame) -> dict[str, str]:
    """Country code -> 'china', 'partner', 'domestic' or 'other' (from the groups column)."""
    out = {}
    for code, groups in zip(countries["country"], countries["groups"].fillna(""), strict=True):
        tags = set(str(groups).split(";"))
        if code == CHINA:
            out[code] = "china"
        elif PARTNER in tags:
            out[code] = "partner"
        elif DOMESTIC in tags or code == "USA":
            out[code] = "domestic"
        else:
            out[code] = "other"
    return out


def country_colours(countries: pd.DataFrame) -> dict[str, str]:
    """A colour per country: China red, partners blues, domestic green, others greys."""
    kinds = country_kinds(countries)
    out, partners, others = {}, 0, 0
    for code in sorted(kinds):
        kind = kinds[code]
        if kind == "china":
            out[code] = CHINA_COLOUR
        elif kind == "partner":
            out[code] = PARTNER_COLOURS[partners % len(PARTNER_COLOURS)]
            partners += 1
        elif kind == "domestic":
            out[code] = DOMESTIC_COLOUR
        else:
            out[code] = OTHER_COLOURS[others % len(OTHER_COLOURS)]
            others += 1
    return out


KIND_ORDER = {"china": 0, "partner": 1, "domestic": 2, "other": 3}
KIND_LABELS = {
    "china": ("China", CHINA_COLOUR),
    "partner": ("partner nations (blues)", PARTNER_COLOURS[1]),
    "domestic": ("domestic (USA)", DOMESTIC_COLOUR),
    "other": ("other countries (greys)", OTHER_COLOURS[0]),
}


def _kind_handles(kinds: Iterable[str], unmet: bool = False, shades: bool = True) -> list[Patch]:
    """Legend entries for supplier kinds (``shades``: the kind's countries vary in shade)."""
    handles = [
        Patch(
            facecolor=KIND_LABELS[k][1],
            edgecolor="white",
            label=KIND_LABELS[k][0] if shades else KIND_LABELS[k][0].split(" (")[0],
        )
        for k in sorted(set(kinds), key=KIND_ORDER.__getitem__)
    ]
    if unmet:
        handles.append(
            Patch(facecolor=UNMET_COLOUR, edgecolor="#444444", hatch="////", label="unmet need")
        )
    return handles


def _text_colour(colour: str) -> str:
    r, g, b = matplotlib.colors.to_rgb(colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


MAX_ROWS = 40  # commodities per bar chart; larger cases show the most China-dependent
MAX_LINES = 12  # lines per sweep chart


def _stage_groups(
    commodities: pd.DataFrame, stage: str | None, limit: int = MAX_ROWS
) -> tuple[list[tuple[str, pd.DataFrame]], str]:
    """Commodities by stage, at most ``limit`` of them, and a note on what was left out.

    Large cases keep the commodities most dependent on China (China's share of
    their need, then unmet need, then cost), in table order.
    """
    com = commodities.copy()
    com["stage"] = com["stage"].fillna("").replace("", "(no stage)")
    if stage is not None:
        com = com[com["stage"] == stage]
        if com.empty:
            have = ", ".join(dict.fromkeys(commodities["stage"].fillna("").replace("", "-")))
            raise ValueError(f"no commodity has stage '{stage}' (stages: {have})")
    note = ""
    if len(com) > limit:
        need = (com["supplied"] + com["shortfall"]).where(lambda v: v > 0)
        key = pd.DataFrame(
            {
                "china": (com["china_share"].fillna(0) * com["supplied"] / need).fillna(0),
                "short": (com["shortfall"] / need).fillna(0),
                "cost": com["cost"],
            }
        )
        keep = key.sort_values(["china", "short", "cost"], ascending=False).index[:limit]
        note = f" ({limit} of {len(com)} commodities: the most dependent on China)"
        com = com.loc[sorted(keep, key=list(com.index).index)]
    return [(s, g) for s, g in com.groupby("stage", sort=False)], note


TICKS = FuncFormatter(lambda v, _: f"{v:,.6g}")


def _stage_axes(
    fig: Figure, groups: list[tuple[str, pd.DataFrame]], *, sharex: bool = True
) -> list[Any]:
    ratios = [len(g) for _, g in groups]
    axes = fig.subplots(len(groups), 1, sharex=sharex, height_ratios=ratios, squeeze=False)
    return list(axes[:, 0])


def _top_legend(ax: Any, handles: list[Any] | None = None, **kw: Any) -> None:
    """A legend in a row above the top axes (and above its title, if it has one)."""
    points = 22 if ax.get_title(loc="left") else 6
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    shift = ScaledTranslation(0, points / 72, ax.figure.dpi_scale_trans)
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1),
        bbox_transform=ax.transAxes + shift,
        borderaxespad=0,
        borderpad=0,
        handlelength=1.6,
        columnspacing=1.4,
        **kw,
    )


def _hbar_setup(ax: Any, labels: list[str], title: str) -> np.ndarray:
    ys = np.arange(len(labels))
    ax.set_yticks(ys, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_title(title, fontweight="bold")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    return ys


# --- solve results ------------------------------------------------------------------------------
def mix(
    mix: pd.DataFrame,
    commodities: pd.DataFrame,
    countries: pd.DataFrame,
    *,
    stage: str | None = None,
    title: str | None = None,
    label_min: float = 6.0,
) -> Figure:
    """Stacked bars: each commodity's need split by supplying country, in % of need.

    Need is direct demand plus downstream use (= supplied + shortfall), so a
    bar is 100% wide and unmet need shows hatched at its right end. Countries
    are coloured by kind (China, partner nations, domestic, others) and named
    on segments of at least ``label_min`` percent.
    """
    colours = country_colours(countries)
    kinds = country_kinds(countries)
    groups, note = _stage_groups(commodities, stage)
    by_commodity = dict(tuple(mix.groupby("commodity", sort=False)))
    empty = mix.iloc[0:0]
    used_kinds: set[str] = set()
    any_unmet = False
    with _style():
        n = sum(len(g) for _, g in groups)
        fig = _new_figure(10, 1.6 + 0.34 * n + 0.45 * len(groups))
        axes = _stage_axes(fig, groups)
        for ax, (stage_name, com) in zip(axes, groups, strict=True):
            ys = _hbar_setup(ax, list(com["commodity"]), stage_name)
            right = []
            for y, row in zip(ys, com.itertuples(index=False), strict=True):
                need = float(row.supplied) + float(row.shortfall)
                right.append(f"{number(need)} {row.unit}" if need > 0 else "no need")
                if need <= 0:
                    continue
                rows = by_commodity.get(row.commodity, empty).copy()
                rows["kind"] = rows["country"].map(kinds).fillna("other")
                rows["order"] = rows["kind"].map(KIND_ORDER)
                rows = rows.sort_values(["order", "quantity", "country"], ascending=[1, 0, 1])
                left = 0.0
                for r in rows.itertuples(index=False):
                    width = 100.0 * float(r.quantity) / need
                    colour = colours.get(r.country, OTHER_COLOURS[0])
                    used_kinds.add(r.kind)
                    ax.barh(y, width, left=left, color=colour, edgecolor="white", linewidth=0.6)
                    if width >= label_min:
                        ax.text(
                            left + width / 2,
                            y,
                            r.country,
                            ha="center",
                            va="center",
                            fontsize=7,
                            color=_text_colour(colour),
                        )
                    left += width
                if row.shortfall > 0:
                    any_unmet = True
                    width = 100.0 - left
                    ax.barh(
                        y,
                        width,
                        left=left,
                        color=UNMET_COLOUR,
                        edgecolor="#444444",
                        hatch="////",
                        linewidth=0.6,
                    )
                    if width >= 2 * label_min:
                        ax.text(
                            left + width / 2,
                            y,
                            f"short {width:.0f}%",
                            ha="center",
                            va="center",
                            fontsize=7,
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                        )
            ax.set_xlim(0, 100)
            ax.xaxis.set_major_formatter(PCT)
            for y, text in zip(ys, right, strict=True):
                ax.annotate(
                    text,
                    (1, y),
                    xycoords=("axes fraction", "data"),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7.5,
                    color="#444444",
                )
        axes[-1].set_xlabel(
            "share of each commodity's need (direct demand + downstream use), by supplying "
            "country\nright: the need, per year, in the commodity's own unit"
        )
        fig.suptitle(
            (title or "Sourcing mix by commodity") + note, x=0.01, ha="left", fontweight="bold"
        )
        _top_legend(axes[0], _kind_handles(used_kinds, any_unmet), ncols=5)
    return fig


def china_share(
    commodities: pd.DataFrame, *, stage: str | None = None, title: str | None = None
) -> Figure:
    """China's share of each commodity's supplied quantity, with its cap marked."""
    groups, note = _stage_groups(commodities, stage)
    capped = bool((commodities["max_china_share"] < 1).any())
    with _style():
        n = sum(len(g) for _, g in groups)
        fig = _new_figure(9, 1.4 + 0.3 * n + 0.45 * len(groups))
        axes = _stage_axes(fig, groups)
        for ax, (stage_name, com) in zip(axes, groups, strict=True):
            ys = _hbar_setup(ax, list(com["commodity"]), stage_name)
            share = 100.0 * com["china_share"].astype(float).to_numpy()
            cap = 100.0 * com["max_china_share"].astype(float).to_numpy()
            ax.barh(ys, np.nan_to_num(share), color=CHINA_COLOUR, height=0.6)
            for y, s, c in zip(ys, share, cap, strict=True):
                label = "nothing supplied" if s != s else f"{s:.0f}%"
                if c < 100:
                    ax.plot([c, c], [y - 0.42, y + 0.42], color="black", linewidth=2.2)
                    label += f" (cap {c:.0f}%)"
                # to the right of both the bar and the cap mark, so they never overlap
                right_end = max(float(np.nan_to_num(s)), c if c < 100 else 0.0)
                ax.text(
                    min(right_end, 100) + 1.2,
                    y,
                    label,
                    va="center",
                    fontsize=7.5,
                )
            ax.set_xlim(0, 128)
            ax.set_xticks(range(0, 101, 20))
            ax.spines["bottom"].set_bounds(0, 100)
            ax.xaxis.set_major_formatter(PCT)
            ax.tick_params(axis="x", labelbottom=True)
        axes[-1].set_xlabel("China's share of the quantity supplied")
        handles = [Patch(facecolor=CHINA_COLOUR, label="China's share")]
        if capped:
            handles.append(
                matplotlib.lines.Line2D([], [], color="black", linewidth=2.2, label="cap")
            )
        fig.suptitle(
            (title or "China's share of supply against its cap") + note,
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        _top_legend(axes[0], handles, ncols=2)
    return fig


def stages(
    mix: pd.DataFrame,
    commodities: pd.DataFrame,
    countries: pd.DataFrame,
    *,
    title: str | None = None,
) -> Figure:
    """Spend per stage split into China, partner nations, domestic and others ($M a year).

    Money is the one unit that adds up across the commodities of a stage.
    """
    kinds = country_kinds(countries)
    stage_of = dict(
        zip(
            commodities["commodity"],
            commodities["stage"].fillna("").replace("", "(no stage)"),
            strict=True,
        )
    )
    m = mix.assign(
        stage=mix["commodity"].map(stage_of), kind=mix["country"].map(kinds).fillna("other")
    )
    order = list(dict.fromkeys(stage_of[k] for k in commodities["commodity"]))
    spend = m.pivot_table(index="stage", columns="kind", values="cost", aggfunc="sum").reindex(
        order
    )
    spend = spend.fillna(0.0)
    scale, words = money_scale(spend.sum(axis=1))
    spend = spend / scale
    used = [k for k in sorted(KIND_ORDER, key=KIND_ORDER.__getitem__) if k in spend.columns]
    with _style():
        fig = _new_figure(9, 1.5 + 0.5 * len(order))
        ax = fig.subplots()
        ys = _hbar_setup(ax, order, "")
        total = spend.sum(axis=1).to_numpy()
        left = np.zeros(len(order))
        for kind in used:
            values = spend[kind].to_numpy()
            colour = KIND_LABELS[kind][1]
            ax.barh(ys, values, left=left, color=colour, edgecolor="white", height=0.6)
            for y, v, x0, t in zip(ys, values, left, total, strict=True):
                # a label only where the segment is wide enough on the page to hold it
                if t > 0 and v / (float(total.max()) * 1.18) >= 0.05:
                    ax.text(
                        x0 + v / 2,
                        y,
                        f"{100 * v / t:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color=_text_colour(colour),
                    )
            left = left + values
        for y, t in zip(ys, total, strict=True):
            ax.text(t, y, "  " + money_label(t * scale), va="center", fontsize=8)
        ax.set_xlim(0, max(float(total.max()), 1e-9) * 1.18)
        ax.set_xlabel(f"spend, {words} a year (labels in bars: share of the stage's spend)")
        ax.xaxis.set_major_formatter(TICKS)
        fig.suptitle(
            title or "Spend by supply-chain stage and supplier",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        _top_legend(ax, _kind_handles(used, shades=False), ncols=4)
    return fig


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
) -> Figure:
    """The price of de-risking: cost premium and shortfall as China's cap goes 100% -> 0%.

    One line per commodity (or one for all caps together), at most ``top``
    lines, strongest effect first; breakpoints, where the mix changes, are
    dots. Commodities left out (no effect, or beyond ``top``) are named in a note.
    """
    df = curve.copy()
    if commodities is not None:
        unknown = sorted(set(commodities) - set(df["commodity"]))
        if unknown:
            raise ValueError(f"not in the curve: {', '.join(unknown)}")
        df = df[df["commodity"].isin(commodities)]
    df["need"] = df["supplied"] + df["shortfall"]
    df["short_pct"] = np.where(df["need"] > 0, 100.0 * df["shortfall"] / df["need"], 0.0)
    together = "all" in set(df["commodity"])
    names = list(dict.fromkeys(df["commodity"]))
    flat = [
        k
        for k in names
        if (df.loc[df["commodity"] == k, ["cost_premium", "shortfall"]].abs() < 1e-9).all().all()
    ]
    drawn = [k for k in names if k not in flat]
    # strongest effect first, so the legend reads as a ranking
    drawn.sort(key=lambda k: -float(df.loc[df["commodity"] == k, "objective_increase"].max()))
    drawn, smaller = drawn[:top], drawn[top:]
    notes = []
    if smaller:
        notes.append("smaller effects, not drawn: " + _names(smaller))
    if flat:
        notes.append("no premium and no shortfall at any cap: " + _names(flat))
    scale, words = money_scale([*df["cost_premium"], *df["objective_increase"]])
    with _style():
        fig = _new_figure(10, 7.2)
        upper, lower = fig.subplots(2, 1, sharex=True)
        for i, k in enumerate(drawn):
            g = df[df["commodity"] == k].sort_values("cap", ascending=False)
            colour = LINE_COLOURS[i % len(LINE_COLOURS)]
            x = 100 * g["cap"]
            second = g["objective_increase"] / scale if together else g["short_pct"]
            bp = g["breakpoint"].astype(bool).to_numpy()
            for ax, y in ((upper, g["cost_premium"] / scale), (lower, second)):
                ax.plot(x, y, color=colour, linewidth=1.5, label=k if ax is upper else None)
                ax.plot(x[bp], y[bp], "o", color=colour, markersize=3)
        upper.set_title(
            "Cost premium over no cap (below zero once need goes unmet: less is bought)"
        )
        upper.set_ylabel(f"{words} a year")
        upper.yaxis.set_major_formatter(TICKS)
        upper.axhline(0, color="#888888", linewidth=0.8)
        if together:
            lower.set_title("Objective increase: supply cost plus unmet need at its penalty")
            lower.set_ylabel(f"{words} a year")
            lower.yaxis.set_major_formatter(TICKS)
        else:
            lower.set_title("Shortfall: unmet need as a share of the commodity's need")
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
        fig.legend(handles + h2, labels + l2, loc="outside right upper")
        fig.suptitle(
            title or "The price of de-risking: cost and shortfall as China's cap tightens",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


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
) -> Figure:
    """Total cost premium and commodities short across a sweep.

    The x axis is ``x``, or else the parameter with the most values; each
    combination of the other parameters is one line.
    """
    if not parameters:
        raise ValueError("a sweep plot needs at least one parameter")
    if x is None:
        x = max(parameters, key=lambda p: (points[p].nunique(), -parameters.index(p)))
    elif x not in parameters:
        raise ValueError(f"'{x}' is not a parameter of this sweep ({', '.join(parameters)})")
    others = [p for p in parameters if p != x]
    cap = _is_cap(x)
    y_col = "total_cost_premium" if "total_cost_premium" in points else "total_cost"
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
    scale, words = money_scale(points[y_col])
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
            upper.plot(
                xs, g[y_col] / scale, "-o", color=colour, markersize=3.5, label=label or None
            )
            lower.plot(xs, g["commodities_with_shortfall"], "-o", color=colour, markersize=3.5)
        if y_col == "total_cost_premium":
            upper.set_title(
                "Cost premium over no share rules (below zero once need goes unmet: less is bought)"
            )
        else:
            upper.set_title("Total supply cost")
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
            fig.legend(
                loc="outside right upper",
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
) -> Figure:
    """The top outages by objective increase, as horizontal bars (log scale if wide-ranging).

    With ``countries``, single-country outages are labelled with the country's name.
    """
    r = ranking[ranking["objective_increase"] > 0].head(top)
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
            ax.text(0.5, 0.5, "no outage raises the objective", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            ys = _hbar_setup(ax, labels, "")
            scale, words = money_scale(r["objective_increase"])
            values = r["objective_increase"].to_numpy() / scale
            short = r["commodities_short"].to_numpy() > 0
            colours = np.where(short, CHINA_COLOUR, "#78909c")
            ax.barh(ys, values, color=colours, height=0.65)
            log = values.max() / max(values.min(), 1e-12) > 100
            if log:
                ax.set_xscale("log")
            for y, v, row in zip(ys, values, r.itertuples(index=False), strict=True):
                text = " " + money_label(v * scale)
                if row.commodities_short:
                    text += f"; {row.commodities_short} short (worst: {row.worst_commodity})"
                ax.text(v, y, text, va="center", fontsize=7.5)
            lo = values.min() / 3 if log else 0
            ax.set_xlim(lo, values.max() * (30 if log else 1.6))
            ax.xaxis.set_major_formatter(TICKS)
            ax.set_xlabel(
                f"rise in objective when the supplier is lost, {words} a year"
                + (" (log scale)" if log else "")
                + "\nobjective = supply cost + unmet need valued at its shortfall penalty"
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


def comparison(by_commodity: pd.DataFrame, *, title: str | None = None) -> Figure:
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
    scale, words = money_scale(df["cost"])
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


# --- which figures a run has -------------------------------------------------------------------
def run_figures(
    kind: str, tables: dict[str, pd.DataFrame], summary: dict[str, Any], countries: pd.DataFrame
) -> dict[str, Figure]:
    """The figures a run folder of this kind holds, by file stem.

    ``tables`` maps table names (the CSV stems: mix, commodities, curve, ...)
    to DataFrames; the same call serves result objects and folders read back.
    """
    name = summary.get("name") or summary.get("case", "")
    if kind == "solve":
        case = f"case {summary.get('case', name)}"
        return {
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
            ),
        }
    if kind == "sweep":
        return {"sweep": sweep(tables["sweep_points"], list(summary.get("parameters", [])))}
    if kind == "curve":
        return {"curve": curve(tables["curve"])}
    if kind == "stress":
        return {"criticality": criticality(tables["criticality"], countries)}
    if kind == "compare":
        return {"comparison": comparison(tables["comparison"])}
    raise ValueError(f"unknown run kind '{kind}'")


def plot_files(figures: dict[str, Figure]) -> dict[str, bytes]:
    """``plots/<name>.png`` and ``.svg`` for each figure, ready for a run folder."""
    files: dict[str, bytes] = {}
    for name, fig in figures.items():
        for file, data in figure_files(fig, name).items():
            files[f"plots/{file}"] = data
    return files


# --- accessors: result.plot.<name>() -------------------------------------------------------------
class _Plots:
    names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<plots: {', '.join(f'.{n}()' for n in self.names)}>"

    def __dir__(self) -> list[str]:
        return list(self.names)


class ResultPlots(_Plots):
    """``result.plot``: figures of one solve."""

    names = ("mix", "china_share", "stages")

    def __init__(self, result: Any) -> None:
        self._r = result

    def _title(self, what: str) -> str:
        return f"{what}: case {self._r.case.name}"

    def mix(self, stage: str | None = None) -> Figure:
        """Sourcing mix per commodity (one stage with ``stage=``), in % of need."""
        r = self._r
        return mix(
            r.mix,
            r.commodities,
            r.case.countries,
            stage=stage,
            title=self._title("Sourcing mix" + (f" ({stage})" if stage else "")),
        )

    def china_share(self, stage: str | None = None) -> Figure:
        """China's share of each commodity against its cap."""
        return china_share(
            self._r.commodities,
            stage=stage,
            title=self._title("China's share of supply against its cap"),
        )

    def stages(self) -> Figure:
        """Spend per stage by supplier kind ($M a year)."""
        r = self._r
        return stages(
            r.mix,
            r.commodities,
            r.case.countries,
            title=self._title("Spend by supply-chain stage and supplier"),
        )


class SweepPlots(_Plots):
    names = ("sweep",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def sweep(self) -> Figure:
        """Total cost premium and commodities short against the first parameter."""
        return sweep(self._r.points, list(self._r.names))


class CurvePlots(_Plots):
    names = ("curve",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def curve(self, commodities: list[str] | None = None, top: int = 10) -> Figure:
        """Cost premium and shortfall against the cap, breakpoints marked."""
        return curve(self._r.curve, commodities=commodities, top=top)


class StressPlots(_Plots):
    names = ("criticality",)

    def __init__(self, result: Any) -> None:
        self._r = result

    def criticality(self, top: int = 15) -> Figure:
        """The ``top`` outages by objective increase."""
        return criticality(self._r.ranking, self._r.case.countries, top=top)


class ComparePlots(_Plots):
    names = ("comparison", "mix")

    def __init__(self, result: Any) -> None:
        self._r = result

    def comparison(self) -> Figure:
        """China share, unmet need and cost per commodity, one bar per case."""
        return comparison(self._r.by_commodity)

    def mix(self, case: str | int = 0, stage: str | None = None) -> Figure:
        """The sourcing mix of one compared case (by name or position)."""
        results = self._r.results
        if isinstance(case, str):
            found = [r for r in results if r.case.name == case]
            if not found:
                names = ", ".join(r.case.name for r in results)
                raise ValueError(f"no case '{case}' in this comparison ({names})")
            return found[0].plot.mix(stage=stage)
        return results[case].plot.mix(stage=stage)


__all__ = [
    "china_share",
    "comparison",
    "criticality",
    "curve",
    "figure_files",
    "mix",
    "plot_files",
    "run_figures",
    "stages",
    "sweep",
]
