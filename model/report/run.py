"""What a report reads: a run folder, or a result object, as a `Run`."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pandas as pd

from model.errors import InputError

if TYPE_CHECKING:
    from model.case import Case

# The tables each kind of run folder holds (file stems), and which must be there.
KIND_TABLES: dict[str, tuple[str, ...]] = {
    "solve": (
        "commodities",
        "mix",
        "stages",
        "capacity_values",
        "ranging_costs",
        "ranging_limits",
    ),
    "sweep": ("sweep_points", "sweep", "sweep_mix"),
    "curve": ("curve", "breakpoints"),
    "stress": ("criticality", "stress"),
    "compare": ("comparison", "comparison_totals"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "solve": ("commodities", "mix", "stages"),
    "sweep": ("sweep_points", "sweep"),
    "curve": ("curve", "breakpoints"),
    "stress": ("criticality",),
    "compare": ("comparison", "comparison_totals"),
}
PLOT_TITLES = {
    "mix": "Sourcing mix by commodity",
    "china_share": "China's share of supply against its cap",
    "stages": "Spend by stage and supplier",
    "sweep": "Cost and shortfall across the sweep",
    "curve": "The price of de-risking",
    "criticality": "Supplier criticality",
    "comparison": "Scenario comparison",
}
# columns that hold text even when every cell is blank (read as NaN otherwise)
TEXT_COLUMNS = {
    "binding",
    "case",
    "change",
    "commodity",
    "country",
    "country_name",
    "description",
    "groups",
    "kind",
    "name",
    "note",
    "outage",
    "stage",
    "unit",
    "worst_commodity",
}
ESTIMATE_WORDS = re.compile(r"estimat|allocation|assum", re.IGNORECASE)


@runtime_checkable
class RunResult(Protocol):
    """What output, plots and reports see of a result object, whatever its kind.

    `model.output.TablesRun` implements it for every result class (`Result`,
    `SweepResult`, ...), so the output layer needs none of them.
    """

    kind: str  # solve, sweep, curve, stress or compare (a key of KIND_TABLES)
    summary: dict[str, Any]

    def run_tables(self) -> dict[str, pd.DataFrame]:
        """The run's tables, keyed by file stem (mix, commodities, sweep, ...)."""
        ...

    def run_case(self) -> Case:
        """The case whose inputs go with the run."""
        ...


# --- the run, from a folder or from a result object -------------------------------------------
@dataclass
class Run:
    """What a report needs: kind, summary, tables and the inputs behind them."""

    kind: str
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    countries: pd.DataFrame
    folder: Path | None = None
    inputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    case_toml: dict[str, Any] = field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources_md: str | None = None

    @property
    def name(self) -> str:
        if self.folder is not None:
            return self.folder.name
        return str(self.summary.get("name") or self.summary.get("case") or self.kind)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the table: {exc}", path) from None
    for col in frame.columns:
        if col in TEXT_COLUMNS or not (
            pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])
        ):
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def load_run(folder: str | Path) -> Run:
    """Read a run folder written by solve, sweep, curve, stress or compare."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError("run folder does not exist", folder)
    if not folder.is_dir():
        raise InputError("not a folder (give a run folder, solutions/<name>/)", folder)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise InputError(
            "not a run folder: it has no summary.json (give solutions/<name>/ of a run)", folder
        )
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"summary.json is not valid JSON: {exc}", summary_path) from None
    if not isinstance(summary, dict):
        raise InputError("summary.json does not hold an object", summary_path)
    kind = summary.get("kind", "solve")
    if kind not in KIND_TABLES:
        raise InputError(f"unknown run kind '{kind}'", summary_path, column="kind")
    tables = {}
    for name in KIND_TABLES[kind]:
        path = folder / f"{name}.csv"
        if path.is_file():
            tables[name] = _read_csv(path)
        elif name in REQUIRED[kind]:
            raise InputError(f"the {kind} run folder is missing {name}.csv", folder)
    inputs = {}
    for name in ("countries", "commodities", "supply"):
        path = folder / "inputs" / f"{name}.csv"
        if path.is_file():
            inputs[name] = _read_csv(path)
    if "countries" not in inputs:
        raise InputError("the run folder is missing inputs/countries.csv", folder)
    case_toml: dict[str, Any] = {}
    if (folder / "inputs" / "case.toml").is_file():
        case_toml = tomllib.loads((folder / "inputs" / "case.toml").read_text(encoding="utf-8"))
    scenarios = {}
    for path in sorted((folder / "inputs" / "scenario").glob("*.toml")):
        try:
            scenarios[path.name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            scenarios[path.name] = {}
    sources = folder / "inputs" / "SOURCES.md"
    return Run(
        kind=kind,
        summary=summary,
        tables=tables,
        countries=inputs["countries"],
        folder=folder,
        inputs=inputs,
        case_toml=case_toml,
        scenarios=scenarios,
        sources_md=sources.read_text(encoding="utf-8") if sources.is_file() else None,
    )


def run_from_result(obj: RunResult) -> Run:
    """A `Run` from a result object (Result, SweepResult, CurveResult, ...).

    Only the `RunResult` interface is used, so this layer never imports the
    result classes (they live in the layers above).
    """
    if not isinstance(obj, RunResult) or obj.kind not in KIND_TABLES:
        raise TypeError(f"no report for {type(obj).__name__}")
    return Run(obj.kind, obj.summary, obj.run_tables(), obj.run_case().countries)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # open() honours the umask
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
