"""The `sourcing` command line.

Exit codes: 0 success, 2 bad input or usage (a message naming file, row and
column; nothing written), 3 solver failure.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from model.errors import InputError, RunExistsError, SolveError, SourcingError
from model.policy import NAME_PATTERN

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Least-cost diversified sourcing of AI-critical commodities (Pyomo + HiGHS).",
)
# Piped output (CI logs, notebooks' ! commands) gets a fixed, readable width.
out = Console(width=None if sys.stdout.isatty() else 130)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 130)

CaseArg = Annotated[
    Path,
    typer.Argument(help="A case folder (with case.toml) or a scenario .toml file."),
]


def fail(exc: SourcingError) -> None:
    """Print one clear line and exit with the code that matches the error kind."""
    if isinstance(exc, SolveError):
        err.print(f"[bold red]solver error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(3)
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _fmt(value: float, pct: bool = False) -> str:
    if value != value:  # NaN
        return "-"
    if pct:
        return f"{value:.1%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _pct_premium(r) -> str:
    """Average unit cost against the same case without share rules, in percent."""
    extra = getattr(r, "unit_cost_premium", float("nan"))
    base = r.average_unit_cost - extra
    if extra != extra or base <= 0:
        return "-"
    return f"{extra / base:+.1%}"


def _money(value: float) -> str:
    """USD in millions, to 0.1 M."""
    return "-" if value != value else f"{value / 1e6:,.1f}"


def print_summary(result, folder: Path | None) -> None:
    s = result.summary
    out.print(f"[bold]{s['case']}[/]: {s['description']}", highlight=False)
    table = Table(show_edge=False, header_style="bold")
    for col in (
        "commodity",
        "stage",
        "unit",
        "needed",
        "supplied",
        "shortfall",
        "China",
        "cap",
        "cost $M",
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
            r.commodity,
            r.stage or "-",
            r.unit,
            _fmt(r.demand + r.downstream_use),
            _fmt(r.supplied),
            ("[red]" + _fmt(r.shortfall) + "[/]") if r.shortfall > 0 else "0",
            _fmt(r.china_share, pct=True),
            _fmt(r.max_china_share, pct=True),
            _money(r.cost),
            _pct_premium(r),
        )
        if r.shortfall > 0 or "China cap" in r.binding or "rule " in r.binding:
            why.append(f"  {r.commodity}: {escape(r.binding or 'no supplier')}")
    out.print(table)
    if result.stages["stage"].nunique() > 1:
        for r in result.stages.itertuples(index=False):
            text = (
                f"  {r.stage}: ${r.cost / 1e6:,.1f}M, China {_fmt(r.china_cost_share, pct=True)}"
                " of spend"
            )
            if getattr(r, "unit_cost_premium_pct", float("nan")) == r.unit_cost_premium_pct:
                text += f", unit-cost premium {r.unit_cost_premium_pct:+.1f}%"
            if r.with_shortfall:
                text += f", [red]{r.with_shortfall} short[/]"
            out.print(text, highlight=False)
    if why:
        out.print("what binds (shortfall or a binding cap/rule):", highlight=False)
        for line in why:
            out.print(line, highlight=False, soft_wrap=True)
    premium = s.get("total_cost_premium")
    line = f"supply cost [bold]${s['total_cost'] / 1e6:,.1f}M[/] a year"
    if premium is not None:
        line += f" ({premium / 1e6:+,.1f}M against no share rules)"
    if s["commodities_with_shortfall"]:
        line += (
            f"; [red]shortfall in {s['commodities_with_shortfall']} commodities[/]"
            " (cost compares smaller purchases)"
        )
    else:
        line += "; all demand met"
    out.print(line, highlight=False)
    if folder is not None:
        out.print(f"wrote {folder}", highlight=False)


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
) -> None:
    """Solve a case or scenario and write its run folder."""
    from model.case import load_case
    from model.solve import solve as run_solve

    try:
        if name is not None and not re.match(NAME_PATTERN, name):
            raise InputError(f"run name '{name}' may use letters, digits, '_', '.', '-' only")
        target = out_dir / "solutions" / (name or "")
        loaded = load_case(case)
        target = out_dir / "solutions" / (name or loaded.name)
        if target.exists() and not force:
            raise RunExistsError(
                f"{target} already exists; pass --force to replace it or --name to write a new run"
            )
        result = run_solve(loaded, max_china_share=max_china_share)
        folder = result.write(out_dir, name=name, force=force)
    except SourcingError as exc:
        fail(exc)
        return
    if quiet:
        out.print(str(folder), highlight=False)
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
    out.print(
        f"ok: {loaded.name}: {len(loaded.commodities)} commodities, {len(loaded.countries)} "
        f"countries, {len(loaded.supply)} supply rows, {len(loaded.recipes)} recipe rows, "
        f"{len(loaded.policy.rules)} share rules",
        highlight=False,
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
