"""Report sections every kind of run shares: the question, figures, sources, footer."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from model.case.tables import inside_folder
from model.formats import pct
from model.report.document import Block, Details, Figure, Markdown, SourceFile, Table, code, lit
from model.report.run import ESTIMATE_WORDS, PLOT_TITLES, Run
from model.report.years import year_plots


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
    if policy.get("china_cap_basis") == "need":
        out.append("China's caps are shares of need (bought or short), not of what is bought.")
    for rule in policy.get("rules") or []:
        who = rule.get("country", "")
        if isinstance(who, list):
            who = "|".join(who)
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
        of = f"the need for {scope}" if rule.get("basis") == "need" else scope
        out.append(f"Rule{name}: {subject} supplies {' and '.join(bounds)} of {of}.")
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
    from model.plots import figure_files, run_figures  # here: matplotlib only when drawing

    names = {
        "solve": ["mix", "china_share", "stages"],
        "sweep": ["sweep"],
        "curve": ["curve"],
        "stress": ["criticality"],
        "compare": ["comparison"],
    }[run.kind]
    if run.kind == "solve" and "year" in run.tables["commodities"].columns:
        names = [*names, "timeline", *year_plots(run.tables)]  # a horizon solve
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
