"""The input layer: a case read from files, validated, and changed for what-ifs.

`core` (the `Case`), `tables` (column specs and the CSV reader), `policy`
(TOML schemas on one strict pydantic base), `checks` (cross-table ``check_*``
functions), `scenario` (a scenario's changes applied to its base), `xlsx` (case
workbooks read), `params` (sweep parameters applied to a case) and `load`
(`load_case`, the one entry point). Nothing here imports Pyomo or the solver.
"""

from model.case.checks import validate
from model.case.core import Case
from model.case.load import load_case, load_target, load_today
from model.case.tables import inside_folder

__all__ = ["Case", "inside_folder", "load_case", "load_target", "load_today", "validate"]
