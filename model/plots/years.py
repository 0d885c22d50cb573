"""Timelines of a horizon solve: the mix, the build-out and the stockpile over the years.

Each draws only what `model.report.years` selects (commodities whose mix changes, options
that build, stockpiles that are held or moved); `run_figures` adds a plot only when there
is something to draw, so other runs keep their files.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model.plots.common import (
    LINE_COLOURS,
    OTHER_COLOURS,
    PCT,
    UNMET_COLOUR,
    _new_figure,
    _style,
    country_colours,
)
from model.report.years import (
    STOCK,
    UNMET,
    build_totals,
    drawn_builds,
    drawn_mix,
    mix_changes,
    mix_shares,
    stock_drawn,
)

BOUGHT_COLOUR, RELEASED_COLOUR = "#2e7d32", "#ef6c00"
STOCK_COLOUR = "#8d6e63"  # a stock's release in the mix


def _grid(fig: Figure, n: int, ncols: int = 3) -> list:
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return flat[:n]


def _year_ticks(ax, years: list[int]) -> None:
    step = max(1, math.ceil(len(years) / 6))
    ax.set_xticks(years[::step])


def mix_years(
    mix: pd.DataFrame,
    commodities: pd.DataFrame,
    countries: pd.DataFrame,
    stock: pd.DataFrame | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Small multiples, one per commodity whose mix changes (at most 12, those that change
    most): each year's supply by country, the stock's release and unmet need, in % of
    their sum (the need plus what is bought into stock), unmet hatched."""
    keep = drawn_mix(mix, commodities, stock)
    if not keep:
        raise ValueError("no commodity's mix changes over the years: nothing to draw")
    shares = mix_shares(mix, commodities, stock)
    colours = country_colours(countries)
    units = dict(zip(commodities["commodity"], commodities["unit"].fillna(""), strict=False))
    used: dict[str, str] = {}
    with _style():
        fig = _new_figure(10, 1.2 + 2.3 * math.ceil(len(keep) / min(3, len(keep))))
        axes = _grid(fig, len(keep))
        for ax, k in zip(axes, keep, strict=True):
            g = shares.xs(k, level="commodity").sort_index()
            years = [int(y) for y in g.index]
            bottom = np.zeros(len(years))
            for who in g.columns:
                values = 100.0 * g[who].to_numpy(float)
                if not (values > 0).any():
                    continue
                if who == STOCK:
                    used[who] = STOCK_COLOUR
                    ax.bar(years, values, bottom=bottom, color=STOCK_COLOUR, edgecolor="white")
                elif who == UNMET:
                    ax.bar(
                        years,
                        values,
                        bottom=bottom,
                        color=UNMET_COLOUR,
                        edgecolor="#444444",
                        hatch="////",
                        linewidth=0.5,
                    )
                else:
                    colour = colours.get(who, OTHER_COLOURS[0])
                    used[who] = colour
                    ax.bar(years, values, bottom=bottom, color=colour, edgecolor="white")
                bottom = bottom + values
            ax.set_title(f"{k} ({units.get(k, '')})" if units.get(k) else str(k), fontsize=9)
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PCT)
            _year_ticks(ax, years)
        handles = [
            Patch(facecolor=c, edgecolor="white", label="stock release" if who == STOCK else who)
            for who, c in used.items()
        ]
        if any((shares.loc[keep, UNMET] > 0).to_numpy()):
            handles.append(
                Patch(facecolor=UNMET_COLOUR, edgecolor="#444444", hatch="////", label="unmet")
            )
        changing = len(mix_changes(mix, commodities, stock))
        note = (
            f" ({len(keep)} of {changing} whose mix changes: those that change most)"
            if changing > len(keep)
            else ""
        )
        fig.suptitle(
            (title or "Mix over the years: shares of supply, stock release and unmet need") + note,
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        fig.legend(handles=handles, loc="outside lower center", ncols=min(10, len(handles)))
    return fig


def buildout_years(
    buildout: pd.DataFrame, commodities: pd.DataFrame, *, title: str | None = None
) -> Figure:
    """Capacity built so far by each build option that builds (at most 12), by year."""
    keep = drawn_builds(buildout)
    if not keep:
        raise ValueError("nothing is built: nothing to draw")
    units = dict(zip(commodities["commodity"], commodities["unit"].fillna(""), strict=False))
    years = sorted({int(y) for y in buildout["year"]})
    with _style():
        fig = _new_figure(9, 4.5)
        ax = fig.subplots()
        for i, (k, n) in enumerate(keep):
            g = buildout[(buildout["commodity"] == k) & (buildout["country"] == n)]
            g = g.sort_values("year")
            ax.step(
                g["year"].astype(int),
                g["cumulative"].astype(float),
                "o-",
                where="post",
                color=LINE_COLOURS[i % len(LINE_COLOURS)],
                label=f"{k} in {n} ({units.get(k, '')})",
            )
        ax.set_ylim(bottom=0)
        ax.set_ylabel("capacity built so far (a year, in the commodity's unit)")
        ax.set_xlabel("year")
        _year_ticks(ax, years)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.legend(loc="upper left", fontsize="small")
        total = len(build_totals(buildout))
        note = (
            f" ({len(keep)} of {total} options: those that build most)" if total > len(keep) else ""
        )
        ax.set_title((title or "Build-out over the years") + note)
    return fig


def stock_years(
    stock: pd.DataFrame, commodities: pd.DataFrame, *, title: str | None = None
) -> Figure:
    """One panel per stockpile held or moved: the level at each year's end (line), what was
    bought into it (bars up) and released from it (bars down)."""
    keep = stock_drawn(stock)
    if not keep:
        raise ValueError("no stockpile is held or moved: nothing to draw")
    units = dict(zip(commodities["commodity"], commodities["unit"].fillna(""), strict=False))
    with _style():
        fig = _new_figure(10, 1.2 + 2.4 * math.ceil(len(keep) / min(3, len(keep))))
        axes = _grid(fig, len(keep))
        for ax, k in zip(axes, keep, strict=True):
            g = stock[stock["commodity"] == k].sort_values("year")
            years = g["year"].astype(int).to_list()
            level = g["level"].astype(float).to_numpy()
            bought = g["bought"].astype(float).to_numpy()
            released = g["released"].astype(float).to_numpy()
            initial = round(level[0] - bought[0] + released[0], 9)
            ax.bar(years, bought, color=BOUGHT_COLOUR, width=0.6)
            ax.bar(years, -released, color=RELEASED_COLOUR, width=0.6)
            ax.plot(years, level, "o-", color="black", linewidth=1.6)
            ax.axhline(0, color="#888888", linewidth=0.6)
            unit = units.get(k, "")
            ax.set_title(f"{k} ({unit}; {initial:,.4g} before {years[0]})", fontsize=9)
            _year_ticks(ax, years)
        handles = [
            Line2D([], [], color="black", marker="o", linewidth=1.6, label="level at year end"),
            Patch(facecolor=BOUGHT_COLOUR, label="bought into the stock"),
            Patch(facecolor=RELEASED_COLOUR, label="released (drawn below 0)"),
        ]
        fig.suptitle(title or "Stockpile over the years", x=0.01, ha="left", fontweight="bold")
        fig.legend(handles=handles, loc="outside lower center", ncols=3)
    return fig
