"""A small document model (tables, figures, notes) rendered to HTML and Markdown."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd


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
