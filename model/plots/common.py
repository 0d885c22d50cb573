"""What every chart shares: style, colours by kind of supplier, axes helpers, and
rendering to files whose bytes do not change run to run."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from model.constants import CHINA

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


def _numbered_clip_ids(svg: bytes) -> bytes:
    """Clip-path ids numbered in order of appearance.

    Matplotlib hashes a clip *path*'s id from the object's memory address (only clip
    rectangles hash from geometry, whatever ``svg.hashsalt``), so the same figure
    could give different bytes from run to run.
    """
    ids = list(dict.fromkeys(re.findall(rb'<clipPath id="(p[0-9a-f]+)"', svg)))
    if not ids:
        return svg
    new = {old: b"clip%d" % i for i, old in enumerate(ids)}
    pattern = re.compile(rb'(?<=id=")(p[0-9a-f]+)(?=")|(?<=url\(#)(p[0-9a-f]+)(?=\))')
    return pattern.sub(lambda m: new.get(m.group(0), m.group(0)), svg)


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
                out[f"{name}.svg"] = _numbered_clip_ids(buf.getvalue())
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
