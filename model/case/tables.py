"""The input tables: their columns described as data, and a strict CSV reader.

Each table of a case is one CSV file. Its columns are described in `TABLES`
(name, kind, unit, default, description), in the manner of PyPSA's component
attribute tables, so the reader, the validator and the documentation share one
source of truth. Extra columns are allowed and carried along untouched.

Rows keep their position in the file as the DataFrame index (named ``row``,
1-based, header not counted), so any later check can name the offending row.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError

# Largest accepted quantity, cost or penalty: far above any real figure and far
# below HiGHS's infinity (1e20), so a typo such as 1e30 is an error, not "unlimited".
MAX_VALUE = 1e15

COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: str  # "code" (ISO alpha-3), "id", "text", "tags", "number", "choice"
    description: str
    required: bool = True  # the column must be present in the file
    default: float | str | None = None  # value of a blank cell; None = blank not allowed
    minimum: float | None = None
    maximum: float | None = MAX_VALUE
    positive: bool = False  # strictly greater than zero
    unit: str = ""
    choices: tuple[str, ...] = ()  # the values a "choice" column takes
    # written into run folders and workbooks only when some row differs from the default,
    # so cases that do not use the column keep their bytes (and inputs hash)
    omit_if_default: bool = False


# Supply row status: capacity that exists and runs, idle capacity that exists, announced
# capacity not built. Policy `include_status` says which count (default: operating only).
STATUSES = ("operating", "standby", "planned")


# Years a horizon's tables may name (model.case.policy.MIN_YEAR, MAX_YEAR)
YEARS = (1900.0, 2200.0)


@dataclass(frozen=True)
class Table:
    name: str
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    "countries": Table(
        name="countries",
        file="countries.csv",
        key=("country",),
        description="Supplying countries and the groups they belong to.",
        columns=(
            Column("country", "code", "ISO 3166-1 alpha-3 code, e.g. CHN, AUS."),
            Column("name", "text", "Display name."),
            Column(
                "groups",
                "tags",
                "Zero or more tags separated by ';', e.g. 'partner'.",
                required=False,
                default="",
            ),
        ),
    ),
    "commodities": Table(
        name="commodities",
        file="commodities.csv",
        key=("commodity",),
        description="What the buyer needs, per year.",
        columns=(
            Column("commodity", "id", "Commodity id, used as a key in the other tables."),
            Column("name", "text", "Display name."),
            Column("unit", "text", "Unit of quantity for demand, capacity and recipes."),
            Column(
                "demand",
                "number",
                "Quantity bought directly per year (downstream use comes on top).",
                minimum=0.0,
                unit="unit/yr",
            ),
            Column(
                "stage",
                "id",
                "Supply-chain stage, e.g. mining, refining, component.",
                required=False,
                default="",
            ),
            Column(
                "max_china_share",
                "number",
                "Cap on China's share of the supplied quantity; blank = policy default.",
                required=False,
                default=math.nan,
                minimum=0.0,
                maximum=1.0,
                unit="fraction",
            ),
            Column(
                "shortfall_penalty",
                "number",
                "Cost per unit of unmet demand; blank = default (see README).",
                required=False,
                default=math.nan,
                minimum=0.0,
                unit="USD/unit",
            ),
            Column(
                "switching_premium",
                "number",
                "Extra cost of supply beyond a supplier's today volume, as a share of its "
                "delivered cost (0.2 = 20%); blank = the policy's switching_premium.",
                required=False,
                default=math.nan,
                minimum=0.0,
                maximum=1e6,
                unit="fraction",
                omit_if_default=True,
            ),
            Column(
                "demand_growth",
                "number",
                "A case with a [horizon]: yearly growth of demand from the horizon's base "
                "year (0.1 = 10% a year; blank = 0).",
                required=False,
                default=0.0,
                minimum=-0.99,
                maximum=1.0,
                unit="fraction/yr",
                omit_if_default=True,
            ),
        ),
    ),
    "supply": Table(
        name="supply",
        file="supply.csv",
        key=("commodity", "country"),
        description="Who can supply what, how much and at what cost.",
        columns=(
            Column("commodity", "id", "Commodity id (from commodities.csv)."),
            Column("country", "code", "Supplying country (from countries.csv)."),
            Column(
                "capacity",
                "number",
                "Quantity per year available to the buyer.",
                minimum=0.0,
                unit="unit/yr",
            ),
            Column(
                "unit_cost",
                "number",
                "Cost per unit delivered, before freight and tariff.",
                minimum=0.0,
                unit="USD/unit",
            ),
            Column(
                "freight",
                "number",
                "Freight cost per unit, added to unit_cost.",
                required=False,
                default=0.0,
                minimum=0.0,
                unit="USD/unit",
            ),
            Column(
                "tariff",
                "number",
                "Ad-valorem tariff as a share of unit_cost (0.25 = 25%).",
                required=False,
                default=0.0,
                minimum=0.0,
                unit="fraction",
            ),
            Column(
                "tariff_per_unit",
                "number",
                "Specific tariff per unit, added to unit_cost.",
                required=False,
                default=0.0,
                minimum=0.0,
                unit="USD/unit",
            ),
            Column(
                "today",
                "number",
                "Quantity bought from this supplier today (observed baseline), at most "
                "capacity; supply beyond it costs the switching premium.",
                required=False,
                default=0.0,
                minimum=0.0,
                unit="unit/yr",
                omit_if_default=True,
            ),
            Column(
                "status",
                "choice",
                "operating (blank), standby (idle capacity that exists) or planned "
                "(announced, not built); only statuses in policy include_status count.",
                required=False,
                default="operating",
                choices=STATUSES,
                omit_if_default=True,
            ),
            Column(
                "available_from",
                "number",
                "A case with a [horizon]: the year the row's capacity comes online (before "
                "it: none; from it: counted as operating, whatever its status).",
                required=False,
                default=math.nan,
                minimum=YEARS[0],
                maximum=YEARS[1],
                unit="year",
                omit_if_default=True,
            ),
        ),
    ),
    "recipes": Table(
        name="recipes",
        file="recipes.csv",
        key=("product", "input"),
        required=False,
        description="Bill of materials: one unit of product consumes quantity units of input.",
        columns=(
            Column("product", "id", "Downstream commodity id."),
            Column("input", "id", "Upstream commodity id it consumes."),
            Column(
                "quantity",
                "number",
                "Units of input per unit of product.",
                positive=True,
                unit="unit/unit",
            ),
        ),
    ),
    "restrictions": Table(
        name="restrictions",
        file="restrictions.csv",
        key=("commodity", "country"),
        required=False,
        description=(
            "Suppliers a US buyer cannot or may not use (tags only: exclusion is done by "
            "share rules or caps; validate and solve warn when nothing holds one at 0)."
        ),
        columns=(
            Column(
                "commodity",
                "id",
                "Commodity id (from commodities.csv); blank = every commodity.",
                required=False,
                default="",
            ),
            Column("country", "code", "Restricted country (from countries.csv)."),
            Column(
                "restriction",
                "text",
                "What restricts it, with dates, e.g. 'US comprehensive sanctions (OFAC)'.",
            ),
            Column(
                "source",
                "text",
                "Where the restriction is documented.",
                required=False,
                default="",
            ),
        ),
    ),
}


# Tables of a case with a [horizon] (model.case.horizon), read only when it has one.
YEAR_TABLES: dict[str, Table] = {
    "demand_by_year": Table(
        name="demand_by_year",
        file="demand_by_year.csv",
        key=("commodity", "year"),
        required=False,
        description="Direct demand of a commodity in a year (overrides demand and its growth).",
        columns=(
            Column("commodity", "id", "Commodity id (from commodities.csv)."),
            Column(
                "year", "number", "Year, within the horizon.", minimum=YEARS[0], maximum=YEARS[1]
            ),
            Column("demand", "number", "Quantity bought directly that year.", minimum=0.0),
        ),
    ),
    "capacity_by_year": Table(
        name="capacity_by_year",
        file="capacity_by_year.csv",
        key=("commodity", "country", "year"),
        required=False,
        description="Capacity of a supply row in a year (overrides its capacity).",
        columns=(
            Column("commodity", "id", "Commodity id (a row of supply.csv)."),
            Column("country", "code", "Supplying country (a row of supply.csv)."),
            Column(
                "year", "number", "Year, within the horizon.", minimum=YEARS[0], maximum=YEARS[1]
            ),
            Column("capacity", "number", "Quantity available that year.", minimum=0.0),
        ),
    ),
    "stockpile": Table(
        name="stockpile",
        file="stockpile.csv",
        key=("commodity",),
        required=False,
        description="A stockpile of a commodity carried between the years of the horizon.",
        columns=(
            Column("commodity", "id", "Commodity id (from commodities.csv)."),
            Column("initial", "number", "Held before the first year.", minimum=0.0),
            Column(
                "max_buy",
                "number",
                "Most bought into the stock in a year (blank: no limit).",
                required=False,
                default=math.nan,
                minimum=0.0,
            ),
            Column(
                "max_release",
                "number",
                "Most released from the stock in a year (blank: no limit).",
                required=False,
                default=math.nan,
                minimum=0.0,
            ),
            Column(
                "holding_cost",
                "number",
                "Cost per unit held at a year's end, per year.",
                required=False,
                default=0.0,
                minimum=0.0,
            ),
            Column(
                "floor",
                "number",
                "Least held at each year's end (at most initial).",
                required=False,
                default=0.0,
                minimum=0.0,
            ),
        ),
    ),
    "buildout": Table(
        name="buildout",
        file="buildout.csv",
        key=("commodity", "country"),
        required=False,
        description="Capacity that could be built (model.case.horizon: build-out).",
        columns=(
            Column("commodity", "id", "Commodity id (from commodities.csv)."),
            Column("country", "code", "Country where it would be built (from countries.csv)."),
            Column(
                "annual_cost",
                "number",
                "Cost per unit of built capacity per year, from the year it is built "
                "(annualised capex).",
                minimum=0.0,
            ),
            Column(
                "unit_cost",
                "number",
                "Operating cost per unit supplied from the new capacity (the supply row's "
                "unit_cost when (commodity, country) has one: it must be equal).",
                minimum=0.0,
            ),
            Column("max_per_year", "number", "Most capacity built in one year.", minimum=0.0),
            Column(
                "from_year",
                "number",
                "First year it can be built (blank: the horizon's start).",
                required=False,
                default=math.nan,
                minimum=YEARS[0],
                maximum=YEARS[1],
                unit="year",
            ),
            Column(
                "max_total",
                "number",
                "Most capacity built over the horizon (blank: no limit).",
                required=False,
                default=math.nan,
                minimum=0.0,
            ),
        ),
    ),
}


def plain_float(raw: str) -> float:
    """``float(raw)`` without Python's extras: '3_00' (underscores) and non-ASCII digits
    ('١٢') raise ValueError, as they would in a spreadsheet. 'nan' and 'inf' still parse
    (callers reject them as not finite, with their own message)."""
    if "_" in raw or not raw.isascii():
        raise ValueError(f"could not convert string to float: {raw!r}")
    return float(raw)


def misspelled_columns(table: Table, header: list[str]) -> dict[str, str]:
    """Known columns absent from the header -> the extra header column that looks like it.

    An extra column equal to a known one but for case ('Freight'), or a close match
    ('tarif'), is a typo, not extra data: carried along untouched while the real
    column took its default, it would silently change the answer.
    """
    known = {c.name for c in table.columns}
    absent = {c.name.lower(): c.name for c in table.columns if c.name not in header}
    found: dict[str, str] = {}
    for name in header:
        if name in known or not absent:
            continue
        close = difflib.get_close_matches(name.lower(), list(absent), n=1, cutoff=0.8)
        match = absent.get(name.lower()) or (absent[close[0]] if close else None)
        if match is not None and match not in found:
            found[match] = name
    return found


def _parse_cell(raw: str, col: Column, file: Path, row: int) -> object:
    """Turn one stripped CSV cell into a typed value or raise InputError."""
    if raw == "":
        if col.default is None:
            raise InputError("value is blank but required", file, row, col.name)
        return col.default
    if col.kind == "number":
        try:
            value = plain_float(raw)
        except ValueError:
            raise InputError(f"'{raw}' is not a number", file, row, col.name) from None
        if not math.isfinite(value):
            raise InputError(f"'{raw}' is not a finite number", file, row, col.name)
        if col.positive and value <= 0:
            raise InputError(f"{raw} must be greater than 0", file, row, col.name)
        if col.minimum is not None and value < col.minimum:
            word = "negative" if col.minimum == 0 else f"below {col.minimum:g}"
            raise InputError(f"{raw} is {word}", file, row, col.name)
        if col.maximum is not None and value > col.maximum:
            # one-sided ranges (no minimum, e.g. recipe quantities) print only what is set
            if col.minimum is not None:
                valid = f"[{col.minimum:g}, {col.maximum:g}]"
            else:
                valid = f"({0 if col.positive else '-inf'}, {col.maximum:g}]"
            raise InputError(f"{raw} is outside {valid}", file, row, col.name)
        return value
    if col.kind == "code" and not COUNTRY_CODE.match(raw):
        raise InputError(
            f"'{raw}' is not an ISO 3166-1 alpha-3 code (three capital letters)",
            file,
            row,
            col.name,
        )
    if col.kind == "id" and not IDENTIFIER.match(raw):
        raise InputError(
            f"'{raw}' is not a valid id (letters, digits, '_', '.', '-'; no spaces)",
            file,
            row,
            col.name,
        )
    if col.kind == "choice" and raw not in col.choices:
        raise InputError(
            f"'{raw}' is not a valid {col.name} (use {', '.join(col.choices)}"
            + (f"; blank = {col.default}" if col.default else "")
            + ")",
            file,
            row,
            col.name,
        )
    if col.kind == "tags":
        tags = [t.strip() for t in raw.split(";") if t.strip()]
        for tag in tags:
            if not TAG.match(tag):
                raise InputError(f"'{tag}' is not a valid group tag", file, row, col.name)
        return ";".join(tags)
    return raw


def read_table(table: Table, path: Path) -> pd.DataFrame:
    """Read and type-check one CSV table; the index is the 1-based data row.

    Checks: file present and parseable, header has every required column and
    no duplicate names, each row has as many fields as the header, each cell
    parses as its column's kind and range, and key columns are unique.
    """
    if not path.is_file():
        raise InputError(f"required file {table.file} is missing", path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            records = list(csv.reader(fh, strict=True))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"malformed CSV: {exc}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise InputError("file is empty (no header row)", path)
    header = [h.strip() for h in records[0]]
    seen: set[str] = set()
    for name in header:
        if name == "":
            raise InputError("header has an empty column name", path)
        if name in seen:
            raise InputError("column appears twice in the header", path, column=name)
        seen.add(name)
    typos = misspelled_columns(table, header)
    for col in table.columns:
        if col.required and col.name not in seen:
            hint = f" (the header has '{typos[col.name]}')" if col.name in typos else ""
            raise InputError(f"required column is missing{hint}", path, column=col.name)
    if typos:
        known, typo = next(iter(typos.items()))
        raise InputError(
            f"unknown column; did you mean '{known}'? (names are case-sensitive; rename "
            "the column if it is meant as an extra column)",
            path,
            column=typo,
        )

    specs = {c.name: c for c in table.columns}
    width = len(header)
    body = records[1:]
    if all(len(r) == width for r in body):
        index = list(range(1, len(body) + 1))
    else:  # blank lines or ragged rows: find them one by one
        index, kept = [], []
        for number, record in enumerate(body, start=1):
            if len(record) != width:
                if not any(cell.strip() for cell in record):
                    continue  # blank line
                raise InputError(
                    f"has {len(record)} fields but the header has {width}", path, number
                )
            index.append(number)
            kept.append(record)
        body = kept
    # column by column: vectorized checks find the first bad cell, whose exact
    # message then comes from the same cell parser a row-by-row reader would use
    raw = list(zip(*body, strict=True)) if body else [() for _ in header]
    data: dict[str, object] = {}
    for name, cells in zip(header, raw, strict=True):
        stripped = list(map(str.strip, cells))
        col = specs.get(name)
        data[name] = stripped if col is None else _parse_column(stripped, col, path, index)
    for col in table.columns:
        if col.name not in data:
            data[col.name] = [col.default] * len(index)
    ordered = [c.name for c in table.columns] + [h for h in header if h not in specs]
    kinds = {c.name: c.kind for c in table.columns}
    frame = pd.DataFrame(
        {  # typed Series: letting pandas infer a dtype for 10^5 strings is slow
            k: pd.Series(data[k], dtype=float if kinds.get(k) == "number" else object)
            for k in ordered
        }
    )
    frame.index = pd.Index(index, dtype="int64", name="row")
    check_unique(frame, table, path)
    if table.name == "supply":
        check_today(frame, path)
    return frame


def check_today(frame: pd.DataFrame, path: Path | str) -> None:
    """A supply row's ``today`` volume is at most its capacity, and only operating
    capacity supplies anything today (standby and planned capacity sell nothing now)."""
    today = frame["today"].to_numpy(float)
    if not today.any():
        return
    over = np.flatnonzero(today > frame["capacity"].to_numpy(float))
    if over.size:
        i = int(over[0])
        raise InputError(
            f"today {today[i]:g} is above capacity {frame['capacity'].iat[i]:g} "
            "(today is bought from that capacity)",
            path,
            int(frame.index[i]),
            "today",
        )
    idle = np.flatnonzero((today > 0) & (frame["status"].to_numpy(object) != "operating"))
    if idle.size:
        i = int(idle[0])
        raise InputError(
            f"today {today[i]:g} but status is {frame['status'].iat[i]}: capacity that is "
            "not operating supplies nothing today (set today to 0, or the status to operating)",
            path,
            int(frame.index[i]),
            "today",
        )


def trim_defaults(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its ``omit_if_default`` columns that hold only the default.

    Such a column was added after cases were written: a case that does not use it is
    written (into run folders and workbooks) exactly as before.
    """
    drop = []
    for col in table.columns:
        if not col.omit_if_default or col.name not in frame:
            continue
        values = frame[col.name]
        if col.kind == "number" and isinstance(col.default, float) and math.isnan(col.default):
            unused = bool(values.isna().all())
        else:
            unused = bool((values == col.default).all())
        if unused:
            drop.append(col.name)
    return frame.drop(columns=drop) if drop else frame


def _check_range(
    values: np.ndarray,
    col: Column,
    path: Path,
    rows: list[int],
    given: np.ndarray | None = None,
    cells: list[str] | None = None,
) -> np.ndarray:
    """Range checks on a parsed numeric column; the first failure raises via the cell parser."""
    given = np.ones(len(values), dtype=bool) if given is None else given
    bad = np.zeros(len(values), dtype=bool)
    if col.positive:
        bad |= given & (values <= 0)
    if col.minimum is not None:
        bad |= given & (values < col.minimum)
    if col.maximum is not None:
        bad |= given & (values > col.maximum)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _parse_cell(cells[i] if cells else repr(float(values[i])), col, path, rows[i])
        raise AssertionError("unreachable: range check disagrees with the cell parser")
    return values


def _parse_column(cells: list[str], col: Column, path: Path, rows: list[int]) -> list | np.ndarray:
    """Parse one column; on the first invalid cell raise the cell parser's error."""

    def fail_at(i: int) -> None:
        _parse_cell(cells[i], col, path, rows[i])  # raises with the precise message
        raise AssertionError("unreachable: vectorized check disagrees with the cell parser")

    if col.kind == "number":
        if not rows:
            return np.array([], dtype=float)
        joined = "".join(cells)
        try:  # fast path: every cell is a number (numpy, like float(), takes '3_00')
            values = np.array(cells, dtype=float)
        except ValueError:
            pass
        else:
            if np.isfinite(values).all() and "_" not in joined and joined.isascii():
                return _check_range(values, col, path, rows, cells=cells)
        series = pd.Series(cells, dtype=object)
        blank = series == ""
        values = pd.to_numeric(series.where(~blank, None), errors="coerce").to_numpy(float).copy()
        bad = (~blank.to_numpy()) & ~np.isfinite(values)
        for i in np.flatnonzero(bad):  # not understood by to_numeric: ask float() itself
            values[i] = _parse_cell(cells[i], col, path, rows[i])
        if blank.any():
            if col.default is None:
                fail_at(int(np.flatnonzero(blank.to_numpy())[0]))
            values[blank.to_numpy()] = col.default
        return _check_range(values, col, path, rows, given=~blank.to_numpy(), cells=cells)
    if col.kind == "tags":
        return [_parse_cell(c, col, path, r) for c, r in zip(cells, rows, strict=True)]
    if col.kind == "choice":
        if not set(cells) <= set(col.choices):
            return [_parse_cell(c, col, path, r) for c, r in zip(cells, rows, strict=True)]
        return cells
    pattern = {"code": COUNTRY_CODE, "id": IDENTIFIER}.get(col.kind)
    # ids repeat (a commodity per supplier row): check each distinct value once
    bad = {c for c in set(cells) if c == "" or (pattern is not None and not pattern.match(c))}
    if not bad:
        return cells
    for i, c in enumerate(cells):
        if c in bad:
            if c == "" and col.default is not None:
                cells[i] = col.default
                continue
            fail_at(i)
    return cells


def check_unique(frame: pd.DataFrame, table: Table, path: Path | str) -> None:
    """Key columns must identify each row once."""
    keys = list(zip(*(frame[k].tolist() for k in table.key), strict=True))
    if len(set(keys)) == len(keys):  # the common case, without pandas' hashing of objects
        return
    dup = frame.duplicated(list(table.key), keep="first")
    if dup.any():
        row = int(frame.index[dup.to_numpy().argmax()])
        key = ", ".join(f"{k}={frame.at[row, k]}" for k in table.key)
        first = int(
            frame.index[(frame[list(table.key)] == frame.loc[row, list(table.key)]).all(axis=1)][0]
        )
        raise InputError(
            f"duplicate key ({key}); first given in row {first}",
            path,
            row,
            table.key[-1],
        )


def empty_table(table: Table) -> pd.DataFrame:
    """A typed table with no rows, for optional tables that are absent."""
    frame = pd.DataFrame(
        {c.name: pd.Series(dtype=float if c.kind == "number" else object) for c in table.columns}
    )
    frame.index.name = "row"
    return frame


def inside_folder(path: Path, folder: Path, what: str = "case folder") -> bool:
    """Whether ``path`` exists; an error if it is a symbolic link out of ``folder`` or a broken one.

    Files of a case folder are copied into run folders and embedded in reports,
    which users mail: a link to a file elsewhere (``SOURCES.md -> ~/.ssh/...``)
    must not be followed. Links that stay inside the folder are fine. A broken
    link is an error, not an absent optional file.
    """
    if path.is_symlink() and not path.exists():
        raise InputError("is a broken symbolic link", path)
    if not path.exists():
        return False
    if not path.resolve().is_relative_to(folder.resolve()):
        raise InputError(
            f"is a symbolic link to a file outside the {what}; copy the file into the "
            f"{what} instead",
            path,
        )
    return True
