"""Excel workbooks written: results with one sheet per table, and cases as workbooks.

`results_workbook` gives a run's ``results.xlsx``: a ``summary`` sheet (key,
value) and one sheet per table (a horizon run adds ``by_year``, summary.json's yearly
totals, after it), with number formats for people (`number_format`): years as ``2027``,
shares as ``0.0%``, totals of money in millions (``#,##0.0,,"M"``) or whole units,
prices per unit with cents below 1,000, quantities with separators and at most two
decimals; the cells keep their exact values. `write_case_xlsx` writes any case in the case
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

from model.case.tables import TABLES, YEAR_TABLES, trim_defaults
from model.case.xlsx import (
    CASE_SHEET,
    GLIDE_KEY,
    RULE_COLUMNS,
    RULE_YEARS,
    RULES_SHEET,
    STAGE_KEY,
)
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


# --- number formats for people -------------------------------------------------------------
SHARE, MONEY, PRICE, QUANTITY, COUNT = "share", "money", "price", "quantity", "count"
YEAR = "year"
PERCENT = "0.0%"
YEAR_FORMAT = "0"  # 2027, never 2,027 or 2027.0
MILLIONS = '#,##0.0,,"M"'  # 8119238472.06 shows as 8,119.2M
WHOLE = "#,##0"
CENTS = "#,##0.00"
DECIMALS = "#,##0.##"  # a quantity with decimals; whole quantities get WHOLE (no trailing '.')
# Result columns by what they hold, where the name alone does not say it (see `column_kind`)
COUNTS = {
    "point",
    "rank",
    "commodities",
    "commodities_short",
    "commodities_with_shortfall",
    "with_shortfall",
}
SHARES = {"cap", "cap_from", "cap_to", "tariff"}
PRICES = {  # money per unit of a commodity
    "unit_cost",
    "average_unit_cost",
    "unit_cost_premium",
    "shadow_price",
    "marginal_value",
    "dual_value",
    "shortfall_penalty",
    "freight",
    "tariff_per_unit",
    "cost_lower",
    "cost_upper",
}
MONEY_WORDS = {"cost", "premium", "objective", "saving", "spend", "price", "penalty"}
QUANTITY_WORDS = {"demand", "supplied", "shortfall", "quantity", "capacity", "use", "need", "today"}
# stock.csv and buildout.csv of a horizon run (no other table has these words)
QUANTITY_WORDS |= {"level", "bought", "released", "built", "cumulative"}
# a horizon's years: the year columns of its tables, and summary.json's horizon keys
YEAR_KEYS = {"horizon.start", "horizon.end", "horizon.base_year"}
_COMPARED = re.compile(r"_vs_.*$")  # cost_vs_base: a difference of costs


def column_kind(name: str) -> str | None:
    """What a result column (or summary key) holds, from its name; None = leave as General.

    A share is a fraction 0-1 (every share column of the result tables ends in
    ``share``); ``X_vs_<case>`` is a difference of X and formats like X.
    """
    base = _COMPARED.sub("", name.strip().lower())
    words = set(re.split(r"[^a-z0-9]+", base)) - {""}
    if base == "year" or base.endswith("_year") or base in YEAR_KEYS:
        return YEAR
    if base in COUNTS:
        return COUNT
    if base in SHARES or base.endswith("share"):
        return SHARE
    if base in PRICES:
        return PRICE
    if words & MONEY_WORDS or base.endswith("_value"):  # shortfall_value; not 'value' alone
        return MONEY
    if words & QUANTITY_WORDS:
        return QUANTITY
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def number_format(kind: str | None, value: float, largest: float) -> str | None:
    """The format of one cell of a kind; ``largest``: the largest |value| it is shown beside."""
    if kind == SHARE:
        return PERCENT
    if kind == YEAR:
        return YEAR_FORMAT
    if kind == MONEY:
        return MILLIONS if largest >= 1e6 else WHOLE
    if kind == PRICE:
        return WHOLE if largest >= 1000 else CENTS
    if kind == COUNT:
        return WHOLE
    if kind == QUANTITY:
        return WHOLE if float(value).is_integer() else DECIMALS
    return None


def shown_text(value: Any, fmt: str | None) -> str:
    """About what a spreadsheet shows for a cell (to size the columns)."""
    if fmt is None or not _is_number(value):
        text = "" if value is None else str(value)
        return text[:11] if _is_number(value) else text  # General shows ~11 characters
    v = float(value)
    if fmt == PERCENT:
        return f"{100 * v:.1f}%"
    if fmt == YEAR_FORMAT:
        return f"{v:.0f}"
    if fmt == MILLIONS:
        return f"{v / 1e6:,.1f}M"
    if fmt == CENTS:
        return f"{v:,.2f}"
    if fmt == DECIMALS:
        return f"{v:,.2f}".rstrip("0")
    return f"{v:,.0f}"


def _format_sheet(ws: Any, kinds: list[str | None], by_row: bool = False) -> None:
    """Set number formats and fit column widths to the text shown.

    ``kinds`` holds one kind per column; with ``by_row`` one per data row, for the
    value column (B) of the key/value summary sheet.
    """
    from openpyxl.utils import get_column_letter

    rows = list(ws.iter_rows(min_row=2))
    if by_row:
        columns = [[row[1]] for row in rows]
        largest = [abs(c[0].value) if _is_number(c[0].value) else 0.0 for c in columns]
    else:
        columns = [[row[i] for row in rows] for i in range(len(kinds))]
        largest = [
            max((abs(c.value) for c in col if _is_number(c.value)), default=0.0) for col in columns
        ]
    for kind, cells, top in zip(kinds, columns, largest, strict=True):
        if kind is None:
            continue
        for cell in cells:
            if _is_number(cell.value):
                cell.number_format = number_format(kind, cell.value, top)
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            fmt = None if cell.number_format == "General" else cell.number_format
            text = shown_text(cell.value, fmt)
            widths[cell.column] = max(widths.get(cell.column, 0), min(60, len(text)))
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = min(60, width + 2)


def results_workbook(tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> bytes:
    """A workbook with a ``summary`` sheet (key, value) and one sheet per table,
    numbers formatted for people (module docstring)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    by_year = summary.get("by_year")  # a horizon run: one row a year, a sheet of its own
    if isinstance(by_year, list) and by_year and all(isinstance(r, dict) for r in by_year):
        summary = {k: v for k, v in summary.items() if k != "by_year"}
        tables = {"by_year": pd.DataFrame(by_year), **tables}
    flat = _flatten(summary)
    _add_sheet(wb, "summary", ["key", "value"], flat)
    _format_sheet(wb["summary"], [column_kind(k) for k, _ in flat], by_row=True)
    for name, frame in tables.items():
        _frame_sheet(wb, name, frame)
        _format_sheet(wb[name[:31]], [column_kind(str(c)) for c in frame.columns])
    return _fixed_bytes(wb)


def case_workbook(case: Any) -> bytes:
    """The bytes of a case workbook (layout in the module docstring)."""
    from openpyxl import Workbook

    # a horizon case is written as read (its [horizon] and by-year tables), not expanded
    horizon = getattr(case, "horizon", None)
    src = horizon.source if horizon is not None else case
    spec = getattr(case, "horizon_spec", None)
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
    if p.switching_premium != 0.0:
        rows.append(("policy.switching_premium", p.switching_premium))
    if p.include_status != ["operating"]:
        rows.append(("policy.include_status", ";".join(p.include_status)))
    if p.shortage != "proportional":
        rows.append(("policy.shortage", p.shortage))
    rows += [(STAGE_KEY + s, v) for s, v in p.max_china_share_by_stage.items()]
    if spec is not None:  # only in a horizon case: other workbooks keep their bytes
        rows += [("horizon.start", spec.start), ("horizon.end", spec.end)]
        if spec.discount_rate:
            rows.append(("horizon.discount_rate", spec.discount_rate))
        if spec.base_year is not None:
            rows.append(("horizon.base_year", spec.base_year))
        rows += [(GLIDE_KEY + y, v) for y, v in spec.max_china_share_by_year.items()]
    _add_sheet(wb, CASE_SHEET, ["key", "value"], rows)
    with_basis = any(r.basis != "supplied" for r in p.rules)
    columns = list(RULE_COLUMNS) if with_basis else list(RULE_COLUMNS[:-1])
    with_years = any(r.from_year is not None or r.to_year is not None for r in p.rules)
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
        + ((r.from_year, r.to_year) if with_years else ())
        for r in p.rules
    ]
    _add_sheet(wb, RULES_SHEET, columns + (list(RULE_YEARS) if with_years else []), rules)
    for name, table in TABLES.items():
        frame = getattr(src, name)
        if name == "restrictions" and frame.empty:  # only when used: workbooks keep their bytes
            continue
        frame = trim_defaults(table, frame)
        if spec is not None:
            frame = _year_cells(frame, ("available_from",))
        _frame_sheet(wb, name, frame)
    if spec is not None:
        for name in YEAR_TABLES:
            frame = src.year_tables.get(name)
            if frame is not None and not frame.empty:
                _frame_sheet(wb, name, _year_cells(frame))
    return _fixed_bytes(wb)


def _year_cells(frame: pd.DataFrame, columns: tuple[str, ...] = ("year", "from_year")) -> Any:
    """``frame`` with its year columns as whole numbers (blank stays blank), not 2027.0."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = [None if v != v else round(v) for v in out[col].astype(float).tolist()]
    return out


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
