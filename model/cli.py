"""The `sourcing` command line.

Exit codes: 0 success, 2 bad input or usage (a message naming file, row and
column; nothing written), 3 solver failure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model.constants import MAX_RUN_NAME, name_problem
from model.errors import InputError, RunExistsError, SolveError, SourcingError, WriteError
from model.formats import (
    millions,
    millions_plain,
    money_sign,
    pct_premium,
    shown,
    table_number,
    year_ranges,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain click help: Typer's rich help formatter costs ~0.2 s of imports on every
    # `--help`, more than everything else the command loads
    rich_markup_mode=None,
    help="Least-cost diversified sourcing of AI-critical commodities (Pyomo + HiGHS).",
)
# Piped output (CI logs, notebooks' ! commands) gets a fixed, readable width. User text
# (names, units, descriptions, paths) is printed literally: passed through `escape` where
# markup is on, never read as :emoji: codes, and paths are never wrapped (`wrote`).
out = Console(width=None if sys.stdout.isatty() else 170, emoji=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 170, emoji=False)

CaseArg = Annotated[
    Path,
    typer.Argument(
        help="A case folder (with case.toml), a case workbook (.xlsx) or a scenario .toml file."
    ),
]
PlotsOpt = Annotated[bool, typer.Option(help="Write plots/*.png and *.svg into the run folder.")]
XlsxOpt = Annotated[
    bool, typer.Option("--xlsx", help="Also write results.xlsx, one sheet per table.")
]


def fail(exc: SourcingError) -> None:
    """Print one clear line and exit with the code that matches the error kind."""
    if isinstance(exc, SolveError):
        err.print(f"[bold red]solver error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(3)
    # escaped: "case.xlsx[supply]" or "rules[#1]" are text, not console markup
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def wrote(path: Path | str) -> None:
    """Print ``wrote PATH`` on one line, the path exactly as it is."""
    out.print(f"wrote {escape(str(path))}", highlight=False, soft_wrap=True)


def headline_lines(s: dict, currency: str = "USD") -> list[str]:
    """The headline of a solve in words: supply cost, shortfall and its value, their
    total, and the premium against no share rules and against today (rich markup)."""

    def m(v: float, signed: bool = False) -> str:
        return millions(v, signed=signed, currency=currency)

    shares = s.get("shortfall_share") or {}
    horizon = s.get("horizon")
    period = f"over {horizon['start']}-{horizon['end']}" if horizon else "a year"

    def others(part: dict) -> str:
        """Stock holding and build-out, parts of the total (horizon cases with them)."""
        return "".join(
            f" + {label} {m(part[key])}"
            for key, label in (("holding_cost", "stock holding"), ("buildout_cost", "build-out"))
            if key in part
        )

    line = f"supply cost [bold]{m(s['supply_cost'])}[/] {period}{others(s)}"
    if shares:
        short = ", ".join(
            f"{escape(k)} {table_number(v, pct=True)}" for k, v in sorted(shares.items())
        )
        line += (
            f" + [red]unmet need valued at {m(s['shortfall_value'])}[/]"
            f" ({len(shares)} {'commodity' if len(shares) == 1 else 'commodities'} short,"
            f" share of need: {short})"
            f" = total [bold]{m(s['total'])}[/]"
        )
    elif others(s):
        line += f" = total [bold]{m(s['total'])}[/]; all need met"
    else:
        line += "; all need met, so the total is the supply cost"
    lines = [line]
    if horizon:  # undiscounted sums above; the LP minimised their present value
        pv = s["present_value"]
        lines.append(
            f"present value at {horizon['discount_rate']:.1%} a year to {horizon['base_year']}:"
            f" supply cost {m(pv['supply_cost'])}{others(pv)} + unmet need valued at"
            f" {m(pv['shortfall_value'])} = total [bold]{m(pv['total'])}[/]"
        )
    stock = s.get("stockpile")
    if stock:  # a horizon case with stockpile.csv: what the stock did (stock.csv per year)
        moves = "; ".join(
            f"{escape(k)} bought {table_number(v['bought'])}, released"
            f" {table_number(v['released'])}, {table_number(v['end_level'])} held at the end"
            for k, v in stock["commodities"].items()
        )
        lines.append(f"stockpile: {moves}; holding cost {m(stock['holding_cost'])}")
    for p in s.get("projects") or []:  # build options the optimum uses: what each buys
        line = (
            f"build-out: {escape(str(p['country']))} {escape(str(p['commodity']))}"
            f" {table_number(p['built'])} {escape(str(p['unit']))} by {p['built_by']}"
            f" for {m(p['cost'])}"
        )
        if p.get("total_saved") is not None:
            line += (
                f" avoids {table_number(p['shortfall_avoided'])} {escape(str(p['unit']))} unmet"
                + (f" ({escape(p['also_avoids'])})" if p.get("also_avoids") else "")
                + f", saves {m(p['total_saved'])}"
            )
        lines.append(line)
    premiums = []
    if s.get("premium_vs_no_share_rules") is not None:
        ref = s["no_share_rules"]
        premiums.append(
            f"[bold]{m(s['premium_vs_no_share_rules'], True)}[/] against no share rules"
            f" (total {m(ref['total'])})"
        )
    today = s.get("today")
    if today is not None:
        who = "this case as given" if today.get("itself") else escape(str(today["case"]))
        premiums.append(
            f"[bold]{m(s['premium_vs_today'], True)}[/] against today ({who},"
            f" total {m(today['total'])})"
        )
    if premiums:
        lines.append("premium of the rules (total against total): " + "; ".join(premiums))
    lines += [f"[yellow]{escape(line)}[/] (against today)" for line in s.get("shortage_moves", [])]
    return lines


def _years_table(result) -> tuple[Table, list[str]]:
    """A horizon run on one screen: a row per commodity (first and last year, sums over
    the years), and what binds with the years it binds in. commodities.csv has every year."""
    c = result.commodities
    first, last = int(c["year"].min()), int(c["year"].max())
    sign = money_sign(result.case.currency)
    table = Table(show_edge=False, header_style="bold")
    for col in (  # no stage column, to fit 170 characters: the stage lines follow
        "commodity",
        "unit",
        f"needed {first}",
        f"needed {last}",
        "unmet (years, max)",
        f"China {first}",
        f"China {last}",
        f"cap {last}",
        f"cost {sign}M",
        f"unmet {sign}M",
    ):
        left = col in ("commodity", "unit", "unmet (years, max)")
        table.add_column(col, justify="left" if left else "right", no_wrap=True)
    why: list[str] = []
    for k, rows in c.groupby("commodity", sort=False):
        rows = rows.sort_values("year")
        at = rows.set_index("year")
        short = rows[rows["shortfall"] > 0]
        unmet = "0"
        if len(short):
            unmet = (
                f"[red]{table_number(float(short['shortfall'].sum()))} "
                f"({year_ranges(short['year'].astype(int).tolist())}, "
                f"{table_number(float(short['shortfall_share'].max()), pct=True)})[/]"
            )
        table.add_row(
            escape(k),
            escape(rows["unit"].iloc[0]),
            table_number(at.loc[first, "demand"] + at.loc[first, "downstream_use"]),
            table_number(at.loc[last, "demand"] + at.loc[last, "downstream_use"]),
            unmet,
            table_number(at.loc[first, "china_share"], pct=True),
            table_number(at.loc[last, "china_share"], pct=True),
            table_number(at.loc[last, "max_china_share"], pct=True),
            millions_plain(float(rows["cost"].sum())),
            millions_plain(float(rows["shortfall_value"].sum())),
        )
        # consecutive years that bind for the same reason are one line
        runs: list[tuple[str, list[int]]] = []
        for r in rows.itertuples(index=False):
            if r.shortfall > 0 or "China cap" in r.binding or "rule " in r.binding:
                text = r.binding or "no supplier"
                if runs and runs[-1][0] == text and runs[-1][1][-1] == int(r.year) - 1:
                    runs[-1][1].append(int(r.year))
                else:
                    runs.append((text, [int(r.year)]))
        why += [f"  {escape(k)} {year_ranges(ys)}: {escape(text)}" for text, ys in runs]
    return table, why


def _one_year_table(result) -> tuple[Table, list[str]]:
    """A row per commodity, and what binds (a shortfall, a binding cap or rule)."""
    table = Table(show_edge=False, header_style="bold")
    sign = money_sign(result.case.currency)
    for col in (
        "commodity",
        "stage",
        "unit",
        "needed",
        "shortfall (of need)",
        "China",
        "cap",
        f"cost {sign}M",
        f"unmet {sign}M",
        "unit cost +",
    ):
        table.add_column(
            col,
            justify="left" if col in ("commodity", "stage", "unit") else "right",
            min_width=int(result.commodities["commodity"].str.len().max())
            if col == "commodity"
            else None,
            no_wrap=True,
        )
    why = []
    for r in result.commodities.itertuples(index=False):
        table.add_row(
            escape(r.commodity),
            escape(r.stage or "-"),
            escape(r.unit),
            table_number(r.demand + r.downstream_use),
            (
                f"[red]{table_number(r.shortfall)} ({table_number(r.shortfall_share, pct=True)})[/]"
                if r.shortfall > 0
                else "0"
            ),
            table_number(r.china_share, pct=True),
            table_number(r.max_china_share, pct=True),
            millions_plain(r.cost),
            millions_plain(r.shortfall_value),
            pct_premium(r),
        )
        if r.shortfall > 0 or "China cap" in r.binding or "rule " in r.binding:
            why.append(f"  {escape(r.commodity)}: {escape(r.binding or 'no supplier')}")
    return table, why


def print_summary(result, folder: Path | None) -> None:
    s = result.summary
    currency = result.case.currency
    out.print(f"[bold]{escape(s['case'])}[/]: {escape(s['description'])}", highlight=False)
    years = "year" in result.commodities.columns  # a case with a [horizon]
    table, why = _years_table(result) if years else _one_year_table(result)
    out.print(table)
    stages = result.stages
    if stages["stage"].nunique() > 1:
        if years:  # the first and the last year; stages.csv has them all
            stages = stages[stages["year"].isin([stages["year"].min(), stages["year"].max()])]
        for r in stages.itertuples(index=False):
            stage = f"{r.stage} {r.year}" if years else r.stage
            text = (
                f"  {escape(stage)}: {millions(r.cost, currency=currency)}, "
                f"China {table_number(r.china_cost_share, pct=True)}"
                " of spend"
            )
            premium = getattr(r, "unit_cost_premium_share", float("nan"))
            if premium == premium:
                text += f", unit-cost premium {shown(premium, 3):+.1%}"
            if r.with_shortfall:
                text += f", [red]{r.with_shortfall} short[/]"
            out.print(text, highlight=False)
    if why:
        out.print("what binds (shortfall or a binding cap/rule):", highlight=False)
        for line in why:
            out.print(line, highlight=False, soft_wrap=True)
    for line in headline_lines(s, currency):
        out.print(line, highlight=False, soft_wrap=True)
    _print_restricted_used(s)
    if folder is not None:
        wrote(folder)


@app.command()
def solve(
    case: CaseArg = Path("inputs/base"),
    out_dir: Annotated[
        Path, typer.Option("--out", help="Write solutions/<name>/ under this folder.")
    ] = Path("."),
    name: Annotated[
        str | None, typer.Option(help="Run folder name (default: the case's name).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing run folder.")] = False,
    max_china_share: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Override the case's default China cap (0-1)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the folder.")] = False,
    plots: Annotated[
        bool,
        typer.Option(
            help="Also write plots/*.png and *.svg (adds ~2 s; `sourcing report` draws them too)."
        ),
    ] = False,
    xlsx: XlsxOpt = False,
    probes: Annotated[
        bool | None,
        typer.Option(
            "--probes/--no-probes",
            help="Exact marginal values by re-solve (default: on up to 5,000 supply rows "
            "and 100 commodities or commodity-years).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Solve a case or scenario and write its run folder."""
    from model.case import load_case
    from model.solve import solve as run_solve

    try:
        loaded = load_case(case)
        _target(out_dir, name, loaded.name, force)  # name, --out and no-overwrite, before solving
        result = run_solve(loaded, max_china_share=max_china_share, probes=probes)
        warn_restrictions(result.case)  # the case as solved (with --max-china-share)
        folder = result.write(out_dir, name=name, force=force, plots=plots, xlsx=xlsx)
    except SourcingError as exc:
        fail(exc)
        return
    if quiet:
        print(folder, flush=True)  # exactly the path, on one line, for scripts
    else:
        print_summary(result, folder)


@app.command()
def validate(case: CaseArg) -> None:
    """Check a case or scenario without solving."""
    from model.case import load_case

    try:
        loaded = load_case(case)
    except SourcingError as exc:
        fail(exc)
        return
    # a horizon case: the tables as read, and the years they were expanded over
    shown = loaded.horizon.source if loaded.horizon is not None else loaded
    restricted = f", {len(shown.restrictions)} restrictions" if len(shown.restrictions) else ""
    years = ""
    if loaded.horizon is not None:
        spec = loaded.horizon.spec
        years = f", {len(spec.years)} years ({spec.start}-{spec.end})"
    out.print(
        f"ok: {escape(loaded.name)}: {len(shown.commodities)} commodities, "
        f"{len(shown.countries)} countries, {len(shown.supply)} supply rows, "
        f"{len(shown.recipes)} recipe rows, "
        f"{len(loaded.policy.rules)} share rules{restricted}{years}",
        highlight=False,
    )
    warn_restrictions(loaded)


def warn_restrictions(case) -> None:
    """One stderr line per restricted supplier that no cap or rule holds at zero (not an error)."""
    from model.case.restrictions import unguarded

    for item in unguarded(case):
        err.print(
            f"[bold yellow]warning:[/] {escape(item.message())}", highlight=False, soft_wrap=True
        )


def _quantity_range(values: list[float]) -> str:
    low, high = table_number(min(values)), table_number(max(values))
    return low if low == high else f"{low} to {high}"


def _print_restricted_used(summary: dict) -> None:
    """The solve summary's line on restricted suppliers the mix buys from (if the case tags any)."""
    used = summary.get("restricted_used")
    if used is None:
        return
    if not used:
        out.print("restricted suppliers: none used", highlight=False)
        return
    if "year" in used[0]:  # a horizon run: each supplier once, with its years
        runs: dict[tuple[str, str], list[dict]] = {}
        for u in used:
            runs.setdefault((u["commodity"], u["country"]), []).append(u)
        names = ", ".join(
            f"{k} from {n} in {year_ranges([u['year'] for u in us])} "
            f"({_quantity_range([u['quantity'] for u in us])} a year)"
            for (k, n), us in runs.items()
        )
        used = list(runs)
    else:
        names = ", ".join(
            f"{u['commodity']} from {u['country']} ({table_number(u['quantity'])})" for u in used
        )
    out.print(
        f"[red]restricted suppliers used ({len(used)}):[/] {escape(names)}",
        highlight=False,
        soft_wrap=True,
    )


# --- sensitivity commands ---------------------------------------------------------------------
OutOpt = Annotated[Path, typer.Option("--out", help="Write solutions/<name>/ under this folder.")]
NameOpt = Annotated[str | None, typer.Option(help="Run folder name.")]
ForceOpt = Annotated[bool, typer.Option(help="Replace an existing run folder.")]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Local worker processes.")]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
]
ProgressOpt = Annotated[bool, typer.Option(help="Show a progress bar.")]


def check_out_dir(out_dir: Path) -> None:
    """Fail before any solving if the run folder could not be written there."""
    for folder in (out_dir, out_dir / "solutions"):
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} exists and is not a folder", column="--out")


def _target(out_dir: Path, name: str | None, default: str, force: bool) -> Path:
    final = name or default
    if (problem := name_problem(final, MAX_RUN_NAME)) is not None:
        # repr: a newline or other control character shows as \n, on the one line
        raise InputError(f"run name {final!r} {problem}", column="--name" if name else None)
    check_out_dir(out_dir)
    target = out_dir / "solutions" / final
    from model.folders import recover_leftovers

    recover_leftovers(target)  # a run lost by a killed --force is back before the check
    if target.exists() and not force:
        raise RunExistsError(
            f"{target} already exists; pass --force to replace it or --name to write a new run"
        )
    return target


def _kept(exc: OSError, partial: Path) -> OSError:
    """A write failure during a sweep, saying where its finished points are kept."""
    if not partial.is_dir():
        return exc
    return WriteError(
        f"{exc}; finished points are kept in {partial}; "
        "run the same command with --resume to continue"
    )


def _client(scheduler: str | None):
    if scheduler is None:
        return None
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            "--scheduler needs dask.distributed: pip install 'sourcing-model[cluster]'"
        ) from None
    try:
        return Client(scheduler, timeout=10)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def is_sweep_file(path: Path) -> bool:
    """A .toml file with a [[parameters]] array is a sweep file (not a scenario)."""
    if path.suffix != ".toml" or not path.is_file():
        return False
    from model.case.policy import read_toml

    return "parameters" in read_toml(path)


@app.command()
def sweep(
    case: Annotated[
        Path, typer.Argument(help="A case, a scenario, or a sweep file (inputs/sweeps/*.toml).")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="PARAMETER=GRID, e.g. max_china_share=1:0:0.05 or "
            "'capacity[country=group:partner]=1,1.5,2'. Repeatable.",
        ),
    ] = None,
    sweep_file: Annotated[
        Path | None, typer.Option("--file", help="A sweep file to run on CASE.")
    ] = None,
    zip_: Annotated[
        bool, typer.Option("--zip", help="Pair grids instead of their product.")
    ] = False,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted sweep.")] = False,
    out_dir: OutOpt = Path("."),
    name: NameOpt = None,
    force: ForceOpt = False,
    progress: ProgressOpt = True,
    plots: PlotsOpt = True,
    xlsx: XlsxOpt = False,
) -> None:
    """Solve a case over a grid of parameter values on one built model."""
    import shutil

    from model.case import load_case
    from model.sweep import load_sweep, make_grid
    from model.sweep import sweep as run_sweep

    try:
        sources: list[Path] = []
        if is_sweep_file(case):
            if set_ or sweep_file is not None:
                raise InputError(f"{case} is a sweep file; --set and --file cannot be added to it")
            loaded, grid, spec = load_sweep(case)
            sources.append(case)
            default = spec.name or f"{loaded.name}-sweep"
        else:
            loaded = load_case(case)
            if sweep_file is not None:
                if set_:
                    raise InputError("give either --file or --set, not both")
                _, grid, spec = load_sweep(sweep_file, case)
                sources.append(sweep_file)
                default = spec.name or f"{loaded.name}-sweep"
            else:
                params: dict[str, str] = {}
                for item in set_ or []:
                    text, eq, values = item.rpartition("=")
                    if not eq or not text:
                        raise InputError(f"--set '{item}' is not PARAMETER=GRID")
                    if text in params:
                        raise InputError(f"--set gives '{text}' twice")
                    params[text] = values
                grid = make_grid(params, "zip" if zip_ else "product")
                default = f"{loaded.name}-sweep"
        target = _target(out_dir, name, default, force)
        partial = target.parent / f".{target.name}.partial"
        if force and partial.exists():
            shutil.rmtree(partial)
        client = _client(scheduler)
        try:
            result = run_sweep(
                loaded,
                grid,
                workers=workers,
                client=client,
                progress=progress,
                checkpoint=partial,
                resume=resume,
                name=target.name,
            )
        except KeyboardInterrupt:
            if partial.exists():
                err.print(
                    f"interrupted; finished points are kept in {escape(str(partial))}; "
                    "run the same command with --resume to continue",
                    highlight=False,
                    soft_wrap=True,
                )
            else:
                err.print("interrupted before any point finished", highlight=False)
            raise typer.Exit(130) from None
        except SolveError:
            shutil.rmtree(partial, ignore_errors=True)  # a failing sweep cannot be resumed
            raise
        except OSError as exc:  # e.g. a full disk while logging a point
            raise _kept(exc, partial) from exc
        finally:
            if client is not None:
                client.close()
        result.source_files = sources
        try:
            folder = result.write(out_dir, name=target.name, force=force, plots=plots, xlsx=xlsx)
        except OSError as exc:  # every point is solved and logged: --resume only writes
            raise _kept(exc, partial) from exc
        shutil.rmtree(partial, ignore_errors=True)
    except SourcingError as exc:
        fail(exc)
        return
    pts, cur = result.points, result.case.currency

    def span(col: str, signed: bool = False) -> str:
        lo, hi = (millions(pts[col].agg(f), signed=signed, currency=cur) for f in ("min", "max"))
        return lo if lo == hi else f"{lo} to {hi}"

    hz = result.case.horizon
    per = "a year" if hz is None else f"over {hz.years[0]}-{hz.years[-1]}"
    parts = "supply cost + unmet need valued"
    if "holding_cost" in pts or "buildout_cost" in pts:  # a stockpile or build-out
        parts = "supply, stock and build-out costs + unmet need valued"
    text = (
        f"{len(pts)} points; total ({parts}) {span('total')} {per}; "
        f"premium of the rules {span('premium_vs_today', True)} against the case as given"
    )
    if "premium_vs_no_share_rules" in pts:
        text += f", {span('premium_vs_no_share_rules', True)} against no share rules"
    short = int((pts["commodities_with_shortfall"] > 0).sum())
    text += f"; {short} of {len(pts)} points leave need unmet" if short else "; all need met"
    out.print(text, highlight=False, soft_wrap=True)
    wrote(folder)


@app.command()
def curve(
    case: CaseArg = Path("inputs/base"),
    commodity: Annotated[
        list[str] | None, typer.Option(help="Commodities to sweep (default: all China supplies).")
    ] = None,
    together: Annotated[
        bool, typer.Option(help="One curve with every cap moving together.")
    ] = False,
    grid: Annotated[str, typer.Option(help="Cap grid, start:stop:step or a list.")] = "1:0:0.05",
    tol: Annotated[float, typer.Option(help="Breakpoint precision (share).")] = 1e-4,
    out_dir: OutOpt = Path("."),
    name: NameOpt = None,
    force: ForceOpt = False,
    progress: ProgressOpt = True,
    plots: PlotsOpt = True,
    xlsx: XlsxOpt = False,
) -> None:
    """The price of de-risking: cost and shortfall as China's cap goes from 100% to 0%."""
    from model.case import load_case
    from model.curve import curve as run_curve

    try:
        loaded = load_case(case)
        default = f"{loaded.name}-curve" + ("-together" if together else "")
        target = _target(out_dir, name, default, force)
        result = run_curve(
            loaded,
            commodities=commodity,
            together=together,
            grid=grid,
            tol=tol,
            progress=progress,
        )
        folder = result.write(out_dir, name=target.name, force=force, plots=plots, xlsx=xlsx)
    except SourcingError as exc:
        fail(exc)
        return
    table = Table(show_edge=False, header_style="bold", title="breakpoints (cap from -> to)")
    for col in ("commodity", "from", "to", "what changes"):
        table.add_column(col, no_wrap=col != "what changes")
    for r in result.breakpoints.itertuples(index=False):
        table.add_row(escape(r.commodity), f"{r.cap_from:.2%}", f"{r.cap_to:.2%}", escape(r.change))
    out.print(table)
    wrote(folder)


@app.command()
def stress(
    case: CaseArg = Path("inputs/base"),
    groups: Annotated[bool, typer.Option(help="Also remove each group at once.")] = True,
    k: Annotated[int, typer.Option(min=1, help="Also remove every set of up to k countries.")] = 1,
    by_commodity: Annotated[
        bool, typer.Option(help="Also remove each country for each commodity separately.")
    ] = False,
    workers: WorkersOpt = 1,
    scheduler: SchedulerOpt = None,
    top: Annotated[int, typer.Option(help="Rows of the ranking to print.")] = 15,
    out_dir: OutOpt = Path("."),
    name: NameOpt = None,
    force: ForceOpt = False,
    progress: ProgressOpt = True,
    plots: PlotsOpt = True,
    xlsx: XlsxOpt = False,
    country: Annotated[
        str | None,
        typer.Option(help="Test this outage only: a country (or group:<tag>; '|' for several)."),
    ] = None,
    commodity: Annotated[
        str | None,
        typer.Option(
            help="Test this outage only: this commodity's supply (with --country: of it)."
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Horizon cases: the outage lasts this year only.")
    ] = None,
    from_year: Annotated[
        int | None,
        typer.Option(help="Horizon cases: the outage starts this year and lasts to the end..."),
    ] = None,
    years: Annotated[int | None, typer.Option(help="... or this many years.")] = None,
) -> None:
    """Remove each supplying country in turn and rank countries by how critical they are.

    With --country/--commodity one outage is tested; on a horizon case it also gives the
    stock needed to cover it (stock_needed.csv)."""
    from model.case import load_case
    from model.stress import stress as run_stress

    try:
        loaded = load_case(case)
        target = _target(out_dir, name, f"{loaded.name}-stress", force)
        client = _client(scheduler)
        try:
            result = run_stress(
                loaded,
                groups=groups,
                k=k,
                by_commodity=by_commodity,
                workers=workers,
                client=client,
                progress=progress,
                country=country,
                commodity=commodity,
                year=year,
                from_year=from_year,
                years=years,
            )
        finally:
            if client is not None:
                client.close()
        folder = result.write(out_dir, name=target.name, force=force, plots=plots, xlsx=xlsx)
    except SourcingError as exc:
        fail(exc)
        return
    sign = money_sign(loaded.currency)
    when = result.summary.get("outage_years")
    title = "most critical outages"
    if when:  # an outage in some years of a horizon case
        title += f" in {when[0]}" + (f"-{when[-1]}" if len(when) > 1 else "")
    table = Table(show_edge=False, header_style="bold", title=title)
    bridged = "bridged_years" in result.ranking.columns
    columns = (
        "rank",
        "outage",
        "unmet (of need)",
        "worst",
        "short",
        *(("stock bridges (years)",) if bridged else ()),
        f"supply cost +{sign}M",
        f"total +{sign}M",
    )
    for col in columns:
        table.add_column(col, justify="left" if col in ("outage", "worst") else "right")
    of = result.case.horizon.of if result.case.horizon is not None else {}
    for r in result.ranking.head(top).itertuples(index=False):
        worst = r.worst_commodity or "-"
        if worst in of:  # a commodity-year, as the tables name it: "gallium 2028"
            worst = f"{of[worst][0]} {of[worst][1]}"
        table.add_row(
            str(r.rank),
            escape(r.outage),
            table_number(r.shortfall_share_increase, pct=True),
            escape(worst),
            str(r.commodities_short),
            *((str(r.bridged_years),) if bridged else ()),
            millions_plain(r.supply_cost_increase, True),
            millions_plain(r.total_increase, True),
        )
    out.print(table)
    out.print(
        f"ranked by the {result.summary['rank']} (unmet: that rise, in the worst commodity)",
        highlight=False,
        soft_wrap=True,
    )
    if result.stock_needed is not None:
        need = Table(show_edge=False, header_style="bold", title="stock needed to cover the outage")
        start = result.summary["outage_years"][0]
        for col in (
            "commodity",
            "held",
            "needed",
            "extra",
            f"held on 1 Jan {start}",
            "short with it",
            "short without",
        ):
            need.add_column(col, justify="left" if col == "commodity" else "right")
        for r in result.stock_needed.itertuples(index=False):
            need.add_row(
                escape(r.commodity),
                table_number(r.initial),
                table_number(r.needed),
                table_number(r.extra),
                table_number(r.held_at_start),
                table_number(r.shortfall_left),
                table_number(r.shortfall_without),
            )
        out.print(need)
    wrote(folder)


@app.command()
def compare(
    cases: Annotated[list[Path], typer.Argument(help="Two or more cases or scenarios.")],
    out_dir: OutOpt = Path("."),
    name: NameOpt = None,
    force: ForceOpt = False,
    plots: PlotsOpt = True,
    xlsx: XlsxOpt = False,
) -> None:
    """Solve several cases or scenarios and tabulate their differences by commodity."""
    from model.case import load_case
    from model.case.horizon import commodity_ids
    from model.compare import compare as run_compare

    try:
        loaded = [load_case(c) for c in cases]
        default = "compare-" + "-vs-".join(c.name for c in loaded)
        target = _target(out_dir, name, default[:120], force)
        result = run_compare(loaded)
        folder = result.write(out_dir, name=target.name, force=force, plots=plots, xlsx=xlsx)
    except SourcingError as exc:
        fail(exc)
        return
    names = [r.case.name for r in result.results]
    sign = money_sign(result.summary.get("currency", "USD"))
    table = Table(show_edge=False, header_style="bold")
    table.add_column("commodity", no_wrap=True)
    for n in names:
        table.add_column(f"{escape(n)}\ncost {sign}M / China / short", justify="right")
    wide = result.by_commodity.set_index(["commodity", "case"])
    for k in commodity_ids(result.results[0].commodities):
        cells = []
        for n in names:
            r = wide.loc[(k, n)]
            cells.append(
                f"{millions_plain(r['cost'])} / {table_number(r['china_share'], pct=True)}"
                f" / {table_number(r['shortfall_share'], pct=True)}"
            )
        table.add_row(escape(k), *cells)
    totals = result.totals
    for label, col, signed in (
        (f"supply cost {sign}M", "supply_cost", False),
        (f"unmet need valued {sign}M", "shortfall_value", False),
        (f"total {sign}M", "total", False),
        (f"premium vs today {sign}M", "premium_vs_today", True),
        (f"premium vs no share rules {sign}M", "premium_vs_no_share_rules", True),
    ):
        table.add_row(
            f"[bold]{label}[/]",
            *[f"[bold]{millions_plain(v, signed)}[/]" for v in totals[col]],
        )
    out.print(table)
    out.print(
        "short: unmet need as a share of the commodity's need; unmet need is valued at each "
        "commodity's shortfall penalty; total = supply cost + unmet need valued; today (the "
        "root case of a scenario's base chain): "
        + ", ".join(
            f"{escape(c)}: {'itself' if c == t else escape(t)}"
            for c, t in zip(totals["case"], totals["today"], strict=True)
        ),
        highlight=False,
        soft_wrap=True,
    )
    for name, lines in result.summary.get("shortage_moves", {}).items():
        for line in lines:
            out.print(
                f"[yellow]{escape(line)}[/] ({escape(name)} against {escape(totals['case'][0])})",
                highlight=False,
                soft_wrap=True,
            )
    wrote(folder)


@app.command()
def report(
    run: Annotated[Path, typer.Argument(help="A run folder (solutions/<name>/) of any kind.")],
    force: Annotated[bool, typer.Option(help="Replace an existing report.")] = False,
) -> None:
    """Write report.html (self-contained) and report.md into a run folder."""
    from model.report import write_report

    try:
        paths = write_report(run, force=force)
    except SourcingError as exc:
        fail(exc)
        return
    for path in paths:
        wrote(path)


# Click's error base class: typer >= 0.23 vendors click, older typer uses click itself.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def main() -> None:
    """The console entry point: every failure is one line on stderr, with its exit code."""
    try:
        code = app(standalone_mode=False)  # usage errors come here, not to Typer's box
    except _CLICK_ERROR as exc:  # a bad option, value or command
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `sourcing`: the help, on stdout
            help_text = exc.format_message()  # (Typer's rich formatter printed it itself)
            if help_text:
                print(help_text)
            sys.exit(exc.exit_code)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = " ".join(exc.format_message().split())  # one line, however click wrapped it
        err.print(
            f"[bold red]usage error:[/] {escape(message + hint)}", highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except OSError as exc:  # unreadable input, unwritable output folder, full disk
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
