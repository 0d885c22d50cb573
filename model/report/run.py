"""What a report reads: a run folder, or a result object, as a `Run`."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pandas as pd

from model.case.horizon import id_tables
from model.case.policy import CaseFile, parse, read_toml
from model.case.tables import inside_folder
from model.errors import InputError
from model.formats import restore_text

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
        "stock",  # a horizon case with stockpile.csv
        "buildout",  # a horizon case with buildout.csv
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
    "timeline": "Over the years: China's share against the glide path, and supply cost",
    "mix_years": "Mix over the years: shares of supply, stock release and unmet need",
    "buildout": "Capacity built so far, by year",
    "stock": "Stockpile by year: level, bought and released",
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
    "today",
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
    def currency(self) -> str:
        """The currency every amount of the run is in (summary.json, else the case)."""
        value = self.summary.get("currency") or self.case_toml.get("currency") or "USD"
        return str(value)

    @property
    def name(self) -> str:
        if self.folder is not None:
            return self.folder.name
        return str(self.summary.get("name") or self.summary.get("case") or self.kind)


# What the report reads from each CSV of a run folder (path without ".csv"): columns
# it needs, and columns it needs only beside another. A hand-edited or truncated
# table then stops the report with one line naming the file, not a traceback.
NEEDS: dict[str, tuple[str, ...]] = {
    "commodities": (
        "commodity",
        "stage",
        "unit",
        "supplied",
        "shortfall",
        "china_share",
        "max_china_share",
        "cost",
        "shortfall_penalty",
    ),
    "mix": ("commodity", "country", "country_name", "quantity", "share", "unit_cost", "cost"),
    "stages": ("stage", "commodities", "with_shortfall", "cost", "china_cost_share"),
    "capacity_values": (
        "commodity",
        "country",
        "country_name",
        "capacity",
        "marginal_value",
        "relieves_shortfall",
    ),
    "sweep_points": ("point", "supply_cost", "total", "commodities_with_shortfall"),
    "sweep": ("point", "commodity", "shortfall"),
    "sweep_mix": ("point", "commodity", "country", "quantity"),
    "curve": (
        "commodity",
        "cap",
        "breakpoint",
        "shortfall_share",
        "cost",
        "premium_vs_no_share_rules",
    ),
    "breakpoints": ("commodity", "cap_from", "cap_to", "change"),
    "criticality": (
        "rank",
        "outage",
        "kind",
        "shortfall_share_increase",
        "worst_commodity",
        "commodities_short",
        "supply_cost_increase",
        "total_increase",
    ),
    "stress": ("outage", "commodity", "cost_increase", "extra_shortfall", "china_share"),
    "comparison": ("case", "commodity", "cost", "supplied", "shortfall", "china_share"),
    "comparison_totals": (
        "case",
        "description",
        "supply_cost",
        "shortfall_value",
        "total",
        "commodities_with_shortfall",
        "today",
        "premium_vs_today",
    ),
    "stock": ("commodity", "year", "level", "bought", "released"),
    "buildout": ("commodity", "country", "year", "built", "cumulative"),
    "inputs/countries": ("country", "name", "groups"),
    "inputs/commodities": ("commodity",),
    "inputs/supply": ("commodity", "country"),
}
NEEDS_BESIDE: dict[str, dict[str, tuple[str, ...]]] = {
    "stages": {"premium_vs_no_share_rules": ("unit_cost_premium_share",)},
}
# tables that always have a row (a case has a commodity, a sweep a point, ...): the
# report quotes their first or largest row and plots them
NEEDS_ROWS = {
    "commodities",
    "stages",
    "sweep_points",
    "sweep",
    "curve",
    "criticality",
    "comparison",
    "comparison_totals",
}
# columns that hold numbers wherever they appear (blank = not available)
NUMBER_COLUMNS = {
    "average_unit_cost",
    "bought",
    "breakpoint",
    "built",
    "cap",
    "cap_from",
    "cap_to",
    "capacity",
    "china_cost_share",
    "china_share",
    "china_share_vs_base",
    "commodities",
    "commodities_short",
    "commodities_with_shortfall",
    "cost",
    "cost_increase",
    "cost_lower",
    "cost_of_next_pp",
    "cost_upper",
    "cost_vs_base",
    "cumulative",
    "demand",
    "downstream_use",
    "dual_value",
    "extra_shortfall",
    "freight",
    "freight_cost",
    "level",
    "lower",
    "marginal_cost_per_pp",
    "marginal_value",
    "max_china_share",
    "objective",
    "point",
    "premium_vs_no_share_rules",
    "premium_vs_today",
    "quantity",
    "rank",
    "released",
    "shadow_price",
    "share",
    "shortfall",
    "shortfall_of_next_pp",
    "shortfall_penalty",
    "shortfall_share",
    "shortfall_share_increase",
    "shortfall_value",
    "shortfall_value_increase",
    "shortfall_vs_base",
    "supplied",
    "supply_cost",
    "supply_cost_change",
    "supply_cost_increase",
    "supply_cost_saving",
    "tariff",
    "tariff_cost",
    "tariff_per_unit",
    "today_cost",
    "today_shortfall",
    "today_total",
    "total",
    "total_increase",
    "total_vs_first",
    "uncapped_cost",
    "uncapped_shortfall",
    "uncapped_total",
    "unit_cost",
    "unit_cost_premium",
    "unit_cost_premium_share",
    "upper",
    "value",
    "with_shortfall",
    "worst_shortfall_share",
}
# summary.json keys the report computes with, and the JSON type each must have
SUMMARY_TYPES: dict[str, tuple[type, ...]] = {
    "supply_cost": (int, float),
    "shortfall_value": (int, float),
    "total": (int, float),
    "premium_vs_no_share_rules": (int, float),
    "premium_vs_today": (int, float),
    "objective": (int, float),
    "today": (dict,),
    "no_share_rules": (dict,),
    "currency": (str,),
    "parameters": (list,),
    "cases": (list,),
    "versions": (dict,),
    "inputs_sha256": (str,),
}


def _read_csv(
    path: Path, table: str | None = None, numbers: tuple[str, ...] = (), restore: bool = False
) -> pd.DataFrame:
    """Read one CSV of a run folder; with ``table`` (a `NEEDS` key) check what the report needs.

    ``numbers`` adds columns that must hold numbers (a sweep's parameter columns).
    ``restore`` undoes the quote result tables put before formula-like text
    (`model.output.neutralise`), so names show as given.
    Every fault is an `InputError` naming the file (and row and column).
    """
    needs = NEEDS.get(table or "", ())
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        if needs:
            raise InputError("file is empty (no header row)", path) from None
        return pd.DataFrame()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc}", path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot read the table: {exc}", path) from None
    for col in needs:
        if col not in frame.columns:
            raise InputError("required column is missing", path, column=col)
    for col, beside in NEEDS_BESIDE.get(table or "", {}).items():
        for other in beside if col in frame.columns else ():
            if other not in frame.columns:
                raise InputError(f"required column is missing (beside {col})", path, column=other)
    if table in NEEDS_ROWS and frame.empty:
        raise InputError("table has no rows", path)
    for col in frame.columns:
        if (col in NUMBER_COLUMNS or col in numbers) and not (
            pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])
        ):
            cells = frame[col]
            bad = cells.notna() & pd.to_numeric(cells, errors="coerce").isna()
            if bad.any():
                i = int(bad.to_numpy().argmax())
                raise InputError(f"'{cells.iloc[i]}' is not a number", path, i + 1, col)
            frame[col] = pd.to_numeric(cells)  # e.g. "True" beside numbers: numbers after all
    for col in frame.columns:
        if col in TEXT_COLUMNS or not (
            pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col])
        ):
            # as object first: a text column with no values at all reads as float
            frame[col] = frame[col].astype(object).fillna("").astype(str)
            quoted = frame[col].str.startswith("'") if restore else None
            if quoted is not None and quoted.any():
                frame.loc[quoted, col] = frame.loc[quoted, col].map(restore_text)
    return frame


def _check_summary(summary: dict[str, Any], path: Path) -> None:
    """summary.json values the report computes with must have their JSON type."""
    for key, types in SUMMARY_TYPES.items():
        value = summary.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            kind = {int: "a number", list: "a list", dict: "an object", str: "text"}[types[0]]
            raise InputError(f"must be {kind}", path, column=key)
    for key in ("parameters", "cases"):
        if any(not isinstance(v, str) for v in summary.get(key) or []):
            raise InputError("must be a list of names", path, column=key)
    for key in ("today", "no_share_rules"):  # the references' totals
        for inner in ("supply_cost", "shortfall_value", "total"):
            value = (summary.get(key) or {}).get(inner)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise InputError("must be a number", path, column=f"{key}.{inner}")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc}", path) from None


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

    # every file read here ends up in report.html: none may be a link out of the run folder
    def present(path: Path) -> bool:
        return inside_folder(path, folder, "run folder") and path.is_file()

    present(summary_path)
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"summary.json is not valid JSON: {exc}", summary_path) from None
    except RecursionError:
        raise InputError("summary.json is nested too deeply", summary_path) from None
    if not isinstance(summary, dict):
        raise InputError("summary.json does not hold an object", summary_path)
    kind = summary.get("kind", "solve")
    if not isinstance(kind, str) or kind not in KIND_TABLES:
        raise InputError(f"unknown run kind '{kind}'", summary_path, column="kind")
    _check_summary(summary, summary_path)
    tables = {}
    params = tuple(summary.get("parameters") or ()) if kind == "sweep" else ()
    for name in KIND_TABLES[kind]:
        path = folder / f"{name}.csv"
        if present(path):
            tables[name] = _read_csv(path, name, params, restore=True)
        elif name in REQUIRED[kind]:
            raise InputError(f"the {kind} run folder is missing {name}.csv", folder)
    if "sweep_points" in tables:
        for p in params:  # the report tabulates each parameter's value per point
            if p not in tables["sweep_points"].columns:
                raise InputError(
                    "required column is missing (a swept parameter)",
                    folder / "sweep_points.csv",
                    column=p,
                )
    inputs = {}
    for name in ("countries", "commodities", "supply"):
        path = folder / "inputs" / f"{name}.csv"
        if present(path):
            inputs[name] = _read_csv(path, f"inputs/{name}")
    if "countries" not in inputs:
        raise InputError("the run folder is missing inputs/countries.csv", folder)
    case_toml: dict[str, Any] = {}
    if present(folder / "inputs" / "case.toml"):
        # the resolved case the run wrote: it must still read as a case file
        toml_path = folder / "inputs" / "case.toml"
        case_toml = read_toml(toml_path)
        parse(CaseFile, case_toml, toml_path)
    scenarios = {}
    for path in sorted((folder / "inputs" / "scenario").glob("*.toml")):
        if not present(path):
            continue
        try:
            scenarios[path.name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
            scenarios[path.name] = {}
    sources = folder / "inputs" / "SOURCES.md"
    return Run(
        kind=kind,
        summary=summary,
        tables=id_tables(kind, tables),
        countries=inputs["countries"],
        folder=folder,
        inputs=inputs,
        case_toml=case_toml,
        scenarios=scenarios,
        sources_md=_read_text(sources) if present(sources) else None,
    )


def run_from_result(obj: RunResult) -> Run:
    """A `Run` from a result object (Result, SweepResult, CurveResult, ...).

    Only the `RunResult` interface is used, so this layer never imports the
    result classes (they live in the layers above).
    """
    if not isinstance(obj, RunResult) or obj.kind not in KIND_TABLES:
        raise TypeError(f"no report for {type(obj).__name__}")
    tables = id_tables(obj.kind, obj.run_tables())
    return Run(obj.kind, obj.summary, tables, obj.run_case().countries)
