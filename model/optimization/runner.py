"""Running many points: serially, on local worker processes, or on a Dask cluster.

Points are split into contiguous chunks; each worker builds the model once and
evaluates its chunks warm. Every point is solved from the same base basis, so
the records do not depend on how points were split: a serial run, N processes
and a cluster give identical results.

A checkpoint (JSON lines, one record per finished point, flushed as it lands)
lets an interrupted run resume without losing or repeating points.
"""

from __future__ import annotations

import ctypes
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from model.case import Case
from model.errors import InputError, WriteError, writing
from model.optimization.evaluate import Evaluator, Point, Record

Chunk = list[tuple[int, Point]]


class RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task) -> Text:  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return Text("--/s" if speed is None else f"{speed:,.1f}/s")


def progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
    )


# --- worker side ------------------------------------------------------------------------------
_EVALUATORS: dict[str, Evaluator] = {}  # built in the parent, inherited by forked workers
_LOCAL = threading.local()  # otherwise one per worker thread: threads must not share HiGHS


def _evaluator(token: str, case: Case | None, uncapped: bool) -> Evaluator:
    """One evaluator per worker and case: the model is built once per worker thread
    (or once in the parent, when workers are forked from it: ``case`` is then None)."""
    key = f"{token}:{uncapped}"
    if case is None:
        if key not in _EVALUATORS:
            raise RuntimeError(
                "worker has no model: it was not forked from a parent that built one"
            )
        return _EVALUATORS[key]
    # a Dask worker may run tasks on several threads of one process (LocalCluster with
    # processes=False): each thread gets its own model and HiGHS instance
    cache: dict[str, Evaluator] = _LOCAL.__dict__.setdefault("evaluators", {})
    if key not in cache:
        cache.clear()
        cache[key] = Evaluator(case, uncapped=uncapped)
    return cache[key]


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it dies.

    A pool's workers block on its queue, and a parent killed with SIGKILL never
    closes it, so without this they would live on. On Linux the kernel kills the
    worker (prctl PR_SET_PDEATHSIG); everywhere a thread also polls the parent's pid.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            args = (PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            libc.prctl(ctypes.c_int(args[0]), *map(ctypes.c_ulong, args[1:]))
        except (OSError, AttributeError):  # pragma: no cover - the thread below still works
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _build_for_fork(token: str, case: Case, uncapped: bool) -> None:
    """Build the model in the parent, for the workers forked next to inherit."""
    key = f"{token}:{uncapped}"
    if key not in _EVALUATORS:
        _EVALUATORS.clear()
        _EVALUATORS[key] = Evaluator(case, uncapped=uncapped)


def run_chunk(token: str, case: Case | None, chunk: Chunk, uncapped: bool = True) -> list[Record]:
    ev = _evaluator(token, case, uncapped)
    return [ev.evaluate(point, i) for i, point in chunk]


# --- checkpoint -------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """JSON for the arrays in a record (floats print in round-trip form)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to a checkpoint")


class Checkpoint:
    """Append-only record log in a folder, tied to one sweep by a fingerprint."""

    def __init__(self, folder: Path, fingerprint: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.log = self.folder / "points.jsonl"

    def open(self, resume: bool) -> dict[int, Record]:
        spec = self.folder / "sweep.json"
        if self.folder.exists() and not resume:
            raise InputError(
                f"an unfinished run exists at {self.folder}; pass --resume (resume=True) to "
                "continue it or --force to start over"
            )
        if resume and spec.exists():
            if json.loads(spec.read_text()) != self.fingerprint:
                raise InputError(
                    f"the unfinished run at {self.folder} was started with other inputs or "
                    "parameters; use --force to start over"
                )
            return self._read()
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = spec.with_suffix(".tmp")
        with writing(spec):
            tmp.write_text(json.dumps(self.fingerprint, sort_keys=True))
        os.replace(tmp, spec)
        return {}

    def _read(self) -> dict[int, Record]:
        done: dict[int, Record] = {}
        if self.log.exists():
            data = self.log.read_bytes()
            if not data.endswith(b"\n"):
                # a kill cut the last line short: drop it (that point reruns), so that
                # the next record starts a line of its own instead of joining it
                data = data[: data.rfind(b"\n") + 1]
                with self.log.open("r+b") as fh:
                    fh.truncate(len(data))
            for line in data.decode("utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by the interruption: that point reruns
                done[int(rec["point"])] = rec
        return done

    def __enter__(self) -> Checkpoint:
        self._fh = self.log.open("a", encoding="utf-8")
        return self

    def add(self, records: Iterable[Record]) -> None:
        with writing(self.log):
            for rec in records:
                self._fh.write(json.dumps(rec, default=_plain) + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            with writing(self.log):  # close() flushes what a failed add() left buffered
                self._fh.close()
        except WriteError:
            if exc_type is None:  # else the error already under way is the one to report
                raise


# --- driver -----------------------------------------------------------------------------------
def chunks(items: list[tuple[int, Point]], n: int) -> list[Chunk]:
    size = max(1, math.ceil(len(items) / max(1, n)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_points(
    case: Case,
    points: list[Point],
    *,
    token: str,
    workers: int = 1,
    client: Any = None,
    uncapped: bool = True,
    progress: bool = False,
    label: str = "points",
    done: dict[int, Record] | None = None,
    on_records: Callable[[list[Record]], None] | None = None,
) -> dict[int, Record]:
    """Evaluate every point not in `done`; returns all records keyed by point index."""
    results = dict(done or {})
    todo = [(i, p) for i, p in enumerate(points) if i not in results]

    def landed(records: list[Record], bar: Progress, task: Any) -> None:
        for rec in records:
            results[int(rec["point"])] = rec
        if on_records:
            on_records(records)
        bar.advance(task, len(records))

    with progress_bar(progress) as bar:
        task = bar.add_task(label, total=len(points), completed=len(results))
        if not todo:
            return results
        if client is not None:
            case_future = client.scatter(case, broadcast=True)
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = [
                client.submit(run_chunk, token, case_future, chunk, uncapped, pure=False)
                for chunk in chunks(todo, 4 * n_workers)
            ]
            from dask.distributed import as_completed as dask_completed

            for fut in dask_completed(futures):
                landed(fut.result(), bar, task)
        elif workers > 1:
            # Where processes can fork, build the model once here and let the workers
            # inherit it (HiGHS runs single-threaded, so the copy is self-contained);
            # elsewhere each worker builds its own.
            fork = "fork" in multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork") if fork else None
            if fork:
                _build_for_fork(token, case, uncapped)
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                futures = [
                    pool.submit(run_chunk, token, None if fork else case, chunk, uncapped)
                    for chunk in chunks(todo, 8 * workers)  # small: points differ in cost
                ]
                try:
                    for fut in as_completed(futures):
                        landed(fut.result(), bar, task)
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
                finally:
                    if fork:
                        _EVALUATORS.clear()  # the parent's copy is not needed any more
        else:
            ev = Evaluator(case, uncapped=uncapped)
            for i, point in todo:
                landed([ev.evaluate(point, i)], bar, task)
    return results
