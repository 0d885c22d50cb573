"""Reports of a run folder: one self-contained HTML page and a Markdown twin.

``sourcing report RUN_FOLDER`` (or `write_report`) reads what a run wrote,
its CSV tables, summary.json and ``inputs/``, without solving again, and
writes ``report.html`` (plots embedded as data URIs, inline CSS, no scripts and
nothing fetched) and ``report.md`` (plots linked as ``plots/*.png``). Plots
missing from the folder (a run made with ``--no-plots``) are drawn from the
tables and written to ``plots/`` with the report. Existing reports are replaced
only with ``force``. The report files and the plots it adds are one set, written
all or none: a copy of the run folder gets them and replaces the folder in one
step (`model.folders.update_folder_atomically`), so at every instant the folder
holds the old set or the new one.

A report answers, in order: the question the run asks (the case or scenario
descriptions and its policy), the headline numbers, the plots, the key
tables, what binds and what the shadow prices say in plain words (solve
runs), and the sources and estimates behind the inputs.

The same table builders give result objects their ``_repr_html_`` in notebooks.

Modules: `run` (reading a run folder or a result), `document` (the document model
and its HTML/Markdown rendering), `common`, `solve` and `sensitivity` (the sections
of each kind of run), `write` (`write_report`) and `notebook` (`result_html`).
"""

from model.report.notebook import result_html
from model.report.run import Run, RunResult, load_run, run_from_result
from model.report.write import report_blocks, write_report

__all__ = [
    "Run",
    "RunResult",
    "load_run",
    "report_blocks",
    "result_html",
    "run_from_result",
    "write_report",
]
