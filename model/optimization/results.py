"""Turning raw solutions into the tables analysts read.

Dual-based numbers follow the usual LP meaning and caveat: they are exact
rates of change where the optimum is not degenerate; at a degenerate optimum
(common when capacity, a cap and demand all bind at once) they are one valid
rate among several. The exact cost of the next percentage point of cap is
therefore also given, from a re-solve (``cost_of_next_pp``).

Costs never hide a shortfall: every headline puts the supply cost beside the
shortfall (units, and share of need) and the value placed on it (the
commodity's ``shortfall_penalty`` per unit, by default 10 times its full cost:
the value of the lost supply), and their sum, the ``total`` (in a horizon case with a
stockpile or build-out, their holding and build costs are parts of it too). The premium of the
rules is the difference of that total against two references (`Reference`):
the same case with no share rules (China caps and rules relaxed) and "today",
the root case of the scenario's ``base`` chain (the case itself when it was
solved directly). Under the penalty objective the total is the objective, so
rules that only remove options never show a negative premium.
"""

from __future__ import annotations

import functools
import hashlib
import math
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from model.case import Case
from model.case.horizon import label_years
from model.constants import CHINA
from model.numbers import clean, money, vclean, vmoney
from model.optimization.data import SHARE_EACH, SHARE_MIN
from model.optimization.highs import INF, INTERFACE, horizon_costs, shares_feasible
from model.optimization.moves import shortage_moves
from model.output import TablesRun, canonical_inputs, write_run

if TYPE_CHECKING:
    from model.optimization.highs import Solution, Solver


@dataclass
class Result(TablesRun):
    """The answer to one case: tables as DataFrames, headline numbers as plain values."""

    case: Case
    status: str
    objective: float
    total_cost: float
    mix: pd.DataFrame
    commodities: pd.DataFrame
    stages: pd.DataFrame
    capacity_values: pd.DataFrame
    summary: dict[str, Any]
    timings: dict[str, float]
    cost_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)
    input_files: dict[str, bytes] | None = field(default=None, repr=False)
    limit_ranges: pd.DataFrame = field(default_factory=pd.DataFrame)
    # "today", when it is another case: written to inputs/today/ so inputs/ reproduces the run
    today_case: Case | None = field(default=None, repr=False)
    # a horizon case with stockpile.csv: level, bought, released and holding cost per
    # commodity and year (stock.csv); empty otherwise (and no stock.csv)
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    # build-out (horizon cases with buildout.csv; `buildout_table`): None without it
    buildout: pd.DataFrame | None = None
    # what each build option the optimum uses buys (`projects_table`): None without build-out
    projects: pd.DataFrame | None = None

    @property
    def total_shortfall_penalty(self) -> float:
        """The value placed on the shortfall (penalty x units, summed); also ``shortfall_value``."""
        return float(self.summary["shortfall_value"])

    @property
    def supply_cost(self) -> float:
        """What is bought, at delivered cost (``total_cost``, by its older name)."""
        return self.total_cost

    @property
    def shortfall_value(self) -> float:
        """Unmet need valued at each commodity's shortfall penalty."""
        return float(self.summary["shortfall_value"])

    @property
    def total(self) -> float:
        """Supply cost plus the value of the shortfall (plus a horizon case's stock holding
        and build-out costs): the headline total."""
        return float(self.summary["total"])

    def write(
        self,
        out: str = ".",
        *,
        name: str | None = None,
        force: bool = False,
        plots: bool = False,
        xlsx: bool = False,
    ):
        """Write the run folder ``<out>/solutions/<name>/``; see `model.output.write_run`."""
        return write_run(self, out, name=name, force=force, plots=plots, xlsx=xlsx)

    @property
    def plot(self):
        """Figures of this result: ``.mix(stage=None)``, ``.china_share()``, ``.stages()``."""
        from model.plots import ResultPlots  # here, not above: matplotlib only when drawing

        return ResultPlots(self)

    kind = "solve"

    def run_tables(self) -> dict[str, pd.DataFrame]:
        tables = {
            "mix": self.mix,
            "commodities": self.commodities,
            "stages": self.stages,
            "capacity_values": self.capacity_values,
            "ranging_costs": self.cost_ranges,
            "ranging_limits": self.limit_ranges,
            **({} if self.buildout is None else {"buildout": self.buildout}),
            **({} if self.projects is None else {"projects": self.projects}),
        }
        if not self.stock.empty:
            tables["stock"] = self.stock
        return tables

    def __repr__(self) -> str:
        return (
            f"Result(case={self.case.name!r}, status={self.status!r}, "
            f"total_cost={self.total_cost:,.0f}, commodities={len(self.commodities)})"
        )


def package_versions() -> dict[str, str]:
    """The versions summary.json records (a fresh dict each call)."""
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """Looked up once per process: each lookup reads package metadata from disk (about
    35 ms for the five, on every solve before)."""
    out = {"python": platform.python_version()}
    for dist in ("sourcing-model", "pyomo", "highspy", "pandas", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return tuple(out.items())


def inputs_hash(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name] + b"\0")
    return h.hexdigest()


@dataclass
class Reference:
    """A reference solve, per commodity: "today" or "no share rules".

    ``itself``: the reference is the case being reported (a case solved directly
    is its own today).
    """

    name: str
    cost: dict[str, float]
    shortfall: dict[str, float]
    penalty: dict[str, float]
    itself: bool = False
    # a horizon case's stock holding and build-out costs per commodity-year (undiscounted;
    # `horizon_costs`): empty when the case has no stockpile / build-out
    holding: dict[str, float] = field(default_factory=dict)
    build: dict[str, float] = field(default_factory=dict)

    def value(self, k: str) -> float:
        """The shortfall of k valued at its penalty."""
        return self.penalty.get(k, math.nan) * self.shortfall.get(k, math.nan)

    def other(self, k: str) -> float:
        """What k's year pays for its stock and build-out besides supply (0 without them)."""
        return self.holding.get(k, 0.0) + self.build.get(k, 0.0)

    def total(self, k: str) -> float:
        """Supply cost + stock holding + build-out + value of the shortfall, of k."""
        return self.cost.get(k, math.nan) + self.other(k) + self.value(k)

    def totals(self) -> dict[str, Any]:
        """Supply cost, value of shortfall, holding and build-out costs (only when the case
        has them) and their total, summed over commodities."""
        cost = sum(self.cost.values())
        value = sum(self.value(k) for k in self.cost)
        out: dict[str, Any] = {
            "supply_cost": clean(cost, 1.0),
            "shortfall_value": clean(value, 1.0),
        }
        other = 0.0
        for key, part in (("holding_cost", self.holding), ("buildout_cost", self.build)):
            if part:
                out[key] = clean(sum(part.values()), 1.0)
                other += sum(part.values())
        out["total"] = clean(cost + other + value, 1.0)
        out["commodities_with_shortfall"] = sum(v > 0 for v in self.shortfall.values())
        return out


def reference(solver: Solver, sol: Solution, name: str, *, itself: bool = False) -> Reference:
    """The per-commodity numbers of a solve, rounded as the result tables round them."""
    d, facts = solver.data, _Facts(solver, sol)
    holding, build = horizon_costs(d, [sol.stock[k][0] for k in d.stock], sol.build)
    return Reference(
        name=name,
        cost={k: clean(facts.cost[k], facts.cost[k]) for k in d.commodities},
        shortfall={k: clean(sol.shortfall[k], d.demand[k]) for k in d.commodities},
        penalty={k: float(d.penalty[k]) for k in d.commodities},
        itself=itself,
        holding=holding,
        build=build,
    )


def _mix(solver: Solver, sol: Solution) -> pd.DataFrame:
    """Every positive purchase (vectorized: large cases have ~10^5 rows)."""
    case, d = solver.case, solver.data
    names = dict(zip(case.countries["country"], case.countries["name"], strict=True))
    s = case.supply
    x = sol.x_array
    capacity, cost, row_k = solver.current["capacity"], solver.current["cost"], solver.row_k
    totals = np.bincount(row_k, weights=x, minlength=len(d.commodities))
    q = vclean(x, capacity)
    keep = q > 0
    q, total = q[keep], vclean(totals, totals)[row_k[keep]]
    base = s["unit_cost"].to_numpy(float)[keep]
    freight = s["freight"].to_numpy(float)[keep]
    tariff = base * s["tariff"].to_numpy(float)[keep] + s["tariff_per_unit"].to_numpy(float)[keep]
    unit = cost[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, np.round(q / np.where(total > 0, total, 1.0), 9), math.nan)
    countries = s["country"].to_numpy(object)[keep]
    today = solver.current["today"]
    tiers = bool(solver.tier_pos.size or today.any())  # a case with today's volumes
    spend = q * unit
    if tiers:  # cost includes the switching premium on what is bought beyond today
        beyond = vclean(np.maximum(0.0, x[keep] - today[keep]), capacity[keep])
        spend = spend + solver.current["premium"][keep] * unit * beyond
    frame = pd.DataFrame(
        {
            "commodity": s["commodity"].to_numpy(object)[keep],
            "country": countries,
            "country_name": [names[n] for n in countries],
            "quantity": q,
            "share": share,
            "unit_cost": unit,
            "cost": vclean(spend, spend),
            "freight_cost": vclean(q * freight, q * freight),
            "tariff_cost": vclean(q * tariff, q * tariff),
            "capacity": capacity[keep],
        }
    )
    if tiers:
        frame["today"] = today[keep]
        frame["beyond_today"] = beyond
    return frame


def at_capacity(x: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Rows bought up to a positive capacity (within solver tolerance)."""
    return (capacity > 0) & (x >= capacity - 1e-7 * np.maximum(1.0, capacity))


class _Facts:
    """Per-commodity sums of one solution, computed once for the whole report."""

    def __init__(self, solver: Solver, sol: Solution) -> None:
        d, row_k, nk = solver.data, solver.row_k, len(solver.data.commodities)
        x = sol.x_array
        self.supplied = dict(
            zip(d.commodities, np.bincount(row_k, weights=x, minlength=nk).tolist(), strict=True)
        )
        self.cost = dict(  # supply cost, switching premiums included
            zip(
                d.commodities,
                np.bincount(row_k, weights=solver.supply_costs(x), minlength=nk).tolist(),
                strict=True,
            )
        )
        self.full: dict[str, list[str]] = {}
        for i in np.flatnonzero(at_capacity(x, solver.current["capacity"])).tolist():
            k, n = d.rows[i]
            self.full.setdefault(k, []).append(n)


def _forced_zero(solver: Solver, sol: Solution, k: str) -> str | None:
    """Why none of k can be bought, if its China cap and share rules allow no mix at all.

    With no supply, every share-of-supplied row holds trivially, so being tight says
    nothing. Instead: the rows force zero exactly when no shares y >= 0 (summing to 1)
    of k's suppliers with capacity meet them all (`shares_feasible`). The cap and the
    rules whose removal alone would allow a mix are named; a rule that alone rules out
    every mix says why (too few suppliers, none outside or inside its countries).
    """
    d = solver.data
    ki = d.commodities.index(k)
    rows = np.flatnonzero((solver.row_k == ki) & (solver.current["capacity"] > 0)).tolist()
    suppliers = [d.rows[i][1] for i in rows]
    if not suppliers:
        return None
    pos = {n: j for j, n in enumerate(suppliers)}
    tol = 1e-9 * max(1.0, d.need.get(k, 1.0))
    items: dict[tuple[str, int], list[tuple[list[int], float, float]]] = {}
    cap = float(solver.data.china_cap[k])
    if k in sol.china_dual and CHINA in pos:
        if not d.china_need:
            items["china", -1] = [([pos[CHINA]], -INF, cap)]
        elif cap * d.need[k] <= tol:  # a share of need only forces zero at a 0% cap
            items["china", -1] = [([pos[CHINA]], -INF, 0.0)]
    for fam, r, country, _ in sol.rule_slack.get(k, []):
        if fam == SHARE_EACH and country not in pos:  # a supplier with no capacity
            continue
        subject = [country] if fam == SHARE_EACH else d.rules[r][1]
        members = sorted(pos[n] for n in subject if n in pos)
        if fam == SHARE_MIN:
            items.setdefault(("min", r), []).append((members, d.rule_min[r], INF))
            continue
        bound = d.rule_max[r]
        if r in d.rule_need:
            if bound * d.need[k] > tol:
                continue
            bound = 0.0
        items.setdefault(("max", r), []).append((members, -INF, bound))
    n = len(suppliers)
    every = [row for group in items.values() for row in group]
    if not items or shares_feasible(n, every):
        return None
    names = list(items)
    decisive = [
        key
        for key in names
        if shares_feasible(n, [row for k2 in names if k2 != key for row in items[k2]])
    ]
    alone = {key for key in names if not shares_feasible(n, items[key])}
    chosen = decisive or [key for key in names if key in alone] or names
    words = []
    for kind, r in chosen:
        if kind == "china":
            words.append(
                f"China cap {cap:.0%}" + (" with no other supplier" if (kind, r) in alone else "")
            )
            continue
        label = f"rule {d.rules[r][0]}"
        if (kind, r) not in alone:
            words.append(label)
        elif kind == "min":
            words.append(f"{label} with no supplier in it")
        elif d.rules[r][1] is None:
            words.append(f"{label}, which {n} supplier{'s' if n > 1 else ''} cannot meet")
        else:
            words.append(f"{label} with no supplier outside it")
    return "supply forced to zero by " + " and ".join(words)


def _left_out(solver: Solver, sol: Solution) -> dict[str, str]:
    """Per commodity, the rows that policy ``include_status`` leaves out (capacity 0 in the
    model) whose first unit would be worth something (a negative reduced cost: it would
    relieve a shortfall or lower the cost), in words: ``standby capacity not included:
    XXX 30``. Without it a short commodity would not say why that capacity is unused."""
    d = solver.data
    if not d.excluded:
        return {}
    pos = {r: i for i, r in enumerate(d.rows)}
    own = dict(zip(d.rows, solver.case.supply["capacity"].tolist(), strict=True))
    penalty = solver.current["penalty"]
    found: dict[str, dict[str, list[str]]] = {}
    for row, status in d.excluded.items():
        i = pos[row]
        worth = money(-float(sol.reduced_cost_array[i]), float(penalty[solver.row_k[i]]))
        if own[row] > 0 and worth > 0:
            found.setdefault(row[0], {}).setdefault(status, []).append(f"{row[1]} {own[row]:g}")
    return {
        k: "; ".join(
            f"{status} capacity not included: {', '.join(rows)}" for status, rows in by.items()
        )
        for k, by in found.items()
    }


def _binding(
    solver: Solver, sol: Solution, facts: _Facts, k: str, wanted: bool = False
) -> list[str]:
    """Constraints that hold commodity k's mix where it is, in plain words.

    ``wanted``: k is short, or an input of a short product; if then nothing of k is
    bought because its cap and rules allow no mix, that is said instead of the
    (trivially tight) share rows.
    """
    d = solver.data
    out: list[str] = []
    if k in facts.full:
        out.append("capacity " + ",".join(facts.full[k]))
    total = facts.supplied[k]
    if (
        wanted
        and total <= 1e-9 * max(1.0, d.demand[k])
        and (forced := _forced_zero(solver, sol, k))
    ):
        return [*out, forced]
    cap = float(solver.data.china_cap[k])
    if k in sol.china_dual and cap < 1.0:
        slack = cap * (d.need[k] if d.china_need else total) - sol.x[k, CHINA]
        if slack <= 1e-7 * max(1.0, total):
            out.append(f"China cap {cap:.0%}")
    for fam, r, country, body in sol.rule_slack.get(k, []):
        if body <= 1e-7 * max(1.0, total) and (total > 0 or fam == SHARE_MIN):
            label = d.rules[r][0]
            if fam == SHARE_EACH:
                label += f" ({country})"
            if f"rule {label}" not in out:
                out.append(f"rule {label}")
    return out


def _limits(
    solver: Solver,
    sol: Solution,
    facts: _Facts,
    k: str,
    memo: dict[tuple[str, bool], str] | None = None,
) -> str:
    """What holds k where it is, and for a short product, what holds its inputs.

    A product can fall short because an input cannot be supplied (its own
    capacity, cap or rules bind upstream), so the inputs are traced upstream,
    with an explicit stack (recipe chains can be deeper than Python's recursion
    limit). ``memo`` keeps each answer across calls, keyed by (commodity, wanted):
    a commodity is explained differently when it is short or an input of a short
    product (see `_binding`).
    """
    d = solver.data
    memo = {} if memo is None else memo

    def short(c: str) -> bool:
        return sol.shortfall[c] > 1e-7 * max(1.0, d.demand[c])

    top = (k, short(k))
    entered: set[tuple[str, bool]] = set()
    stack: list[tuple[tuple[str, bool], bool]] = [(top, False)]  # (key, its inputs are done)
    while stack:
        key, ready = stack.pop()
        if key in memo:
            continue
        c, wanted = key
        ups = [(p, True) for p, _ in d.inputs[c]] if short(c) else []
        if not ready:
            if key in entered:  # c consumes itself: only possible in an unvalidated case
                continue
            entered.add(key)
            stack.append((key, True))
            stack.extend((u, False) for u in reversed(ups) if u not in memo)
            continue
        parts = _binding(solver, sol, facts, c, wanted=wanted)
        for u in ups:
            upstream = memo.get(u, "")
            if upstream:  # (an input of the same year, in a horizon case: named plainly)
                parts.append(f"input {solver.case.base_id(u[0])} ({upstream})")
        memo[key] = "; ".join(parts)
    return memo[top]


def _nansum(values: np.ndarray) -> Any:
    """``Series.sum()`` of these values, bit for bit: NaN counted as 0, then numpy's
    (pairwise) sum in order, as pandas' nansum does."""
    nan = np.isnan(values)
    return (np.where(nan, 0.0, values) if nan.any() else values).sum()


def _stage_rows(
    com: pd.DataFrame, groups: list[tuple[Any, np.ndarray]], china_cost: dict[Any, float]
) -> list[dict[str, Any]]:
    """`stage_table`'s rows, one per (key, row positions in ``com``) of ``groups``: the same
    sums as ``com.groupby(...)`` subframes gave, taken on numpy arrays (pandas' per-group
    overhead was most of the report of a horizon case, one stage table per year)."""
    cols = {
        c: com[c].to_numpy()
        for c in (
            "cost",
            "shortfall",
            "shortfall_value",
            "total",
            "unit_cost_premium",
            "supplied",
            "average_unit_cost",
            "supply_cost_change",
            "premium_vs_no_share_rules",
            "premium_vs_today",
        )
        if c in com
    }
    rows = []
    for key, idx in groups:
        g = {c: v[idx] for c, v in cols.items()}
        stage = key[-1] if isinstance(key, tuple) else key
        cost = float(_nansum(g["cost"]))
        row = {
            "stage": stage,
            "commodities": len(idx),
            "with_shortfall": int((g["shortfall"] > 0).sum()),
            "cost": clean(cost, cost),
            "china_cost_share": round(float(china_cost.get(key, 0.0)) / cost, 9)
            if cost > 0
            else math.nan,
        }
        if "shortfall_value" in g:
            total = float(_nansum(g["total"]))
            row["shortfall_value"] = clean(float(_nansum(g["shortfall_value"])), 1.0)
            row["total"] = clean(total, 1.0)
        if "unit_cost_premium" in g:
            prem = _nansum(g["unit_cost_premium"] * g["supplied"])
            base = _nansum((g["average_unit_cost"] - g["unit_cost_premium"]) * g["supplied"])
            row["supply_cost_change"] = money(float(_nansum(g["supply_cost_change"])), cost)
            row["premium_vs_no_share_rules"] = money(
                float(_nansum(g["premium_vs_no_share_rules"])), total
            )
            # a fraction like every share (0.5 = 50%), not a percentage
            row["unit_cost_premium_share"] = round(prem / base, 9) if base > 0 else math.nan
        if "premium_vs_today" in g:
            row["premium_vs_today"] = money(float(_nansum(g["premium_vs_today"])), total)
        rows.append(row)
    return rows


def _stage_groups(stages: np.ndarray, at: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """The positions ``at`` split by stage, stages in order of first appearance (as
    ``groupby("stage", sort=False)``, which leaves out a missing stage)."""
    of = stages[at]
    return [(s, at[of == s]) for s in pd.unique(of) if not pd.isna(s)]


def _china_stage_cost(com: pd.DataFrame, mix: pd.DataFrame, by: list[str]) -> dict[Any, float]:
    """China's spend per ``by`` (stage, or year and stage): pandas' grouped sum, whose
    compensated summation per group does not depend on what else is grouped."""
    stage_of = dict(zip(com["commodity"], com["stage"], strict=True))
    china = mix[mix["country"] == CHINA].assign(stage=lambda f: f["commodity"].map(stage_of))
    return china.groupby(by)["cost"].sum().to_dict()


def _stages_named(commodities: pd.DataFrame) -> pd.DataFrame:
    com = commodities.copy()
    com["stage"] = com["stage"].replace("", "(none)")
    return com


def stage_table(commodities: pd.DataFrame, mix: pd.DataFrame) -> pd.DataFrame:
    """One row per stage. Quantities of different commodities do not add up, so
    stage totals are in money: spend, China's share of spend, the value of the
    stage's shortfall, the premiums of its commodities against both references,
    and the unit-cost premium paid on the volumes bought (against the uncapped
    average unit costs)."""
    com = _stages_named(commodities)
    groups = _stage_groups(com["stage"].to_numpy(), np.arange(len(com)))
    return pd.DataFrame(_stage_rows(com, groups, _china_stage_cost(com, mix, ["stage"])))


def stage_tables(commodities: pd.DataFrame, mix: pd.DataFrame) -> pd.DataFrame:
    """`stage_table`, and in a horizon case (a ``year`` column) one per year, stacked with
    a ``year`` column after ``stage``."""
    if "year" not in commodities.columns:
        return stage_table(commodities, mix)
    com = _stages_named(commodities)
    stages, years = com["stage"].to_numpy(), com["year"].to_numpy()
    groups = []
    for year in np.unique(years).tolist():
        groups += [
            ((year, s), at) for s, at in _stage_groups(stages, np.flatnonzero(years == year))
        ]
    rows = _stage_rows(com, groups, _china_stage_cost(com, mix, ["year", "stage"]))
    for ((year, _), _), row in zip(groups, rows, strict=True):
        row["year"] = int(year)
    out = pd.DataFrame(rows)
    return out[["stage", "year", *(c for c in out.columns if c not in ("stage", "year"))]]


def horizon_summary(case: Case, own: Reference) -> dict[str, Any]:
    """summary.json entries of a horizon case: the horizon, totals by year (undiscounted)
    and the present value of the totals (each year's discounted to the base year). Stock
    holding and build-out costs are parts of each total, with keys of their own only when
    the case has a stockpile / build-out."""
    hz = case.horizon
    assert hz is not None
    parts = ["supply_cost", "shortfall_value"]
    parts += [
        key for key, on in (("holding_cost", own.holding), ("buildout_cost", own.build)) if on
    ]
    by_year: dict[int, dict[str, float]] = {}
    for k in own.cost:
        year = hz.of[k][1]
        row = by_year.setdefault(year, {**dict.fromkeys(parts, 0.0), "short": 0})
        row["supply_cost"] += own.cost[k]
        row["shortfall_value"] += own.value(k)
        if own.holding:
            row["holding_cost"] += own.holding.get(k, 0.0)
        if own.build:
            row["buildout_cost"] += own.build.get(k, 0.0)
        row["short"] += own.shortfall[k] > 0
    years = []
    pv = dict.fromkeys(parts, 0.0)
    for year, row in sorted(by_year.items()):
        f = hz.factor(year)
        for key in parts:
            pv[key] += f * row[key]
        years.append(
            {
                "year": year,
                **{key: clean(row[key], 1.0) for key in parts},
                "total": clean(sum(row[key] for key in parts), 1.0),
                "commodities_with_shortfall": int(row["short"]),
            }
        )
    spec = hz.spec
    return {
        "horizon": {
            "start": spec.start,
            "end": spec.end,
            "base_year": spec.base,
            "discount_rate": spec.discount_rate,
        },
        "by_year": years,
        "present_value": {
            **{key: clean(pv[key], 1.0) for key in parts},
            "total": clean(sum(pv.values()), 1.0),
        },
    }


STOCK_COLUMNS = ["commodity", "year", "level", "bought", "released", "holding_cost"]


def stock_table(solver: Solver, sol: Solution) -> pd.DataFrame:
    """A stockpile per commodity and year: its level at the year's end, what was bought into
    it or released from it (net) and the holding cost (undiscounted money of the year)."""
    d, hz = solver.data, solver.case.horizon
    if not d.stock or hz is None:
        return pd.DataFrame()
    rows = []
    for i in d.stock:
        level, bought, released = sol.stock[i]
        # buying and releasing in the same year cancel (same level, same balance): the LP
        # may do both at no cost, so a year shows only the net of the two
        bought, released = max(0.0, bought - released), max(0.0, released - bought)
        k, year = hz.of[i]
        level = clean(level, level)
        rows.append(
            {
                "commodity": k,
                "year": year,
                "level": level,
                "bought": clean(bought, bought),
                "released": clean(released, released),
                "holding_cost": round(d.stock_holding[i] * level, 6) + 0.0,
            }
        )
    return pd.DataFrame(rows, columns=STOCK_COLUMNS)


def stock_summary(stock: pd.DataFrame) -> dict[str, Any]:
    """summary.json's ``stockpile``: holding cost over the years (undiscounted; also the
    top-level ``holding_cost``, a part of ``total``), and per commodity what was bought and
    released and the level at the end."""
    out: dict[str, Any] = {"holding_cost": round(float(stock["holding_cost"].sum()), 6) + 0.0}
    by_k = {}
    for k, part in stock.groupby("commodity", sort=False):
        by_k[k] = {
            "bought": round(float(part["bought"].sum()), 9) + 0.0,
            "released": round(float(part["released"].sum()), 9) + 0.0,
            "end_level": float(part["level"].iat[-1]),
        }
    out["commodities"] = by_k
    return out


def make_result(
    solver: Solver,
    main: Solution,
    uncapped: Solution | None,
    *,
    probe: bool = True,
    input_files: dict[str, bytes] | None = None,
    today: Reference | None = None,
) -> Result:
    """The result tables of one solve (``input_files``: the case already serialized).

    ``today``: the reference case's numbers (`reference`); None: the case is its
    own today.
    """
    case, d = solver.case, solver.data
    com = case.commodities
    meta = {c: dict(zip(com["commodity"], com[c], strict=True)) for c in ("name", "stage", "unit")}
    facts = _Facts(solver, main)
    limits: dict[tuple[str, bool], str] = {}  # binding texts, shared by upstream tracing
    left_out = _left_out(solver, main)  # capacity whose status is not included
    own = reference(solver, main, case.name, itself=True)
    today = own if today is None else today
    free = reference(solver, uncapped, "no share rules") if uncapped is not None else None
    u_facts = _Facts(solver, uncapped) if uncapped is not None else None
    rows = []
    for k in d.commodities:
        total = facts.supplied[k]
        s_clean = clean(total, total)
        downstream = sum(a * facts.supplied[q] for q, a in d.uses[k])
        cost = facts.cost[k]
        china = main.x.get((k, CHINA), 0.0)
        cap = float(solver.data.china_cap[k])
        capped = k in main.china_dual
        short = own.shortfall[k]
        need = s_clean + short
        here = own.total(k)
        row = {
            "commodity": k,
            "name": meta["name"][k],
            "stage": meta["stage"][k],
            "unit": meta["unit"][k],
            "demand": d.demand[k],
            "downstream_use": clean(downstream, downstream),
            "supplied": s_clean,
            "shortfall": short,
            "shortfall_share": round(short / need, 9) if need > 0 else 0.0,
            "china_share": round(clean(china, total) / s_clean, 9) if s_clean > 0 else math.nan,
            "max_china_share": cap,
            "cost": own.cost[k],
            "average_unit_cost": round(cost / total, 6) if s_clean > 0 else math.nan,
            "shortfall_penalty": d.penalty[k],
            "shortfall_value": round(own.value(k), 6) + 0.0,
        }
        # a horizon case's stock and build-out costs are part of the total (columns only
        # when the case has a stockpile / build-out, so other cases keep their bytes)
        if d.stock:
            row["holding_cost"] = own.holding.get(k, 0.0)
        if d.build:
            row["buildout_cost"] = round(own.build.get(k, 0.0), 6) + 0.0
        row["total"] = round(here, 6) + 0.0
        if free is not None:
            u_cost, u_total = u_facts.cost[k], u_facts.supplied[k]
            row["uncapped_cost"] = free.cost[k]
            row["supply_cost_change"] = money(cost - u_cost, max(cost, u_cost))
            row["unit_cost_premium"] = (
                round(cost / total - u_cost / u_total, 6)
                if s_clean > 0 and clean(u_total, u_total) > 0
                else math.nan
            )
            row["uncapped_shortfall"] = free.shortfall[k]
            row["uncapped_total"] = round(free.total(k), 6) + 0.0
            row["premium_vs_no_share_rules"] = money(here - free.total(k), max(here, free.total(k)))
        row["today_cost"] = today.cost.get(k, math.nan)
        row["today_shortfall"] = today.shortfall.get(k, math.nan)
        row["today_total"] = round(today.total(k), 6) + 0.0
        row["premium_vs_today"] = money(here - today.total(k), max(here, today.total(k)))
        # duals and probes change the objective, a present value in a horizon case with a
        # discount rate: divided by k's discount factor they are money of k's year
        f = d.discount.get(k, 1.0) if d.discount else 1.0
        # d(objective)/d(cap) = dual * S; one point tighter is -0.01 of that.
        row["marginal_cost_per_pp"] = (
            money(-0.01 * main.china_dual[k] * total / f, main.objective) if capped else math.nan
        )
        if probe:
            dcost, dshort = (
                solver.cap_change(k, main) if capped and cap > 0 else (math.nan, math.nan)
            )
            row["cost_of_next_pp"] = money(dcost / f, main.objective) if dcost == dcost else dcost
            row["shortfall_of_next_pp"] = clean(dshort, d.demand[k]) if dshort == dshort else dshort
        # dual of the balance row: objective cost of one more unit of direct demand
        row["shadow_price"] = money(main.balance_dual[k] / f, d.penalty[k])
        row["binding"] = _limits(solver, main, facts, k, limits)
        if k in left_out:
            row["binding"] = "; ".join(filter(None, [row["binding"], left_out[k]]))
        rows.append(row)
    commodities = pd.DataFrame(rows)

    mix = _mix(solver, main)
    capacity_values = _capacity_values(solver, main, probe=probe)

    headline = own.totals()
    total_cost = headline["supply_cost"]
    short = commodities.loc[
        commodities["shortfall"] > 0, ["commodity", "shortfall", "shortfall_share"]
    ]
    # summary.json keys: the commodity, or "<commodity> <year>" in a horizon case
    keys = short["commodity"].tolist()
    if case.horizon is not None:
        keys = ["{} {}".format(*case.horizon.of[k]) for k in keys]
    if input_files is None:
        input_files = canonical_inputs(case)
    summary: dict[str, Any] = {
        "case": case.name,
        "description": case.description,
        "status": "optimal",
        "currency": case.currency,
        "objective": clean(main.objective, main.objective),
        # the headline: what is bought, what is not (valued), and their total
        "supply_cost": total_cost,
        "shortfall_value": headline["shortfall_value"],
        # stock holding and build-out (keys only when the case has them): in the total
        **{key: headline[key] for key in ("holding_cost", "buildout_cost") if key in headline},
        "total": headline["total"],
        "total_shortfall": dict(zip(keys, short["shortfall"], strict=True)),
        "shortfall_share": dict(zip(keys, short["shortfall_share"], strict=True)),
        "commodities_with_shortfall": len(short),
    }
    if free is not None:
        summary["no_share_rules"] = free.totals()
        summary["premium_vs_no_share_rules"] = money(
            headline["total"] - summary["no_share_rules"]["total"], headline["total"]
        )
    summary["today"] = {"case": today.name, "itself": today.itself, **today.totals()}
    summary["premium_vs_today"] = money(
        headline["total"] - summary["today"]["total"], headline["total"]
    )
    if not today.itself:
        # where shortage went compared with today, in words (a rule or new capacity may
        # relieve one commodity's shortage by creating another's)
        by_k = commodities.set_index("commodity")
        summary["shortage_moves"] = shortage_moves(
            pd.Series(today.shortfall, dtype=float),
            by_k["shortfall"],
            by_k["unit"],
            by_k["supplied"] + by_k["shortfall"],
        )
    if case.horizon is not None:
        summary.update(horizon_summary(case, own))
    stock = stock_table(solver, main)
    if not stock.empty:
        summary["stockpile"] = stock_summary(stock)
    summary.update(
        {
            "max_china_share": case.policy.max_china_share,
            "share_rules": [r.label for r in case.policy.rules],
            "solver": {
                "name": "HiGHS",
                "interface": INTERFACE[solver.compile],
            },
            "versions": package_versions(),
            "inputs_sha256": inputs_hash(input_files),
        }
    )
    summary["solver"]["version"] = summary["versions"]["highspy"]
    # a horizon case: each table names the commodity as given and the year
    mix, commodities = label_years(mix, case), label_years(commodities, case)
    capacity_values = label_years(capacity_values, case)
    buildout, projects = None, None
    if d.build:
        buildout = buildout_table(solver, main)
        # what each project built buys: re-solved without it (after the probes above)
        projects = projects_table(solver, main, own)
        summary["projects"] = [
            {c: (None if v != v else v) for c, v in row.items()}
            for row in projects.to_dict("records")
        ]
    return Result(
        case=case,
        status="optimal",
        objective=summary["objective"],
        total_cost=total_cost,
        mix=mix,
        commodities=commodities,
        stages=stage_tables(commodities, mix),
        capacity_values=capacity_values,
        summary=summary,
        timings={},
        input_files=input_files,
        stock=stock,
        buildout=buildout,
        projects=projects,
    )


def buildout_table(solver: Solver, sol: Solution) -> pd.DataFrame:
    """Per build option and year: capacity ``built`` that year, ``cumulative`` built so
    far, ``annual_cost`` paid for it that year (annual cost x cumulative, undiscounted),
    and ``shadow_price``: what one more unit of build allowed that year (max_per_year)
    would save over the horizon, in that year's money (the b column's reduced cost at
    its upper bound, divided by the year's discount factor; 0 when the limit is slack)."""
    d, case = solver.data, solver.case
    h = case.horizon
    built = sol.build
    rc = sol.build_rc
    rows = []
    cum: dict[str, float] = {}
    for (k, n), b, r in zip(d.build, built.tolist(), rc.tolist(), strict=True):
        commodity, year = h.of[k]
        key = f"{commodity}|{n}"
        cum[key] = cum.get(key, 0.0) + b
        most = d.build_max[k, n]
        at_limit = b >= most - 1e-9 * max(1.0, most)
        factor = h.factor(year) if h.spec.discount_rate else 1.0
        price = -r / factor if at_limit and r < 0 else 0.0
        rows.append(
            (
                commodity,
                n,
                year,
                clean(b, most),
                clean(cum[key], most),
                clean(d.build_annual[k, n] * cum[key], most),
                clean(price, price),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "commodity",
            "country",
            "year",
            "built",
            "cumulative",
            "annual_cost",
            "shadow_price",
        ],
    )


PROJECT_COLUMNS = [
    "commodity",
    "country",
    "unit",
    "built",
    "first_year",
    "built_by",
    "cost",
    "present_value_cost",
    "shortfall_avoided",
    "also_avoids",
    "total_saved",
    "present_value_saved",
]


def _point_total(solver: Solver, x: np.ndarray, shortfall: np.ndarray, level, built) -> float:
    """The headline total of one solution (undiscounted): supply cost + stock holding +
    build-out + shortfall valued at the penalties."""
    holding, build = horizon_costs(solver.data, level, built)
    return (
        solver.supply_cost(x)
        + float(solver.current["penalty"] @ shortfall)
        + math.fsum(holding.values())
        + math.fsum(build.values())
    )


def projects_table(solver: Solver, main: Solution, own: Reference) -> pd.DataFrame:
    """What each build option the optimum uses buys (README "Build-out"): one row per
    (commodity, country) with capacity built, its total ``built`` over the horizon, the
    first year and the last year (``built_by``) it is built in, its ``cost`` (annual cost
    x capacity built so far, summed over the years, undiscounted) and
    ``present_value_cost``; then, re-solved with the option not allowed (b = 0 in every
    year) under the case's shortage policy, the unmet need of its commodity it avoids
    (units summed over the years), ``also_avoids``: other commodities whose unmet need
    changes (e.g. a product made from it; negative: more unmet), and the headline total
    and the objective (its present value) it saves. Blank when that re-solve fails."""
    d, case = solver.data, solver.case
    h = case.horizon
    assert h is not None
    units = dict(zip(case.commodities["commodity"], case.commodities["unit"], strict=True))
    short = np.array([main.shortfall[k] for k in d.commodities])
    level = [main.stock[k][0] for k in d.stock]
    here = _point_total(solver, main.x_array, short, level, main.build)
    options: dict[tuple[str, str], list[int]] = {}
    for i, (k, n) in enumerate(d.build):
        options.setdefault((h.of[k][0], n), []).append(i)
    pos = {r: i for i, r in enumerate(d.build)}
    scale: dict[str, float] = {}  # a commodity's largest demand of a year: noise is below it
    unit_of: dict[str, str] = {}  # commodity as given -> its unit
    for k in d.commodities:
        base = h.of[k][0]
        scale[base] = max(scale.get(base, 1.0), d.demand[k])
        unit_of[base] = units[k]
    rows = []
    for (commodity, n), at in options.items():
        most = max(d.build_max[d.build[i]] for i in at)
        b = main.build[at]
        built = clean(float(b.sum()), most)
        if built <= 0:
            continue
        years = [h.of[d.build[i][0]][1] for i in at]
        made = [y for y, v in zip(years, b.tolist(), strict=True) if clean(v, most) > 0]
        cost, pv = 0.0, 0.0
        for i in at:
            r = d.build[i]
            paid = d.build_annual[r] * float(main.build[[pos[t] for t in d.build_rows[r]]].sum())
            year = h.of[r[0]][1]
            cost += paid
            pv += paid * (h.factor(year) if h.spec.discount_rate else 1.0)
        row: dict[str, Any] = {
            "commodity": commodity,
            "country": n,
            "unit": units[d.build[at[0]][0]],
            "built": built,
            "first_year": made[0],
            "built_by": made[-1],
            "cost": clean(cost, 1.0),
            "present_value_cost": clean(pv, 1.0),
            "shortfall_avoided": math.nan,
            "also_avoids": "",
            "total_saved": math.nan,
            "present_value_saved": math.nan,
        }
        alt = solver.without_build(at)
        if alt is not None:
            change = alt.shortfall - short
            own_k, others = 0.0, {}
            for j, k in enumerate(d.commodities):
                base = h.of[k][0]
                if base == commodity:
                    own_k += change[j]
                else:
                    others[base] = others.get(base, 0.0) + change[j]
            row["shortfall_avoided"] = clean(own_k, scale[commodity])
            row["also_avoids"] = "; ".join(
                f"{k} {clean(v, scale[k]):g} {unit_of[k]}".rstrip()
                for k, v in others.items()
                if clean(v, scale[k]) != 0
            )
            total = _point_total(solver, alt.x, alt.shortfall, alt.level, alt.build)
            row["total_saved"] = money(total - here, total)
            row["present_value_saved"] = money(alt.objective - main.objective, alt.objective)
        rows.append(row)
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


CAPACITY_COLUMNS = [
    "commodity",
    "country",
    "country_name",
    "groups",
    "capacity",
    "quantity",
    "unit_cost",
    "marginal_value",
    "supply_cost_saving",
    "relieves_shortfall",
    "dual_value",
]


def _capacity_values(solver: Solver, main: Solution, *, probe: bool) -> pd.DataFrame:
    """One row per capacity that holds the mix: bought up to it, or zero with a positive dual.

    With ``probe`` each gets its exact value by re-solve (`Solver.capacity_value`).
    """
    case, d = solver.case, solver.data
    capacity, x = solver.current["capacity"], main.x_array
    penalty = solver.current["penalty"][solver.row_k]
    rc = main.reduced_cost_array
    if solver.disc_row is not None:  # present values -> money of the row's year
        rc = rc / solver.disc_row
    full, empty = at_capacity(x, capacity), np.flatnonzero(capacity == 0)
    empty = empty[np.asarray(vmoney(-rc[empty], penalty[empty])) > 0]
    full[empty] = True  # zero capacity whose first unit would be worth something
    chosen = np.flatnonzero(full)
    dual = np.zeros(len(x))
    dual[chosen] = vmoney(np.maximum(0.0, -rc[chosen]), penalty[chosen])
    n = len(chosen)
    value, saving, relieved = np.full(n, math.nan), np.full(n, math.nan), np.zeros(n, bool)
    if probe:
        for j, i in enumerate(chosen.tolist()):
            value[j], saving[j], relieved[j] = solver.capacity_value(d.rows[i], main)
            if solver.disc_row is not None:
                value[j] /= solver.disc_row[i]
    names = dict(zip(case.countries["country"], case.countries["name"], strict=True))
    groups = dict(zip(case.countries["country"], case.countries["groups"], strict=True))
    ks = [d.rows[i][0] for i in chosen.tolist()]
    ns = [d.rows[i][1] for i in chosen.tolist()]
    frame = pd.DataFrame(
        {
            "commodity": pd.Series(ks, dtype=object),
            "country": pd.Series(ns, dtype=object),
            "country_name": pd.Series([names[c] for c in ns], dtype=object),
            "groups": pd.Series([groups[c] for c in ns], dtype=object),
            "capacity": capacity[chosen],
            "quantity": vclean(x[chosen], capacity[chosen]),
            "unit_cost": solver.current["cost"][chosen],
            "marginal_value": vmoney(value, penalty[chosen]) if probe else value,
            "supply_cost_saving": vmoney(saving, penalty[chosen]) if probe else saving,
            "relieves_shortfall": relieved,
            "dual_value": dual[chosen],
        },
        columns=CAPACITY_COLUMNS,
    )
    if d.excluded:  # why a row has no capacity: its status is not included
        status = case.supply["status"].to_numpy(object)[chosen].tolist()
        frame["status"] = [
            f"{st} (not included)" if (k, n) in d.excluded else st
            for st, k, n in zip(status, ks, ns, strict=True)
        ]
    # commodity (table order), then most valuable first, then country
    value_key = np.where(np.isnan(frame["marginal_value"]), np.inf, -frame["marginal_value"])
    order = np.lexsort((np.array(ns, dtype=object), value_key, solver.row_k[chosen]))
    return frame.iloc[order].reset_index(drop=True)


__all__ = ["Reference", "Result", "make_result", "package_versions", "reference"]
