"""Excel workbooks written: results with one sheet per table, and cases as workbooks.

`results_workbook` gives a run's ``results.xlsx``: a ``summary`` sheet (key,
value) and one sheet per table. `write_case_xlsx` writes any case in the case
workbook layout that `model.case.xlsx` describes and reads, so a folder can be
turned into a workbook, edited in Excel and solved with ``load_case("case.xlsx")``.

Workbooks are written with fixed timestamps, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from model.case.tables import TABLES
from model.case.xlsx import CASE_SHEET, RULE_COLUMNS, RULES_SHEET, STAGE_KEY
from model.errors import InputError, writing
from model.formats import formula_like

FIXED_TIME = "2000-01-01T00:00:00Z"


# --- writing ------------------------------------------------------------------------------------
def _cell(value: Any) -> Any:
    """A value openpyxl can store: blanks for NaN/None, text for infinities."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar -> Python
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    if isinstance(value, list | tuple | dict):
        return str(value)
    return value


def _add_sheet(wb: Any, title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title=title[:31])
    ws.append(list(header))
    for row in rows:
        ws.append([_cell(v) for v in row])
    widths = [len(str(h)) for h in header]
    for row in ws.iter_rows(min_row=2):
        for i, cell in enumerate(row):
            if isinstance(cell.value, str) and formula_like(cell.value):
                # text that looks like a formula stays text, also when edited in Excel
                # (quotePrefix is the ' Excel puts before such text; the value is unchanged)
                cell.data_type = "s"
                cell.quotePrefix = True
            if i < len(widths) and cell.value is not None:
                widths[i] = max(widths[i], min(60, len(str(cell.value))))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    ws.freeze_panes = "A2"


EXCEL_ROWS = 1_048_576  # rows in one worksheet, the header included


def _frame_sheet(wb: Any, title: str, frame: pd.DataFrame) -> None:
    if len(frame) >= EXCEL_ROWS:
        raise InputError(
            f"table '{title}' has {len(frame):,} rows, more than an Excel sheet holds "
            f"({EXCEL_ROWS - 1:,}); use the CSV files instead of --xlsx"
        )
    _add_sheet(wb, title, [str(c) for c in frame.columns], frame.itertuples(index=False))


def _fixed_bytes(wb: Any) -> bytes:
    """Save a workbook with fixed timestamps (document properties and zip entries)."""
    import datetime

    fixed = datetime.datetime(2000, 1, 1)
    wb.properties.creator = "sourcing-model"
    wb.properties.created = fixed
    buf = io.BytesIO()
    # openpyxl writes each sheet to a temporary file first: a full disk fails there
    with writing(f"a temporary file in {tempfile.gettempdir()} (building a workbook)"):
        wb.save(buf)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_TIME.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return [(prefix, "; ".join(str(v) for v in value))]
    return [(prefix, value)]


def results_workbook(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> bytes:
    """A workbook with a ``summary`` sheet (key, value) and one sheet per table."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _add_sheet(wb, "summary", ["key", "value"], _flatten(summary))
    for name, frame in tables.items():
        _frame_sheet(wb, name, frame)
    return _fixed_bytes(wb)


def case_workbook(case: Any) -> bytes:
    """The bytes of a case workbook (layout in the module docstring)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    p = case.policy
    rows: list[tuple[str, Any]] = [
        ("name", case.name),
        ("description", case.description),
        *([("currency", case.currency)] if case.currency != "USD" else []),
        ("policy.max_china_share", p.max_china_share),
        ("policy.shortfall_penalty_factor", p.shortfall_penalty_factor),
    ]
    if p.china_cap_basis != "supplied":  # only when used: other workbooks keep their bytes
        rows.append(("policy.china_cap_basis", p.china_cap_basis))
    rows += [(STAGE_KEY + s, v) for s, v in p.max_china_share_by_stage.items()]
    _add_sheet(wb, CASE_SHEET, ["key", "value"], rows)
    with_basis = any(r.basis != "supplied" for r in p.rules)
    columns = list(RULE_COLUMNS) if with_basis else list(RULE_COLUMNS[:-1])
    rules = [
        (
            r.name,
            r.subject,
            ";".join(r.commodities) if r.commodities is not None else None,
            r.stage,
            r.max_share,
            r.min_share,
            r.basis,
        )[: len(columns)]
        for r in p.rules
    ]
    _add_sheet(wb, RULES_SHEET, columns, rules)
    for name in TABLES:
        _frame_sheet(wb, name, getattr(case, name))
    return _fixed_bytes(wb)


def write_case_xlsx(case: Any, path: str | Path) -> Path:
    """Write a case as a workbook that `load_case` reads back to the same case."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError("a case workbook must end in .xlsx", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    data = case_workbook(case)
    with writing(path):
        tmp.write_bytes(data)
    tmp.replace(path)
    return path


__all__ = [
    "case_workbook",
    "results_workbook",
    "write_case_xlsx",
]
