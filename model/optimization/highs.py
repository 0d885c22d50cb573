"""The HiGHS instance behind a model: compiled once, changed in place, re-solved warm.

`Solver` assembles the LP's sparse arrays once (`model.optimization.lp`: the arrays
Pyomo's standard-form compiler makes of the Pyomo model, `model.optimization.build`,
made without it) and passes them to one highspy instance that it keeps; the Pyomo
model itself is built when asked for (`Solver.model`). Everything after that (the
solve, the solve without share rules, the probes, sweep points) changes
numbers in that instance directly: bounds, costs, right-hand sides and the one
coefficient of S[k] that holds each share. Pyomo's per-solve change detection
never runs, which is what makes re-solves cheap.

Sign conventions are HiGHS's, for a minimization: a row's dual is the change
in objective per unit increase of its bound, so binding '<=' rows have
non-positive duals, and a column's reduced cost at its upper bound is
non-positive.

Under ``shortage = "proportional"`` every solve is lexicographic, inside the same
instance (`Solver._run`): level 1 minimises unmet need U = sum_k s[k] / demand[k]
alone, level 2 the usual cost with U held at its minimum. Duals and ranging are
those of level 2: rates of change of cost with the unmet need held where it is.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from model._compat import pause_gc
from model.case import Case
from model.errors import SolveError
from model.numbers import clean
from model.optimization.data import SHARE_FAMILIES, ModelData, in_order, unmet_weight
from model.optimization.lp import LP, assemble
from model.optimization.lp import from_pyomo as pyomo_lp

INF = highspy.kHighsInf

# Options every run starts from: one thread (deterministic, and machines are shared).
OPTIONS: dict[str, Any] = {"output_flag": False, "threads": 1, "random_seed": 0}

# What `Solver._run` tries, in this order and each from a cleared solver (so the
# answer depends only on the LP), when a run ends without an optimum. Badly scaled
# cases (demand 1e9 with a penalty of 1e11, capacities down to 1e-6) can make
# presolve hand the dual simplex a reduced LP whose dual values break its ratio test
# ("Solve error") although the LP itself is fine; without presolve it solves, and
# where the dual simplex fails too, the primal simplex or the interior point method
# (with crossover, which leaves a basis for ranging and warm re-solves; its iterations
# capped, as IPX can stall forever on such LPs) does. Only an optimum HiGHS reports
# on the original LP is accepted. Under the proportional shortage policy each level of
# the lexicographic solve retries on its own.
RETRIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("cold start", {}),
    ("presolve off", {"presolve": "off"}),
    ("primal simplex", {"presolve": "off", "simplex_strategy": 4}),
    ("interior point", {"presolve": "off", "solver": "ipm", "ipm_iteration_limit": 1000}),
)


@dataclass
class Solution:
    """One solve: primal values, duals and reduced costs keyed by model index."""

    objective: float
    x: dict[tuple[str, str], float]
    shortfall: dict[str, float]
    balance_dual: dict[str, float]
    china_dual: dict[str, float]
    reduced_cost: dict[tuple[str, str], float]
    # commodity -> [(family, rule, country or None, |row activity|)] for share-rule rows
    rule_slack: dict[str, list[tuple[str, int, str | None, float]]] = field(default_factory=dict)
    seconds: float = 0.0
    # x and its reduced costs as arrays aligned with ModelData.rows (for vectorized reports)
    x_array: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reduced_cost_array: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # level 1's optimum U* = min sum_k s[k] / demand[k] (proportional policy; None under penalty)
    unmet: float | None = None
    # a stockpile's (level, bought, released) per commodity-year (ModelData.stock)
    stock: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    # build-out: b and its reduced costs, aligned with ModelData.build (empty without it)
    build: np.ndarray = field(default_factory=lambda: np.zeros(0))
    build_rc: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class PointSolution:
    """A fast re-solve: arrays aligned with ModelData.rows and .commodities."""

    objective: float
    x: np.ndarray
    shortfall: np.ndarray
    # a stockpile's levels (aligned with ModelData.stock) and the build-out's b (with
    # ModelData.build): empty without them
    level: np.ndarray = field(default_factory=lambda: np.zeros(0))
    build: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _finite_bound(v: float) -> float:
    return v if math.isfinite(v) else INF


def horizon_costs(
    d: ModelData, level: Any, built: Any
) -> tuple[dict[str, float], dict[str, float]]:
    """Per commodity-year, the stock holding cost (holding cost x level at the year's end)
    and the build-out cost (annual cost x capacity built so far, summed over the options
    of that commodity-year), in undiscounted money of the year and rounded as stock.csv
    and buildout.csv round them. ``level`` is aligned with ``d.stock``, ``built`` with
    ``d.build``; each dict is empty when the case has no stockpile / no build-out, so
    cases without them report what they reported before."""
    holding: dict[str, float] = {}
    for k, v in zip(d.stock, np.asarray(level, dtype=float).tolist(), strict=True):
        holding[k] = round(d.stock_holding[k] * clean(v, v), 6) + 0.0
    build: dict[str, float] = {}
    if d.build:
        b = dict(zip(d.build, np.asarray(built, dtype=float).tolist(), strict=True))
        for r in d.build:
            most = d.build_max[r]
            cost = d.build_annual[r] * math.fsum(b[t] for t in d.build_rows[r])
            build[r[0]] = build.get(r[0], 0.0) + clean(cost, most)
    return holding, build


def _light_scipy_for_pyomo() -> None:
    """Skip the ~1 s of scipy.stats/integrate/spatial imports Pyomo does on first use.

    Pyomo's standard-form compiler needs only scipy.sparse, but Pyomo's deferred
    scipy import runs a callback that imports scipy.stats and friends the first
    time scipy resolves; that dominated `sourcing solve` on small cases. We import
    scipy.sparse ourselves and drop the callback before it fires (`build_model` calls
    this before it imports Pyomo's modelling layer). If Pyomo's internals differ, or
    Pyomo was imported already, nothing happens and the import simply costs more.
    """
    try:
        from pyomo.common import dependencies

        flag = dependencies.__dict__.get("scipy_available")
        if getattr(flag, "_module", True) is None and hasattr(flag, "_callback"):
            flag._callback = None  # before anything imports scipy: Pyomo hooks that import
        import scipy.sparse  # noqa: F401
    except Exception:  # pragma: no cover - best effort only
        pass


def build_model(case: Case, data: ModelData) -> Any:
    """`model.optimization.build.build_model`, imported on first use: a solve that assembles
    its LP directly never imports Pyomo (about half a second)."""
    _light_scipy_for_pyomo()
    from model.optimization.build import build_model as build

    return build(case, data)


def _option(h: highspy.Highs, name: str) -> Any:
    """An option's current value (highspy versions return it bare or as (status, value))."""
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def run_on_any_scheduler(h: highspy.Highs) -> highspy.HighsModelStatus:
    """One `Highs.run`, taking HiGHS's task scheduler as it is; the model status.

    HiGHS sizes a task scheduler for each calling thread at that thread's first
    run and refuses a later run whose `threads` option differs (status "Not Set"):
    after any other HiGHS solve in a notebook or in Pyomo's appsi_highs,
    `threads=1` fails. threads=0 accepts the scheduler as it is (resetting it
    instead would resize it under the user's own models on this thread); the
    setting stays for the instance's later runs. The methods used here (dual and
    primal simplex, IPX) are serial whatever the scheduler's size, so the answer is
    the same. HiGHS checks this first in `run`, so the basis and solution are untouched.
    """
    if (
        h.run() == highspy.HighsStatus.kError
        and h.getModelStatus() == highspy.HighsModelStatus.kNotset
        and _option(h, "threads") != 0
    ):
        h.setOptionValue("threads", 0)
        h.run()
    return h.getModelStatus()


@contextlib.contextmanager
def quiet_stdout():
    """Silence C-level writes to stdout (fd 1) for the duration."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # e.g. a notebook's stream
        fd = 1
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


_small = threading.local()  # one small instance per thread: a Highs object is not thread-safe


def _small_highs() -> highspy.Highs:
    h = getattr(_small, "highs", None)
    if h is None:
        with quiet_stdout():  # the constructor prints a banner before options apply
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        _small.highs = h
    return h


def shares_feasible(n: int, rows: list[tuple[list[int], float, float]]) -> bool:
    """Whether shares y_j >= 0 summing to 1 can meet every row lo <= sum_{j in J} y_j <= hi.

    Explains zero supply: a commodity can be bought at all, in any small amount,
    only if its share rows leave some mix of its suppliers possible.
    """
    h = _small_highs()
    h.clearModel()
    h.addVars(n, np.zeros(n), np.full(n, INF))
    for idx, lo, hi in [(list(range(n)), 1.0, 1.0), *rows]:
        if idx:
            h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32), np.ones(len(idx)))
        elif lo > 0 or hi < 0:
            return False
    status = run_on_any_scheduler(h)
    if status == highspy.HighsModelStatus.kOptimal:
        return True
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    raise SolveError(
        f"HiGHS could not decide which shares are possible: {h.modelStatusToString(status)}"
    )


def unmet_tolerance(u: float) -> float:
    """How far above its level-1 minimum U* level 2 may let unmet need go: 1e-13 x max(1, U*).

    U* (a sum of shares, 0 to the number of commodities) comes back from HiGHS as
    the objective value of level 1's optimum, and level 2 starts from that very
    point, whose U row activity is the same sum recomputed: the two differ by
    rounding only, a few ulps (~1e-16) of U* per term. The slack keeps that
    starting point inside the bound (HiGHS would also accept it within its 1e-7
    feasibility tolerance). It must stay tiny because level 2 spends it: at
    1e-9, procurement-rules bought 0.0004 t more anode graphite by leaving
    0.0009 t more natural graphite short (printed as 70625.000915); at 1e-13 the
    trade is about 1e-13 of a commodity's demand, far below the 6 decimals and
    the 1e-7 noise threshold of the tables.
    """
    return 1e-13 * max(1.0, u)


def relaxed(d: ModelData) -> ModelData:
    """The same values with every China cap at 1 and every rule slack (no share rules)."""
    return ModelData(
        **{
            **d.__dict__,
            "china_cap": dict.fromkeys(d.china_cap, 1.0),
            "rule_max": dict.fromkeys(d.rule_max, 1.0),
            "rule_min": dict.fromkeys(d.rule_min, 0.0),
        }
    )


# How the LP reached HiGHS, per `Solver` compile choice (summary.json's solver.interface)
INTERFACE = {
    "direct": "LP arrays assembled from the case (model.optimization.lp, equal to Pyomo's "
    "standard-form compile of the Pyomo model) -> highspy (kept instance)",
    "pyomo": "Pyomo standard-form compiler -> highspy (kept instance)",
}


class Solver:
    """One model, one live HiGHS instance.

    ``compile="direct"`` (the default) assembles the LP's arrays from the case's values
    (`model.optimization.lp.assemble`); ``compile="pyomo"`` builds the Pyomo model
    (`model.optimization.build.build_model`) and compiles it with Pyomo's standard-form
    compiler. Both give HiGHS the same LP, entry for entry (tests/test_solver.py); the
    direct one without Pyomo's per-element objects, which cost most of a build. The Pyomo
    model is `model` either way, built on first use when the LP was assembled directly.
    """

    def __init__(self, case: Case, *, compile: str = "direct") -> None:
        if compile not in ("direct", "pyomo"):
            raise ValueError(f'compile must be "direct" or "pyomo", not {compile!r}')
        self.case = case
        self.compile = compile
        t0 = time.perf_counter()
        with pause_gc():  # see model.case.load_case: GC passes cost more than the build
            d = ModelData.from_case(case)
            lp = assemble(d, case.policy.shortage)
            if compile == "pyomo":
                self.model = build_model(case, d)
                lp = pyomo_lp(self.model, lp)
            self.data = d
            self._load(lp)
        self.build_seconds = time.perf_counter() - t0
        self.base_data = d  # the case as built: its optimum's basis starts points
        self.base_basis: Any = None
        # runs that needed a retry: {"run", "attempts": [{"attempt", "options", "status"}]}
        self.retries: list[dict[str, Any]] = []

    @functools.cached_property
    def row_pos(self) -> dict[tuple[str, str], int]:
        """Supply row (commodity, country) -> its position in ``data.rows``."""
        return {r: i for i, r in enumerate(self.data.rows)}

    @functools.cached_property
    def model(self) -> Any:
        """The Pyomo model of the LP HiGHS holds (`build.build_model`), from the values the
        solver holds when it is first asked for. `apply` then keeps its ``m.data`` and share
        bounds (the mutable Params) current; its other numbers stay as built (HiGHS holds
        the current ones)."""
        return build_model(self.case, self.data)

    # --- compile ------------------------------------------------------------------------------
    def _load(self, lp: LP) -> None:
        """Pass the LP to a new HiGHS instance and keep where its families are."""
        d = self.data
        n_row, n_col = lp.matrix.shape
        a = lp.matrix
        hlp = highspy.HighsLp()
        hlp.num_col_ = n_col
        hlp.num_row_ = n_row
        hlp.col_cost_ = lp.cost
        hlp.col_lower_ = lp.col_lower
        hlp.col_upper_ = lp.col_upper
        hlp.row_lower_ = lp.row_lower
        hlp.row_upper_ = lp.row_upper
        hlp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        hlp.a_matrix_.start_ = a.indptr.astype(np.int32)
        hlp.a_matrix_.index_ = a.indices.astype(np.int32)
        hlp.a_matrix_.value_ = a.data.astype(float)
        hlp.a_matrix_.num_col_ = n_col
        hlp.a_matrix_.num_row_ = n_row
        with quiet_stdout():  # the constructor prints a banner before options apply
            h = highspy.Highs()
        for name, value in OPTIONS.items():
            h.setOptionValue(name, value)
        if h.passModel(hlp) != highspy.HighsStatus.kOk:
            raise SolveError("HiGHS rejected the compiled model")
        self.h = h
        self.offset = lp.offset
        self.xcol, self.scol, self.ecol = lp.xcol, lp.scol, lp.ecol
        self.row_k = lp.row_k  # supply row -> commodity position
        # a horizon case's discount factors (build.define_objective): HiGHS holds costs and
        # penalties times these, `current` holds them undiscounted (what the tables report)
        self.disc_k: np.ndarray | None = None
        self.disc_row: np.ndarray | None = None
        if d.discount:
            self.disc_k = np.array([d.discount[k] for k in d.commodities], dtype=float)
            self.disc_row = self.disc_k[self.row_k]
        self.Scol = dict(zip(d.commodities, lp.Scol.tolist(), strict=True))
        self.bal_row = lp.bal_row
        self.china_row = lp.china_row
        # supply tiers: per tiered row, its position in d.rows, its e column and its row
        # x - e <= today (none unless some row has a switching premium)
        self.tier_pos = lp.tier_pos
        self.tier_row = lp.tier_row
        # a stockpile's columns L, b, r per commodity-year (none without stockpile.csv);
        # their bounds and holding costs are the LP's; a sweep of stockpile.csv columns
        # changes them (`_apply_options`)
        self.stock_cols = lp.stock_cols
        # share rule rows: family -> [(index, row)]; bound rows per rule for changes
        self.rule_rows: dict[tuple[str, int], list[tuple[int, str]]] = {}
        self.rule_index = lp.rule_index
        for (fam, r, k, *_), i in lp.rule_index:
            self.rule_rows.setdefault((SHARE_FAMILIES[fam], r), []).append((i, k))
        self.u_row = lp.u_row  # the row U (proportional shortage policy only)
        self.u_scale = lp.u_scale  # the row holds m * U (build.unmet_scale)
        self.unmet: float | None = None  # U* of the last solve
        self.need = d.need
        self.rhs: dict[int, float] = {}  # right-hand sides of share rows with basis "need"
        for k, i in self.china_row.items():
            self._set_share(i, k, d.china_cap[k], d.china_need)
        for (kind, r), rows in self.rule_rows.items():
            bound = (d.rule_max if kind == "max" else d.rule_min)[r]
            for i, k in rows:
                self._set_share(i, k, bound, r in d.rule_need)
        self.current = self._values(d)
        self._load_buildout(lp)

    def _load_buildout(self, lp: LP) -> None:
        """Build-out (`build.define_buildout`): b's columns, and the x of rows whose capacity
        the build adds to lose their bound (their capacity row holds it)."""
        d = self.data
        self.bcol = lp.bcol
        self.bcap_pos = lp.bcap_pos
        self.bcap_row = lp.bcap_row
        self.bcap_of = dict(zip(d.build_rows, self.bcap_row.tolist(), strict=True))
        # rows a sweep of stock or build values moves: the first year's stock balance
        # (right-hand side: the initial holding) and each max_total limit
        self.stock_balance_row = lp.stock_row
        self.stock_row = {k: lp.stock_row[k] for k in d.stock_initial}
        self.btotal_row = lp.btotal_row
        if self.bcap_pos.size:
            n = self.bcap_pos.size
            self.h.changeColsBounds(n, self.xcol[self.bcap_pos], np.zeros(n), np.full(n, INF))

    def _probe_build_row(self, row: tuple[str, str], ub: float, step: float) -> Any:
        """`capacity_value`'s probe of a row the build extends: its capacity row moves."""
        i = self.bcap_of[row]
        return self._probe(
            lambda h: h.changeRowBounds(i, -INF, ub + step),
            lambda h: h.changeRowBounds(i, -INF, ub),
        )

    def _apply_buildout(self, new: dict[str, Any], cur: dict[str, Any]) -> None:
        """A capacity change of a row the build adds to moves its capacity row's bound
        (`apply` has just set the x's bound, which that row replaces)."""
        if not self.bcap_pos.size:
            return
        at = self.bcap_pos
        changed = np.flatnonzero(new["capacity"][at] != cur["capacity"][at])
        if changed.size:
            n = changed.size
            self.h.changeRowsBounds(
                n, self.bcap_row[changed], np.full(n, -INF), new["capacity"][at][changed]
            )
            self.h.changeColsBounds(n, self.xcol[at[changed]], np.zeros(n), np.full(n, INF))

    def _apply_options(self, old: ModelData, d: ModelData) -> None:
        """Push changed stock and build values (a sweep of stockpile.csv or buildout.csv
        columns): bounds of L, b, r and of the build variables, the initial holding (the
        first year's balance right-hand side), max_total limits and their costs."""
        if d.stock is old.stock and d.build is old.build:
            return
        if d.stock != old.stock or d.build != old.build:
            raise SolveError("a re-solve cannot change which stocks or build options exist")
        if [r for r, _ in d.build_total] != [r for r, _ in old.build_total]:
            raise SolveError("a re-solve cannot add or remove a build option's max_total")
        h = self.h
        for (lcol, bcol, rcol), k in zip(self.stock_cols.tolist(), d.stock, strict=True):
            if d.stock_floor[k] != old.stock_floor[k]:
                h.changeColBounds(lcol, d.stock_floor[k], INF)
            if d.stock_max_buy[k] != old.stock_max_buy[k]:
                h.changeColBounds(bcol, 0.0, d.stock_max_buy[k])
            if d.stock_max_release[k] != old.stock_max_release[k]:
                h.changeColBounds(rcol, 0.0, d.stock_max_release[k])
            if d.stock_holding[k] != old.stock_holding[k]:
                h.changeColCost(lcol, d.stock_holding[k] * d.discount.get(k, 1.0))
            if k in self.stock_row and d.stock_initial[k] != old.stock_initial[k]:
                h.changeRowBounds(self.stock_row[k], d.stock_initial[k], d.stock_initial[k])
        for j, r in zip(self.bcol.tolist(), d.build, strict=True):
            if d.build_max[r] != old.build_max[r]:
                h.changeColBounds(j, 0.0, d.build_max[r])
            if d.build_cost[r] != old.build_cost[r]:
                h.changeColCost(j, d.build_cost[r])
        for i, ((_, most), (_, was)) in enumerate(zip(d.build_total, old.build_total, strict=True)):
            if most != was:
                h.changeRowBounds(self.btotal_row[i], -INF, most)

    def _set_share(self, i: int, k: str, bound: float, need: bool, h: Any = None) -> None:
        """Put a share bound into row i: the coefficient of S[k], or for basis "need" the
        right-hand side bound * N[k]."""
        h = self.h if h is None else h
        if need:
            self.rhs[i] = bound * self.need[k]
            h.changeRowBounds(i, -INF, self.rhs[i])
        else:
            h.changeCoeff(i, self.Scol[k], -bound)

    def _values(self, d: ModelData) -> dict[str, Any]:
        cur = getattr(self, "current", None)

        def arr(name: str, keys: list) -> np.ndarray:
            source = getattr(d, name)
            if cur is not None and cur[f"_{name}"] is source:  # same dict: same values
                return cur[name]
            return np.array(in_order(source, keys), dtype=float)

        return {
            "_capacity": d.capacity,
            "_cost": d.cost,
            "_demand": d.demand,
            "_penalty": d.penalty,
            "_today": d.today,
            "_premium": d.premium,
            "capacity": arr("capacity", d.rows),
            "cost": arr("cost", d.rows),
            "demand": arr("demand", d.commodities),
            "penalty": arr("penalty", d.commodities),
            "today": arr("today", d.rows),
            "premium": arr("premium", d.rows),
            "china_cap": dict(d.china_cap),
            "rule_max": dict(d.rule_max),
            "rule_min": dict(d.rule_min),
        }

    # --- change values ------------------------------------------------------------------------
    def apply(self, d: ModelData) -> None:
        """Push the values of `d` that differ from what HiGHS holds now.

        The structure (rows, commodities, which rules have which bounds) must
        be the one the model was built with.
        """
        old = self.data
        if d.rows != old.rows or d.commodities != old.commodities:
            raise SolveError("a re-solve cannot change which supply rows or commodities exist")
        if d.rule_need != old.rule_need or d.china_need != old.china_need:
            raise SolveError("a re-solve cannot change what a share is of (its basis)")
        new, cur, h = self._values(d), self.current, self.h
        m = self.__dict__.get("model")  # the Pyomo model, if built: kept current too
        need_changed = d.need is not self.need and d.need != self.need  # demand changed
        self.need = d.need
        changed = np.flatnonzero(new["capacity"] != cur["capacity"])
        if changed.size:  # (arrays are shared, not compared, when the dicts are the same)
            h.changeColsBounds(
                changed.size, self.xcol[changed], np.zeros(changed.size), new["capacity"][changed]
            )
        changed = np.flatnonzero(new["cost"] != cur["cost"])
        if changed.size:
            cost = new["cost"][changed]
            if self.disc_row is not None:
                cost = cost * self.disc_row[changed]
            h.changeColsCost(changed.size, self.xcol[changed], cost)
        changed = np.flatnonzero(new["demand"] != cur["demand"])
        if changed.size:
            dem = new["demand"][changed]
            h.changeRowsBounds(changed.size, self.bal_row[changed], dem, dem)
            h.changeColsBounds(changed.size, self.scol[changed], np.zeros(changed.size), dem)
            if self.u_row is not None:  # U's weights are 1 / demand
                for j, v in zip(self.scol[changed].tolist(), dem.tolist(), strict=True):
                    h.changeCoeff(self.u_row, j, unmet_weight(v, self.u_scale))
        changed = np.flatnonzero(new["penalty"] != cur["penalty"])
        if changed.size:
            penalty = new["penalty"][changed]
            if self.disc_k is not None:
                penalty = penalty * self.disc_k[changed]
            h.changeColsCost(changed.size, self.scol[changed], penalty)
        self._apply_tiers(new, cur)
        self._apply_buildout(new, cur)
        self._apply_options(old, d)
        for k, i in self.china_row.items():
            cap = new["china_cap"][k]
            if cap != cur["china_cap"][k] or (need_changed and d.china_need):
                self._set_share(i, k, cap, d.china_need)
                if m is not None:
                    m.china_cap[k].set_value(cap)
        for kind in ("max", "min"):
            key = f"rule_{kind}"
            if set(new[key]) != set(cur[key]):
                raise SolveError(f"a re-solve cannot add or remove a rule's {kind}_share")
            for r, bound in new[key].items():
                if bound != cur[key][r] or (need_changed and r in d.rule_need):
                    for i, k in self.rule_rows.get((kind, r), []):
                        self._set_share(i, k, bound, r in d.rule_need)
                    if m is not None:
                        getattr(m, key)[r] = bound
        self.current = new
        self.data = d
        if m is not None:
            m.data = d

    def _apply_tiers(self, new: dict[str, Any], cur: dict[str, Any]) -> None:
        """Push today's volumes (the tier rows' bounds) and the premium cost p * cost of
        each e; a cost change moves both tiers of a row."""
        h, at = self.h, self.tier_pos
        needs = new["premium"] > 0
        needs[at] = False
        if needs.any():  # no e column: its beyond-today supply would be priced as today's
            k, n = self.data.rows[int(np.flatnonzero(needs)[0])]
            raise SolveError(
                f"a re-solve cannot give supply row ({k}, {n}) a switching premium it was "
                "built without"
            )
        if not at.size:
            return
        changed = np.flatnonzero(new["today"][at] != cur["today"][at])
        if changed.size:
            today = new["today"][at][changed]
            h.changeRowsBounds(
                changed.size, self.tier_row[changed], np.full(changed.size, -INF), today
            )
        old_cost = cur["premium"][at] * cur["cost"][at]
        cost = new["premium"][at] * new["cost"][at]
        changed = np.flatnonzero(cost != old_cost)
        if changed.size:
            pushed = cost[changed]
            if self.disc_row is not None:
                pushed = pushed * self.disc_row[at][changed]
            h.changeColsCost(changed.size, self.ecol[changed], pushed)

    def supply_costs(self, x: np.ndarray) -> np.ndarray:
        """Cost of buying ``x`` (aligned with the supply rows) at the values HiGHS holds now,
        per row: cost * x, plus the switching premium p * cost on what is beyond today."""
        cost = self.current["cost"] * x
        if self.tier_pos.size:
            at, cur = self.tier_pos, self.current
            beyond = np.maximum(0.0, x[at] - cur["today"][at])
            cost[at] += cur["premium"][at] * cur["cost"][at] * beyond
        return cost

    def supply_cost(self, x: np.ndarray) -> float:
        """The total of `supply_costs`: cost @ x plus the premium on what is beyond today."""
        total = self.current["cost"] @ x
        if self.tier_pos.size:
            at, cur = self.tier_pos, self.current
            beyond = np.maximum(0.0, x[at] - cur["today"][at])
            total += (cur["premium"][at] * cur["cost"][at]) @ beyond
        return float(total)

    # --- solve --------------------------------------------------------------------------------
    def _attempt(self) -> highspy.HighsModelStatus:
        """One `Highs.run` with the options set now; its model status."""
        return run_on_any_scheduler(self.h)

    def _run(self, what: str = "re-solve") -> None:
        """Solve under the case's shortage policy; every solve path comes through here.

        Under ``"penalty"`` one solve of the single objective. Under
        ``"proportional"``, two levels in the one kept instance, each with the
        `RETRIES`: level 1 minimises U = sum_k s[k] / demand[k] alone (every other
        cost set to 0), giving U*; then the U row's bound becomes U* plus
        `unmet_tolerance` (times the row's scale m, `build.unmet_scale`), the real
        costs are put back and level 2 re-solves warm
        from level 1's basis. The real costs are back in HiGHS whatever happens, so
        `apply` keeps comparing against what HiGHS holds. When U* = 0 level 2 is
        the ordinary solve with no shortfall allowed.
        """
        if self.u_row is None:
            self._solve(what)
            return
        h, u_row = self.h, self.u_row
        n = h.getNumCol()
        cols = np.arange(n, dtype=np.int32)
        costs = np.array(h.getCols(n, cols)[2], dtype=float)  # the real costs, as HiGHS holds them
        demand = self.current["demand"]
        level1 = np.zeros(n)
        scale = self.u_scale  # level 1 minimises m * U, the U row's own coefficients
        level1[self.scol] = np.divide(scale, demand, out=np.ones(len(demand)), where=demand > 0)
        h.changeRowBounds(u_row, -INF, INF)  # the last solve's U* does not bind this one
        h.changeColsCost(n, cols, level1)
        try:
            self._solve(what, level=1)
            v = max(0.0, float(h.getInfo().objective_function_value))  # m * U*
        finally:
            h.changeColsCost(n, cols, costs)
        u = v / scale
        h.changeRowBounds(u_row, -INF, v + scale * unmet_tolerance(u))
        self._solve(what, level=2)
        self.unmet = u

    def _solve(self, what: str, level: int | None = None) -> None:
        """One solve; if HiGHS ends without an optimum, try `RETRIES` in turn.

        Each retry starts from a cleared solver with its options set on top of
        `OPTIONS`, and the options are restored after it, so the next run starts
        as every run does. Runs that needed a retry are logged in
        ``self.retries`` (and so in summary.json); if none reaches an optimum,
        `SolveError` names the first failure and what was tried.
        """
        h, optimal = self.h, highspy.HighsModelStatus.kOptimal
        status = self._attempt()
        if status == optimal:
            return
        attempts = [{"attempt": "first", "options": {}, "status": h.modelStatusToString(status)}]
        for label, options in RETRIES:
            h.clearSolver()
            saved = {key: _option(h, key) for key in options}
            try:
                for key, value in options.items():
                    h.setOptionValue(key, value)
                status = self._attempt()
            finally:
                for key, value in saved.items():
                    h.setOptionValue(key, value)
            attempts.append(
                {"attempt": label, "options": options, "status": h.modelStatusToString(status)}
            )
            if status == optimal:
                entry: dict[str, Any] = {"run": what, "attempts": attempts}
                if level is not None:  # which level of a lexicographic solve
                    entry["level"] = level
                self.retries.append(entry)
                return
        raise SolveError(
            f"HiGHS did not reach an optimum: {attempts[0]['status']} "
            f"(also tried: {', '.join(label for label, _ in RETRIES)})"
        )

    def run(self, *, shares: bool = True) -> Solution:
        """Solve; with ``shares=False`` the China caps and share rules are relaxed."""
        d = self.data
        t0 = time.perf_counter()
        if shares:
            self._run("main")
        else:
            self.apply(relaxed(d))
            try:
                self._run("uncapped")
            finally:
                self.apply(d)
        seconds = time.perf_counter() - t0
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        col_dual = np.asarray(sol.col_dual)
        row_dual = np.asarray(sol.row_dual)
        row_value = np.asarray(sol.row_value)
        x = col[self.xcol]
        rc = col_dual[self.xcol]
        out = Solution(
            objective=float(self.h.getInfo().objective_function_value) + self.offset,
            x=dict(zip(d.rows, x.tolist(), strict=True)),
            shortfall=dict(zip(d.commodities, col[self.scol].tolist(), strict=True)),
            balance_dual=dict(zip(d.commodities, row_dual[self.bal_row].tolist(), strict=True)),
            china_dual=(
                {k: float(row_dual[i]) for k, i in self.china_row.items()} if shares else {}
            ),
            reduced_cost=dict(zip(d.rows, rc.tolist(), strict=True)),
            seconds=seconds,
            x_array=x,
            reduced_cost_array=rc,
            unmet=self.unmet,
            build=col[self.bcol],
            build_rc=col_dual[self.bcol],
        )
        if self.stock_cols.size:
            values = col[self.stock_cols].tolist()
            out.stock = {k: tuple(v) for k, v in zip(d.stock, values, strict=True)}
        if shares:
            for (fam, r, k, *rest), i in self.rule_index:
                body = self.rhs[i] - row_value[i] if i in self.rhs else row_value[i]
                out.rule_slack.setdefault(k, []).append(
                    (fam, r, rest[0] if rest else None, abs(float(body)))
                )
        return out

    def solve_base(self) -> Any:
        """The basis of the base case's optimum (solved cold once, then kept).

        The base values are pushed for this solve and whatever values the
        instance held are put back after it, so the basis is the same whichever
        point (if any) was applied first.
        """
        if self.base_basis is None:
            d = self.data
            self.apply(self.base_data)
            try:
                self.h.clearSolver()
                self._run()
                self.base_basis = self.h.getBasis()
            finally:
                self.apply(d)
        return self.base_basis

    def solve_point(self) -> PointSolution:
        """Solve from the base case optimum's basis with no other history (sweep points).

        Clearing the solver drops the factorization, edge weights and
        perturbations of earlier solves, so the answer depends only on the
        point's values: identical whatever ran before on this worker.
        """
        h = self.h
        self.solve_base()
        h.clearSolver()
        h.setBasis(self.base_basis)
        self._run()
        col = np.asarray(h.getSolution().col_value)
        return PointSolution(
            objective=float(h.getInfo().objective_function_value) + self.offset,
            x=col[self.xcol],
            shortfall=col[self.scol],
            level=col[self.stock_cols[:, 0]],
            build=col[self.bcol],
        )

    # --- exact one-step probes ----------------------------------------------------------------
    def _probe(self, change, restore) -> tuple[float, np.ndarray] | None:
        change(self.h)
        try:
            self._run("probe")  # with the retries; a probe that fails all of them is n/a
            out = (
                float(self.h.getInfo().objective_function_value) + self.offset,
                np.asarray(self.h.getSolution().col_value),
            )
        except SolveError:
            out = None
        finally:
            restore(self.h)
        return out

    def capacity_value(
        self, row: tuple[str, str], main: Solution, step: float = 1.0
    ) -> tuple[float, float, bool]:
        """Effect of `step` more units of capacity on one supply row, by re-solve (exact).

        Returns (objective saved per unit, supply cost saved per unit, whether any
        shortfall shrinks). When shortfall shrinks, the objective saving is mostly
        the shortfall penalty, a policy weight rather than a market price.
        """
        d = self.data
        j = int(self.xcol[self.row_pos[row]])
        ub = d.capacity[row]
        res = (
            self._probe(
                lambda h: h.changeColBounds(j, 0.0, ub + step),
                lambda h: h.changeColBounds(j, 0.0, ub),
            )
            if row not in self.bcap_of
            else self._probe_build_row(row, ub, step)
        )
        if res is None:
            return math.nan, math.nan, False
        objective, col = res
        saving = float(self.supply_cost(main.x_array) - self.supply_cost(col[self.xcol]))
        short0 = np.fromiter(main.shortfall.values(), dtype=float, count=len(main.shortfall))
        tol = 1e-7 * np.maximum(1.0, self.current["demand"])
        relieved = bool((col[self.scol] < short0 - tol).any())
        return (main.objective - objective) / step, saving / step, relieved

    def without_build(self, positions: list[int]) -> PointSolution | None:
        """Re-solve (warm, under the case's shortage policy) with the build variables at
        ``positions`` of ``ModelData.build`` held at 0 (an option not allowed: max_per_year
        0 in all its years), then allow them again; None if no retry reaches an optimum."""
        d, at = self.data, np.asarray(positions, dtype=np.int64)
        cols, n = self.bcol[at], at.size
        most = np.array([_finite_bound(d.build_max[d.build[i]]) for i in at.tolist()])
        res = self._probe(
            lambda h: h.changeColsBounds(n, cols, np.zeros(n), np.zeros(n)),
            lambda h: h.changeColsBounds(n, cols, np.zeros(n), most),
        )
        if res is None:
            return None
        objective, col = res
        return PointSolution(
            objective=objective,
            x=col[self.xcol],
            shortfall=col[self.scol],
            level=col[self.stock_cols[:, 0]],
            build=col[self.bcol],
        )

    def cap_change(self, k: str, main: Solution, step: float = 0.01) -> tuple[float, float]:
        """(objective change, shortfall change) if k's China cap were `step` tighter (exact)."""
        i, need = self.china_row[k], self.data.china_need
        cap = self.current["china_cap"][k]
        res = self._probe(
            lambda h: self._set_share(i, k, max(0.0, cap - step), need, h),
            lambda h: self._set_share(i, k, cap, need, h),
        )
        if res is None:
            return math.nan, math.nan
        j = self.data.commodities.index(k)
        return res[0] - main.objective, float(res[1][self.scol[j]]) - main.shortfall[k]
