"""Report sections of a solve run: headline, tables, what binds and shadow prices."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from model.formats import dollars, millions, missing, pct, qty, shown
from model.report.common import _question
from model.report.document import Block, Details, Figure, Table, lit
from model.report.run import Run
from model.report.years import build_words, mix_words, road, stock_words


# --- solve runs -------------------------------------------------------------------------------
def _need(com: pd.DataFrame) -> pd.Series:
    return com["supplied"] + com["shortfall"]


def commodities_table(com: pd.DataFrame, currency: str = "USD") -> Table:
    need = _need(com)
    frame = pd.DataFrame(
        {
            "commodity": com["commodity"],
            "stage": com["stage"].replace("", "-"),
            "unit": com["unit"],
            "need": [qty(v) for v in need],
            "supplied": [qty(v) for v in com["supplied"]],
            "unmet": [
                f"{qty(s)} ({pct(s / n)})" if s > 0 else "0"
                for s, n in zip(com["shortfall"], need, strict=True)
            ],
            "China": [pct(v, 1) for v in com["china_share"]],
            "cap": [pct(v) for v in com["max_china_share"]],
            "cost": [millions(v, currency=currency) for v in com["cost"]],
        }
    )
    right: tuple[str, ...] = ("need", "supplied", "unmet", "China", "cap", "cost")
    for col, title, signed in (
        ("shortfall_value", "unmet valued", False),
        ("premium_vs_no_share_rules", "premium vs no rules", True),
        ("premium_vs_today", "premium vs today", True),
    ):
        if col in com:
            frame[title] = [millions(v, signed=signed, currency=currency) for v in com[col]]
            right += (title,)
    return Table(frame, right)


def _premium_card(label: str, premium: Any, total: Any, ref: str, cur: str) -> tuple:
    base = float(total) - float(premium)
    share = f"{100 * float(premium) / base:+.1f}% " if base > 0 else ""
    return (label, millions(premium, signed=True, currency=cur), f"{share}against {ref}")


def _solve_headline(run: Run) -> list[Block]:
    s, com, cur = run.summary, run.tables["commodities"], run.currency
    stages = run.tables.get("stages")
    cards = [
        (
            "supply cost",
            millions(s.get("supply_cost"), currency=cur),
            "a year, what is bought at delivered unit costs",
        )
    ]
    short = com[com["shortfall"] > 0]
    need = _need(com)
    if len(short):
        worst = ", ".join(
            f"{lit(r.commodity)} {pct(r.shortfall / need[i])}" for i, r in short.iterrows()
        )
        cards.append(
            (f"commodities short (of {len(com)})", str(len(short)), f"share of need unmet: {worst}")
        )
    else:
        cards.append((f"commodities short (of {len(com)})", "0", "all need is met"))
    cards.append(
        (
            "value of unmet need",
            millions(s.get("shortfall_value"), currency=cur),
            "each commodity's shortfall at its shortfall penalty, the value of the lost supply",
        )
    )
    # a horizon case's stock holding and build-out: parts of the total (keys only then)
    parts = ["supply cost"]
    for key, label, note in (
        ("holding_cost", "stock holding", "holding cost of the stockpile, summed over the years"),
        ("buildout_cost", "build-out", "annual cost of the capacity built, summed over the years"),
    ):
        if s.get(key) is not None:
            cards.append((label, millions(s[key], currency=cur), note))
            parts.append(label)
    cards.append(
        (
            "total",
            millions(s.get("total"), currency=cur),
            " + ".join([*parts, "value of unmet need"]),
        )
    )
    for p in s.get("projects") or []:  # what each project built buys
        if not isinstance(p, dict):
            continue
        unit = lit(str(p.get("unit") or ""))
        cost = millions(p.get("cost"), currency=cur)
        note = f"{qty(p.get('built'), unit)} by {p.get('built_by')} for {cost}"
        if p.get("total_saved") is not None:
            note += f"; avoids {qty(p.get('shortfall_avoided'), unit)} unmet"
        cards.append(
            (
                f"build-out {lit(str(p.get('country')))} {lit(str(p.get('commodity')))} saves",
                millions(p.get("total_saved"), currency=cur),
                note,
            )
        )
    if s.get("premium_vs_no_share_rules") is not None:
        ref = s.get("no_share_rules") or {}
        cards.append(
            _premium_card(
                "premium over no share rules",
                s["premium_vs_no_share_rules"],
                s["total"],
                "the same case with its China caps and share rules relaxed, "
                f"total {millions(ref.get('total'), currency=cur)}",
                cur,
            )
        )
    today = s.get("today")
    if s.get("premium_vs_today") is not None and isinstance(today, dict):
        who = (
            "this case as given, its own today"
            if today.get("itself")
            else f"today, case {lit(str(today.get('case', '')))}"
        )
        cards.append(
            _premium_card(
                "premium over today",
                s["premium_vs_today"],
                s["total"],
                f"{who}, total {millions(today.get('total'), currency=cur)}",
                cur,
            )
        )
    if stages is not None and len(stages):
        for r in stages.itertuples(index=False):
            note = f"of {millions(r.cost, currency=cur)} spend"
            if getattr(r, "with_shortfall", 0):
                n = int(r.with_shortfall)
                note += f"; {n} {'commodity' if n == 1 else 'commodities'} short"
            cards.append((f"China's share, {lit(r.stage)}", pct(r.china_cost_share), note))
    blocks: list[Block] = [("h2", "Headline numbers"), ("cards", cards)]
    for line in s.get("shortage_moves") or []:  # where shortage went compared with today
        blocks.append(("note", f"{lit(str(line))} (compared with today)"))
    blocks.append(
        (
            "note",
            "A premium is the total (supply cost plus "
            + "".join(f"{label} plus " for label in parts[1:])
            + "unmet need valued at each commodity's "
            "shortfall penalty, by default 10 times its full cost) against a reference's total, "
            "so a rule that leaves need unmet never shows as a saving. "
            "China's share by stage is its share of the stage's spend (quantities of different "
            "commodities do not add up); by commodity it is its share of the quantity supplied, "
            "in the table below.",
        )
    )
    return blocks


def _text(v: Any) -> str:
    return "" if missing(v) else str(v)


def _binding_words(com: pd.DataFrame, cur: str = "USD") -> list[str]:
    """One plain sentence group per commodity that is short or held by a binding limit."""
    out = []
    for r in com.itertuples(index=False):
        binding = _text(getattr(r, "binding", ""))
        if not binding and not r.shortfall > 0:
            continue
        words = []
        unit = lit(r.unit)
        if r.shortfall > 0:
            words.append(
                f"short {qty(r.shortfall, unit)} a year "
                f"({pct(r.shortfall / (r.supplied + r.shortfall))} of its need)."
            )
        parts = [p.strip() for p in re.split(r";\s*(?![^()]*\))", binding) if p.strip()]
        for part in parts:
            if part.startswith("capacity "):
                who = part.removeprefix("capacity ").replace(",", ", ")
                words.append(f"Suppliers at full capacity: {lit(who)}.")
            elif part.startswith("China cap"):
                words.append(
                    f"The {lit(part.removeprefix('China cap '))} cap on China binds "
                    f"(China supplies {pct(r.china_share, 1)})."
                )
                nxt = getattr(r, "cost_of_next_pp", float("nan"))
                dual = getattr(r, "marginal_cost_per_pp", float("nan"))
                more = getattr(r, "shortfall_of_next_pp", float("nan"))
                if not missing(nxt):
                    text = (
                        f"One point tighter would raise the objective by {dollars(nxt, cur)} a year"
                    )
                    if not missing(dual):
                        same = abs(dual - nxt) <= 1e-6 * max(1.0, abs(nxt))
                        text += (
                            " (re-solved; the dual gives the same rate)"
                            if same
                            else f" (re-solved; the dual's rate is {dollars(dual, cur)} per point)"
                        )
                    if not missing(more) and more > 0:
                        text += (
                            f" and leave {qty(more, unit)} more unmet, so the figure is "
                            "mostly the shortfall penalty, a policy weight"
                        )
                    words.append(text + ".")
            elif part.startswith("rule "):
                words.append(f"The share rule '{lit(part.removeprefix('rule '))}' binds.")
            elif part.startswith("input "):
                words.append(f"Held back upstream by {lit(part.removeprefix('input '))}.")
            else:
                words.append(lit(part) + ".")
        price = getattr(r, "shadow_price", float("nan"))
        if not missing(price) and price > 0:
            text = (
                f"Shadow price: one more {unit} of direct demand would cost {dollars(price, cur)}"
            )
            if r.shortfall > 0 and abs(price - r.shortfall_penalty) <= 1e-6 * max(1, price):
                text += " (its shortfall penalty: at the margin, need goes unmet)"
            words.append(text + ".")
        out.append(f"**{lit(r.commodity)}**: " + " ".join(words))
    return out


def _capacity_words(
    cap: pd.DataFrame, com: pd.DataFrame, top: int = 8, cur: str = "USD"
) -> list[str]:
    unit = dict(zip(com["commodity"], com["unit"], strict=True))
    rows = cap[cap["marginal_value"].fillna(0) > 0].sort_values(
        ["marginal_value", "commodity", "country"], ascending=[False, True, True]
    )
    out = []
    for r in rows.head(top).itertuples(index=False):
        text = (
            f"One more {lit(unit.get(r.commodity, 'unit'))} a year of **{lit(r.commodity)}** "
            f"from {lit(r.country_name)} ({lit(r.country)}) would save "
            f"{dollars(r.marginal_value, cur)}"
        )
        if bool(r.relieves_shortfall) and str(r.relieves_shortfall) != "False":
            text += " (it relieves unmet need, so this is mostly the shortfall penalty)"
        else:
            text += f" of supply cost (it is full at {qty(r.capacity)})"
        out.append(text + ".")
    return out


def years_words(com: pd.DataFrame) -> list[str]:
    """A sentence per commodity of a horizon solve: the first year China's share is within
    the commodity's cap of the last year (the end of its glide path) with all demand met,
    or that it never is. Commodities without a cap in the last year and short in no year
    have nothing to say: one sentence counts them."""
    out = []
    quiet = 0
    for k, g in com.groupby("commodity", sort=False):
        g = g.sort_values("year")
        target = float(g["max_china_share"].iloc[-1])
        last = int(g["year"].iloc[-1])
        share = g["china_share"].astype(float).fillna(0.0)
        ok = (share <= target + 1e-9) & (g["shortfall"] <= 0)
        if target >= 1 and bool(ok.all()):
            quiet += 1
            continue
        cap = f"the {pct(target)} cap of {last}"
        if ok.any():
            row = g[ok].iloc[0]
            out.append(
                f"{lit(str(k))}: China's share is first within {cap}, with all demand met, in "
                f"{int(row['year'])} ({pct(float(share[ok].iloc[0]))})."
            )
        else:
            out.append(f"{lit(str(k))}: China's share is never within {cap} with all demand met.")
    if quiet:
        if quiet == 1:
            who = "The other commodity has" if out else "The commodity has"
        else:
            who = f"{'The other' if out else 'All'} {quiet} commodities have"
        out.append(f"{who} no China cap and all demand met in every year.")
    return out


def road_words(com: pd.DataFrame, summary: dict[str, Any], cur: str = "USD") -> list[str]:
    """The road to a cap, in words, for a horizon solve whose commodities have China caps.

    The capped commodities are those whose cap in the horizon's last year is below 100%.
    The answer is the first year from which every later year meets all their need (and
    China is within each cap), the unmet need of the years before, the premium of that
    year (the sum of its commodities' premiums against today, or against no share rules
    when the case is its own today) and the stockpile that covers the years before: the
    unmet need summed per commodity, which, released as needed, covers them (the least
    such stock, which can be smaller, is `model.stockneed.stock_needed`). Empty for a
    case without a year column or without caps.
    """
    way = road(com)
    if way is None:
        return []
    capped, met, years = way["commodities"], way["met"], way["years"]
    last = years[-1]
    end = com[com["year"] == last]
    sel = com[com["commodity"].astype(str).isin(capped)]
    caps = {
        f"{pct(c)}" for c in end.loc[end["commodity"].astype(str).isin(capped), "max_china_share"]
    }
    names = [lit(k) for k in capped]
    what = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    cap = f"its cap ({caps.pop()})" if len(caps) == 1 else "their caps"
    if met is None:
        gap = sel[(sel["year"] == last) & (sel["shortfall"] > 0)]
        left = ", ".join(
            qty(r.shortfall, r.unit) + f" of {lit(str(r.commodity))}" for r in gap.itertuples()
        )
        return [
            f"China's share of {what} cannot be held to {cap} with all US need met by "
            f"{last}" + (f": in {last} {left} are still unmet." if left else ".")
        ]
    if (summary.get("today") or {}).get("itself") or "premium_vs_today" not in com:
        column, ref = "premium_vs_no_share_rules", "the same case without share rules"
    else:
        column, ref = "premium_vs_today", "today"
    text = f"China's share of {what} can be held to {cap} with all US need met"
    text += f" in every year from {met} to {last}" if met == years[0] else f" from {met}"
    before = sel[(sel["year"] < met) & (sel["shortfall"] > 0)]
    if len(before):
        span = f"{years[0]}-{met - 1}" if met - 1 > years[0] else str(years[0])
        gone = before.groupby(["commodity", "unit"], sort=False)["shortfall"].sum()
        units = [f"{qty(v, u)} of {lit(str(k))}" for (k, u), v in gone.items()]
        text += f"; before then {', '.join(units)} go unmet ({span})"
    text += "."
    if column in com:
        premium = com.loc[com["year"] == met, column].astype(float).sum()
        text += (
            f" The cap costs {millions(premium, signed=True, currency=cur)} in {met} against {ref}"
        )
        if met != last:
            premium = com.loc[com["year"] == last, column].astype(float).sum()
            text += f" ({millions(premium, signed=True, currency=cur)} in {last})"
        text += " (in the total: supply, stock and build-out costs and unmet need's value)."
    sized = (summary.get("road") or {}).get("stock_needed")
    if len(before) and sized:  # the least stock, sized by the LP (model.stockneed)
        unit_of = {str(k): str(u) for k, u in zip(sel["commodity"], sel["unit"], strict=True)}
        held = [f"{qty(v['needed'], unit_of[k])} of {lit(k)}" for k, v in sized.items()]
        text += (
            f" A stockpile of {', '.join(held)} held at the start of {years[0]} would cover "
            "the years before (the least that does, with the case's release limits; buying "
            "it is not costed)."
        )
        left = [
            f"{qty(v['shortfall_left'], unit_of[k])} of {lit(k)}"
            for k, v in sized.items()
            if v["shortfall_left"] > 0
        ]
        if left:
            text += f" Even with it, {', '.join(left)} would go unmet: releases are limited."
    elif len(before):
        text += (
            f" A stockpile of {', '.join(units)} held at the start of {years[0]} and released "
            "as needed would cover the years before (the unmet need summed; the least stock "
            "that does is model.stockneed.stock_needed; buying it is not costed)."
        )
    else:
        text += " No stockpile is needed to bridge to it."
    return [text]


YEAR_PLOTS = ("mix_years", "buildout", "stock")


def _timeline_blocks(run: Run, figures: dict[str, Figure]) -> list[Block]:
    """The mix, build-out and stockpile over the years, each plot under what it shows."""
    com = run.tables["commodities"]
    blocks: list[Block] = []
    words = mix_words(run.tables["mix"], com, run.tables.get("stock"))
    blocks += [("p", words[0]), *([("ul", words[1:])] if len(words) > 1 else [])]
    if "mix_years" in figures:
        blocks.append(figures["mix_years"])
    buildout = run.tables.get("buildout")
    if buildout is not None and len(buildout):
        blocks += [("h3", "Build-out"), ("ul", build_words(buildout, com))]
        if "buildout" in figures:
            blocks.append(figures["buildout"])
    stock = run.tables.get("stock")
    if stock is not None and len(stock):
        blocks += [("h3", "Stockpile"), ("ul", stock_words(stock, com))]
        if "stock" in figures:
            blocks.append(figures["stock"])
    return blocks


def _solve_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    com, cur = run.tables["commodities"], run.currency
    blocks = _question(run) + _solve_headline(run)
    timelines = [f for f in figures if f.name in YEAR_PLOTS]  # shown with their words
    blocks += [("h2", "Plots"), *(f for f in figures if f.name not in YEAR_PLOTS)]
    if "year" in com.columns:  # a horizon solve
        blocks += [("h2", "Over the years"), *(("p", w) for w in years_words(com))]
        at = blocks.index(("h2", "Over the years")) + 1  # the road to the caps comes first
        blocks[at:at] = [("p", w) for w in road_words(com, run.summary, cur)]
        blocks += _timeline_blocks(run, {f.name: f for f in timelines})
    blocks += [("h2", "Key tables"), commodities_table(com, cur)]
    stages = run.tables.get("stages")
    if stages is not None and len(stages):
        frame = pd.DataFrame(
            {
                "stage": stages["stage"],
                "commodities": stages["commodities"].astype(str),
                "short": stages["with_shortfall"].astype(str),
                "spend": [millions(v, currency=cur) for v in stages["cost"]],
                "China share of spend": [pct(v, 1) for v in stages["china_cost_share"]],
            }
        )
        right = ("commodities", "short", "spend", "China share of spend")
        if "shortfall_value" in stages:
            frame["unmet valued"] = [millions(v, currency=cur) for v in stages["shortfall_value"]]
            right += ("unmet valued",)
        if "premium_vs_no_share_rules" in stages:
            frame["premium vs no rules"] = [
                millions(v, signed=True, currency=cur) for v in stages["premium_vs_no_share_rules"]
            ]
            frame["unit-cost premium"] = [
                "-" if missing(v) else f"{shown(v, 3):+.1%}"
                for v in stages["unit_cost_premium_share"]
            ]
            right += ("premium vs no rules", "unit-cost premium")
        if "premium_vs_today" in stages:
            frame["premium vs today"] = [
                millions(v, signed=True, currency=cur) for v in stages["premium_vs_today"]
            ]
            right += ("premium vs today",)
        blocks.append(Table(frame, right, "By supply-chain stage"))
    mix = run.tables["mix"]
    unit = dict(zip(com["commodity"], com["unit"], strict=True))
    mix_frame = pd.DataFrame(
        {
            "commodity": mix["commodity"],
            "country": [
                f"{n} ({c})" for c, n in zip(mix["country"], mix["country_name"], strict=True)
            ],
            "quantity": [
                qty(q, unit.get(k, ""))
                for q, k in zip(mix["quantity"], mix["commodity"], strict=True)
            ],
            "share": [pct(v, 1) for v in mix["share"]],
            "unit cost": [dollars(v, cur) for v in mix["unit_cost"]],
            "cost": [millions(v, currency=cur) for v in mix["cost"]],
        }
    )
    blocks.append(
        Details(
            f"The mix: every purchase ({len(mix)} rows)",
            [Table(mix_frame, ("quantity", "share", "unit cost", "cost"))],
        )
    )
    blocks.append(("h2", "What binds, and what the shadow prices say"))
    words = _binding_words(com, cur)
    blocks.append(
        ("ul", words)
        if words
        else ("p", "Nothing binds: every commodity is met by suppliers with capacity to spare.")
    )
    cap = run.tables.get("capacity_values")
    if cap is not None and len(cap):
        cap_words = _capacity_words(cap, com, cur=cur)
        if cap_words:
            blocks.append(("h3", "Which extra capacity is worth most"))
            blocks.append(("ul", cap_words))
            blocks.append(
                (
                    "note",
                    "Values are per unit of the commodity (units differ between commodities), "
                    "from re-solving with one more unit of capacity.",
                )
            )
    blocks.append(
        (
            "note",
            "Duals are exact rates of change only where the optimum is not degenerate; this "
            "LP often is (a cap, capacity and demand binding at once), so the exact one-step "
            "changes from re-solving are given beside them. Where a change alters unmet need, "
            "its value includes the shortfall penalty, a policy weight, not a market price.",
        )
    )
    return blocks
