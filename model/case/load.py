"""Reading a case: `load_case`, the one entry point, for every form a case takes.

Give it a case folder (holding ``case.toml`` and CSV tables), a case workbook
(``.xlsx``) or a scenario ``.toml`` whose ``base`` points at a case or at
another scenario; it returns a validated `Case`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model._compat import pause_gc
from model.case.checks import validate
from model.case.core import Case
from model.case.policy import CaseFile, ScenarioFile, parse, read_toml
from model.case.scenario import apply_scenario
from model.case.tables import TABLES, YEAR_TABLES, empty_table, inside_folder, read_table
from model.case.xlsx import load_case_xlsx
from model.errors import InputError

# A run folder's inputs/ keeps the case its premiums were measured against here.
TODAY_FOLDER = "today"


# --- reading ----------------------------------------------------------------------------------
def read_case_folder(folder: Path) -> Case:
    """Read ``case.toml`` and the CSV tables of a case folder."""
    if not folder.is_dir():
        raise InputError("case folder does not exist", folder)
    toml_path = folder / "case.toml"
    inside_folder(toml_path, folder)
    inside_folder(folder / "SOURCES.md", folder)  # copied into run folders and reports
    meta = parse(CaseFile, read_toml(toml_path), toml_path)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {"case": str(toml_path)}
    sources = [str(toml_path)]
    for name, spec in TABLES.items():
        path = folder / spec.file
        files[name] = str(path)
        if not inside_folder(path, folder) and not spec.required:
            tables[name] = empty_table(spec)
            continue
        tables[name] = read_table(spec, path)
        sources.append(str(path))
    year_tables: dict[str, pd.DataFrame] = {}
    for name, spec in YEAR_TABLES.items():  # data by year: only with a [horizon]
        path = folder / spec.file
        if not inside_folder(path, folder):
            continue
        files[name] = str(path)
        if meta.horizon is None:
            raise InputError(f"{spec.file} needs a [horizon] in case.toml", path)
        year_tables[name] = read_table(spec, path)
        sources.append(str(path))
    return Case(
        name=meta.name,
        description=meta.description,
        policy=meta.policy,
        files=files,
        sources=sources,
        folder=folder,
        currency=meta.currency,
        horizon_spec=meta.horizon,
        year_tables=year_tables,
        **tables,
    )


def load_case(path: str | Path, *, _seen: tuple[Path, ...] = ()) -> Case:
    """Load and validate a case folder, a case workbook (.xlsx) or a scenario file.

    >>> case = load_case("inputs/base")  # doctest: +SKIP
    """
    path = Path(path)
    if path.is_dir():
        # Cyclic GC passes over a heap of 10^5-10^6 fresh objects dominate large reads
        # and builds; nothing here creates reference cycles that need collecting.
        with pause_gc():
            return validate(read_case_folder(path))
    if path.suffix.lower() == ".xlsx":  # a case workbook, one sheet per table
        return load_case_xlsx(path)
    if path.suffix.lower() == ".toml":
        if not path.exists():
            raise InputError("scenario or case file does not exist", path)
        data = read_toml(path)
        if "base" not in data:
            if path.name == "case.toml":
                return load_case(path.parent)
            raise InputError(
                "a scenario file needs a 'base' key (the case it changes)", path, column="base"
            )
        resolved = path.resolve()
        if resolved in _seen:
            raise InputError("scenario bases form a loop", path, column="base")
        return validate(load_scenario(path, data, _seen=(*_seen, resolved)))
    raise InputError("not a case folder, a .xlsx case workbook or a .toml scenario file", path)


def load_scenario(path: Path, data: dict[str, Any], _seen: tuple[Path, ...]) -> Case:
    """Load the base of a scenario and apply the scenario's overrides and changes."""
    spec = parse(ScenarioFile, data, path)
    case = load_target(path, spec.base, "base", _seen=_seen)
    return apply_scenario(case, spec, path)


def load_target(owner: Path, target: str, key: str, *, _seen: tuple[Path, ...] = ()) -> Case:
    """Load the case that a scenario's ``base`` or a sweep file's ``case`` points at.

    A fault in the pointer itself (empty, missing, not a case) names ``owner`` and
    ``key``; a fault inside the target names the target's file, and says how it was
    reached, e.g. "(base of scenarios/x.toml)".
    """
    owner = Path(owner)
    if not target.strip():
        raise InputError(
            f"{key} is empty; give a case folder, a .xlsx case workbook or a scenario .toml "
            "(relative to this file)",
            owner,
            column=key,
        )
    resolved = (owner.parent / target).resolve()
    if not resolved.exists():
        raise InputError(f"{key} '{target}' does not exist ({resolved})", owner, column=key)
    if resolved.is_dir():
        if not (resolved / "case.toml").is_file():
            raise InputError(
                f"{key} '{target}' is not a case: {resolved} has no case.toml", owner, column=key
            )
    elif not resolved.is_file() or resolved.suffix.lower() not in (".toml", ".xlsx"):
        raise InputError(
            f"{key} '{target}' is not a case folder, a .xlsx case workbook or a scenario .toml",
            owner,
            column=key,
        )
    try:
        return load_case(resolved, _seen=_seen)
    except InputError as exc:
        raise InputError(
            f"{exc.message} ({key} of {owner})", exc.file, exc.row, exc.column
        ) from None


def today_source(case: Case) -> Path | None:
    """Where the root of a scenario's ``base`` chain is: its case folder or workbook.

    That root case is "today", the reference a scenario's premium is measured
    against. A run folder's ``inputs/`` keeps the run's today in ``inputs/today/``,
    so that solving ``inputs/`` reproduces the run. None when no scenario changed
    the case (a case folder or workbook loaded directly): today is then the case
    itself.
    """
    if not case.sources:
        return None
    root = Path(case.sources[0])
    root = root.parent if root.name == "case.toml" else root
    scenarios = [s for s in case.sources[1:] if s.endswith(".toml") and Path(s).name != "case.toml"]
    if scenarios:
        return root
    kept = root / TODAY_FOLDER
    if root.is_dir() and inside_folder(kept / "case.toml", root) and (kept / "case.toml").is_file():
        return kept
    return None


def load_today(case: Case) -> Case | None:
    """The root case of a scenario's base chain, loaded afresh (None: today is the case)."""
    root = today_source(case)
    return None if root is None else load_case(root)
