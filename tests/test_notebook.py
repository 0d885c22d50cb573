"""notebooks/quickstart.ipynb runs from top to bottom, so it never rots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"


def test_notebook_is_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


# Tools' caches (gitignored) that tests running alongside on other workers (pytest -n) may
# create in the repository's top level at any moment: not the notebook's doing.
CACHES = {".hypothesis", ".pytest_cache", ".ruff_cache", "__pycache__"}


def repo_files() -> set[str]:
    """The repository's top level, and everything under the folders a notebook might write."""
    out = {p.name for p in ROOT.iterdir()} - CACHES
    for folder in ("notebooks", "inputs", "solutions"):
        out |= {str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*")}
    return out


def test_quickstart_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # a copy, run in a temporary folder, so nothing is written into the repository
    copy = tmp_path / "quickstart.ipynb"
    shutil.copy(NOTEBOOK, copy)
    monkeypatch.setenv("SOURCING_ROOT", str(ROOT))  # the copy is outside the repository
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = repo_files()
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = {
        i: [o for o in c.outputs if o.output_type in ("execute_result", "display_data")]
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
    }
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]
    sources = {i: nb.cells[i].source for i in outputs}
    plots = [i for i, s in sources.items() if ".plot." in s]
    assert len(plots) >= 4
    for i in plots:  # every plot cell shows a picture
        assert any("image/png" in o.get("data", {}) for o in outputs[i]), sources[i]
    results = [i for i, s in sources.items() if s.strip().endswith(("result", "cap50"))]
    for i in results:  # result objects show as HTML tables
        html = outputs[i][-1]["data"]["text/html"]
        assert "<table" in html and "supply cost" in html
    (book,) = [i for i, s in sources.items() if "write_case_xlsx(case" in s]
    assert outputs[book][-1]["data"]["text/plain"] == "True"  # the workbook round trip
    # the horizon section: its stockpile frame has a row per year, 2026-2028
    (stock,) = [i for i, s in sources.items() if s.strip() == "over_years.stock"]
    assert outputs[stock][-1]["data"]["text/plain"].count("gallium") == 3
    assert repo_files() == before
