"""When probes run: automatic below the size limits, or as the user says (`--probes`)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from typer.testing import CliRunner

from model import load_case, solve
from model.cli import app

# the module: `model.solve` is also the function, re-exported by the package
solve_module = importlib.import_module("model.solve")

SUPPLY = [("a", "CHN", 10, 1), ("a", "AUS", 10, 2), ("b", "AUS", 5, 3)]


def test_probes_are_auto_off_above_the_commodity_limit(case_dir, monkeypatch):
    case = load_case(case_dir(commodities=[("a", 8), ("b", 4)], supply=SUPPLY))
    assert solve(case).summary["details"]["probes"] is True  # 2 commodities: small
    monkeypatch.setattr(solve_module, "DETAIL_COMMODITIES", 1)
    assert solve(case).summary["details"]["probes"] is False
    assert solve(case, probes=True).summary["details"]["probes"] is True


def test_cli_no_probes(case_dir, tmp_path: Path):
    folder = case_dir(commodities=[("a", 8), ("b", 4)], supply=SUPPLY)
    run = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path), "--no-probes"])
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "solutions/tiny/summary.json").read_text())
    assert summary["details"]["probes"] is False
