"""Reports of a run folder: one self-contained HTML page and a Markdown twin.

``sourcing report RUN_FOLDER`` (or `write_report`) reads what a run wrote,
its CSV tables, summary.json and ``inputs/``, without solving again, and
writes ``report.html`` (plots embedded as data URIs, inline CSS, no scripts and
nothing fetched) and ``report.md`` (plots linked as ``plots/*.png``). Plots
missing from the folder (a run made with ``--no-plots``) are drawn from the
tables and written to ``plots/`` with the report. Existing reports are replaced
only with ``force``. The report files and the plots it adds are one set, written
all or none: a copy of the run folder gets them and replaces the folder in one
step (`model.output.update_folder_atomically`), so at every instant the folder
holds the old set or the new one.

A report answers, in order: the question the run asks (the case or scenario
descriptions and its policy), the headline numbers, the plots, the key
tables, what binds and what the shadow prices say in plain words (solve
runs), and the sources and estimates behind the inputs.

The same table builders give result objects their ``_repr_html_`` in notebooks.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from model.errors import InputError, RunExistsError
from model.policy import CaseFile, parse, read_toml

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
    "sweep_points": ("point", "objective", "total_cost", "commodities_with_shortfall"),
    "sweep": ("point", "commodity", "shortfall"),
    "sweep_mix": ("point", "commodity", "country", "quantity"),
    "curve": (
        "commodity",
        "cap",
        "breakpoint",
        "supplied",
        "shortfall",
        "cost_premium",
        "objective_increase",
    ),
    "breakpoints": ("commodity", "cap_from", "cap_to", "change"),
    "criticality": (
        "rank",
        "outage",
        "kind",
        "objective_increase",
        "supply_cost_increase",
        "commodities_short",
        "worst_commodity",
    ),
    "stress": ("outage", "commodity", "cost_increase", "extra_shortfall", "china_share"),
    "comparison": ("case", "commodity", "cost", "supplied", "shortfall", "china_share"),
    "comparison_totals": (
        "case",
        "description",
        "total_cost",
        "objective",
        "commodities_with_shortfall",
        "total_cost_vs_first",
    ),
    "inputs/countries": ("country", "name", "groups"),
    "inputs/commodities": ("commodity",),
    "inputs/supply": ("commodity", "country"),
}
NEEDS_BESIDE: dict[str, dict[str, tuple[str, ...]]] = {
    "stages": {"cost_premium": ("unit_cost_premium_pct",)},
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
    "breakpoint",
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
    "cost_premium",
    "cost_upper",
    "cost_vs_base",
    "demand",
    "downstream_use",
    "dual_value",
    "extra_shortfall",
    "freight",
    "freight_cost",
    "lower",
    "marginal_cost_per_pp",
    "marginal_value",
    "max_china_share",
    "objective",
    "objective_increase",
    "point",
    "quantity",
    "rank",
    "shadow_price",
    "share",
    "shortfall",
    "shortfall_of_next_pp",
    "shortfall_penalty",
    "shortfall_value",
    "shortfall_vs_base",
    "supplied",
    "supply_cost_increase",
    "supply_cost_saving",
    "tariff",
    "tariff_cost",
    "tariff_per_unit",
    "total_cost",
    "total_cost_premium",
    "total_cost_vs_first",
    "uncapped_cost",
    "uncapped_shortfall",
    "unit_cost",
    "unit_cost_premium",
    "unit_cost_premium_pct",
    "upper",
    "value",
    "with_shortfall",
}
# summary.json keys the report computes with, and the JSON type each must have
SUMMARY_TYPES: dict[str, tuple[type, ...]] = {
    "total_cost": (int, float),
    "total_cost_premium": (int, float),
    "objective": (int, float),
    "shortfall_penalty_cost": (int, float),
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
    from model.output import restore_text

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
    from model.case import inside_folder

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
        tables=tables,
        countries=inputs["countries"],
        folder=folder,
        inputs=inputs,
        case_toml=case_toml,
        scenarios=scenarios,
        sources_md=_read_text(sources) if present(sources) else None,
    )


def run_from_result(obj: Any) -> Run:
    """A `Run` from a result object (Result, SweepResult, CurveResult, ...)."""
    from model.compare import CompareResult
    from model.curve import CurveResult
    from model.solve import Result
    from model.stress import StressResult
    from model.sweep import SweepResult

    if isinstance(obj, Result):
        tables = {
            "commodities": obj.commodities,
            "mix": obj.mix,
            "stages": obj.stages,
            "capacity_values": obj.capacity_values,
        }
        return Run("solve", obj.summary, tables, obj.case.countries)
    if isinstance(obj, SweepResult):
        tables = {"sweep_points": obj.points, "sweep": obj.table, "sweep_mix": obj.mix}
        return Run("sweep", obj.summary, tables, obj.case.countries)
    if isinstance(obj, CurveResult):
        tables = {"curve": obj.curve, "breakpoints": obj.breakpoints}
        return Run("curve", obj.summary, tables, obj.case.countries)
    if isinstance(obj, StressResult):
        tables = {"criticality": obj.ranking, "stress": obj.by_commodity}
        return Run("stress", obj.summary, tables, obj.case.countries)
    if isinstance(obj, CompareResult):
        tables = {"comparison": obj.by_commodity, "comparison_totals": obj.totals}
        return Run("compare", obj.summary, tables, obj.results[0].case.countries)
    raise TypeError(f"no report for {type(obj).__name__}")


# --- number formats ---------------------------------------------------------------------------
def _isnan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def money(v: Any, signed: bool = False) -> str:
    """US dollars in millions: $1,234.5M."""
    if _isnan(v):
        return "-"
    v = float(v)
    sign = "+" if signed and v > 0 else ("-" if v < 0 else "")
    return f"{sign}${abs(v) / 1e6:,.1f}M"


def dollars(v: Any) -> str:
    if _isnan(v):
        return "-"
    v = float(v)
    return f"{'-' if v < 0 else ''}${abs(v):,.0f}" if abs(v) >= 10 else f"${v:,.2f}"


def pct(v: Any, digits: int = 0) -> str:
    """A share (0-1) as a percentage."""
    if _isnan(v):
        return "-"
    return f"{100 * float(v):.{digits}f}%"


def qty(v: Any, unit: str = "") -> str:
    if _isnan(v):
        return "-"
    v = float(v)
    text = f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.2f}"
    return f"{text} {unit}".strip()


# --- a small document model, rendered to HTML and Markdown ------------------------------------
@dataclass
class Table:
    frame: pd.DataFrame  # cells already formatted as text
    right: tuple[str, ...] = ()  # right-aligned (numeric) columns
    caption: str = ""


@dataclass
class Figure:
    name: str
    png: bytes
    title: str


@dataclass
class Details:
    summary: str
    blocks: list[Any]


@dataclass
class Markdown:
    text: str  # trusted Markdown from the inputs (SOURCES.md sections)


@dataclass
class SourceFile:
    """A file of the run folder: shown in full in HTML, linked from Markdown."""

    path: str
    text: str


Block = Any  # ("h2", text) | ("p", text) | ("ul", [text]) | Table | Figure | Details | Markdown

# Text blocks are a small inline language, valid Markdown as it stands: **bold**, `code` and
# backslash escapes of ASCII punctuation. User text (names, units, descriptions, rule names)
# goes in through `lit` (or `code`), so it shows literally in both reports; table cells are
# literal text and escaped by the renderers.
_MD_INLINE = re.compile(
    r"[\\`*\[\]|~]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"
)
_ESCAPE_OR_CODE = re.compile(r"\\([!-/:-@\[-`{-~])|`([^`]+)`")


def _md_inline(text: Any) -> str:
    """Text as literal Markdown inside a line: specials backslash-escaped, on one line.

    Underscores inside a word (``rare_earths``) cannot start emphasis and stay as they are.
    """
    text = re.sub(r"\r\n|\r|\n", " ", str(text))
    return _MD_INLINE.sub(lambda m: "\\" + m.group(), text)


def lit(text: Any) -> str:
    """User text for a text block: shown literally in HTML and Markdown.

    Besides `_md_inline`, ``#`` is escaped, and so is anything at the start that
    would open a block where the text begins a line (a list, a quote, a numbered item).
    """
    out = _md_inline(text).replace("#", "\\#")
    out = re.sub(r"^(\s*)([>+\-=])", r"\1\\\2", out)
    return re.sub(r"^(\s*\d{1,9})([.)])(?=\s|$)", r"\1\\\2", out)


def code(text: Any) -> str:
    """User text as `code` (literal in both reports); plain literal text if it holds a backtick."""
    text = re.sub(r"\r\n|\r|\n", " ", str(text))
    return lit(text) if "`" in text or not text.strip() else f"`{text}`"


def _inline_html(text: str) -> str:
    """Escape, then backslash escapes, `code` and **bold** (left to right, as Markdown does)."""
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        char, span = m.groups()
        kept.append(
            html.escape(char, quote=False)
            if char is not None
            else f"<code>{html.escape(span, quote=False)}</code>"
        )
        return f"\0{len(kept) - 1}\0"

    out = _ESCAPE_OR_CODE.sub(keep, text.replace("\0", "\ufffd"))
    out = html.escape(out, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub("\0(\\d+)\0", lambda m: kept[int(m.group(1))], out)


def _md_cell(text: Any) -> str:
    """A table cell: literal text (tables hold no markup)."""
    return _md_inline(text)


MAX_TABLE_ROWS = 200  # a report lists at most this many rows of a table; the CSV has all


def _shown(t: Table) -> tuple[pd.DataFrame, str]:
    if len(t.frame) <= MAX_TABLE_ROWS:
        return t.frame, t.caption
    note = f"the first {MAX_TABLE_ROWS} of {len(t.frame):,} rows (the CSV file holds them all)"
    return t.frame.head(MAX_TABLE_ROWS), f"{t.caption}; {note}" if t.caption else note


def _table_html(t: Table) -> str:
    frame, caption_text = _shown(t)
    cols = list(frame.columns)
    head = "".join(
        f'<th class="{"r" if c in t.right else "l"}">{html.escape(str(c))}</th>' for c in cols
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{"r" if c in t.right else "l"}">{html.escape(str(v), quote=False)}</td>'
            for c, v in zip(cols, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    caption = f"<caption>{_inline_html(caption_text)}</caption>" if caption_text else ""
    return (
        f'<div class="scroll"><table>{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _table_md(t: Table) -> str:
    frame, caption = _shown(t)
    cols = list(frame.columns)
    lines = []
    if caption:
        lines += [f"*{caption}*", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c in t.right else "---" for c in cols) + "|")
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    return md.render(text)


def render_html(title: str, blocks: list[Block]) -> str:
    body = "\n".join(_block_html(b) for b in blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body>\n<main>\n<h1 id="title">{html.escape(title)}</h1>\n{body}\n</main>\n'
        "</body>\n</html>\n"
    )


def _block_html(b: Block) -> str:
    if isinstance(b, Table):
        return _table_html(b)
    if isinstance(b, Figure):
        data = base64.b64encode(b.png).decode("ascii")
        return (
            f'<figure id="plot-{b.name}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(b.title)}"><figcaption>{html.escape(b.title)} '
            f"(plots/{b.name}.png, .svg)</figcaption></figure>"
        )
    if isinstance(b, Details):
        inner = "\n".join(_block_html(x) for x in b.blocks)
        return f"<details><summary>{_inline_html(b.summary)}</summary>\n{inner}\n</details>"
    if isinstance(b, Markdown):
        return f'<div class="md">{_markdown_html(b.text)}</div>'
    if isinstance(b, SourceFile):
        return (
            f"<details><summary>{html.escape(b.path)} in full</summary>\n"
            f'<div class="md">{_markdown_html(b.text)}</div>\n</details>'
        )
    kind, content = b
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{_inline_html(x)}</li>" for x in content) + "</ul>"
    if kind == "cards":
        cards = "".join(
            f'<div class="card"><div class="label">{_inline_html(label)}</div>'
            f'<div class="value">{_inline_html(value)}</div>'
            f'<div class="note">{_inline_html(note)}</div></div>'
            for label, value, note in content
        )
        return f'<div class="cards" id="headline">{cards}</div>'
    if kind in ("h2", "h3"):
        anchor = re.sub(r"[^a-z0-9]+", "-", content.lower()).strip("-")
        return f'<{kind} id="{anchor}">{_inline_html(content)}</{kind}>'
    if kind == "note":
        return f'<p class="muted">{_inline_html(content)}</p>'
    return f"<p>{_inline_html(content)}</p>"


def render_md(title: str, blocks: list[Block]) -> str:
    parts = [f"# {lit(title)}"]
    for b in blocks:
        parts.append(_block_md(b))
    return "\n\n".join(p for p in parts if p) + "\n"


def _block_md(b: Block) -> str:
    if isinstance(b, Table):
        return _table_md(b)
    if isinstance(b, Figure):
        return f"![{b.title}](plots/{b.name}.png)"
    if isinstance(b, Details):
        inner = "\n\n".join(_block_md(x) for x in b.blocks)
        return f"**{b.summary}**\n\n{inner}"
    if isinstance(b, Markdown):
        # shift the source's headings below the report's own
        return re.sub(r"(?m)^(#{1,4}) ", lambda m: "#" * min(6, len(m.group(1)) + 2) + " ", b.text)
    if isinstance(b, SourceFile):
        return f"The full sources: [{b.path}]({b.path})."
    kind, content = b
    if kind == "ul":
        return "\n".join(f"- {x}" for x in content)
    if kind == "cards":
        return "\n".join(
            f"- **{label}: {value}**" + (f" ({note})" if note else "")
            for label, value, note in content
        )
    if kind == "h2":
        return f"## {content}"
    if kind == "h3":
        return f"### {content}"
    if kind == "note":
        return f"*{content}*"
    return str(content)


CSS = """
:root { --red: #c62828; --blue: #1565c0; --grey: #616161; --line: #e0e0e0; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafafa; color: #212121;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.8em 0 0.5em; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
p, ul { margin: 0.5em 0; }
code { font-size: 0.92em; background: #f1f1f1; padding: 0 3px; border-radius: 3px; }
.muted { color: var(--grey); font-size: 0.92em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr));
  gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--blue); border-radius: 4px;
  padding: 10px 12px; background: #fff; }
.card .label { color: var(--grey); font-size: 0.85em; }
.card .value { font-size: 1.35em; font-weight: 600; }
.card .note { color: var(--grey); font-size: 0.82em; }
.scroll { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 0.86em; min-width: 40%; }
caption { text-align: left; color: var(--grey); padding: 4px 0; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f5f5f5; text-align: left; white-space: nowrap; }
td.r, th.r { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #f7fbff; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--grey); font-size: 0.85em; }
details { margin: 10px 0; border: 1px solid var(--line); border-radius: 4px;
  padding: 6px 12px; }
details summary { cursor: pointer; font-weight: 600; }
.md table { font-size: 0.82em; }
.md h1 { font-size: 1.25em; } .md h2 { font-size: 1.12em; } .md h3 { font-size: 1em; }
"""


# --- shared pieces ----------------------------------------------------------------------------
def _policy_words(policy: dict[str, Any]) -> list[str]:
    out = []
    cap = policy.get("max_china_share", 1.0)
    by_stage = policy.get("max_china_share_by_stage") or {}
    if cap < 1:
        out.append(f"China's share of every commodity is capped at {pct(cap)}.")
    elif not by_stage:
        out.append("China's share is not capped (unless a commodity sets its own cap).")
    for stage, value in by_stage.items():
        out.append(f"China's share of {lit(stage)} is capped at {pct(value)}.")
    for rule in policy.get("rules") or []:
        who = rule.get("country", "")
        bounds = []
        if rule.get("min_share") is not None:
            bounds.append(f"at least {pct(rule['min_share'])}")
        if rule.get("max_share") is not None:
            bounds.append(f"at most {pct(rule['max_share'])}")
        scope = (
            ", ".join(map(lit, rule["commodities"]))
            if rule.get("commodities")
            else (lit(rule["stage"]) if rule.get("stage") else "every commodity")
        )
        subject = "each single country" if who == "each" else lit(who)
        name = f" ({lit(rule['name'])})" if rule.get("name") else ""
        out.append(f"Rule{name}: {subject} supplies {' and '.join(bounds)} of {scope}.")
    return out


def _question(run: Run) -> list[Block]:
    s = run.summary
    blocks: list[Block] = [("h2", "The question")]
    description = s.get("description") or run.case_toml.get("description", "")
    if run.kind == "solve":
        blocks.append(("p", f"**Case {lit(s.get('case', ''))}**: {lit(description)}"))
        if run.case_toml:
            blocks.append(("ul", _policy_words(run.case_toml.get("policy", {}))))
    elif run.kind == "sweep":
        params = ", ".join(code(p) for p in s.get("parameters", []))
        blocks.append(
            (
                "p",
                f"How do cost and unmet need change as {params} vary over {s.get('points')} "
                f"points ({lit(s.get('combine', 'product'))} of the grids), on case "
                f"**{lit(s.get('case', ''))}**?",
            )
        )
    elif run.kind == "curve":
        together = s.get("together")
        blocks.append(
            (
                "p",
                "The price of de-risking: what does supply cost, and how much need goes "
                "unmet, as the cap on China's share goes from 100% to 0% "
                + ("for every commodity at once" if together else "for each commodity in turn")
                + f", on case **{lit(s.get('case', ''))}**?",
            )
        )
    elif run.kind == "stress":
        blocks.append(
            (
                "p",
                f"Which supplier's loss hurts most? Each of {s.get('outages')} outages sets a "
                "country's (or group's) capacity to zero and solves again, on case "
                f"**{lit(s.get('case', ''))}**.",
            )
        )
    elif run.kind == "compare":
        blocks.append(("p", "What changes between these cases? The first is the reference."))
    for file, spec in run.scenarios.items():
        if run.kind == "compare":
            break  # each compared case is described below, with its own description
        if spec.get("description") and spec["description"] != description:
            blocks.append(("note", f"{code(file)}: {lit(spec['description'])}"))
    if run.kind != "solve" and description and run.kind != "compare":
        blocks.append(("note", f"Case {lit(s.get('case', ''))}: {lit(description)}"))
    return blocks


def _figures(run: Run, new_files: dict[str, bytes] | None) -> list[Figure]:
    """The run's plots: from plots/*.png when there, else drawn from the tables.

    Drawn plots (PNG and SVG) are added to ``new_files`` as ``plots/<file>`` when given.
    """
    from model.case import inside_folder
    from model.plots import figure_files, run_figures

    names = {
        "solve": ["mix", "china_share", "stages"],
        "sweep": ["sweep"],
        "curve": ["curve"],
        "stress": ["criticality"],
        "compare": ["comparison"],
    }[run.kind]
    folder = run.folder
    have = {}
    if folder is not None:
        for n in names:
            png = folder / "plots" / f"{n}.png"
            if inside_folder(png, folder, "run folder") and png.is_file():
                have[n] = png.read_bytes()
    missing = [n for n in names if n not in have]
    if missing:
        summary = {k: v for k, v in run.summary.items() if k != "timings_seconds"}
        figs = run_figures(run.kind, run.tables, summary, run.countries)
        for n in missing:
            files = figure_files(figs[n], n, svg=new_files is not None)
            have[n] = files[f"{n}.png"]
            if new_files is not None and folder is not None:
                new_files.update({f"plots/{file}": data for file, data in files.items()})
    return [Figure(n, have[n], PLOT_TITLES.get(n, n)) for n in names]


def _sources(run: Run) -> list[Block]:
    blocks: list[Block] = [("h2", "Sources and estimates")]
    rows = []
    com = run.inputs.get("commodities")
    if com is not None and "note" in com:
        for r in com.itertuples(index=False):
            if ESTIMATE_WORDS.search(str(r.note)):
                rows.append((r.commodity, "", str(r.note)))
    sup = run.inputs.get("supply")
    if sup is not None and "note" in sup:
        for r in sup.itertuples(index=False):
            if ESTIMATE_WORDS.search(str(r.note)):
                rows.append((r.commodity, r.country, str(r.note)))
    if run.sources_md is not None:
        blocks.append(
            (
                "p",
                "Every input number has a named public source and year, or is marked as an "
                "estimate with its reasoning, in `inputs/SOURCES.md` of this run folder "
                "(shown in full below). The sections of it that are estimates:",
            )
        )
        for heading, text in _estimate_sections(run.sources_md):
            blocks.append(("h3", heading))
            blocks.append(Markdown(text))
    else:
        blocks.append(
            ("p", "This case has no SOURCES.md: the origin of its numbers is not recorded here.")
        )
    if rows:
        frame = pd.DataFrame(rows, columns=["commodity", "country", "note"])
        blocks.append(
            (
                "p",
                f"**{len(rows)} input rows** are estimates, allocations or assumptions by their "
                "own note (`note` column of `inputs/commodities.csv` and `inputs/supply.csv`).",
            )
        )
        blocks.append(Details(f"Input rows marked as estimates ({len(rows)})", [Table(frame)]))
    if run.sources_md is not None:
        blocks.append(SourceFile("inputs/SOURCES.md", run.sources_md))
    return blocks


def _estimate_sections(text: str) -> list[tuple[str, str]]:
    """Level-2 sections of SOURCES.md whose heading speaks of estimates or weak figures."""
    out = []
    parts = re.split(r"(?m)^## ", text)
    for part in parts[1:]:
        heading, _, body = part.partition("\n")
        if re.search(r"estimate|weak", heading, re.IGNORECASE):
            out.append((heading.replace("**", "").strip(), body.strip()))
    return out


def _footer(run: Run) -> list[Block]:
    s = run.summary
    versions = s.get("versions", {})
    lines = [f"Run kind: {lit(run.kind)}", f"run folder: {lit(run.name)}"]
    if s.get("inputs_sha256"):
        lines.append(f"inputs SHA-256: {code(str(s['inputs_sha256'])[:16] + '...')}")
    if versions:
        lines.append("versions: " + ", ".join(f"{lit(k)} {lit(v)}" for k, v in versions.items()))
    return [
        ("h2", "About this run"),
        ("note", "; ".join(lines) + "."),
        (
            "note",
            "Generated by `sourcing report` from the run folder's CSV files and summary.json; "
            "nothing was solved again. `report.md` beside this file has the same content.",
        ),
    ]


# --- solve runs -------------------------------------------------------------------------------
def _need(com: pd.DataFrame) -> pd.Series:
    return com["supplied"] + com["shortfall"]


def commodities_table(com: pd.DataFrame) -> Table:
    need = _need(com)
    frame = pd.DataFrame(
        {
            "commodity": com["commodity"],
            "stage": com["stage"].replace("", "-"),
            "unit": com["unit"],
            "need": [qty(v) for v in need],
            "supplied": [qty(v) for v in com["supplied"]],
            "unmet": [
                f"{qty(s)} ({pct(s / n)})" if s > 0 else "0"
                for s, n in zip(com["shortfall"], need, strict=True)
            ],
            "China": [pct(v, 1) for v in com["china_share"]],
            "cap": [pct(v) for v in com["max_china_share"]],
            "cost": [money(v) for v in com["cost"]],
        }
    )
    right = ("need", "supplied", "unmet", "China", "cap", "cost")
    if "cost_premium" in com:
        frame["premium"] = [money(v, signed=True) for v in com["cost_premium"]]
        right += ("premium",)
    return Table(frame, right)


def _solve_headline(run: Run) -> list[Block]:
    s, com = run.summary, run.tables["commodities"]
    stages = run.tables.get("stages")
    cards = [("total supply cost", money(s.get("total_cost")), "a year, at delivered unit costs")]
    premium = s.get("total_cost_premium")
    if premium is not None:
        base = float(s["total_cost"]) - float(premium)
        share = f"{100 * premium / base:+.1f}% " if base > 0 else ""
        note = f"{share}against the same case without the China cap and share rules"
        if premium < 0 and (com["shortfall"] > 0).any():
            note += "; below zero because unmet need means less is bought"
        cards.append(("premium over no share rules", money(premium, signed=True), note))
    short = com[com["shortfall"] > 0]
    need = _need(com)
    if len(short):
        worst = ", ".join(
            f"{lit(r.commodity)} {pct(r.shortfall / need[i])}" for i, r in short.iterrows()
        )
        cards.append((f"commodities short (of {len(com)})", str(len(short)), f"unmet: {worst}"))
    else:
        cards.append((f"commodities short (of {len(com)})", "0", "all need is met"))
    penalty = s.get("shortfall_penalty_cost") or 0
    if penalty:
        cards.append(
            (
                "objective",
                money(s.get("objective")),
                f"supply cost plus {money(penalty)} of unmet need valued at its shortfall penalty",
            )
        )
    if stages is not None and len(stages):
        for r in stages.itertuples(index=False):
            note = f"of {money(r.cost)} spend"
            if getattr(r, "with_shortfall", 0):
                n = int(r.with_shortfall)
                note += f"; {n} {'commodity' if n == 1 else 'commodities'} short"
            cards.append((f"China's share, {lit(r.stage)}", pct(r.china_cost_share), note))
    blocks: list[Block] = [("h2", "Headline numbers"), ("cards", cards)]
    blocks.append(
        (
            "note",
            "China's share by stage is its share of the stage's spend (quantities of different "
            "commodities do not add up); by commodity it is its share of the quantity supplied, "
            "in the table below.",
        )
    )
    return blocks


def _text(v: Any) -> str:
    return "" if _isnan(v) else str(v)


def _binding_words(com: pd.DataFrame) -> list[str]:
    """One plain sentence group per commodity that is short or held by a binding limit."""
    out = []
    for r in com.itertuples(index=False):
        binding = _text(getattr(r, "binding", ""))
        if not binding and not r.shortfall > 0:
            continue
        words = []
        unit = lit(r.unit)
        if r.shortfall > 0:
            words.append(
                f"short {qty(r.shortfall, unit)} a year "
                f"({pct(r.shortfall / (r.supplied + r.shortfall))} of its need)."
            )
        parts = [p.strip() for p in re.split(r";\s*(?![^()]*\))", binding) if p.strip()]
        for part in parts:
            if part.startswith("capacity "):
                who = part.removeprefix("capacity ").replace(",", ", ")
                words.append(f"Suppliers at full capacity: {lit(who)}.")
            elif part.startswith("China cap"):
                words.append(
                    f"The {lit(part.removeprefix('China cap '))} cap on China binds "
                    f"(China supplies {pct(r.china_share, 1)})."
                )
                nxt = getattr(r, "cost_of_next_pp", float("nan"))
                dual = getattr(r, "marginal_cost_per_pp", float("nan"))
                more = getattr(r, "shortfall_of_next_pp", float("nan"))
                if not _isnan(nxt):
                    text = f"One point tighter would raise the objective by {dollars(nxt)} a year"
                    if not _isnan(dual):
                        same = abs(dual - nxt) <= 1e-6 * max(1.0, abs(nxt))
                        text += (
                            " (re-solved; the dual gives the same rate)"
                            if same
                            else f" (re-solved; the dual's rate is {dollars(dual)} per point)"
                        )
                    if not _isnan(more) and more > 0:
                        text += (
                            f" and leave {qty(more, unit)} more unmet, so the figure is "
                            "mostly the shortfall penalty, a policy weight"
                        )
                    words.append(text + ".")
            elif part.startswith("rule "):
                words.append(f"The share rule '{lit(part.removeprefix('rule '))}' binds.")
            elif part.startswith("input "):
                words.append(f"Held back upstream by {lit(part.removeprefix('input '))}.")
            else:
                words.append(lit(part) + ".")
        price = getattr(r, "shadow_price", float("nan"))
        if not _isnan(price) and price > 0:
            text = f"Shadow price: one more {unit} of direct demand would cost {dollars(price)}"
            if r.shortfall > 0 and abs(price - r.shortfall_penalty) <= 1e-6 * max(1, price):
                text += " (its shortfall penalty: at the margin, need goes unmet)"
            words.append(text + ".")
        out.append(f"**{lit(r.commodity)}**: " + " ".join(words))
    return out


def _capacity_words(cap: pd.DataFrame, com: pd.DataFrame, top: int = 8) -> list[str]:
    unit = dict(zip(com["commodity"], com["unit"], strict=True))
    rows = cap[cap["marginal_value"].fillna(0) > 0].sort_values(
        ["marginal_value", "commodity", "country"], ascending=[False, True, True]
    )
    out = []
    for r in rows.head(top).itertuples(index=False):
        text = (
            f"One more {lit(unit.get(r.commodity, 'unit'))} a year of **{lit(r.commodity)}** "
            f"from {lit(r.country_name)} ({lit(r.country)}) would save {dollars(r.marginal_value)}"
        )
        if bool(r.relieves_shortfall) and str(r.relieves_shortfall) != "False":
            text += " (it relieves unmet need, so this is mostly the shortfall penalty)"
        else:
            text += f" of supply cost (it is full at {qty(r.capacity)})"
        out.append(text + ".")
    return out


def _solve_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    com = run.tables["commodities"]
    blocks = _question(run) + _solve_headline(run)
    blocks += [("h2", "Plots"), *figures]
    blocks += [("h2", "Key tables"), commodities_table(com)]
    stages = run.tables.get("stages")
    if stages is not None and len(stages):
        frame = pd.DataFrame(
            {
                "stage": stages["stage"],
                "commodities": stages["commodities"].astype(str),
                "short": stages["with_shortfall"].astype(str),
                "spend": [money(v) for v in stages["cost"]],
                "China share of spend": [pct(v, 1) for v in stages["china_cost_share"]],
            }
        )
        right = ("commodities", "short", "spend", "China share of spend")
        if "cost_premium" in stages:
            frame["premium"] = [money(v, signed=True) for v in stages["cost_premium"]]
            frame["unit-cost premium"] = [
                "-" if _isnan(v) else f"{v:+.1f}%" for v in stages["unit_cost_premium_pct"]
            ]
            right += ("premium", "unit-cost premium")
        blocks.append(Table(frame, right, "By supply-chain stage"))
    mix = run.tables["mix"]
    unit = dict(zip(com["commodity"], com["unit"], strict=True))
    mix_frame = pd.DataFrame(
        {
            "commodity": mix["commodity"],
            "country": [
                f"{n} ({c})" for c, n in zip(mix["country"], mix["country_name"], strict=True)
            ],
            "quantity": [
                qty(q, unit.get(k, ""))
                for q, k in zip(mix["quantity"], mix["commodity"], strict=True)
            ],
            "share": [pct(v, 1) for v in mix["share"]],
            "unit cost": [dollars(v) for v in mix["unit_cost"]],
            "cost": [money(v) for v in mix["cost"]],
        }
    )
    blocks.append(
        Details(
            f"The mix: every purchase ({len(mix)} rows)",
            [Table(mix_frame, ("quantity", "share", "unit cost", "cost"))],
        )
    )
    blocks.append(("h2", "What binds, and what the shadow prices say"))
    words = _binding_words(com)
    blocks.append(
        ("ul", words)
        if words
        else ("p", "Nothing binds: every commodity is met by suppliers with capacity to spare.")
    )
    cap = run.tables.get("capacity_values")
    if cap is not None and len(cap):
        cap_words = _capacity_words(cap, com)
        if cap_words:
            blocks.append(("h3", "Which extra capacity is worth most"))
            blocks.append(("ul", cap_words))
            blocks.append(
                (
                    "note",
                    "Values are per unit of the commodity (units differ between commodities), "
                    "from re-solving with one more unit of capacity.",
                )
            )
    blocks.append(
        (
            "note",
            "Duals are exact rates of change only where the optimum is not degenerate; this "
            "LP often is (a cap, capacity and demand binding at once), so the exact one-step "
            "changes from re-solving are given beside them. Where a change alters unmet need, "
            "its value includes the shortfall penalty, a policy weight, not a market price.",
        )
    )
    return blocks


# --- sensitivity runs -------------------------------------------------------------------------
def _param_text(parameter: str, value: Any) -> str:
    if parameter.startswith("max_china_share"):
        return pct(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def sweep_table(points: pd.DataFrame, table: pd.DataFrame, parameters: list[str]) -> Table:
    short = (
        table[table["shortfall"] > 0].groupby("point")["commodity"].agg(", ".join)
        if len(table)
        else pd.Series(dtype=object)
    )
    frame = pd.DataFrame({"point": points["point"].astype(str)})
    for p in parameters:
        frame[p] = [_param_text(p, v) for v in points[p]]
    frame["supply cost"] = [money(v) for v in points["total_cost"]]
    right = ("supply cost",)
    if "total_cost_premium" in points:
        frame["premium"] = [money(v, signed=True) for v in points["total_cost_premium"]]
        right += ("premium",)
    frame["objective"] = [money(v) for v in points["objective"]]
    frame["unmet need in"] = [short.get(p, "") or "-" for p in points["point"]]
    return Table(frame, (*right, "objective"))


def _sweep_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    points, table = run.tables["sweep_points"], run.tables["sweep"]
    params = list(run.summary.get("parameters", []))
    cards = [
        ("points solved", str(len(points)), ", ".join(map(lit, params))),
        (
            "supply cost",
            f"{money(points['total_cost'].min())} to {money(points['total_cost'].max())}",
            "a year, across the points",
        ),
    ]
    if "total_cost_premium" in points:
        i = points["total_cost_premium"].idxmax()
        at = ", ".join(f"{lit(p)} = {lit(_param_text(p, points.at[i, p]))}" for p in params)
        cards.append(
            ("largest premium", money(points.at[i, "total_cost_premium"], signed=True), f"at {at}")
        )
    short = points[points["commodities_with_shortfall"] > 0]
    if len(short):
        first = short.iloc[0]
        at = ", ".join(f"{lit(p)} = {lit(_param_text(p, first[p]))}" for p in params)
        cards.append(
            (
                "points with unmet need",
                f"{len(short)} of {len(points)}",
                f"first at {at} (in grid order)",
            )
        )
    else:
        cards.append(("points with unmet need", "0", "all need met at every point"))
    return [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        sweep_table(points, table, params),
        (
            "note",
            "Per point and commodity: `sweep.csv`; every point's mix: `sweep_mix.csv`. "
            "The premium compares each point with the same point without share rules; it "
            "falls when need goes unmet, because less is bought.",
        ),
    ]


def curve_table(curve: pd.DataFrame) -> Table:
    rows = []
    for k, g in curve.groupby("commodity", sort=False):
        g = g.sort_values("cap", ascending=False)
        need = g["supplied"] + g["shortfall"]
        short = g[g["shortfall"] > 0]
        starts = pct(short["cap"].max(), 1) if len(short) else "never"

        def at(cap: float, g=g, need=need) -> tuple[str, str]:
            hit = g[(g["cap"] - cap).abs() < 1e-9]
            if hit.empty:
                return "-", "-"
            r = hit.iloc[0]
            n = need[hit.index[0]]
            return money(r["cost_premium"], signed=True), pct(r["shortfall"] / n) if n > 0 else "-"

        p50, s50 = at(0.5)
        p0, s0 = at(0.0)
        rows.append(
            (
                k,
                money(g["cost_premium"].max(), signed=True),
                starts,
                p50,
                s50,
                p0,
                s0,
                str(int(g["breakpoint"].astype(bool).sum())),
            )
        )
    cols = [
        "commodity",
        "largest premium",
        "unmet once cap ≤",
        "premium at 50%",
        "unmet at 50%",
        "premium at 0%",
        "unmet at 0%",
        "breakpoints",
    ]
    return Table(pd.DataFrame(rows, columns=cols), tuple(cols[1:]))


def _curve_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    curve, breaks = run.tables["curve"], run.tables["breakpoints"]
    table = curve_table(curve)
    never = (table.frame["unmet once cap ≤"] == "never").sum()
    cards = [
        ("commodities swept", str(curve["commodity"].nunique()), "cap from 100% to 0%"),
        ("breakpoints", str(len(breaks)), "caps where the mix changes"),
        (
            "need stays met at every cap",
            f"{never} of {len(table.frame)}",
            "the rest go short at some cap",
        ),
    ]
    bp = pd.DataFrame(
        {
            "commodity": breaks["commodity"],
            "cap from": [pct(v, 2) for v in breaks["cap_from"]],
            "to": [pct(v, 2) for v in breaks["cap_to"]],
            "what changes": breaks["change"],
        }
    )
    return [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        table,
        (
            "note",
            "Premium: supply cost over the same case without a cap, $ a year; it can fall "
            "once need goes unmet, because less is bought. Unmet: share of the need.",
        ),
        Details(f"Breakpoints ({len(breaks)})", [Table(bp, ("cap from", "to"))]),
    ]


def stress_table(ranking: pd.DataFrame, top: int = 20) -> Table:
    r = ranking.head(top)
    frame = pd.DataFrame(
        {
            "rank": r["rank"].astype(str),
            "outage": r["outage"],
            "kind": r["kind"],
            "objective +": [money(v, signed=True) for v in r["objective_increase"]],
            "supply cost +": [money(v, signed=True) for v in r["supply_cost_increase"]],
            "commodities short": r["commodities_short"].astype(str),
            "worst": r["worst_commodity"].replace("", "-"),
        }
    )
    return Table(frame, ("rank", "objective +", "supply cost +", "commodities short"))


def _stress_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    ranking = run.tables["criticality"]
    top = ranking.iloc[0] if len(ranking) else None
    cards = [("outages tested", str(len(ranking)), "countries and groups removed one at a time")]
    if top is not None:
        cards.append(
            (
                "most critical",
                lit(top["outage"]),
                f"objective {money(top['objective_increase'], signed=True)}; "
                f"{top['commodities_short']} commodities short",
            )
        )
    cards.append(
        (
            "outages that leave need unmet",
            str(int((ranking["commodities_short"] > 0).sum())),
            "the rest only raise cost",
        )
    )
    blocks = [
        *_question(run),
        ("h2", "Headline numbers"),
        ("cards", cards),
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        stress_table(ranking),
        (
            "note",
            "Objective = supply cost plus unmet need valued at its shortfall penalty. "
            "Supply cost can fall when an outage leaves need unmet, because less is bought.",
        ),
    ]
    detail = run.tables.get("stress")
    if detail is not None and len(detail) and top is not None:
        first = list(ranking["outage"].head(5))
        d = detail[detail["outage"].isin(first)]
        frame = pd.DataFrame(
            {
                "outage": d["outage"],
                "commodity": d["commodity"],
                "cost +": [money(v, signed=True) for v in d["cost_increase"]],
                "extra unmet": [qty(v) for v in d["extra_shortfall"]],
                "China share": [pct(v, 1) for v in d["china_share"]],
            }
        )
        blocks.append(
            Details(
                "Effects by commodity of the five worst outages",
                [Table(frame, ("cost +", "extra unmet", "China share"))],
            )
        )
    return blocks


def compare_tables(by: pd.DataFrame, totals: pd.DataFrame) -> tuple[Table, Table]:
    first = totals["case"].iloc[0]
    t = pd.DataFrame(
        {
            "case": totals["case"],
            "supply cost": [money(v) for v in totals["total_cost"]],
            f"vs {first}": [money(v, signed=True) for v in totals["total_cost_vs_first"]],
            "objective": [money(v) for v in totals["objective"]],
            "commodities short": totals["commodities_with_shortfall"].astype(str),
        }
    )
    cases = list(totals["case"])
    ks = list(dict.fromkeys(by["commodity"]))
    idx = by.set_index(["commodity", "case"])
    rows = []
    for k in ks:
        row = [k]
        for c in cases:
            if (k, c) not in idx.index:
                row.append("-")
                continue
            r = idx.loc[(k, c)]
            need = r["supplied"] + r["shortfall"]
            unmet = pct(r["shortfall"] / need) if r["shortfall"] > 0 and need > 0 else "0"
            row.append(f"{pct(r['china_share'])} / {unmet} / {money(r['cost'])}")
        rows.append(row)
    cols = ["commodity", *[f"{c}: China / unmet / cost" for c in cases]]
    return (
        Table(t, ("supply cost", f"vs {first}", "objective", "commodities short")),
        Table(pd.DataFrame(rows, columns=cols), tuple(cols[1:])),
    )


def _compare_blocks(run: Run, figures: list[Figure]) -> list[Block]:
    by, totals = run.tables["comparison"], run.tables["comparison_totals"]
    totals_table, by_table = compare_tables(by, totals)
    blocks = _question(run)
    blocks.append(("ul", [f"**{lit(r.case)}**: {lit(r.description)}" for r in totals.itertuples()]))
    return [
        *blocks,
        ("h2", "Headline numbers"),
        totals_table,
        ("h2", "Plots"),
        *figures,
        ("h2", "Key tables"),
        by_table,
        (
            "note",
            "China: its share of the quantity supplied; unmet: share of the need not met; "
            "cost: supply cost a year. Differences to the first case: `comparison.csv`. "
            "The inputs/ folder holds the first case's inputs and every scenario file.",
        ),
    ]


BUILDERS = {
    "solve": _solve_blocks,
    "sweep": _sweep_blocks,
    "curve": _curve_blocks,
    "stress": _stress_blocks,
    "compare": _compare_blocks,
}
KIND_TITLES = {
    "solve": "Sourcing run",
    "sweep": "Sweep",
    "curve": "Price-of-de-risking curve",
    "stress": "Outage stress test",
    "compare": "Scenario comparison",
}


def report_blocks(
    run: Run, *, new_files: dict[str, bytes] | None = None
) -> tuple[str, list[Block]]:
    """Title and blocks; plots drawn because missing go to ``new_files`` when given."""
    figures = _figures(run, new_files)
    title = f"{KIND_TITLES[run.kind]}: {run.name}"
    blocks = BUILDERS[run.kind](run, figures) + _sources(run) + _footer(run)
    return title, blocks


# --- writing ------------------------------------------------------------------------------------
def write_report(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write ``report.html`` and ``report.md`` into a run folder; returns their paths.

    Both, and the plots drawn because missing, replace the old ones together or not
    at all (everything is rendered first, then the folder is replaced in one step).
    """
    from model.output import recover_leftovers, update_folder_atomically

    folder = Path(folder)
    recover_leftovers(folder.resolve())  # a run folder lost by a killed --force is back
    run = load_run(folder)
    targets = [folder / "report.html", folder / "report.md"]
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise RunExistsError(
            f"{existing[0]} already exists; pass --force (force=True) to replace it"
        )
    files: dict[str, bytes] = {}
    title, blocks = report_blocks(run, new_files=files)
    files[targets[0].name] = render_html(title, blocks).encode("utf-8")
    files[targets[1].name] = render_md(title, blocks).encode("utf-8")
    update_folder_atomically(folder, files)
    return targets


# --- notebooks: result._repr_html_ --------------------------------------------------------------
def result_html(obj: Any) -> str:
    """A compact HTML summary and the main table, for Jupyter."""
    run = run_from_result(obj)
    s = run.summary
    if run.kind == "solve":
        com = run.tables["commodities"]
        short = int((com["shortfall"] > 0).sum())
        line = (
            f"<b>Result</b> for case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{html.escape(str(s.get('status')))}; supply cost {money(s.get('total_cost'))} a year"
        )
        if s.get("total_cost_premium") is not None:
            line += f" ({money(s['total_cost_premium'], signed=True)} against no share rules)"
        line += f"; {short} of {len(com)} commodities short" if short else "; all need met"
        table = commodities_table(com)
        more = "result.commodities, .mix, .stages, .capacity_values; plots: result.plot.mix() ..."
    elif run.kind == "sweep":
        points = run.tables["sweep_points"]
        params = list(s.get("parameters", []))
        line = (
            f"<b>SweepResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(points)} points over {html.escape(', '.join(params))}"
        )
        table = sweep_table(points, run.tables["sweep"], params)
        more = "s.points, .table, .mix; plot: s.plot.sweep()"
    elif run.kind == "curve":
        line = (
            f"<b>CurveResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{run.tables['curve']['commodity'].nunique()} curves, "
            f"{len(run.tables['breakpoints'])} breakpoints"
        )
        table = curve_table(run.tables["curve"])
        more = "c.curve, .breakpoints; plot: c.plot.curve()"
    elif run.kind == "stress":
        line = (
            f"<b>StressResult</b> on case <b>{html.escape(str(s.get('case')))}</b>: "
            f"{len(run.tables['criticality'])} outages, the 15 worst:"
        )
        table = stress_table(run.tables["criticality"], top=15)
        more = "r.ranking, .by_commodity; plot: r.plot.criticality()"
    else:
        totals_table, table = compare_tables(
            run.tables["comparison"], run.tables["comparison_totals"]
        )
        line = f"<b>CompareResult</b>: {html.escape(', '.join(s.get('cases', [])))}"
        line += "</p>" + _table_html(totals_table) + "<p>By commodity:"
        more = "c.by_commodity, .totals, .results; plot: c.plot.comparison()"
    return (
        f'<div class="sourcing-result"><p>{line}</p>{_table_html(table)}'
        f'<p style="color:#666;font-size:0.85em">{html.escape(more)}</p></div>'
    )


__all__ = ["Run", "load_run", "report_blocks", "result_html", "write_report"]
