"""A seeded mutation fuzzer: damaged copies of the default case and of a small case,
run through `sourcing validate` and `sourcing solve`.

Each mutation changes one thing in a fresh copy (a cell, a row, a column, the
encoding, case.toml, a sheet of a case workbook, a symlink, a name) and the
properties every run must have are checked:

- the exit code is 0, 2 or 3, and nothing escapes as a traceback;
- after a non-zero exit the output folder holds nothing;
- an exit-2 message is one line, starts with ``error:`` and names the file at fault
  (with row and column where the mutation is a single cell the reader must reject);
- ``validate`` and ``solve`` agree on whether the input is bad, with the same message.

The CLI runs in-process (`model.cli.main`, stdout and stderr captured) so a few
hundred mutations fit in CI time; a handful also run as real subprocesses.
Mutations are generated from `SEED`, so a failure names a mutation that
reproduces: ``pytest tests/test_fuzz.py -k '<id>'``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import BASE, ROOT, write_case

SEED = 20241111
CASE_FILES = (
    "case.toml",
    "countries.csv",
    "commodities.csv",
    "supply.csv",
    "recipes.csv",
    "restrictions.csv",
)


# --- running the CLI in-process -----------------------------------------------------------------
@dataclass
class Run:
    code: int | None  # None: an exception escaped the CLI
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


_COMMAND: list = []  # the click command Typer builds from the app, built once


def cli(*args: str) -> Run:
    """`sourcing ARGS` in this process: the real entry point, exit code and output.

    `model.cli.main` runs as it is (its own error handling included); only the app
    it calls is swapped for the same click command built once, since Typer builds
    it anew on every call (0.1-0.2 s, most of a validate's time).
    """
    import typer.main

    import model.cli

    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(model.cli.app))
    out, err = io.StringIO(), io.StringIO()
    argv, app = sys.argv, model.cli.app
    sys.argv = ["sourcing", *args]
    model.cli.app = lambda **kw: _COMMAND[0].main(prog_name="sourcing", **kw)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                model.cli.main()
                code: int | None = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # what a user would see as a traceback
                err.write(traceback.format_exc())
                code = None
    finally:
        sys.argv, model.cli.app = argv, app
    return Run(code, out.getvalue(), err.getvalue())


def sourcing(*args: str, cwd: Path = ROOT) -> Run:
    """`sourcing ARGS` as a separate process, as a user runs it."""
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    proc = subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True)
    return Run(proc.returncode, proc.stdout, proc.stderr)


# --- cases to mutate ------------------------------------------------------------------------------
def write_small(folder: Path) -> Path:
    """Two stages, a recipe, a stage cap, a commodity cap and a share rule."""
    return write_case(
        folder,
        commodities=[("ore", 100, "mining", 0.6), ("metal", 40, "refining"), ("wire", 10, "")],
        supply=[
            ("ore", "CHN", 150, 1.0),
            ("ore", "AUS", 120, 1.5),
            ("metal", "CHN", 80, 4.0),
            ("metal", "JPN", 60, 5.0),
            ("wire", "USA", 30, 9.0),
        ],
        recipes=[("metal", "ore", 1.5), ("wire", "metal", 0.5)],
        policy={
            "max_china_share": 0.8,
            "max_china_share_by_stage": {"refining": 0.5},
            "rules": [{"name": "partners", "country": "group:partner", "min_share": 0.1}],
        },
        name="small",
    )


def copy_base(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in (*CASE_FILES, "SOURCES.md"):
        shutil.copyfile(BASE / name, folder / name)
    return folder


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@dataclass(frozen=True)
class Mutation:
    """One change to a fresh copy of a case.

    ``apply(folder)`` changes the case in ``folder`` and returns what to pass to the
    CLI (the folder, a workbook or a scenario). ``where`` = (file, row, column) that
    the exit-2 message must name; ``expect`` an exit code the run must have.
    """

    id: str
    target: str  # "base" or "small": the case copied into the folder first
    apply: Callable[[Path], Path]
    where: tuple[str, int | None, str | None] | None = None
    expect: int | None = None
    solve: bool = True  # also run `solve` (always done when validate fails: it is cheap)


# Cells: values a number column must refuse, values an id or code column must refuse,
# and values with no fixed answer (only the general properties are checked).
BAD_NUMBERS = ["abc", "1e16", "-1", "inf", "nan", "1.2.3", "0x1A", "--5", "1e", "½", "1e999"]
BAD_IDS = ["a b", "ñu", "a,b", "a\nb", "[/]", "=1+1", "<script>", "x\ty", "é" * 3]
ODD_VALUES = [
    "",
    " ",
    "0",
    "-0",
    "1e15",
    "1e-300",
    "5e-324",
    " 7 ",
    "١٢",
    "CHN",
    "x" * 300,
    "\u200b",
    "\x1b[31mred",
    "[bold]x",
    "'quoted'",
    '"',
]
TEXT_VALUES = ["[/]", "[bold]", "<b>x</b>", '=HYPERLINK("x")', "a\nb", "x" * 5000, "\x07"]


def _csv_mutations(target: str, folder: Path, rng: random.Random) -> list[Mutation]:
    """Cell, row and column mutations of every table of a case, drawn with ``rng``."""
    from model.case.tables import TABLES

    out: list[Mutation] = []
    for spec in TABLES.values():
        if not spec.required and not (folder / spec.file).is_file():
            continue  # an optional table this case does not have (restrictions.csv)
        rows = read_rows(folder / spec.file)
        header, body = rows[0], rows[1:]
        kinds = {c.name: c for c in spec.columns}
        f = spec.file

        def cell(r: int, c: int, value: str, f: str = f) -> Callable[[Path], Path]:
            def apply(d: Path) -> Path:
                rows = read_rows(d / f)
                rows[r][c] = value
                write_rows(d / f, rows)
                return d

            return apply

        def edit(fn: Callable[[list[list[str]]], list[list[str]]], f: str = f):
            def apply(d: Path) -> Path:
                write_rows(d / f, fn(read_rows(d / f)))
                return d

            return apply

        # cells the reader must refuse, located exactly
        for i, name in enumerate(header):
            col = kinds.get(name)
            if col is None:
                continue
            r = rng.randrange(1, len(body) + 1)
            if col.kind == "number":
                values = rng.sample(BAD_NUMBERS, 2)
            elif col.kind in ("id", "code"):
                values = rng.sample(BAD_IDS, 2)
            else:
                values = []
            for v in values:
                out.append(
                    Mutation(
                        f"{target}:cell:{f}:r{r}:{name}={v!r}",
                        target,
                        cell(r, i, v),
                        where=(f, r, name),
                        solve=False,
                    )
                )
            if col.required and col.default is None:
                out.append(
                    Mutation(
                        f"{target}:cell:{f}:r{r}:{name}=blank",
                        target,
                        cell(r, i, ""),
                        where=(f, r, name),
                        solve=False,
                    )
                )
            for v in rng.sample(TEXT_VALUES if col.kind == "text" else ODD_VALUES, 2):
                out.append(
                    Mutation(
                        f"{target}:cell:{f}:r{r}:{name}~{v[:20]!r}",
                        target,
                        cell(r, i, v),
                        solve=rng.random() < 0.3,
                    )
                )
        # rows
        r = rng.randrange(1, len(body) + 1)
        out += [
            Mutation(
                f"{target}:row:{f}:delete-r{r}", target, edit(lambda x, r=r: x[:r] + x[r + 1 :])
            ),
            Mutation(
                f"{target}:row:{f}:duplicate-r{r}",
                target,
                edit(lambda x, r=r: [*x, x[r]]),
                where=(f, len(body) + 1, None),
                solve=False,
            ),
            Mutation(
                f"{target}:row:{f}:extra-field-r{r}",
                target,
                edit(lambda x, r=r: [*x[:r], [*x[r], "9"], *x[r + 1 :]]),
                where=(f, r, None),
                solve=False,
            ),
            Mutation(
                f"{target}:row:{f}:short-r{r}",
                target,
                edit(lambda x, r=r: [*x[:r], x[r][:-1], *x[r + 1 :]]),  # tables have 3+ columns
                where=(f, r, None),
                solve=False,
            ),
            Mutation(
                f"{target}:row:{f}:blank-lines", target, edit(lambda x: [x[0], [], *x[1:], []])
            ),
            Mutation(f"{target}:row:{f}:header-only", target, edit(lambda x: x[:1])),
            Mutation(f"{target}:row:{f}:reversed", target, edit(lambda x: [x[0], *x[:0:-1]])),
        ]
        # columns
        for i, name in enumerate(header):
            if rng.random() < 0.5 and name in kinds:
                continue
            out.append(
                Mutation(
                    f"{target}:column:{f}:drop-{name}",
                    target,
                    edit(lambda x, i=i: [row[:i] + row[i + 1 :] for row in x]),
                    where=(f, None, name) if name in kinds and kinds[name].required else None,
                    solve=False,
                )
            )
        i = rng.randrange(len(header))
        out += [
            Mutation(
                f"{target}:column:{f}:duplicate-{header[i]}",
                target,
                edit(lambda x, i=i: [[*row, row[i]] for row in x]),
                where=(f, None, header[i]),
                solve=False,
            ),
            Mutation(
                f"{target}:column:{f}:upper-{header[i]}",
                target,
                edit(
                    lambda x, i=i: [
                        [c.upper() if j == i else c for j, c in enumerate(x[0])],
                        *x[1:],
                    ]
                ),
                solve=False,
            ),
            Mutation(
                f"{target}:column:{f}:reorder",
                target,
                edit(lambda x: [row[::-1] for row in x]),
                solve=rng.random() < 0.5,
            ),
            Mutation(
                f"{target}:column:{f}:extra",
                target,
                edit(lambda x: [[*x[0], "comment"], *([*row, "text"] for row in x[1:])]),
                solve=False,
            ),
            Mutation(
                f"{target}:column:{f}:empty-name",
                target,
                edit(lambda x: [[*x[0], ""], *([*row, "1"] for row in x[1:])]),
                where=(f, None, None),
                solve=False,
            ),
            Mutation(
                f"{target}:column:{f}:all-renamed",
                target,
                edit(lambda x: [[f"c{j}" for j in range(len(x[0]))], *x[1:]]),
                where=(f, None, None),
                solve=False,
            ),
        ]
    return out


def _bytes_edit(f: str, fn: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def apply(d: Path) -> Path:
        (d / f).write_bytes(fn((d / f).read_bytes()))
        return d

    return apply


def _encoding_mutations(target: str, files: tuple[str, ...]) -> list[Mutation]:
    out = []
    for f in files:
        cases: dict[str, Callable[[bytes], bytes]] = {
            "bom": lambda b: b"\xef\xbb\xbf" + b,
            "bom-twice": lambda b: b"\xef\xbb\xbf\xef\xbb\xbf" + b,
            "crlf": lambda b: b.replace(b"\n", b"\r\n"),
            "cr-only": lambda b: b.replace(b"\n", b"\r"),
            "latin-1": lambda b: b.replace(b"\n", " caf\xe9\n".encode("latin-1"), 1),
            "nul": lambda b: b[: len(b) // 2] + b"\x00" + b[len(b) // 2 :],
            "invalid-utf8": lambda b: b[: len(b) // 3] + b"\xff\xfe\xc3(" + b[len(b) // 3 :],
            "utf16": lambda b: b.decode("utf-8").encode("utf-16"),
            "truncated": lambda b: b[: len(b) // 2],
            "empty": lambda b: b"",
            "binary": lambda b: bytes(range(256)) * 4,
        }
        for name, fn in cases.items():
            out.append(Mutation(f"{target}:encoding:{f}:{name}", target, _bytes_edit(f, fn)))
    return out


def _toml_mutations(target: str) -> list[Mutation]:
    def text_edit(fn: Callable[[str], str]) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            p = d / "case.toml"
            p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8")
            return d

        return apply

    def first_line_replaced(key: str, value: str) -> Callable[[str], str]:
        def fn(text: str) -> str:
            lines = text.splitlines()
            for i, line in enumerate(lines):
                if line.split("=")[0].strip() == key:
                    lines[i] = f"{key} = {value}"
                    return "\n".join(lines) + "\n"
            return f"{key} = {value}\n" + text

        return fn

    toml = "case.toml"
    edits: dict[str, tuple[Callable[[str], str], int | None]] = {
        # syntax
        "unclosed-string": (lambda t: t.replace('"', "", 1), 2),
        "unclosed-table": (lambda t: t.replace("[policy]", "[policy", 1), 2),
        "duplicate-key": (lambda t: t + '\nname = "again"\n', 2),
        "bare-text": (lambda t: t + "\nthis is not toml\n", 2),
        "tab-in-key": (lambda t: t.replace("name", "na\tme", 1), 2),
        # wrong types, ranges and keys
        "name-number": (first_line_replaced("name", "5"), 2),
        "name-empty": (first_line_replaced("name", '""'), 2),
        "name-slash": (first_line_replaced("name", '"a/b"'), 2),
        "name-dotdot": (first_line_replaced("name", '".."'), 2),
        "name-newline": (first_line_replaced("name", '"abc\\n"'), 2),
        "name-nul": (first_line_replaced("name", '"a\\u0000b"'), 2),
        "name-unicode": (first_line_replaced("name", '"名前"'), 2),
        "description-number": (first_line_replaced("description", "3.5"), 2),
        "description-markup-close": (first_line_replaced("description", '"a [/] b"'), None),
        "description-markup": (first_line_replaced("description", '"[policy] [bold]x"'), None),
        "description-long": (first_line_replaced("description", '"' + "d" * 20000 + '"'), None),
        "unknown-top-key": (lambda t: "colour = 1\n" + t, 2),
        "unknown-policy-key": (lambda t: t + "\n[policy.extra]\nx = 1\n", 2),
        "policy-not-table": (lambda t: t.split("[policy")[0] + "policy = 3\n", 2),
        "cap-text": (lambda t: t.replace("max_china_share = ", 'max_china_share = "', 1), 2),
        "cap-above-1": (lambda t: t.replace("max_china_share = 0.8", "max_china_share = 1.5"), 2),
        "rules-not-list": (lambda t: t.replace("[[policy.rules]]", "[policy.rules]", 1), None),
        "rule-empty-country": (lambda t: t.replace('country = "group:partner"', 'country = ""'), 2),
        "rule-no-bound": (lambda t: t.replace("min_share = 0.1", ""), 2),
        "rule-min-above-1": (lambda t: t.replace("min_share = 0.1", "min_share = 1.5"), 2),
        "rule-nan": (lambda t: t.replace("min_share = 0.1", "min_share = nan"), 2),
        "rule-unknown-commodity": (
            lambda t: t.replace("min_share = 0.1", 'min_share = 0.1\ncommodities = ["zz"]'),
            2,
        ),
        "stage-cap-unknown": (
            lambda t: t.replace("refining = 0.5", "refining = 0.5\nsmelting = 0.2"),
            2,
        ),
        "stage-cap-inf": (lambda t: t.replace("refining = 0.5", "refining = inf"), 2),
        "deep-array": (lambda t: "x = " + "[" * 5000 + "1" + "]" * 5000 + "\n" + t, 2),
        "deep-inline-table": (lambda t: "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n" + t, 2),
        "penalty-factor-negative": (
            lambda t: t.replace("[policy]", "[policy]\nshortfall_penalty_factor = -1"),
            2,
        ),
    }
    out = []
    for name, (fn, code) in edits.items():
        out.append(
            Mutation(
                f"{target}:toml:{name}",
                target,
                text_edit(fn),
                where=(toml, None, None) if code == 2 else None,
                expect=code,
            )
        )
    # a scenario file on top of the case, broken in the same ways
    scenario_bodies = {
        "scenario-ok": ('base = "."\nname = "sc"\n[policy]\nmax_china_share = 0.3\n', None),
        "scenario-base-missing": ('base = "nowhere"\nname = "sc"\n', 2),
        "scenario-base-empty": ('base = ""\nname = "sc"\n', None),
        "scenario-base-self": ('base = "sc.toml"\nname = "sc"\n', 2),
        "scenario-bad-change": (
            'base = "."\nname = "sc"\n[[changes]]\ntable = "supply"\n'
            'column = "capacity"\nscale = -2\n',
            2,
        ),
        "scenario-unknown-key": ('base = "."\nname = "sc"\ncolour = 1\n', 2),
        "scenario-binary": (None, 2),
    }
    for name, (body, code) in scenario_bodies.items():

        def apply(d: Path, body: str | None = body) -> Path:
            p = d / "sc.toml"
            if body is None:
                p.write_bytes(b"\xff\xfe\x00garbage")
            else:
                p.write_text(body, encoding="utf-8")
            return p

        out.append(Mutation(f"{target}:toml:{name}", target, apply, expect=code))
    return out


def _symlink_mutations() -> list[Mutation]:
    def link(f: str, to: Callable[[Path], Path]) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            target = to(d)
            (d / f).unlink(missing_ok=True)
            (d / f).symlink_to(target)
            return d

        return apply

    def outside(f: str) -> Callable[[Path], Path]:
        def make(d: Path) -> Path:
            copy = d.parent / f"outside-{f}"
            shutil.copyfile(d / f, copy)
            return copy

        return make

    def inside(f: str) -> Callable[[Path], Path]:
        def make(d: Path) -> Path:
            (d / "data").mkdir(exist_ok=True)
            shutil.copyfile(d / f, d / "data" / f)
            return Path("data") / f

        return make

    def loop(d: Path) -> Path:
        (d / "loop").symlink_to("loop2")
        (d / "loop2").symlink_to("loop")
        return d / "loop"

    return [
        Mutation(
            "small:symlink:supply.csv-inside",
            "small",
            link("supply.csv", inside("supply.csv")),
            expect=0,
        ),
        Mutation(
            "small:symlink:supply.csv-outside",
            "small",
            link("supply.csv", outside("supply.csv")),
            expect=2,
        ),
        Mutation(
            "base:symlink:SOURCES.md-outside",
            "base",
            link("SOURCES.md", outside("SOURCES.md")),
            expect=2,
        ),
        Mutation(
            "small:symlink:recipes.csv-broken",
            "small",
            link("recipes.csv", lambda d: d / "gone.csv"),
            expect=2,
        ),
        Mutation(
            "small:symlink:supply.csv-broken",
            "small",
            link("supply.csv", lambda d: d / "gone.csv"),
            expect=2,
        ),
        Mutation("small:symlink:supply.csv-loop", "small", link("supply.csv", loop), expect=2),
        Mutation(
            "small:symlink:supply.csv-to-folder", "small", link("supply.csv", lambda d: d), expect=2
        ),
        Mutation(
            "small:symlink:case.toml-dev-null",
            "small",
            link("case.toml", lambda d: Path(os.devnull)),
            expect=2,
        ),
    ]


def _name_mutations() -> list[Mutation]:
    """Case names and ids: long, hostile, control characters."""

    def named(name: str) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            p = d / "case.toml"
            text = p.read_text(encoding="utf-8").replace('name = "small"', f"name = {name}", 1)
            p.write_text(text, encoding="utf-8")
            return d

        return apply

    def renamed_commodity(new: str) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            for f in ("commodities.csv", "supply.csv", "recipes.csv"):
                rows = read_rows(d / f)
                write_rows(d / f, [[new if c == "wire" else c for c in row] for row in rows])
            return d

        return apply

    names = {
        "long-250": ('"' + "n" * 250 + '"', None),
        "long-100": ('"' + "n" * 100 + '"', 0),
        "leading-dot": ('".hidden"', 2),
        "leading-dash": ('"-rf"', 2),
        "space": ('"a b"', 2),
        "tab": ('"a\\tb"', 2),
        "escape": ('"a\\u001bb"', 2),
        "rtl": ('"a\\u202eb"', 2),
        "windows-reserved": ('"CON"', 0),
    }
    out = [
        Mutation(f"small:name:{k}", "small", named(v), expect=code)
        for k, (v, code) in names.items()
    ]
    ids = {
        "id-long": ("w" * 500, 0),
        "id-dots": ("w..x", 0),
        "id-only-dots": ("..", 2),
        "id-dash-first": ("-w", 2),
        "id-formula": ("=w", 2),
        "id-unicode": ("wïre", 2),
    }
    out += [
        Mutation(f"small:name:{k}", "small", renamed_commodity(v), expect=code)
        for k, (v, code) in ids.items()
    ]
    return out


def _xlsx_mutations() -> list[Mutation]:
    """A case workbook of the small case, changed with openpyxl."""

    def book(fn: Callable[[object], None] | None) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            import openpyxl

            from model import load_case
            from model.excel import write_case_xlsx

            path = write_case_xlsx(load_case(d), d / "case.xlsx")
            if fn is not None:
                wb = openpyxl.load_workbook(path)
                fn(wb)
                wb.save(path)
            return path

        return apply

    def raw(fn: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
        def apply(d: Path) -> Path:
            path = book(None)(d)
            path.write_bytes(fn(path.read_bytes()))
            return path

        return apply

    def set_cell(sheet: str, ref: str, value: object) -> Callable[[object], None]:
        return lambda wb: wb[sheet].__setitem__(ref, value)

    def set_key(key: str, value: object) -> Callable[[object], None]:
        def fn(wb) -> None:
            ws = wb["case"]
            row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
            ws.cell(row, 2).value = value

        return fn

    def formatted_empty(wb) -> None:
        from openpyxl.styles import Font

        wb["supply"]["B20"].font = Font(bold=True)

    def delete(sheet: str) -> Callable[[object], None]:
        return lambda wb: wb.remove(wb[sheet])

    def rename(sheet: str, to: str) -> Callable[[object], None]:
        def fn(wb) -> None:
            wb[sheet].title = "renaming"  # openpyxl refuses a case-only rename
            wb["renaming"].title = to

        return fn

    where = "case.xlsx[supply]"
    return [
        Mutation("small:xlsx:unchanged", "small", book(None), expect=0),
        Mutation(
            "small:xlsx:text-in-number",
            "small",
            book(set_cell("supply", "C3", "lots")),
            where=(where, 2, "capacity"),
        ),
        Mutation(
            "small:xlsx:negative",
            "small",
            book(set_cell("supply", "D2", -3)),
            where=(where, 1, "unit_cost"),
        ),
        Mutation(
            "small:xlsx:formula-cell", "small", book(set_cell("supply", "C2", "=1+1")), expect=None
        ),
        Mutation(
            "small:xlsx:bool-cell",
            "small",
            book(set_cell("supply", "C2", True)),
            where=(where, 1, "capacity"),
        ),
        Mutation(
            "small:xlsx:date-cell",
            "small",
            book(set_cell("supply", "C2", __import__("datetime").date(2020, 1, 1))),
            where=(where, 1, "capacity"),
        ),
        Mutation(
            "small:xlsx:value-beyond-header",
            "small",
            book(set_cell("supply", "H3", 5)),
            where=(where, 2, None),
        ),
        Mutation("small:xlsx:formatted-empty-row", "small", book(formatted_empty), expect=0),
        Mutation("small:xlsx:no-supply-sheet", "small", book(delete("supply")), expect=2),
        Mutation("small:xlsx:no-case-sheet", "small", book(delete("case")), expect=2),
        Mutation(
            "small:xlsx:sheet-renamed-case", "small", book(rename("supply", "SUPPLY")), expect=0
        ),
        Mutation(
            "small:xlsx:case-key-unknown", "small", book(set_cell("case", "A2", "colour")), expect=2
        ),
        Mutation("small:xlsx:case-header", "small", book(set_cell("case", "A1", "k")), expect=2),
        Mutation(
            "small:xlsx:rule-text-share", "small", book(set_cell("rules", "F2", "half")), expect=2
        ),
        Mutation(
            "small:xlsx:markup-description",
            "small",
            book(set_key("description", "x [bold] y")),
            expect=0,
        ),
        Mutation(
            "small:xlsx:cap-text",
            "small",
            book(set_key("policy.max_china_share", "most")),
            where=("case.xlsx[case]", None, "value"),
        ),
        Mutation("small:xlsx:not-a-zip", "small", raw(lambda b: b"PK\x03\x04 broken"), expect=2),
        Mutation("small:xlsx:truncated", "small", raw(lambda b: b[: len(b) // 2]), expect=2),
        Mutation("small:xlsx:csv-bytes", "small", raw(lambda b: b"a,b\n1,2\n"), expect=2),
        Mutation("small:xlsx:empty", "small", raw(lambda b: b""), expect=2),
    ]


def mutations() -> list[Mutation]:
    """Every mutation, the same list on every run (drawn from `SEED`)."""
    import tempfile

    rng = random.Random(SEED)
    out: list[Mutation] = []
    with tempfile.TemporaryDirectory() as tmp:
        small = write_small(Path(tmp) / "small")
        out += _csv_mutations("base", BASE, rng)
        out += _csv_mutations("small", small, rng)
    out += _encoding_mutations("base", ("supply.csv", "case.toml"))
    out += _encoding_mutations("small", ("countries.csv", "commodities.csv", "recipes.csv"))
    out += _toml_mutations("small")
    out += _symlink_mutations()
    out += _name_mutations()
    out += _xlsx_mutations()
    # mutations whose answer is fixed by the issue, not drawn at random
    out += [
        Mutation(
            "small:column:supply.csv:misspelled-freight",
            "small",
            lambda d: _add_column(d, "supply.csv", "Freight", "5"),
            expect=2,
        ),
        Mutation(
            "small:column:commodities.csv:misspelled-max_china_share",
            "small",
            lambda d: _rename_column(d, "commodities.csv", "max_china_share", "max_china_shar"),
            expect=2,
        ),
        Mutation(
            "small:cell:supply.csv:underscore-number",
            "small",
            lambda d: _set(d, "supply.csv", 1, "capacity", "3_00"),
            where=("supply.csv", 1, "capacity"),
        ),
        Mutation(
            "small:csv:commodities.csv:unit-markup-close",
            "small",
            lambda d: _set(d, "commodities.csv", 1, "unit", "t [/]"),
            expect=0,
        ),
        Mutation(
            "base:csv:commodities.csv:unit-markup-close",
            "base",
            lambda d: _set(d, "commodities.csv", 2, "unit", "[/docs]"),
            expect=0,
        ),
        Mutation(
            "small:cell:supply.csv:field-200k",
            "small",
            lambda d: _set(d, "supply.csv", 2, "country", "X" * 200_000),
            where=("supply.csv", None, None),
        ),
        Mutation(
            "small:csv:recipes.csv:quantity-1e16",
            "small",
            lambda d: _set(d, "recipes.csv", 1, "quantity", "1e16"),
            where=("recipes.csv", 1, "quantity"),
        ),
    ]
    ids = [m.id for m in out]
    assert len(ids) == len(set(ids)), "mutation ids must be unique"
    return out


def _set(d: Path, f: str, row: int, column: str, value: str) -> Path:
    rows = read_rows(d / f)
    rows[row][rows[0].index(column)] = value
    write_rows(d / f, rows)
    return d


def _rename_column(d: Path, f: str, old: str, new: str) -> Path:
    rows = read_rows(d / f)
    rows[0][rows[0].index(old)] = new
    write_rows(d / f, rows)
    return d


def _add_column(d: Path, f: str, name: str, value: str) -> Path:
    rows = read_rows(d / f)
    write_rows(d / f, [[*rows[0], name], *([*r, value] for r in rows[1:])])
    return d


MUTATIONS = mutations()


def _param(m: Mutation):
    return pytest.param(m, id=m.id)


# --- the properties -----------------------------------------------------------------------------
def check_message(m: Mutation, run: Run, case_arg: Path) -> None:
    """An exit-2 message: one line, 'error: ...', naming the file (row and column if known)."""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, f"not one line: {run.stderr!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    folder = case_arg if case_arg.is_dir() else case_arg.parent
    assert str(folder) in line, f"names no file of the case: {line}"
    if m.where is not None:
        file, row, column = m.where
        assert file in line, f"does not name {file}: {line}"
        if row is not None:
            assert f"row {row} (line {row + 1})" in line, f"does not name row {row}: {line}"
        if column is not None:
            assert f"column '{column}'" in line, f"does not name column {column}: {line}"


def check_run(m: Mutation, run: Run, case_arg: Path) -> None:
    assert run.code in (0, 2, 3), f"exit {run.code}:\n{run.text[-3000:]}"
    assert "Traceback" not in run.text, run.text[-3000:]
    if run.code == 2:
        check_message(m, run, case_arg)


@pytest.mark.parametrize("m", [_param(m) for m in MUTATIONS])
def test_mutation(m: Mutation, tmp_path: Path):
    case = copy_base(tmp_path / "case") if m.target == "base" else write_small(tmp_path / "case")
    case_arg = m.apply(case)
    checked = cli("validate", str(case_arg))
    check_run(m, checked, case_arg)
    if m.where is not None:
        assert checked.code == 2, f"accepted a fault at {m.where}: {checked.text}"
    if m.expect is not None:
        assert checked.code == m.expect or (m.expect == 3 and checked.code == 0), checked.text
    if not m.solve and checked.code == 0:
        return
    out = tmp_path / "out"
    solved = cli("solve", str(case_arg), "--out", str(out))
    check_run(m, solved, case_arg)
    if solved.code != 0:
        left = sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else []
        assert left in ([], ["solutions"]), f"left behind after exit {solved.code}: {left}"
    # validate and solve read the same way: both refuse a bad input with the same message
    assert (checked.code == 2) == (solved.code == 2), (checked.text, solved.text)
    if checked.code == 2:
        assert solved.stderr == checked.stderr
    if m.expect is not None:
        assert solved.code == m.expect, solved.text


def test_fuzzer_covers_every_kind():
    """The list is a few hundred mutations of every kind the issue names."""
    kinds = {m.id.split(":")[1] for m in MUTATIONS}
    assert {"cell", "row", "column", "encoding", "toml", "xlsx", "symlink", "name"} <= kinds
    assert 250 <= len(MUTATIONS) <= 600


# --- a handful as real processes ----------------------------------------------------------------
@pytest.mark.parametrize(
    "mid",
    [
        "base:encoding:case.toml:binary",
        "small:encoding:commodities.csv:invalid-utf8",
        "small:toml:unclosed-table",
    ],
)
def test_mutation_as_a_process(mid: str, tmp_path: Path):
    m = next(x for x in MUTATIONS if x.id == mid)
    case = copy_base(tmp_path / "case") if m.target == "base" else write_small(tmp_path / "case")
    case_arg = m.apply(case)
    out = tmp_path / "out"
    run = sourcing("solve", str(case_arg), "--out", str(out))
    assert run.code == 2
    check_run(m, run, case_arg)
    assert not out.exists() or not any(out.rglob("*"))
