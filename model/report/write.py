"""A report assembled from its sections and written into the run folder."""

from __future__ import annotations

from pathlib import Path

from model.errors import RunExistsError
from model.folders import recover_leftovers, update_folder_atomically
from model.report.common import _figures, _footer, _sources
from model.report.document import Block, render_html, render_md
from model.report.run import Run, load_run
from model.report.sensitivity import _compare_blocks, _curve_blocks, _stress_blocks, _sweep_blocks
from model.report.solve import _solve_blocks

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
