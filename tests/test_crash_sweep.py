"""Sweeps killed with SIGKILL: the workers die with their parent, and a resumed run
loses and repeats no point and ends with the tables of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from model import load_case
from model.sweep import sweep
from tests.conftest import BASE, ROOT
from tests.test_cli_sensitivity import cmd

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds worker processes through /proc"
)
TABLES = ("sweep.csv", "sweep_points.csv", "sweep_mix.csv")


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (from /proc/<n>/stat: 'pid (comm) state ppid ...')."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, dead and waiting to be reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def start(out: Path, grid: str, *extra: str) -> subprocess.Popen:
    args = ["sweep", "inputs/base", "--set", f"max_china_share={grid}", "--workers", "2"]
    args += ["--out", str(out), "--no-progress", "--no-plots", *extra]
    return subprocess.Popen(
        [*cmd(), *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def kill_when(proc: subprocess.Popen, log: Path, at_least: int) -> set[int]:
    """SIGKILL the sweep once `log` has `at_least` lines; its workers' pids."""
    workers: set[int] = set()

    def ready() -> bool:
        workers.update(children(proc.pid))
        return proc.poll() is not None or (len(workers) >= 2 and len(lines(log)) >= at_least)

    assert wait_until(ready, 120), "the sweep did not get going"
    assert proc.poll() is None, "the sweep ended before it could be killed"
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return workers


def assert_workers_die(workers: set[int]) -> None:
    try:
        assert wait_until(lambda: not any(map(alive, workers)), 20), (
            f"workers {sorted(filter(alive, workers))} outlived their parent"
        )
    finally:
        for pid in filter(alive, workers):  # do not leave them running if the test failed
            os.kill(pid, signal.SIGKILL)


def test_workers_die_with_their_parent(tmp_path: Path):
    proc = start(tmp_path, "1:0:0.005")  # 201 points in chunks of 13
    log = tmp_path / "solutions" / ".base-sweep.partial" / "points.jsonl"
    try:
        workers = kill_when(proc, log, 1)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(workers) >= 2
    assert not (tmp_path / "solutions" / "base-sweep").exists()  # killed mid-run
    assert_workers_die(workers)


def test_killed_sweep_resumes_without_loss_or_repeats(tmp_path: Path):
    grid = "1:0:0.005"  # 201 points in chunks of 13
    log = tmp_path / "solutions" / ".base-sweep.partial" / "points.jsonl"
    assert_workers_die(kill_when(start(tmp_path, grid), log, 26))
    first = lines(log)
    points = [json.loads(line)["point"] for line in first]  # every line whole
    assert len(set(points)) == len(points) and 26 <= len(points) < 201
    # --resume, killed again
    assert_workers_die(kill_when(start(tmp_path, grid, "--resume"), log, len(first) + 13))
    second = lines(log)
    assert second[: len(first)] == first  # nothing lost
    points = [json.loads(line)["point"] for line in second]
    assert len(set(points)) == len(points) < 201  # nothing repeated
    # resumed to the end (from Python, so that the finished checkpoint stays to be read)
    base = load_case(BASE)
    resumed = sweep(base, {"max_china_share": grid}, workers=2, checkpoint=log.parent, resume=True)
    third = lines(log)
    assert third[: len(second)] == second
    assert sorted(json.loads(line)["point"] for line in third) == list(range(201))
    # the tables of one uninterrupted serial run, byte for byte
    a = resumed.write(tmp_path / "resumed", plots=False)
    b = sweep(base, {"max_china_share": grid}).write(tmp_path / "clean", plots=False)
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert len(pd.read_csv(b / "sweep_points.csv")) == 201


def test_resume_after_a_line_cut_short(tmp_path: Path):
    """A kill in the middle of writing a record leaves half a line: resuming reruns
    that point and starts its record on a line of its own."""
    base = load_case(BASE)
    grid = {"max_china_share": [1.0, 0.5, 0.2]}
    full = sweep(base, grid, checkpoint=tmp_path / "full")
    cp = tmp_path / "cp"
    sweep(base, grid, checkpoint=cp)
    log = cp / "points.jsonl"
    first, second, _ = log.read_text().splitlines(keepends=True)
    log.write_text(first + second[: len(second) // 2])  # point 1 cut short, point 2 not written
    resumed = sweep(base, grid, checkpoint=cp, resume=True)
    points = [json.loads(line)["point"] for line in log.read_text().splitlines()]
    assert sorted(points) == [0, 1, 2]
    assert resumed.table.equals(full.table)


def test_worker_without_prctl_still_dies_with_its_parent():
    """Where prctl is not available, the initializer's thread watching the parent's
    pid ends the worker."""
    from model.optimization.runner import die_with_parent

    r, w = os.pipe()
    parent = os.fork()
    if parent == 0:  # the worker's parent: starts the worker, then dies
        try:
            worker = os.fork()
            if worker == 0:
                sys.platform = "other"  # no prctl: only the watching thread is left
                die_with_parent(os.getppid())
                time.sleep(60)
                os._exit(0)
            os.write(w, str(worker).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(parent, 0)
    worker = int(os.read(r, 32))
    os.close(r)
    assert_workers_die({worker})
