"""The CLI as a user runs it (subprocess), run folders, atomic writes and no overwrite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import RunExistsError, load_case, solve
from model.output import write_run
from tests.conftest import BASE, ROOT

SPEC_MIX = ["commodity", "country", "quantity", "share", "unit_cost", "cost"]
SPEC_COMMODITIES = [
    "demand",
    "supplied",
    "shortfall",
    "china_share",
    "max_china_share",
    "cost",
    "average_unit_cost",
    "shortfall_share",
    "shortfall_value",
    "total",
    "supply_cost_change",
    "premium_vs_no_share_rules",
    "premium_vs_today",
    "marginal_cost_per_pp",
]


def sourcing(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_solve_default_case_writes_run_folder(tmp_path: Path):
    proc = sourcing("solve", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "solutions" / "base"
    assert "rare_earths_refining" in proc.stdout and str(run) in proc.stdout
    for name in (
        "mix.csv",
        "commodities.csv",
        "capacity_values.csv",
        "summary.json",
        "inputs/case.toml",
        "inputs/supply.csv",
        "inputs/SOURCES.md",
    ):
        assert (run / name).is_file(), name
    mix = pd.read_csv(run / "mix.csv")
    assert set(SPEC_MIX) <= set(mix.columns) and (mix["quantity"] > 0).all()
    com = pd.read_csv(run / "commodities.csv")
    assert set(SPEC_COMMODITIES) <= set(com.columns)
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert set(summary["versions"]) >= {"pyomo", "highspy", "pandas", "python"}
    assert len(summary["inputs_sha256"]) == 64
    assert set(summary["timings_seconds"]) == {"build", "solve", "report"}

    # never overwritten silently: same command fails, files unchanged
    before = snapshot(run)
    again = sourcing("solve", "--out", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert snapshot(run) == before
    # --force replaces it
    forced = sourcing("solve", "--out", str(tmp_path), "--force", "--max-china-share", "0.5")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((run / "summary.json").read_text())["max_china_share"] == 0.5
    assert not [p for p in (tmp_path / "solutions").iterdir() if p.name.startswith(".")]


def without_timings(files: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(files)
    summary = json.loads(out.pop("summary.json"))
    summary.pop("timings_seconds")
    out["summary.json"] = json.dumps(summary).encode()
    return out


def test_runs_are_reproducible_and_self_contained(tmp_path: Path):
    scenario = ROOT / "inputs" / "scenarios" / "procurement-rules.toml"
    a = write_run(solve(load_case(scenario)), tmp_path, name="a")
    b = write_run(solve(load_case(scenario)), tmp_path, name="b")
    assert without_timings(snapshot(a)) == without_timings(snapshot(b))
    # the copied inputs are a case that reproduces the run, premium against today included
    # (the scenario's today, the base case, is kept in inputs/today/)
    assert (a / "inputs" / "today" / "case.toml").is_file()
    c = write_run(solve(load_case(a / "inputs")), tmp_path, name="c")
    for name in ("mix.csv", "commodities.csv", "capacity_values.csv"):
        assert (a / name).read_bytes() == (c / name).read_bytes(), name
    assert (a / "inputs" / "scenario" / "procurement-rules.toml").is_file()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    result = solve(load_case(BASE))
    calls = {"n": 0}
    real = Path.write_bytes

    def flaky(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_run(result, tmp_path)
    monkeypatch.undo()
    solutions = tmp_path / "solutions"
    assert not (solutions / "base").exists()
    assert list(solutions.iterdir()) == []  # no half-written temporary folder left
    # an existing run survives a failed forced rewrite
    good = write_run(result, tmp_path)
    before = snapshot(good)
    calls["n"] = 0
    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(OSError):
        write_run(result, tmp_path, force=True)
    monkeypatch.undo()
    assert snapshot(good) == before
    with pytest.raises(RunExistsError):
        write_run(result, tmp_path)


def test_validate_and_scenarios_from_cli(tmp_path: Path):
    ok = sourcing("validate", "inputs/scenarios/partner-agreements.toml")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: partner-agreements")
    run = sourcing("solve", "inputs/scenarios/china-export-ban.toml", "--out", str(tmp_path), "-q")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("china-export-ban")


def test_usage_errors_exit_2(tmp_path: Path):
    assert sourcing("solve", "--max-china-share", "1.5", "--out", str(tmp_path)).returncode == 2
    bad_name = sourcing("solve", "--name", "../escape", "--out", str(tmp_path))
    assert bad_name.returncode == 2 and "Traceback" not in bad_name.stderr
    assert not (tmp_path / "solutions").exists()


def test_run_from_another_directory(tmp_path: Path):
    proc = sourcing("solve", str(BASE), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "solutions" / "base" / "mix.csv").is_file()
