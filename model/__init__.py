"""Least-cost diversified sourcing of AI-critical commodities.

From a notebook::

    from model import load_case, solve
    result = solve(load_case("inputs/base"), max_china_share=0.5)
    result.commodities        # a pandas DataFrame per commodity

The package is in layers whose imports point one way only (tests/test_layers.py):
``errors``, ``constants``, ``numbers``, ``formats`` (shared by all) <- ``case/``
(input) <- ``output``, ``excel``, ``plots/``, ``report/`` (what a run writes and
shows, for any result through `model.report.RunResult`) <- ``optimization/`` (the
LP and its solver) <- ``solve``, ``sweep``, ``curve``, ``stress``, ``compare``
(studies) <- ``cli``. The public names below load on first use (PEP 562), so
``import model`` and the command line's ``--help`` do not import pandas or Pyomo.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.case import Case, load_case
    from model.errors import InputError, RunExistsError, SolveError
    from model.optimization.highs import Solver
    from model.optimization.results import Result
    from model.solve import solve

# public name -> the module that defines it
_PUBLIC = {
    "Case": "model.case",
    "load_case": "model.case",
    "InputError": "model.errors",
    "RunExistsError": "model.errors",
    "SolveError": "model.errors",
    "Result": "model.optimization.results",
    "Solver": "model.optimization.highs",
    "solve": "model.solve",
}

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


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


class _Package(types.ModuleType):
    """Keeps ``model.solve`` the function: importing the submodule ``model.solve``
    would otherwise set the package attribute to the module (as eager imports once
    did in the other order), and ``from model import solve`` would give a module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
