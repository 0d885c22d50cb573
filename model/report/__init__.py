"""Reports of a run folder: one self-contained HTML page and a Markdown twin.

``sourcing report RUN_FOLDER`` (or `write_report`) reads what a run wrote,
its CSV tables, summary.json and ``inputs/``, without solving again, and
writes ``report.html`` (plots embedded as data URIs, inline CSS, no scripts and
nothing fetched) and ``report.md`` (plots linked as ``plots/*.png``). Plots
missing from the folder (a run made with ``--no-plots``) are drawn from the
tables and written to ``plots/`` first. Existing reports are replaced only with
``force``; every file is written to a temporary name and renamed into place.

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
