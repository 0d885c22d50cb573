"""Run folders: written atomically, never overwritten silently.

A run folder ``<out>/solutions/<name>/`` holds mix.csv, commodities.csv,
capacity_values.csv, summary.json, ``plots/`` (PNG and SVG), optionally
results.xlsx, and ``inputs/`` (the resolved case, itself a loadable case that
reproduces the run). Files are first written to a hidden
temporary folder beside the target and renamed into place in one step, so a
run folder is either complete or absent.

How a folder is replaced, old or new at every instant, is `model.folders`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import tomli_w

from model._compat import pause_gc
from model.case.horizon import whole_years
from model.case.load import TODAY_FOLDER
from model.case.tables import TABLES, YEAR_TABLES, inside_folder, trim_defaults
from model.excel import results_workbook
from model.folders import write_folder_atomically
from model.formats import FORMULA_START, formula_like
from model.report import RunResult, result_html

if TYPE_CHECKING:
    from model.case import Case
    from model.optimization.results import Result  # the type only: that layer is above this one


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: no index, '\\n' line ends, shortest round-trip floats.

    The bytes are exactly ``frame.to_csv(index=False, lineterminator="\\n")``'s
    (tests/test_output.py checks that); columns of the usual kinds are formatted
    column by column here, about twice as fast as pandas on 10^5-row tables.
    """
    fast = _csv_columns(frame)
    if fast is None:  # an unusual column type: let pandas format it
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return fast.encode("utf-8")


_CSV_SPECIAL = re.compile(r'[,"\n]')  # what QUOTE_MINIMAL quotes with '\n' line ends


def _csv_field(text: str) -> str:
    """Quote a field as the csv module's QUOTE_MINIMAL does."""
    return '"' + text.replace('"', '""') + '"' if _CSV_SPECIAL.search(text) else text


def _csv_columns(frame: pd.DataFrame) -> str | None:
    """`csv_bytes` for float, int, bool and text columns; None for anything else."""
    names = list(frame.columns)
    if len(names) < 2 or len(set(names)) < len(names):
        return None  # (one column: a lone empty field is quoted; rare enough for pandas)
    if not all(isinstance(c, str) and "\r" not in c for c in names):
        return None
    columns = []
    for name in frame.columns:
        series = frame[name]
        values = series.to_numpy()
        kind = values.dtype.kind
        if values.dtype == np.float64:  # repr: the shortest round-trip form, as in pandas
            out = list(map(repr, values.tolist()))
            for i in np.flatnonzero(np.isnan(values)).tolist():
                out[i] = ""
        elif kind in "iub":
            out = list(map(str, values.tolist()))
        elif kind == "O" or isinstance(series.dtype, pd.StringDtype):
            out = series.to_numpy(object).tolist()
            for i, v in enumerate(out):
                if v.__class__ is not str:
                    if v is None or v is pd.NA or (v.__class__ is float and math.isnan(v)):
                        out[i] = ""
                    else:
                        return None
            distinct = set(out)
            if any("\r" in v for v in distinct):  # quoted or not depending on Python's version
                return None
            if any(_CSV_SPECIAL.search(v) for v in distinct):
                out = list(map(_csv_field, out))
        else:
            return None
        columns.append(out)
    header = ",".join(map(_csv_field, frame.columns))
    return "\n".join([header, *map(",".join, zip(*columns, strict=True))]) + "\n"


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every formula-like text cell neutralised (numbers untouched).

    Applied to result tables before they are written as CSV, so `csv_bytes` stays
    equal to pandas' bytes for the same frame. Returns the frame itself when
    nothing needs a change.
    """
    out = frame
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if series.dtype != object and not isinstance(series.dtype, pd.StringDtype):
            continue
        values = series.to_numpy(object).tolist()
        texts = {v for v in values if v.__class__ is str}
        bad = {v for v in texts if v.startswith(("'", *FORMULA_START)) and formula_like(v)}
        if bad:
            if out is frame:
                out = frame.copy()
            fixed = ["'" + v if v in bad else v for v in values]
            out.isetitem(i, pd.Series(fixed, index=frame.index, dtype=object))
    return out


def _toml_clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _toml_clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_clean(v) for v in value]
    return value


# policy keys written into a run folder's case.toml only when they differ from these
DEFAULT_POLICY: dict[str, Any] = {
    "china_cap_basis": "supplied",
    "switching_premium": 0.0,
    "include_status": ["operating"],
    "shortage": "proportional",
}


def canonical_inputs(case: Case) -> dict[str, bytes]:
    """The resolved case as files: the tables as CSV plus a case.toml."""
    files: dict[str, bytes] = {}
    # a horizon case is written as read (with its [horizon] and by-year tables), not
    # expanded: loading it again expands it the same way
    src = case.horizon.source if case.horizon is not None else case
    for name, spec in TABLES.items():
        frame: pd.DataFrame = getattr(src, name)
        if not spec.required and frame.empty:  # absent optional tables stay absent
            continue
        frame = trim_defaults(spec, frame)
        if case.horizon is not None:
            frame = whole_years(frame, ("available_from",))
        files[spec.file] = csv_bytes(frame)
    if case.horizon is not None:
        for name, spec in YEAR_TABLES.items():
            frame = src.year_tables.get(name)
            if frame is not None and not frame.empty:
                files[spec.file] = csv_bytes(whole_years(frame, ("year", "from_year")))
    policy = case.policy.model_dump(mode="json")
    # defaults of later keys are left out, so cases that do not use them keep their bytes
    # (and hash)
    for key, default in DEFAULT_POLICY.items():
        if policy[key] == default:
            del policy[key]
    for r in policy["rules"]:
        if r["basis"] == "supplied":
            del r["basis"]
    policy["rules"] = [_toml_clean(r) for r in policy["rules"]]
    doc: dict[str, Any] = {"name": case.name, "description": case.description}
    if case.currency != "USD":  # only when set: USD cases keep their bytes (and hash)
        doc["currency"] = case.currency
    doc["policy"] = _toml_clean(policy)
    if case.horizon_spec is not None:
        doc["horizon"] = case.horizon_spec.model_dump(mode="json", exclude_defaults=True)
    files["case.toml"] = tomli_w.dumps(doc).encode("utf-8")
    return files


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def run_files_common(
    case: Case,
    summary: dict[str, Any],
    extra_sources: list[Path] | None = None,
    input_files: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """summary.json plus the resolved inputs, the base's SOURCES.md and scenario files.

    ``input_files`` are the resolved inputs as serialized when the result was
    made (and hashed): passing them avoids serializing large inputs twice.
    """
    files = {
        "summary.json": (json.dumps(_json_safe(summary), indent=2) + "\n").encode("utf-8"),
    }
    for name, data in (input_files or canonical_inputs(case)).items():
        files[f"inputs/{name}"] = data
    if case.folder is not None:
        sources_md = case.folder / "SOURCES.md"
        if inside_folder(sources_md, case.folder) and sources_md.is_file():
            files["inputs/SOURCES.md"] = sources_md.read_bytes()
    for src in [*case.sources, *(extra_sources or [])]:
        src = Path(src)
        if src.suffix == ".toml" and src.name != "case.toml":
            files[f"inputs/scenario/{src.name}"] = src.read_bytes()
    return files


def extra_files(
    kind: str,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    case: Case,
    *,
    plots: bool = True,
    xlsx: bool = False,
) -> dict[str, bytes]:
    """``plots/<name>.png|svg`` (see `model.plots.run_figures`) and ``results.xlsx``.

    ``tables`` maps each table's file stem (mix, commodities, ...) to its frame.
    """
    files: dict[str, bytes] = {}
    if plots:
        from model.plots import plot_files, run_figures  # here: matplotlib only when drawing

        files.update(plot_files(run_figures(kind, tables, summary, case.countries)))
    if xlsx:
        files["results.xlsx"] = results_workbook(tables, _json_safe(summary))
    return files


def run_files(result: Result, *, plots: bool = True, xlsx: bool = False) -> dict[str, bytes]:
    """Every file of a run folder, as bytes, keyed by relative path."""
    tables = {
        "mix": result.mix,
        "commodities": result.commodities,
        "stages": result.stages,
        "capacity_values": result.capacity_values,
        "ranging_costs": result.cost_ranges,
        "ranging_limits": result.limit_ranges,
    }
    if not result.stock.empty:  # a horizon case with stockpile.csv only
        tables["stock"] = result.stock
    if result.buildout is not None:  # build-out: only cases with buildout.csv
        tables["buildout"] = result.buildout
    if result.projects is not None:  # what each project built buys (with buildout.csv)
        tables["projects"] = result.projects
    files = {f"{name}.csv": csv_bytes(neutralise(frame)) for name, frame in tables.items()}
    summary = {**result.summary, "timings_seconds": result.timings}
    files.update(run_files_common(result.case, summary, input_files=result.input_files))
    if result.today_case is not None:  # what premium_vs_today was measured against
        for name, data in canonical_inputs(result.today_case).items():
            files[f"inputs/{TODAY_FOLDER}/{name}"] = data
    summary.pop("timings_seconds")  # the workbook, like the plots, must not change run to run
    files.update(extra_files("solve", tables, summary, result.case, plots=plots, xlsx=xlsx))
    return files


def write_tables_run(
    kind: str,
    tables: dict[str, pd.DataFrame],
    case: Case,
    summary: dict[str, Any],
    target: Path,
    *,
    force: bool,
    plots: bool,
    xlsx: bool,
    sources: list[Path] | None = None,
) -> Path:
    """A run folder of a sweep, curve, stress or compare run: a CSV per table,
    summary.json and inputs, plots and workbook; written atomically to `target`."""
    files = {f"{n}.csv": csv_bytes(neutralise(frame)) for n, frame in tables.items()}
    files.update(run_files_common(case, summary, sources))
    stable = {k: v for k, v in summary.items() if k != "timings_seconds"}
    files.update(extra_files(kind, tables, stable, case, plots=plots, xlsx=xlsx))
    return write_folder_atomically(files, target, force=force)


class TablesRun(RunResult):
    """What every result (solve, sweep, curve, stress, compare) shares: `write` and
    Jupyter display, through the `model.report.RunResult` interface.

    A subclass names its ``kind``, its tables (`run_tables`) and, if it differs
    from ``self.case``, the case whose inputs go with them (`run_case`). The
    result owns its ``.write``, ``.plot`` and ``_repr_html_`` (as PyPSA's network
    does), and this layer below it sees it only through that interface.
    """

    kind: str
    summary: dict[str, Any]

    def run_tables(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def run_case(self) -> Case:
        return self.case  # type: ignore[attr-defined]

    def run_sources(self) -> list[Path] | None:
        """Scenario files to keep beside the inputs (besides the case's own)."""
        return None

    def write(
        self,
        out: str | Path = ".",
        *,
        name: str | None = None,
        force: bool = False,
        plots: bool = True,
        xlsx: bool = False,
    ) -> Path:
        """Write ``<out>/solutions/<name>/`` (the run's own name by default)."""
        target = Path(out) / "solutions" / (name or self.summary.get("name") or self.kind)
        return write_tables_run(
            self.kind,
            self.run_tables(),
            self.run_case(),
            self.summary,
            target,
            force=force,
            plots=plots,
            xlsx=xlsx,
            sources=self.run_sources(),
        )

    def _repr_html_(self) -> str:
        return result_html(self)


def write_run(
    result: Result,
    out: str | Path = ".",
    *,
    name: str | None = None,
    force: bool = False,
    plots: bool = False,
    xlsx: bool = False,
) -> Path:
    """Write ``<out>/solutions/<name or case name>/`` and return its path.

    ``plots`` adds ``plots/*.png`` and ``*.svg``; ``xlsx`` adds ``results.xlsx``
    (one sheet per table).
    """
    target = Path(out) / "solutions" / (name or result.case.name)
    with pause_gc():
        files = run_files(result, plots=plots, xlsx=xlsx)
    return write_folder_atomically(files, target, force=force)
