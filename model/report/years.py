"""A horizon solve over its years in words: whose mix changes, what is built, what the
stockpile does.

Pure pandas on the run's tables (``mix``, ``commodities``, ``stock``, ``buildout``, with
``commodity`` and ``year`` columns), shared by the timeline plots (`model.plots.years`),
which draw what these select, and the report's "Over the years", which says it.
"""

from __future__ import annotations

import pandas as pd

from model.formats import pct, qty, year_ranges
from model.report.document import lit

MIX_POINTS = 0.01  # a supplier's share of need moving by at least one point is a change
MAX_PANELS = 12  # commodities drawn in the mix-over-years plot: those that change most
MAX_OPTIONS = 12  # build options drawn: those that build most
UNMET = "(unmet)"  # the share column of unmet need (country codes are upper case)
STOCK = "(stock)"  # the share column of what the stockpile releases
EPS = 1e-9


def _units(commodities: pd.DataFrame) -> dict[str, str]:
    return dict(zip(commodities["commodity"], commodities["unit"].fillna(""), strict=False))


def mix_shares(
    mix: pd.DataFrame, commodities: pd.DataFrame, stock: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Shares per (commodity, year) of what goes into the year's need and stock purchases
    (supplied + released from stock + unmet), a column per supplying country, one for the
    stock's release (`STOCK`, with a stockpile) and one for unmet need (`UNMET`)."""
    com = commodities.set_index(["commodity", "year"])
    q = mix.pivot_table(
        index=["commodity", "year"],
        columns="country",
        values="quantity",
        aggfunc="sum",
        fill_value=0.0,
        sort=False,
    )
    q = q.reindex(com.index, fill_value=0.0)
    q = q[sorted(q.columns)]
    if stock is not None and not stock.empty:
        released = stock.set_index(["commodity", "year"])["released"].astype(float)
        q[STOCK] = released.reindex(com.index).fillna(0.0)
    q[UNMET] = com["shortfall"].astype(float)
    q.columns.name = None
    total = q.sum(axis=1)
    return q.div(total.where(total > 0), axis=0).fillna(0.0)


def mix_changes(
    mix: pd.DataFrame, commodities: pd.DataFrame, stock: pd.DataFrame | None = None
) -> pd.Series:
    """Per commodity whose mix changes over the years (a supplier's share of need, or the
    unmet share, moves by at least `MIX_POINTS` between two years): the largest such
    move, largest first (table order on ties)."""
    shares = mix_shares(mix, commodities, stock)
    if shares.empty:
        return pd.Series(dtype=float)
    by = shares.groupby(level="commodity", sort=False)
    moves = (by.max() - by.min()).max(axis=1)
    moves = moves[moves >= MIX_POINTS - EPS]
    order = {k: i for i, k in enumerate(dict.fromkeys(commodities["commodity"]))}
    keys = sorted(moves.index, key=lambda k: (-round(float(moves[k]), 9), order[k]))
    return moves.reindex(keys)


def drawn_mix(
    mix: pd.DataFrame, commodities: pd.DataFrame, stock: pd.DataFrame | None = None
) -> list[str]:
    """The commodities the mix-over-years plot draws: the `MAX_PANELS` whose mix changes
    most, in table order."""
    moves = mix_changes(mix, commodities, stock)
    keep = set(moves.index[:MAX_PANELS])
    return [k for k in dict.fromkeys(commodities["commodity"]) if k in keep]


def mix_words(
    mix: pd.DataFrame, commodities: pd.DataFrame, stock: pd.DataFrame | None = None
) -> list[str]:
    """The commodities whose mix changes, and for each the suppliers that move most."""
    moves = mix_changes(mix, commodities, stock)
    total = commodities["commodity"].nunique()
    if moves.empty:
        return [
            "Mix over the years: every commodity keeps the same suppliers' shares in every "
            "year (no share moves by a point or more), so there is no plot of it."
        ]
    drawn = drawn_mix(mix, commodities, stock)
    names = ", ".join(lit(k) for k in drawn)
    head = (
        f"Mix over the years (plot below): {len(moves)} of {total} commodities change "
        "their suppliers' shares by a point or more between years (shares of what meets the "
        "year's need and stock purchases: supplied, released from stock, or left unmet)"
    )
    if len(moves) > len(drawn):
        head += f"; the {len(drawn)} that change most are drawn: {names}."
    else:
        head += f": {names}."
    out = [head]
    shares = mix_shares(mix, commodities, stock)
    for k in moves.index:
        g = shares.xs(k, level="commodity").sort_index()
        years = [int(y) for y in g.index]
        span = (g.max() - g.min()).sort_values(ascending=False, kind="stable")
        parts = []
        for who in span.index[:3]:
            if span[who] < MIX_POINTS - EPS:
                break
            first, last = float(g[who].iloc[0]), float(g[who].iloc[-1])
            label = {UNMET: "unmet need", STOCK: "the stockpile"}.get(who, lit(who))
            text = f"{label} from {pct(first)} in {years[0]} to {pct(last)} in {years[-1]}"
            if span[who] > abs(last - first) + MIX_POINTS:
                text += f" (between {pct(g[who].min())} and {pct(g[who].max())} on the way)"
            parts.append(text)
        out.append(f"**{lit(k)}**: " + "; ".join(parts) + ".")
    return out


def stock_drawn(stock: pd.DataFrame | None) -> list[str]:
    """The commodities whose stockpile the stock plot draws: held or moved in some year."""
    if stock is None or stock.empty:
        return []
    busy = stock[["level", "bought", "released"]].astype(float).abs().max(axis=1) > EPS
    return list(dict.fromkeys(stock.loc[busy, "commodity"]))


def stock_words(stock: pd.DataFrame, commodities: pd.DataFrame) -> list[str]:
    """A sentence per stockpile: when it is filled and drawn, from what level to what.

    The level before the first year (``initial``) is the first year's level less its net
    purchase; consecutive years of buying (or of releasing) read as one span.
    """
    units = _units(commodities)
    out = []
    for k, g in stock.groupby("commodity", sort=False):
        g = g.sort_values("year")
        unit = lit(units.get(k, ""))
        level = g["level"].astype(float).to_list()
        bought = g["bought"].astype(float).to_list()
        released = g["released"].astype(float).to_list()
        years = [int(y) for y in g["year"]]
        start = round(level[0] - bought[0] + released[0], 9)  # not 9.999999999
        moves: list[tuple[str, list[int], float, float]] = []  # kind, years, from, to
        before = start
        for y, lv, b, r in zip(years, level, bought, released, strict=True):
            kind = "filled" if b > EPS else "drawn" if r > EPS else ""
            if kind and moves and moves[-1][0] == kind and moves[-1][1][-1] == y - 1:
                moves[-1] = (kind, [*moves[-1][1], y], moves[-1][2], lv)
            elif kind:
                moves.append((kind, [y], before, lv))
            before = lv
        name = f"The stockpile of **{lit(k)}**"
        if not moves:
            out.append(
                f"{name} is held at {qty(start, unit)} in every year ({year_ranges(years)})."
            )
            continue
        parts = [
            f"{kind} from {qty(a, unit)} to {qty(b, unit)} in {year_ranges(ys)}"
            for kind, ys, a, b in moves
        ]
        text = f"{name} is " + ", then ".join(parts)
        if moves[-1][1][-1] < years[-1]:
            text += f", and held at {qty(level[-1], unit)} to {years[-1]}"
        out.append(text + ".")
    return out


def build_totals(buildout: pd.DataFrame | None) -> pd.Series:
    """Capacity built over the horizon per option ``(commodity, country)``, in table order,
    only options that build something."""
    if buildout is None or buildout.empty:
        return pd.Series(dtype=float)
    total = buildout.groupby(["commodity", "country"], sort=False)["built"].sum()
    return total[total > EPS]


def drawn_builds(buildout: pd.DataFrame | None) -> list[tuple[str, str]]:
    """The options the build-out plot draws: the `MAX_OPTIONS` that build most, in order."""
    total = build_totals(buildout)
    keep = set(total.sort_values(ascending=False, kind="stable").index[:MAX_OPTIONS])
    return [key for key in total.index if key in keep]


def build_words(buildout: pd.DataFrame, commodities: pd.DataFrame) -> list[str]:
    """A sentence per option that builds (how much, when), one naming those that do not."""
    units = _units(commodities)
    total = build_totals(buildout)
    out = []
    for (k, n), g in buildout.groupby(["commodity", "country"], sort=False):
        if (k, n) not in total.index:
            continue
        unit = lit(units.get(k, ""))
        built = g[g["built"].astype(float) > EPS].sort_values("year")
        steps = [
            f"{qty(b, unit)} in {int(y)}"
            for y, b in zip(built["year"], built["built"], strict=True)
        ]
        when = (
            ", ".join(steps)
            if len(steps) <= 4
            else f"in {len(steps)} years from {int(built['year'].iloc[0])} to "
            f"{int(built['year'].iloc[-1])}"
        )
        out.append(
            f"Capacity built for **{lit(k)}** in {lit(n)}: {when}; "
            f"{qty(float(total[(k, n)]), unit)} a year from {int(built['year'].iloc[-1])} on."
        )
    idle = [
        f"{lit(k)} in {lit(n)}"
        for k, n in dict.fromkeys(zip(buildout["commodity"], buildout["country"], strict=True))
        if (k, n) not in total.index
    ]
    if idle:
        out.append(
            ("No build option is used: " if not out else "Not built: ") + ", ".join(idle) + "."
        )
    return out


def year_plots(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The timelines a horizon solve has beside ``timeline``, only those with something to
    draw: ``mix_years`` (a commodity's mix changes), ``buildout`` (something is built),
    ``stock`` (a stockpile is held or moved)."""
    com = tables["commodities"]
    if "year" not in com.columns:
        return []
    names = []
    if drawn_mix(tables["mix"], com, tables.get("stock")):
        names.append("mix_years")
    if drawn_builds(tables.get("buildout")):
        names.append("buildout")
    if stock_drawn(tables.get("stock")):
        names.append("stock")
    return names


def road(com: pd.DataFrame) -> dict | None:
    """The road to the caps of a horizon solve (its ``commodities`` table), or None.

    The capped commodities are those whose cap in the horizon's last year is below 100%;
    ``met`` is the first year from which every later year meets all their need with China
    within each cap (None: not by the last year); ``before`` the years before it. Shared
    by the report's words and `model.solve`, which sizes the stock that covers ``before``.
    """
    if "year" not in com.columns or not len(com):
        return None
    last = int(com["year"].max())
    end = com[com["year"] == last]
    capped = [
        str(k)
        for k, c in zip(end["commodity"], end["max_china_share"], strict=True)
        if float(c) < 1
    ]
    if not capped:
        return None
    sel = com[com["commodity"].astype(str).isin(capped)]
    share = sel["china_share"].astype(float).fillna(0.0)
    bad = (sel["shortfall"] > 0) | (share > sel["max_china_share"].astype(float) + EPS)
    years = sorted(int(y) for y in com["year"].unique())
    failing = {int(y) for y in sel.loc[bad, "year"]}
    met = next((y for y in years if not any(f >= y for f in failing)), None)
    before = [y for y in years if met is not None and y < met]
    return {"commodities": capped, "met": met, "before": before, "years": years}
