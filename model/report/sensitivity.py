"""Report sections of sweep, curve, stress and compare runs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from model.formats import millions, pct, qty
from model.report.common import _question
from model.report.document import Block, Details, Figure, Table, lit
from model.report.run import Run


# --- sensitivity runs -------------------------------------------------------------------------
def _param_text(parameter: str, value: Any) -> str:
    if parameter.startswith("max_china_share"):
        return pct(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_table(
    points: pd.DataFrame, table: pd.DataFrame, parameters: list[str], currency: str = "USD"
) -> Table:
    if len(table) and "shortfall_share" in table:
        hit = table[table["shortfall"] > 0]
        short = hit.groupby("point").apply(
            lambda g: ", ".join(
                f"{k} {pct(v)}" for k, v in zip(g["commodity"], g["shortfall_share"], strict=True)
            ),
            include_groups=False,
        )
    elif len(table):
        short = table[table["shortfall"] > 0].groupby("point")["commodity"].agg(", ".join)
    else:
        short = pd.Series(dtype=object)
    frame = pd.DataFrame({"point": points["point"].astype(str)})
    for p in parameters:
        frame[p] = [_param_text(p, v) for v in points[p]]
    right: tuple[str, ...] = ()
    for col, title, signed in (
        ("supply_cost", "supply cost", False),
        ("shortfall_value", "unmet valued", False),
        ("total", "total", False),
        ("premium_vs_no_share_rules", "premium vs no rules", True),
        ("premium_vs_today", "premium vs case as given", True),
    ):
        if col in points:
            frame[title] = [millions(v, signed=signed, currency=currency) for v in points[col]]
            right += (title,)
    frame["unmet need (share of need)"] = [short.get(p, "") or "-" for p in points["point"]]
    return Table(frame, right)


def _sweep_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    points, table, cur = run.tables["sweep_points"], run.tables["sweep"], run.currency
    params = list(run.summary.get("parameters", []))

    def span(col: str) -> str:
        lo, hi = (millions(points[col].agg(f), currency=cur) for f in ("min", "max"))
        return lo if lo == hi else f"{lo} to {hi}"

    cards = [
        ("points solved", str(len(points)), ", ".join(map(lit, params))),
        ("supply cost", span("supply_cost"), "a year, across the points"),
        (
            "total",
            span("total"),
            "supply cost + unmet need valued at its shortfall penalty",
        ),
    ]
    for col, label in (
        ("premium_vs_no_share_rules", "largest premium over no share rules"),
        ("premium_vs_today", "largest premium over the case as given"),
    ):
        if col not in points:
            continue
        i = points[col].idxmax()
        at = ", ".join(f"{lit(p)} = {lit(_param_text(p, points.at[i, p]))}" for p in params)
        cards.append((label, millions(points.at[i, col], signed=True, currency=cur), f"at {at}"))
    short = points[points["commodities_with_shortfall"] > 0]
    if len(short):
        first = short.iloc[0]
        at = ", ".join(f"{lit(p)} = {lit(_param_text(p, first[p]))}" for p in params)
        cards.append(
            (
                "points with unmet need",
                f"{len(short)} of {len(points)}",
                f"first at {at} (in grid order)",
            )
        )
    else:
        cards.append(("points with unmet need", "0", "all need met at every point"))
    return [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        sweep_table(points, table, params, cur),
        (
            "note",
            "Per point and commodity: `sweep.csv`; every point's mix: `sweep_mix.csv`. "
            "Total: supply cost plus unmet need valued at each commodity's shortfall penalty. "
            "The premium compares each point's total with the same point without share rules, "
            "and with the case as given (today); unmet need counts at its value, so a rule "
            "that leaves need unmet never shows as a saving.",
        ),
    ]


def curve_table(curve: pd.DataFrame, currency: str = "USD") -> Table:
    rows = []
    premium = "premium_vs_no_share_rules"
    for k, g in curve.groupby("commodity", sort=False):
        g = g.sort_values("cap", ascending=False)
        short = g[g["shortfall_share"] > 0]
        starts = pct(short["cap"].max(), 1) if len(short) else "never"

        def at(cap: float, g=g) -> tuple[str, str]:
            hit = g[(g["cap"] - cap).abs() < 1e-9]
            if hit.empty:
                return "-", "-"
            r = hit.iloc[0]
            return millions(r[premium], signed=True, currency=currency), pct(r["shortfall_share"])

        p50, s50 = at(0.5)
        p0, s0 = at(0.0)
        rows.append(
            (
                k,
                millions(g[premium].max(), signed=True, currency=currency),
                starts,
                p50,
                s50,
                p0,
                s0,
                str(int(g["breakpoint"].astype(bool).sum())),
            )
        )
    cols = [
        "commodity",
        "largest premium",
        "unmet once cap ≤",
        "premium at 50%",
        "unmet at 50%",
        "premium at 0%",
        "unmet at 0%",
        "breakpoints",
    ]
    return Table(pd.DataFrame(rows, columns=cols), tuple(cols[1:]))


def _curve_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    curve, breaks = run.tables["curve"], run.tables["breakpoints"]
    table = curve_table(curve, run.currency)
    never = (table.frame["unmet once cap ≤"] == "never").sum()
    cards = [
        ("commodities swept", str(curve["commodity"].nunique()), "cap from 100% to 0%"),
        ("breakpoints", str(len(breaks)), "caps where the mix changes"),
        (
            "need stays met at every cap",
            f"{never} of {len(table.frame)}",
            "the rest go short at some cap",
        ),
    ]
    bp = pd.DataFrame(
        {
            "commodity": breaks["commodity"],
            "cap from": [pct(v, 2) for v in breaks["cap_from"]],
            "to": [pct(v, 2) for v in breaks["cap_to"]],
            "what changes": breaks["change"],
        }
    )
    return [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        table,
        (
            "note",
            "Premium: the whole case's total (supply cost plus unmet need valued at each "
            "commodity's shortfall penalty) over the same case without share rules, a year; "
            "unmet need counts at its value, so it never falls because less is bought. "
            "Unmet: share of the need (with every cap together, the largest share among the "
            "commodities).",
        ),
        Details(f"Breakpoints ({len(breaks)})", [Table(bp, ("cap from", "to"))]),
    ]


def stress_table(ranking: pd.DataFrame, top: int = 20, currency: str = "USD") -> Table:
    r = ranking.head(top)
    frame = pd.DataFrame(
        {
            "rank": r["rank"].astype(str),
            "outage": r["outage"],
            "kind": r["kind"],
            "unmet (of need) +": [pct(v, 1) for v in r["shortfall_share_increase"]],
            "worst": r["worst_commodity"].replace("", "-"),
            "commodities short": r["commodities_short"].astype(str),
            "supply cost +": [
                millions(v, signed=True, currency=currency) for v in r["supply_cost_increase"]
            ],
            "total +": [millions(v, signed=True, currency=currency) for v in r["total_increase"]],
        }
    )
    return Table(
        frame, ("rank", "unmet (of need) +", "commodities short", "supply cost +", "total +")
    )


def _stress_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    ranking, cur = run.tables["criticality"], run.currency
    top = ranking.iloc[0] if len(ranking) else None
    cards = [("outages tested", str(len(ranking)), "countries and groups removed one at a time")]
    if top is not None:
        cards.append(
            (
                "most critical",
                lit(top["outage"]),
                f"{pct(top['shortfall_share_increase'], 1)} more of "
                f"{lit(top['worst_commodity'] or 'any commodity')}'s need unmet; total "
                f"{millions(top['total_increase'], signed=True, currency=cur)}; "
                f"{top['commodities_short']} commodities short",
            )
        )
    cards.append(
        (
            "outages that leave need unmet",
            str(int((ranking["commodities_short"] > 0).sum())),
            "the rest only raise cost",
        )
    )
    blocks = [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        stress_table(ranking, currency=cur),
        (
            "note",
            "Ranked first by the need an outage leaves unmet: the largest rise in a commodity's "
            "shortfall as a share of its need (worst: that commodity); then by the rise in the "
            "total, supply cost plus unmet need valued at its shortfall penalty. Supply cost "
            "alone can fall when an outage leaves need unmet, because less is bought.",
        ),
    ]
    detail = run.tables.get("stress")
    if detail is not None and len(detail) and top is not None:
        first = list(ranking["outage"].head(5))
        d = detail[detail["outage"].isin(first)]
        frame = pd.DataFrame(
            {
                "outage": d["outage"],
                "commodity": d["commodity"],
                "cost +": [millions(v, signed=True, currency=cur) for v in d["cost_increase"]],
                "extra unmet": [qty(v) for v in d["extra_shortfall"]],
                "China share": [pct(v, 1) for v in d["china_share"]],
            }
        )
        blocks.append(
            Details(
                "Effects by commodity of the five worst outages",
                [Table(frame, ("cost +", "extra unmet", "China share"))],
            )
        )
    return blocks


def compare_tables(
    by: pd.DataFrame, totals: pd.DataFrame, currency: str = "USD"
) -> tuple[Table, Table]:
    def m(values: Any, signed: bool = False) -> list[str]:
        return [millions(v, signed=signed, currency=currency) for v in values]

    t = pd.DataFrame(
        {
            "case": totals["case"],
            "supply cost": m(totals["supply_cost"]),
            "commodities short": totals["commodities_with_shortfall"].astype(str),
            "unmet valued": m(totals["shortfall_value"]),
            "total": m(totals["total"]),
            "premium vs today": [
                f"{p} (against {'itself' if c == w else w})"
                for p, c, w in zip(
                    m(totals["premium_vs_today"], True),
                    totals["case"],
                    totals["today"],
                    strict=True,
                )
            ],
        }
    )
    cases = list(totals["case"])
    ks = list(dict.fromkeys(by["commodity"]))
    idx = by.set_index(["commodity", "case"])
    rows = []
    for k in ks:
        row = [k]
        for c in cases:
            if (k, c) not in idx.index:
                row.append("-")
                continue
            r = idx.loc[(k, c)]
            need = r["supplied"] + r["shortfall"]
            unmet = pct(r["shortfall"] / need) if r["shortfall"] > 0 and need > 0 else "0"
            row.append(
                f"{pct(r['china_share'])} / {unmet} / {millions(r['cost'], currency=currency)}"
            )
        rows.append(row)
    cols = ["commodity", *[f"{c}: China / unmet / cost" for c in cases]]
    return (
        Table(t, ("supply cost", "commodities short", "unmet valued", "total", "premium vs today")),
        Table(pd.DataFrame(rows, columns=cols), tuple(cols[1:])),
    )


def _compare_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    by, totals = run.tables["comparison"], run.tables["comparison_totals"]
    totals_table, by_table = compare_tables(by, totals, run.currency)
    blocks = _question(run)
    blocks.append(("ul", [f"**{lit(r.case)}**: {lit(r.description)}" for r in totals.itertuples()]))
    return [
        *blocks,
        ("h2", "Headline numbers"),
        totals_table,
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        by_table,
        (
            "note",
            "China: its share of the quantity supplied; unmet: share of the need not met; "
            "cost: supply cost a year. Total: supply cost plus unmet need valued at each "
            "commodity's shortfall penalty; premium vs today: the total against the root case "
            "of the scenario's base chain. Differences to the first case: `comparison.csv`. "
            "The inputs/ folder holds the first case's inputs and every scenario file.",
        ),
    ]
