"""Charts of one solve: the mix by commodity, China's share against its cap, spend by stage."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from model.formats import money_label, money_scale, number
from model.plots.common import (
    CHINA_COLOUR,
    KIND_LABELS,
    KIND_ORDER,
    OTHER_COLOURS,
    PCT,
    TICKS,
    UNMET_COLOUR,
    _hbar_setup,
    _kind_handles,
    _new_figure,
    _stage_axes,
    _stage_groups,
    _style,
    _text_colour,
    _top_legend,
    country_colours,
    country_kinds,
)


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
    currency: str = "USD",
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
    scale, words = money_scale(spend.sum(axis=1), currency)
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
            ax.text(t, y, "  " + money_label(t * scale, currency), va="center", fontsize=8)
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


def timeline(
    commodities: pd.DataFrame, *, title: str | None = None, currency: str = "USD"
) -> Figure:
    """A horizon solve over its years: China's share of each commodity (solid) against its
    cap that year (dashed, the glide path), and the supply cost of each year (bars)."""
    com = commodities.sort_values(["year"], kind="stable")
    years = sorted(set(com["year"].astype(int)))
    with _style():
        fig = _new_figure(9, 6.5)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        colours = matplotlib.colormaps["tab10"]
        for i, (k, g) in enumerate(com.groupby("commodity", sort=False)):
            colour = colours(i % 10)
            x = g["year"].astype(int).to_numpy()
            top.plot(x, 100.0 * g["china_share"].astype(float), "o-", color=colour, label=k)
            top.step(
                x, 100.0 * g["max_china_share"].astype(float), "--", where="post", color=colour
            )
        top.set_ylabel("China's share of supply (%)")
        top.set_ylim(0, 105)
        top.yaxis.set_major_formatter(PCT)
        top.set_title(title or "China's share against the cap (dashed), and supply cost, by year")
        top.legend(loc="lower left", fontsize="small", frameon=False)
        cost = com.groupby("year")["cost"].sum().reindex(years).fillna(0.0)
        div, words = money_scale(cost.to_numpy(), currency)
        bottom.bar(years, cost.to_numpy() / div, color=OTHER_COLOURS[0])
        bottom.set_ylabel(f"supply cost ({words})")
        bottom.set_xticks(years)
        bottom.set_xlabel("year")
    return fig
