"""Least-cost diversified sourcing of AI-critical commodities.

From a notebook::

    from model import load_case, solve
    result = solve(load_case("inputs/base"), max_china_share=0.5)
    result.commodities        # a pandas DataFrame per commodity
"""

from model.case import Case, load_case
from model.errors import InputError, RunExistsError, SolveError
from model.solve import Result, Solver, solve

__all__ = [
    "Case",
    "InputError",
    "Result",
    "RunExistsError",
    "SolveError",
    "Solver",
    "load_case",
    "solve",
]
__version__ = "0.1.0"
