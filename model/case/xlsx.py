"""Case workbooks: a case read from an .xlsx file, one sheet per table.

A **case workbook** holds the same tables as a case folder, one sheet each,
with the CSV file's header in row 1 (``countries``, ``commodities``,
``supply``, and optionally ``recipes`` and ``restrictions``), plus:

- ``case``: two columns ``key`` and ``value``; keys are ``name``,
  ``description``, ``currency`` (optional, default ``USD``), ``policy.max_china_share``,
  ``policy.shortfall_penalty_factor``, ``policy.china_cap_basis`` (optional,
  ``supplied`` or ``need``), ``policy.shortage`` (optional, ``proportional``
  or ``penalty``), ``policy.switching_premium`` and ``policy.include_status``
  (optional; statuses separated by ``;``, e.g. ``operating;standby``) and
  ``policy.max_china_share_by_stage.<stage>`` (one row per stage);
- ``rules`` (optional): one share rule per row, columns ``name``, ``country``
  (several countries or groups joined by ``|``), ``commodities`` (ids separated
  by ``;``), ``stage``, ``max_share``, ``min_share`` and optionally ``basis``
  (``supplied`` or ``need``; written only when a rule uses ``need``) and, in a case
  with a horizon, ``from_year`` and ``to_year``.

A **horizon** (``[horizon]`` of case.toml) is held in the ``case`` sheet as keys
``horizon.start``, ``horizon.end``, ``horizon.discount_rate``, ``horizon.base_year``
(optional) and ``horizon.max_china_share_by_year.<year>`` (one row per year of the glide
path); its data by year as sheets named like the CSV files, ``demand_by_year``,
``capacity_by_year``, ``stockpile`` and ``buildout`` (any of them; each is an error
without a horizon, as the file is in a folder).

Table sheets go through the same reader and checks as CSV files, and errors
name the workbook and sheet, ``case.xlsx[supply]``, with the row counted as in
a CSV file (row 1 is the sheet's second row, under the header) and the column.
``model.excel.write_case_xlsx`` writes any case in this layout, so a folder can be turned
into a workbook, edited in Excel and solved with ``load_case("case.xlsx")``.

openpyxl is imported only when a workbook is read.
"""

from __future__ import annotations

import csv
import posixpath
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from model.case.checks import validate
from model.case.core import Case
from model.case.policy import CaseFile, ShareRule, parse
from model.case.tables import (
    TABLES,
    YEAR_TABLES,
    empty_table,
    inside_folder,
    plain_float,
    read_table,
)
from model.errors import InputError

CASE_SHEET, RULES_SHEET = "case", "rules"
RULE_COLUMNS = ("name", "country", "commodities", "stage", "max_share", "min_share", "basis")
RULE_YEARS = ("from_year", "to_year")  # rules sheet columns of a horizon case
POLICY_KEYS = (
    "policy.max_china_share",
    "policy.shortfall_penalty_factor",
    "policy.switching_premium",
)
TEXT_KEYS = ("policy.china_cap_basis", "policy.shortage")
LIST_KEYS = ("policy.include_status",)  # several values in one cell, separated by ';
STAGE_KEY = "policy.max_china_share_by_stage."
# [horizon] in the case sheet: whole years, the rate, and the glide path (one row a year)
HORIZON_YEARS = ("horizon.start", "horizon.end", "horizon.base_year")
HORIZON_NUMBERS = ("horizon.discount_rate",)
GLIDE_KEY = "horizon.max_china_share_by_year."


# --- reading ------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    """A cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _sheet_rows(
    ws: Any, where: str, uncached: dict[tuple[int, int], str] | None = None
) -> list[list[str]]:
    """The sheet as rows of text, cut to the header's width (values beyond it are an error).

    Built from the cells the sheet stores, not by walking every row up to
    ``ws.max_row``: a formatted but empty cell at row 1,048,576 would make that a
    million rows (and gigabytes of cell objects). Trailing blank rows are dropped;
    blank rows inside the table become empty records, which the CSV reader skips
    as it skips blank lines, so row numbers still count every sheet row.
    ``uncached`` holds the sheet's formula cells without a saved value (see
    `_uncached_formulas`): openpyxl reads them as blank, so each is an error.
    """
    from openpyxl.utils import get_column_letter

    filled: dict[int, dict[int, str]] = {}
    for (r, c), cell in ws._cells.items():  # openpyxl's sparse cell store, {(row, col): cell}
        text = _text(cell.value)
        if text.strip():
            filled.setdefault(r, {})[c] = text
    header = filled.get(1, {})
    width = max(header, default=0)
    for r, c in sorted(uncached or {}):
        if c not in filled.get(r, {}):
            column = header.get(c, "").strip() or f"sheet column {get_column_letter(c)}"
            raise InputError(
                f"cell {get_column_letter(c)}{r} holds the formula {uncached[r, c]} but no "
                "saved value (written by a program that does not calculate); open and save "
                "the workbook in Excel or LibreOffice, or type the value",
                where,
                r - 1 if r > 1 else None,
                column,
            )
    if not filled:
        return []
    rows: list[list[str]] = []
    for r in range(1, max(filled) + 1):
        cells = filled.get(r)
        if not cells and r > 1:
            rows.append([])  # blank row
            continue
        cells = cells or {}
        beyond = [c for c in cells if c > width]
        if beyond:
            c = min(beyond)
            raise InputError(
                f"value '{cells[c]}' in sheet column {get_column_letter(c)}, which has no header",
                where,
                r - 1,
            )
        rows.append([cells.get(c, "") for c in range(1, width + 1)])
    return rows


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _uncached_formulas(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet name, the formula cells without a saved value: (row, column) -> formula.

    Excel saves each formula's computed value beside it and openpyxl (data_only)
    reads that; a workbook written by a script (openpyxl, pandas) has formulas
    with no value (``<v/>`` or none), which openpyxl reads as blank. Only sheets
    whose XML holds a formula at all are parsed.
    """
    from openpyxl.utils.cell import coordinate_to_tuple

    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {
                r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_NS}Relationship")
            }
            for sheet in book.iter(f"{_MAIN_NS}sheet"):
                target = targets.get(sheet.get(f"{_REL_NS}id"), "")
                part = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath("xl/" + target)
                )
                if part not in names:
                    continue
                data = z.read(part)
                if not _HAS_FORMULA.search(data):
                    continue
                cells: dict[tuple[int, int], str] = {}
                for c in ET.fromstring(data).iter(f"{_MAIN_NS}c"):
                    f, v = c.find(f"{_MAIN_NS}f"), c.find(f"{_MAIN_NS}v")
                    if f is None or not c.get("r"):
                        continue
                    # no value, or an empty one that is not a text result ("" is t="str")
                    if v is None or (not v.text and c.get("t") != "str"):
                        cells[coordinate_to_tuple(c.get("r"))] = "=" + (f.text or "(shared)")
                if cells:
                    found[sheet.get("name", "")] = cells
    except (KeyError, ValueError, zipfile.BadZipFile, ET.ParseError):
        return {}  # an unusual layout: openpyxl has read it; skip this check
    return found


def _find_sheet(wb: Any, name: str, path: Path, required: bool) -> Any:
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name:
            return ws
    if required:
        raise InputError(
            f"sheet '{name}' is missing (sheets: {', '.join(ws.title for ws in wb.worksheets)})",
            path,
        )
    return None


def _read_table_sheet(
    spec: Any, ws: Any, where: str, tmp: Path, uncached: dict[tuple[int, int], str] | None = None
) -> pd.DataFrame:
    """Run the CSV reader on the sheet's cells, so every check and message is the same."""
    rows = _sheet_rows(ws, where, uncached)
    file = tmp / spec.file
    with file.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    try:
        return read_table(spec, file)
    except InputError as exc:
        raise InputError(exc.message, where, exc.row, exc.column) from None


def _read_case_sheet(
    ws: Any, where: str, uncached: dict[tuple[int, int], str] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    rows = _sheet_rows(ws, where, uncached)
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if header[:2] != ["key", "value"]:
        raise InputError("the case sheet needs the header 'key', 'value' in row 1", where)
    data: dict[str, Any] = {"policy": {}}
    where_key: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=1):
        if not row:  # blank row
            continue
        key, value = row[0].strip(), row[1].strip()
        if not key and not value:
            continue
        if key in where_key:
            raise InputError(f"key '{key}' is given twice", where, number, "key")
        where_key[key] = number
        if key in ("name", "description", "currency"):
            data[key] = value
        elif key in TEXT_KEYS:
            data["policy"][key.removeprefix("policy.")] = value
        elif key in LIST_KEYS:
            data["policy"][key.removeprefix("policy.")] = [
                v.strip() for v in value.split(";") if v.strip()
            ]
        elif (
            key in HORIZON_YEARS
            or key in HORIZON_NUMBERS
            or (key.startswith(GLIDE_KEY) and len(key) > len(GLIDE_KEY))
        ):
            _horizon_key(data, key, value, where, number)
        elif key in POLICY_KEYS or (key.startswith(STAGE_KEY) and len(key) > len(STAGE_KEY)):
            number_value = _required_number(value, where, number)
            if key.startswith(STAGE_KEY):
                data["policy"].setdefault("max_china_share_by_stage", {})[
                    key.removeprefix(STAGE_KEY)
                ] = number_value
            else:
                data["policy"][key.removeprefix("policy.")] = number_value
        else:
            raise InputError(
                f"unknown key '{key}' (keys: name, description, currency, "
                f"{', '.join((*POLICY_KEYS, *TEXT_KEYS, *LIST_KEYS))}, {STAGE_KEY}<stage>, "
                f"{', '.join((*HORIZON_YEARS[:2], *HORIZON_NUMBERS, HORIZON_YEARS[2]))}, "
                f"{GLIDE_KEY}<year>)",
                where,
                number,
                "key",
            )
    return data, where_key


def _required_number(value: str, where: str, number: int) -> float:
    """A case-sheet value that must be a number (the error names its row)."""
    if value == "":
        raise InputError("value is blank but required", where, number, "value")
    try:
        return plain_float(value)
    except ValueError:
        raise InputError(f"'{value}' is not a number", where, number, "value") from None


def _horizon_key(data: dict[str, Any], key: str, value: str, where: str, number: int) -> None:
    """One ``horizon.*`` row of the case sheet into ``data["horizon"]`` (a whole number for
    a year, a number for the rate and the glide path's caps)."""
    number_value = _required_number(value, where, number)
    horizon = data.setdefault("horizon", {})
    if key in HORIZON_YEARS:
        if number_value != round(number_value):
            raise InputError(f"{value} is not a year", where, number, "value")
        horizon[key.removeprefix("horizon.")] = round(number_value)
    elif key.startswith(GLIDE_KEY):
        year = key.removeprefix(GLIDE_KEY).strip()
        horizon.setdefault("max_china_share_by_year", {})[year] = number_value
    else:
        horizon[key.removeprefix("horizon.")] = number_value


def _horizon_row(message: str, key_rows: dict[str, int]) -> int | None:
    """The case-sheet row of a ``[horizon]`` error that names no key (a check across keys):
    the glide-path year the message names, else the key (start, end, ...) it names first,
    else the first horizon row."""
    keys = [k for k in key_rows if k.startswith("horizon.")]
    for key in keys:
        year = key.removeprefix(GLIDE_KEY)
        if key.startswith(GLIDE_KEY) and re.search(rf"(year |\.){re.escape(year)}\b", message):
            return key_rows[key]
    named = [
        (m.start(), key)
        for key in keys
        if not key.startswith(GLIDE_KEY)
        and (m := re.search(rf"\b{key.split('.')[1]}\b", message)) is not None
    ]
    if named:  # "end 2020 is before start 2026": the row of end
        return key_rows[min(named)[1]]
    return key_rows[keys[0]] if keys else None


def _read_rules_sheet(
    ws: Any, where: str, uncached: dict[tuple[int, int], str] | None = None
) -> list[Any]:
    rows = _sheet_rows(ws, where, uncached)
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    for col in header:
        if col not in RULE_COLUMNS + RULE_YEARS:
            raise InputError(
                f"unknown column (columns: {', '.join(RULE_COLUMNS + RULE_YEARS)})",
                where,
                column=col,
            )
    rules = []
    for number, row in enumerate(rows[1:], start=1):
        if not row:  # blank row
            continue
        cells = {h: v.strip() for h, v in zip(header, row, strict=True) if v.strip()}
        if not cells:
            continue
        data: dict[str, Any] = {}
        for key, value in cells.items():
            if key in ("max_share", "min_share") or key in RULE_YEARS:
                try:
                    data[key] = plain_float(value)
                except ValueError:
                    raise InputError(f"'{value}' is not a number", where, number, key) from None
                if key in RULE_YEARS:
                    if data[key] != round(data[key]):
                        raise InputError(f"{value} is not a year", where, number, key)
                    data[key] = round(data[key])
            elif key == "commodities":
                data[key] = [k.strip() for k in value.split(";") if k.strip()]
            else:
                data[key] = value
        try:
            rule = parse(ShareRule, data, Path(where))
        except InputError as exc:
            raise InputError(exc.message, where, number, exc.column) from None
        rule._origin = where
        rule._key = f"rules row {number}"
        rules.append(rule)
    return rules


def read_case_xlsx(path: str | Path) -> Any:
    """Read a case workbook into a `Case` (not yet cross-checked; see `load_case_xlsx`)."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise InputError("workbook does not exist", path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise InputError(f"not a readable .xlsx workbook: {exc}", path) from None
    uncached = _uncached_formulas(path)
    files = {"case": f"{path}[{CASE_SHEET}]"}
    case_ws = _find_sheet(wb, CASE_SHEET, path, True)
    meta, key_rows = _read_case_sheet(case_ws, files["case"], uncached.get(case_ws.title))
    rules_ws = _find_sheet(wb, RULES_SHEET, path, False)
    rules = (
        _read_rules_sheet(rules_ws, f"{path}[{RULES_SHEET}]", uncached.get(rules_ws.title))
        if rules_ws
        else []
    )
    try:
        parsed = parse(CaseFile, meta, Path(files["case"]))
    except InputError as exc:
        key = re.sub(r"\[#\d+\]$", "", exc.column or "")  # an item of a list: its key's row
        row = key_rows.get(key) or key_rows.get(f"policy.{key}")
        if row is None and key.split(".")[0] == "horizon":
            row = _horizon_row(exc.message, key_rows)
        raise InputError(exc.message, files["case"], row, "value" if row else exc.column) from None
    parsed.policy.rules = rules
    tables: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="sourcing-xlsx-") as tmp:
        for name, spec in TABLES.items():
            where = f"{path}[{name}]"
            files[name] = where
            ws = _find_sheet(wb, name, path, spec.required)
            if ws is None:
                tables[name] = empty_table(spec)
                continue
            tables[name] = _read_table_sheet(spec, ws, where, Path(tmp), uncached.get(ws.title))
        year_tables: dict[str, pd.DataFrame] = {}
        for name, spec in YEAR_TABLES.items():  # data by year: only with a horizon
            ws = _find_sheet(wb, name, path, False)
            if ws is None:
                continue
            where = f"{path}[{name}]"
            files[name] = where
            if parsed.horizon is None:
                raise InputError(
                    f"the {name} sheet needs a horizon (horizon.start and horizon.end in the "
                    f"{CASE_SHEET} sheet)",
                    where,
                )
            year_tables[name] = _read_table_sheet(
                spec, ws, where, Path(tmp), uncached.get(ws.title)
            )
    sources_md = path.parent / "SOURCES.md"  # the case's sources, beside the workbook
    present = inside_folder(sources_md, path.parent) and sources_md.is_file()
    beside = path.parent if present else None
    return Case(
        name=parsed.name,
        description=parsed.description,
        policy=parsed.policy,
        files=files,
        sources=[str(path)],
        folder=beside,
        currency=parsed.currency,
        horizon_spec=parsed.horizon,
        year_tables=year_tables,
        **tables,
    )


def load_case_xlsx(path: str | Path) -> Any:
    """Read and cross-check a case workbook; errors name the workbook, sheet, row and column."""
    case = read_case_xlsx(path)
    try:
        return validate(case)
    except InputError as exc:
        m = re.match(r"^rules row (\d+)\.(.+)$", exc.column or "")
        if m:
            raise InputError(exc.message, exc.file, int(m.group(1)), m.group(2)) from None
        raise
