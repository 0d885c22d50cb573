"""The kept HiGHS instance holds exactly the LP Pyomo compiles from the model.

`model.optimization.highs.Solver` takes shortcuts on large cases (x columns located by
position, their bounds from the capacity numbers instead of asking each Pyomo
variable); these tests compare what HiGHS holds with a plain compile of the
same Pyomo model, entry by entry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

import model.optimization.highs as solver_module
from model import load_case
from model.optimization.highs import INF, Solver

ROOT = Path(__file__).resolve().parents[1]


def dense_lp(s: Solver):
    """HiGHS's LP as dense arrays: cost, column bounds, row bounds, matrix."""
    lp = s.h.getLp()
    a = np.zeros((lp.num_row_, lp.num_col_))
    start, index, value = (
        np.asarray(v) for v in (lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_)
    )
    for j in range(lp.num_col_):
        for p in range(start[j], start[j + 1]):
            a[index[p], j] = value[p]
    bounds = np.array([lp.col_lower_, lp.col_upper_]).T
    rows = np.array([lp.row_lower_, lp.row_upper_]).T
    return np.asarray(lp.col_cost_), bounds, rows, a


def plain_lp(s: Solver):
    """The same, from a fresh Pyomo compile, in the solver's row and column order."""
    repn = LinearStandardFormCompiler().write(s.model, mixed_form=True)
    col = [s.col[id(v)] for v in repn.columns]
    row = [s.row[c] for c, _ in repn.rows]
    n_col, n_row = len(s.columns), len(s.row)
    cost = np.zeros(n_col)
    cost[col] = repn.c.toarray().ravel()
    bounds = np.zeros((n_col, 2))
    for j, v in zip(col, repn.columns, strict=True):
        lb, ub = v.bounds
        bounds[j] = (-INF if lb is None else lb, INF if ub is None else ub)
    rows = np.tile([-INF, INF], (n_row, 1))
    for i, (_, mult), rhs in zip(row, repn.rows, repn.rhs, strict=True):
        if mult >= 0:
            rows[i, 1] = rhs
        if mult <= 0:
            rows[i, 0] = rhs
    a = np.zeros((n_row, n_col))
    a[np.ix_(row, col)] = repn.A.toarray()
    return cost, bounds, rows, a


def assert_same_lp(s: Solver) -> None:
    for got, want in zip(dense_lp(s), plain_lp(s), strict=True):
        np.testing.assert_array_equal(got, want)
    m = s.model
    for i, r in enumerate(m.data.rows):
        assert s.columns[s.xcol[i]] is m.x[r]


@pytest.mark.parametrize("case", ["inputs/base", "inputs/scenarios/procurement-rules.toml"])
def test_highs_holds_the_pyomo_lp(case: str) -> None:
    assert_same_lp(Solver(load_case(ROOT / case)))


def test_shuffled_rows_and_other_column_orders(case_dir, monkeypatch) -> None:
    rows = [("b", "CHN", 50, 1), ("a", "AUS", 30, 2), ("b", "AUS", 0, 3), ("a", "CHN", 90, 1)]
    case = load_case(case_dir(commodities=[("a", 80), ("b", 40)], supply=rows))
    fast = Solver(case)
    assert_same_lp(fast)
    assert np.array_equal(fast.xcol, np.arange(4))  # the shortcut was taken

    class Reversed(LinearStandardFormCompiler):  # a compiler that orders columns otherwise
        def write(self, model, **options):
            order = [*model.component_data_objects(pyo.Var)][::-1]
            return super().write(model, column_order=order, **options)

    monkeypatch.setattr(solver_module, "LinearStandardFormCompiler", Reversed)
    slow = Solver(case)
    assert not np.array_equal(slow.xcol, np.arange(4))  # the general path ran
    assert_same_lp(slow)
    assert slow.run().objective == pytest.approx(fast.run().objective, rel=1e-12)
