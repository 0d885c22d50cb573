"""Numbers as text, in one place: the terminal's tables, reports, charts.

Reports and notebooks use `millions` ("$1,234.5M"), `dollars`, `pct` and `qty`;
charts `number`, `money_scale` and `money_label`; the command line
`table_number`, `millions_plain` and `pct_premium`. Every money helper takes the
case's currency (``case.toml`` key ``currency``, default ``"USD"``): US dollars
print as ``$12.3M``, any other currency by its code, ``EUR 12.3M`` (`money_sign`).
Rounding of the numbers themselves (what the CSV files hold) is `model.numbers`.
Text that a spreadsheet would run as a formula is neutralised with
`neutralise_text` (and read back with `restore_text`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any


# --- reports and notebooks ----------------------------------------------------------------------
def shown(v: float, digits: int) -> float:
    """v as it will print with ``digits`` decimals, without a minus on a zero.

    -0.04 printed to one decimal is "-0.0": a sign on nothing, which reads as a loss.
    """
    r = round(v, digits)
    return 0.0 if r == 0 else r


def missing(v: Any) -> bool:
    """None or NaN: shown as '-'."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def money_sign(currency: str = "USD") -> str:
    """What goes before an amount: "$" for US dollars, else the code and a space ("EUR ")."""
    return "$" if currency == "USD" else f"{currency} "


def millions(v: Any, signed: bool = False, currency: str = "USD") -> str:
    """Money in millions: $1,234.5M (EUR 1,234.5M in another currency)."""
    if missing(v):
        return "-"
    m = shown(float(v) / 1e6, 1)
    sign = "+" if signed and m > 0 else ("-" if m < 0 else "")
    return f"{sign}{money_sign(currency)}{abs(m):,.1f}M"


def dollars(v: Any, currency: str = "USD") -> str:
    """Money per unit: $1,234 (cents below 10); EUR 1,234 in another currency."""
    if missing(v):
        return "-"
    v, unit = float(v), money_sign(currency)
    if abs(v) >= 10:
        return f"{'-' if v < 0 else ''}{unit}{abs(v):,.0f}"
    v = shown(v, 2)
    return f"{'-' if v < 0 else ''}{unit}{abs(v):,.2f}"


def pct(v: Any, digits: int = 0) -> str:
    """A share (0-1) as a percentage."""
    if missing(v):
        return "-"
    return f"{shown(100 * float(v), digits):.{digits}f}%"


def qty(v: Any, unit: str = "") -> str:
    """A quantity, whole from 100 up, with its unit."""
    if missing(v):
        return "-"
    v = float(v)
    text = f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.2f}"
    return f"{text} {unit}".strip()


# --- charts ---------------------------------------------------------------------------------------
def number(value: float) -> str:
    """A quantity for a chart label: 1,234 / 12.3 / 0.123."""
    if value != value:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def money_scale(values: Iterable[float], currency: str = "USD") -> tuple[float, str]:
    """(divisor, words) for an axis of amounts this large: $ million, $ thousand or $
    (EUR million, ... in another currency)."""
    finite = [abs(float(v)) for v in values if v == v and abs(float(v)) != math.inf]
    top = max(finite, default=0.0)
    unit = "$" if currency == "USD" else currency
    if top >= 1e6:
        return 1e6, f"{unit} million"
    if top >= 1e3:
        return 1e3, f"{unit} thousand"
    return 1.0, unit


def money_label(value: float, currency: str = "USD") -> str:
    """$11,003M, $42.6M, $12.5k, $950 (EUR 42.6M in another currency)."""
    v = abs(value)
    sign, unit = ("-" if value < 0 else ""), money_sign(currency)
    if v >= 1e8:
        return f"{sign}{unit}{v / 1e6:,.0f}M"
    if v >= 1e6:
        return f"{sign}{unit}{v / 1e6:,.1f}M"
    if v >= 1e3:
        return f"{sign}{unit}{v / 1e3:,.1f}k"
    return f"{sign if shown(v, 0) else ''}{unit}{v:,.0f}"


# --- the command line ---------------------------------------------------------------------------
def table_number(value: float, pct: bool = False) -> str:
    """A number for the terminal's tables: 1,234 / 12.35 / 45.6% / 0 / -."""
    if value != value:  # NaN
        return "-"
    if pct:  # zero too: a share column reads "0.0%" beside "47.5%", not "0"
        return f"{shown(100 * value, 1):.1f}%"
    if value == 0:
        return "0"
    return f"{shown(value, 0):,.0f}" if abs(value) >= 100 else f"{shown(value, 2):,.2f}"


def pct_premium(r: Any) -> str:
    """Average unit cost against the same case without share rules, in percent."""
    extra = getattr(r, "unit_cost_premium", float("nan"))
    base = r.average_unit_cost - extra
    if extra != extra or base <= 0:
        return "-"
    return f"{extra / base:+.1%}"


def millions_plain(value: float, signed: bool = False) -> str:
    """Money in millions, to 0.1 M, without its currency (the column header names it)."""
    if value != value:
        return "-"
    return f"{shown(value / 1e6, 1):{'+' if signed else ''},.1f}"


# --- text in spreadsheets ---------------------------------------------------------------------
# Spreadsheet formula injection (OWASP "CSV injection"): Excel and LibreOffice read a cell
# that starts with one of these as a formula, e.g. =HYPERLINK(...) in a country's name.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|nan)")


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (after any leading quotes)?

    Leading quotes count so that prefixing one is reversible (`restore_text`);
    a plain number such as ``-5`` (or ``-inf``, as workbooks hold infinities) is a
    number, not a formula.
    """
    bare = text.lstrip("'")
    if not bare.startswith(FORMULA_START):
        return False
    return len(bare) < len(text) or _PLAIN_NUMBER.fullmatch(text) is None


def neutralise_text(text: str) -> str:
    """``'`` before text a spreadsheet would run as a formula, as OWASP recommends."""
    return "'" + text if formula_like(text) else text


def restore_text(text: str) -> str:
    """Undo `neutralise_text` (for reading a run folder's tables back)."""
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def year_ranges(years: list[int]) -> str:
    """[2025, 2026, 2027, 2030] -> '2025-2027, 2030'."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
