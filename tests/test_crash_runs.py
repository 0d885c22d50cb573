"""Killed runs never lose a run folder: `solve`, `solve --force` and `report --force` are
SIGKILLed at named points of the write/replace sequence (the test-only hook
``SOURCING_TEST_CRASH_AT`` in model/folders.py) and at random instants.

Afterwards ``solutions/<name>`` must be the complete old run or the complete new one
(compared file by file with uninterrupted reference runs), and the next normal run
must restore or delete what the killed one left. On Linux the old and new folders are
swapped with renameat2(RENAME_EXCHANGE); the two-rename fallback used elsewhere is run
here too, by disabling that call in the killed process.

Each run is the CLI's ``main()`` in its own process, forked from a server process that
imported the tool once (a fresh interpreter per run would cost ~2 s of imports).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model import load_case, solve
from model.folders import _HOST, recover_leftovers
from model.report import write_report
from tests.conftest import ROOT, write_case

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")

NAME = "tiny"
# the report of a run folder without plots: both report files and the plots it draws
REPORT_FILES = {"report.html", "report.md"} | {
    f"plots/{n}.{ext}" for n in ("mix", "china_share", "stages") for ext in ("png", "svg")
}
# Reads one job per line; forks a child that runs the CLI, optionally SIGKILLs it `delay`
# seconds after a hidden entry (a temporary folder) appears in `watch`; prints its exit code.
SERVER = """
import json, os, sys, time
import markdown_it, model.cli, model.folders, model.output, model.plots, model.report
import model.optimization.results, model.solve
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.environ.pop("SOURCING_TEST_CRASH_AT", None)
        if job["crash"]:
            os.environ["SOURCING_TEST_CRASH_AT"] = job["crash"]
        if job["fallback"]:  # the two-rename fallback of other platforms
            model.folders._RENAMEAT2 = None
        fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.argv = ["sourcing", *job["args"]]
        code = 0
        try:
            model.cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    while job["watch"] and os.waitpid(pid, os.WNOHANG) == (0, 0):
        if any(n.startswith(".") for n in os.listdir(job["watch"])):
            time.sleep(job["delay"])
            os.kill(pid, 9)  # safe: until waited for, an exited child keeps its pid
            break
        time.sleep(0.001)
    try:
        status = os.waitpid(pid, 0)[1]
    except ChildProcessError:  # reaped by the WNOHANG poll: it had exited
        status = 0
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Server:
    """Runs `sourcing ARGS` in forked child processes (see SERVER)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(
        self,
        *args: str,
        crash: str | None = None,
        fallback: bool = False,
        watch: Path | None = None,
        delay: float = 0.0,
    ) -> tuple[int, str]:
        """The child's exit code (-9: SIGKILLed) and its output."""
        job = {"args": list(args), "crash": crash, "fallback": fallback, "log": str(self.log)}
        job |= {"watch": str(watch) if watch else None, "delay": delay}
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the fork server died"
        return int(line), self.log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    srv = Server(tmp_path_factory.mktemp("server") / "log.txt")
    yield srv
    assert srv.proc.stdin
    srv.proc.stdin.close()
    srv.proc.wait()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder; summary.json without its timings (they differ run to run)."""
    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == "summary.json":
                summary = json.loads(data)
                summary.pop("timings_seconds", None)
                data = json.dumps(summary, sort_keys=True).encode()
            files[p.relative_to(folder).as_posix()] = data
    return files


def hidden(solutions: Path) -> list[str]:
    return sorted(p.name for p in solutions.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def refs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two cases named tiny (demand 10 or 14) and their uninterrupted run folders."""
    root = tmp_path_factory.mktemp("crash")
    cases, runs = {}, {}
    for which, demand in (("old", 10), ("new", 14)):
        cases[which] = write_case(
            root / f"case-{which}",
            commodities=[("lithium", demand), ("cobalt", 5)],
            supply=[
                ("lithium", "CHN", 8, 1.0),
                ("lithium", "AUS", 20, 2.0),
                ("cobalt", "JPN", 9, 3.0),
                ("cobalt", "CHN", 9, 1.5),
            ],
            policy={"max_china_share": 0.5},
            name=NAME,
        )
        runs[which] = solve(load_case(cases[which])).write(root / f"ref-{which}", name=NAME)
    old, new = snapshot(runs["old"]), snapshot(runs["new"])
    assert old.keys() == new.keys() and old != new
    assert "mix.csv" in old and "inputs/case.toml" in old
    # the report: a folder with a stale report and no plots, and what report --force makes
    stale = root / "report-old" / NAME  # (the report's title names the folder)
    shutil.copytree(runs["old"], stale)
    (stale / "report.html").write_text("old html\n")
    (stale / "report.md").write_text("old md\n")
    renewed = root / "report-new" / NAME
    shutil.copytree(stale, renewed)
    write_report(renewed, force=True)
    report_old, report_new = snapshot(stale), snapshot(renewed)
    assert report_new.keys() == report_old.keys() | REPORT_FILES
    assert b"old" not in report_new["report.md"][:20]
    # the same with plots already there (cheaper: the report does not draw them)
    stale_plots = root / "report-plots" / NAME
    shutil.copytree(renewed, stale_plots)
    (stale_plots / "report.html").write_text("old html\n")
    (stale_plots / "report.md").write_text("old md\n")
    return {
        "cases": cases,
        "runs": runs,
        "old": old,
        "new": new,
        "report_stale": stale,
        "report_old": report_old,
        "report_stale_plots": stale_plots,
        "report_old_plots": snapshot(stale_plots),
        "report_new": report_new,
    }


def test_solve_killed_before_its_rename_leaves_nothing_and_the_next_run_tidies(
    server, refs, tmp_path
):
    solutions = tmp_path / "solutions"
    code, err = server.run(
        "solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "-q", crash="written"
    )
    assert code == -signal.SIGKILL, err
    assert not (solutions / NAME).exists()
    leftovers = hidden(solutions)
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")  # the complete temporary folder
    assert snapshot(solutions / leftovers[0]) == refs["new"]
    code, err = server.run("solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "-q")
    assert code == 0, err  # the next run: the dead writer's folder is deleted
    assert snapshot(solutions / NAME) == refs["new"] and hidden(solutions) == []


# (fallback, point, the run folder right after the kill, what the leftovers hold)
FORCE_POINTS = [
    (False, "written", "old", {".tmp": "new"}),
    (False, "swapped", "new", {".tmp": "old"}),  # RENAME_EXCHANGE: the old run at the temp name
    # the fallback's window between its two renames, repaired by the next run
    (True, "moved-aside", None, {".old": "old", ".tmp": "new"}),
    (True, "swapped", "new", {".old": "old"}),
]


@pytest.mark.parametrize(("fallback", "point", "after", "leftovers"), FORCE_POINTS)
def test_solve_force_killed_keeps_the_old_or_the_new_run(
    server, refs, tmp_path, fallback, point, after, leftovers
):
    solutions = tmp_path / "solutions"
    shutil.copytree(refs["runs"]["old"], solutions / NAME)
    args = ("solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "--force", "-q")
    code, err = server.run(*args, crash=point, fallback=fallback)
    assert code == -signal.SIGKILL, err
    if after is None:
        assert not (solutions / NAME).exists()
    else:
        assert snapshot(solutions / NAME) == refs[after]
    left = {name[-4:]: solutions / name for name in hidden(solutions)}
    assert len(left) == len(hidden(solutions)) and left.keys() == leftovers.keys()
    for kind, holds in leftovers.items():
        assert snapshot(left[kind] / ("run" if kind == ".old" else "")) == refs[holds]
    # the next normal run (no --force) restores the old run if it was lost, tidies, refuses
    code, err = server.run("solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "-q")
    assert code == 2 and "already exists" in err
    assert snapshot(solutions / NAME) == refs[after or "old"]
    assert hidden(solutions) == []


# (fallback, point, plots already there, the folder right after the kill, leftovers)
REPORT_POINTS = [
    (False, "written", False, "old", 1),  # neither the report nor the plots it drew
    (False, "swapped", True, "new", 1),
    (True, "moved-aside", True, None, 2),
]


@pytest.mark.parametrize(("fallback", "point", "plots", "after", "leftovers"), REPORT_POINTS)
def test_report_force_killed_replaces_all_report_files_or_none(
    server, refs, tmp_path, fallback, point, plots, after, leftovers
):
    solutions = tmp_path / "solutions"
    folder = solutions / NAME
    old = "report_old_plots" if plots else "report_old"
    shutil.copytree(refs["report_stale_plots" if plots else "report_stale"], folder)
    code, err = server.run("report", str(folder), "--force", crash=point, fallback=fallback)
    assert code == -signal.SIGKILL, err
    if after is None:
        assert not folder.exists()
    else:
        assert snapshot(folder) == refs[old if after == "old" else "report_new"]
    assert len(hidden(solutions)) == leftovers
    # the next report run restores a lost folder and tidies; without --force it refuses
    code, err = server.run("report", str(folder))
    assert code == 2 and "already exists" in err, err
    assert snapshot(folder) == refs["report_new" if after == "new" else old]
    assert hidden(solutions) == []


def test_report_that_fails_midway_changes_nothing(refs, tmp_path, monkeypatch):
    folder = tmp_path / NAME
    shutil.copytree(refs["report_stale_plots"], folder)

    def broken(*args, **kwargs):
        raise RuntimeError("markdown failed")

    monkeypatch.setattr("model.report.write.render_md", broken)
    with pytest.raises(RuntimeError, match="markdown failed"):
        write_report(folder, force=True)
    assert snapshot(folder) == refs["report_old_plots"]  # no new report.html beside an old .md
    assert hidden(tmp_path) == []


def test_leftovers_of_dead_writers_go_and_a_lost_run_comes_back(server, refs, tmp_path):
    """What killed runs of this and earlier versions left: the lost run is restored, the
    dead writers' temporary folders deleted, a live process's temporary folder kept."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copytree(refs["runs"]["old"], solutions / f".{NAME}.k3x9_a2b.old" / "run")
    (solutions / f".{NAME}.q8w7e6r5.tmp").mkdir()  # an earlier version's temp, two hours old
    hours_ago = time.time() - 7200
    os.utime(solutions / f".{NAME}.q8w7e6r5.tmp", (hours_ago, hours_ago))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (solutions / f".{NAME}.{dead.pid}-{_HOST}-abcdefgh.tmp" / "mix.csv").mkdir(parents=True)
    live = f".{NAME}.{os.getpid()}-{_HOST}-ijklmnop.tmp"
    (solutions / live).mkdir()
    live_old = f".{NAME}.{os.getpid()}-{_HOST}-ijklmnop.old"  # its writer finishes its swap
    (solutions / live_old / "run").mkdir(parents=True)
    other_host = f".{NAME}.{dead.pid}-{'0' * 6 if _HOST != '0' * 6 else 'f' * 6}-qrstuvwx.tmp"
    (solutions / other_host).mkdir()
    unrelated = [f".{NAME}.x.{dead.pid}-{_HOST}-abcdefgh.tmp", f".{NAME}.partial"]
    for name in unrelated:
        (solutions / name).mkdir()
    code, err = server.run("solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "-q")
    assert code == 2 and "already exists" in err, err
    assert snapshot(solutions / NAME) == refs["old"]
    assert hidden(solutions) == sorted({live, live_old, other_host, *unrelated})


def test_a_lost_run_is_kept_while_it_cannot_be_restored(refs, tmp_path, monkeypatch):
    solutions = tmp_path / "solutions"
    moved = solutions / f".{NAME}.k3x9_a2b.old"
    shutil.copytree(refs["runs"]["old"], moved / "run")

    def refused(*args, **kwargs):
        raise PermissionError("refused")

    with monkeypatch.context() as m:
        m.setattr("model.folders._rename2", refused)
        m.setattr("model.folders.os.rename", refused)
        recover_leftovers(solutions / NAME)
    assert hidden(solutions) == [moved.name] and not (solutions / NAME).exists()
    recover_leftovers(solutions / NAME)
    assert snapshot(solutions / NAME) == refs["old"] and hidden(solutions) == []


@pytest.mark.parametrize("seed", range(4))
def test_force_killed_at_a_random_instant(server, refs, tmp_path, seed):
    """SIGKILL at a random instant while the new run or report is written and swapped in."""
    rng = random.Random(seed)
    solutions = tmp_path / "solutions"
    if seed % 2:
        shutil.copytree(refs["runs"]["old"], solutions / NAME)
        args = ("solve", str(refs["cases"]["new"]), "--out", str(tmp_path), "--force", "-q")
        old, new = refs["old"], refs["new"]
    else:
        shutil.copytree(refs["report_stale_plots"], solutions / NAME)
        args = ("report", str(solutions / NAME), "--force")
        old, new = refs["report_old_plots"], refs["report_new"]
    code, err = server.run(*args, watch=solutions, delay=rng.uniform(0, 0.1))
    assert code in (0, -signal.SIGKILL), err
    assert snapshot(solutions / NAME) in (old, new)
    code, err = server.run(*args)  # the next run tidies and replaces
    assert code == 0, err
    assert snapshot(solutions / NAME) == new and hidden(solutions) == []


def test_fallback_keeps_the_old_run_when_it_cannot_be_put_back(tmp_path, monkeypatch):
    """Two-rename fallback: if the new folder cannot be moved in and the old one cannot
    be moved back (another writer made the folder meanwhile), the old run must survive
    in its hidden .old folder for `recover_leftovers`, not be deleted."""
    import model.folders as folders

    target = tmp_path / "solutions" / "run"
    folders.write_folder_atomically({"a.csv": b"old\n"}, target, force=False)
    monkeypatch.setattr(folders, "_RENAMEAT2", None)
    real_rename = os.rename

    def rename(src, dst):
        if Path(dst) == target:  # moving the new run in, and moving the old one back
            raise OSError(39, "Directory not empty", str(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(folders.os, "rename", rename)
    with pytest.raises(OSError):
        folders.write_folder_atomically({"a.csv": b"new\n"}, target, force=True)
    kept = list((tmp_path / "solutions").glob(".run.*.old/run/a.csv"))
    assert [p.read_bytes() for p in kept] == [b"old\n"]
