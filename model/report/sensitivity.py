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


def sweep_table(points: pd.DataFrame, table: pd.DataFrame, parameters: list[str]) -> Table:
    short = (
        table[table["shortfall"] > 0].groupby("point")["commodity"].agg(", ".join)
        if len(table)
        else pd.Series(dtype=object)
    )
    frame = pd.DataFrame({"point": points["point"].astype(str)})
    for p in parameters:
        frame[p] = [_param_text(p, v) for v in points[p]]
    frame["supply cost"] = [millions(v) for v in points["total_cost"]]
    right = ("supply cost",)
    if "total_cost_premium" in points:
        frame["premium"] = [millions(v, signed=True) for v in points["total_cost_premium"]]
        right += ("premium",)
    frame["objective"] = [millions(v) for v in points["objective"]]
    frame["unmet need in"] = [short.get(p, "") or "-" for p in points["point"]]
    return Table(frame, (*right, "objective"))


def _sweep_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    points, table = run.tables["sweep_points"], run.tables["sweep"]
    params = list(run.summary.get("parameters", []))
    cards = [
        ("points solved", str(len(points)), ", ".join(map(lit, params))),
        (
            "supply cost",
            f"{millions(points['total_cost'].min())} to {millions(points['total_cost'].max())}",
            "a year, across the points",
        ),
    ]
    if "total_cost_premium" in points:
        i = points["total_cost_premium"].idxmax()
        at = ", ".join(f"{lit(p)} = {lit(_param_text(p, points.at[i, p]))}" for p in params)
        cards.append(
            (
                "largest premium",
                millions(points.at[i, "total_cost_premium"], signed=True),
                f"at {at}",
            )
        )
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
        sweep_table(points, table, params),
        (
            "note",
            "Per point and commodity: `sweep.csv`; every point's mix: `sweep_mix.csv`. "
            "The premium compares each point with the same point without share rules; it "
            "falls when need goes unmet, because less is bought.",
        ),
    ]


def curve_table(curve: pd.DataFrame) -> Table:
    rows = []
    for k, g in curve.groupby("commodity", sort=False):
        g = g.sort_values("cap", ascending=False)
        need = g["supplied"] + g["shortfall"]
        short = g[g["shortfall"] > 0]
        starts = pct(short["cap"].max(), 1) if len(short) else "never"

        def at(cap: float, g=g, need=need) -> tuple[str, str]:
            hit = g[(g["cap"] - cap).abs() < 1e-9]
            if hit.empty:
                return "-", "-"
            r = hit.iloc[0]
            n = need[hit.index[0]]
            return millions(r["cost_premium"], signed=True), pct(
                r["shortfall"] / n
            ) if n > 0 else "-"

        p50, s50 = at(0.5)
        p0, s0 = at(0.0)
        rows.append(
            (
                k,
                millions(g["cost_premium"].max(), signed=True),
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
    table = curve_table(curve)
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
            "Premium: supply cost over the same case without a cap, $ a year; it can fall "
            "once need goes unmet, because less is bought. Unmet: share of the need.",
        ),
        Details(f"Breakpoints ({len(breaks)})", [Table(bp, ("cap from", "to"))]),
    ]


def stress_table(ranking: pd.DataFrame, top: int = 20) -> Table:
    r = ranking.head(top)
    frame = pd.DataFrame(
        {
            "rank": r["rank"].astype(str),
            "outage": r["outage"],
            "kind": r["kind"],
            "objective +": [millions(v, signed=True) for v in r["objective_increase"]],
            "supply cost +": [millions(v, signed=True) for v in r["supply_cost_increase"]],
            "commodities short": r["commodities_short"].astype(str),
            "worst": r["worst_commodity"].replace("", "-"),
        }
    )
    return Table(frame, ("rank", "objective +", "supply cost +", "commodities short"))


def _stress_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    ranking = run.tables["criticality"]
    top = ranking.iloc[0] if len(ranking) else None
    cards = [("outages tested", str(len(ranking)), "countries and groups removed one at a time")]
    if top is not None:
        cards.append(
            (
                "most critical",
                lit(top["outage"]),
                f"objective {millions(top['objective_increase'], signed=True)}; "
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
        stress_table(ranking),
        (
            "note",
            "Objective = supply cost plus unmet need valued at its shortfall penalty. "
            "Supply cost can fall when an outage leaves need unmet, because less is bought.",
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
                "cost +": [millions(v, signed=True) for v in d["cost_increase"]],
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


def compare_tables(by: pd.DataFrame, totals: pd.DataFrame) -> tuple[Table, Table]:
    first = totals["case"].iloc[0]
    t = pd.DataFrame(
        {
            "case": totals["case"],
            "supply cost": [millions(v) for v in totals["total_cost"]],
            f"vs {first}": [millions(v, signed=True) for v in totals["total_cost_vs_first"]],
            "objective": [millions(v) for v in totals["objective"]],
            "commodities short": totals["commodities_with_shortfall"].astype(str),
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
            row.append(f"{pct(r['china_share'])} / {unmet} / {millions(r['cost'])}")
        rows.append(row)
    cols = ["commodity", *[f"{c}: China / unmet / cost" for c in cases]]
    return (
        Table(t, ("supply cost", f"vs {first}", "objective", "commodities short")),
        Table(pd.DataFrame(rows, columns=cols), tuple(cols[1:])),
    )


def _compare_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    by, totals = run.tables["comparison"], run.tables["comparison_totals"]
    totals_table, by_table = compare_tables(by, totals)
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
            "cost: supply cost a year. Differences to the first case: `comparison.csv`. "
            "The inputs/ folder holds the first case's inputs and every scenario file.",
        ),
    ]
