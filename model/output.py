"""Run folders: written atomically, never overwritten silently.

A run folder ``<out>/solutions/<name>/`` holds mix.csv, commodities.csv,
capacity_values.csv, summary.json, ``plots/`` (PNG and SVG), optionally
results.xlsx, and ``inputs/`` (the resolved case, itself a loadable case that
reproduces the run). Files are first written to a hidden
temporary folder beside the target and renamed into place in one step, so a
run folder is either complete or absent.

Replacing a run folder (``force``) keeps it whole at every instant:

- Linux: the new folder and the old one are swapped with one
  ``renameat2(RENAME_EXCHANGE)`` call, so ``solutions/<name>`` holds the old
  complete run or the new one at every instant; the old one, now under the
  temporary name, is deleted after.
- elsewhere (or on a Linux file system without RENAME_EXCHANGE): the old run is
  renamed aside to ``.<name>.<tag>.old/run``, then the new one into place. A
  kill between those two renames leaves no ``solutions/<name>`` until the next
  run writing that name, or `recover_leftovers`, renames the old one back.

Temporary names are ``.<name>.<pid>-<host>-<random>.tmp`` and ``.old``. Each
write first calls `recover_leftovers`: it deletes the leftovers of writers
that died (pid no longer alive on this host; another live process's folders
are never touched) and restores a lost run from its ``.old`` folder. Reports
(`update_folder_atomically`) replace the whole run folder the same way, with a
hard-linked copy that holds the new files. The guarantee is against a process
killed at any point, not a power failure (nothing is fsynced).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import tomli_w
from pyomo.common.gc_manager import PauseGC

from model.errors import RunExistsError, writing
from model.tables import TABLES

if TYPE_CHECKING:
    from model.case import Case
    from model.solve import Result


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: no index, '\\n' line ends, shortest round-trip floats.

    The bytes are exactly ``frame.to_csv(index=False, lineterminator="\\n")``'s
    (tests/test_output.py checks that); columns of the usual kinds are formatted
    column by column here, about twice as fast as pandas on 10^5-row tables.
    """
    fast = _csv_columns(frame)
    if fast is None:  # an unusual column type: let pandas format it
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return fast.encode("utf-8")


_CSV_SPECIAL = re.compile(r'[,"\n]')  # what QUOTE_MINIMAL quotes with '\n' line ends


def _csv_field(text: str) -> str:
    """Quote a field as the csv module's QUOTE_MINIMAL does."""
    return '"' + text.replace('"', '""') + '"' if _CSV_SPECIAL.search(text) else text


def _csv_columns(frame: pd.DataFrame) -> str | None:
    """`csv_bytes` for float, int, bool and text columns; None for anything else."""
    names = list(frame.columns)
    if len(names) < 2 or len(set(names)) < len(names):
        return None  # (one column: a lone empty field is quoted; rare enough for pandas)
    if not all(isinstance(c, str) and "\r" not in c for c in names):
        return None
    columns = []
    for name in frame.columns:
        series = frame[name]
        values = series.to_numpy()
        kind = values.dtype.kind
        if values.dtype == np.float64:  # repr: the shortest round-trip form, as in pandas
            out = list(map(repr, values.tolist()))
            for i in np.flatnonzero(np.isnan(values)).tolist():
                out[i] = ""
        elif kind in "iub":
            out = list(map(str, values.tolist()))
        elif kind == "O" or isinstance(series.dtype, pd.StringDtype):
            out = series.to_numpy(object).tolist()
            for i, v in enumerate(out):
                if v.__class__ is not str:
                    if v is None or v is pd.NA or (v.__class__ is float and math.isnan(v)):
                        out[i] = ""
                    else:
                        return None
            distinct = set(out)
            if any("\r" in v for v in distinct):  # quoted or not depending on Python's version
                return None
            if any(_CSV_SPECIAL.search(v) for v in distinct):
                out = list(map(_csv_field, out))
        else:
            return None
        columns.append(out)
    header = ",".join(map(_csv_field, frame.columns))
    return "\n".join([header, *map(",".join, zip(*columns, strict=True))]) + "\n"


# Spreadsheet formula injection (OWASP "CSV injection"): Excel and LibreOffice read a cell
# that starts with one of these as a formula, e.g. =HYPERLINK(...) in a country's name.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|nan)")


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (after any leading quotes)?

    Leading quotes count so that prefixing one is reversible (`restore_text`);
    a plain number such as ``-5`` (or ``-inf``, as workbooks hold infinities) is a
    number, not a formula.
    """
    bare = text.lstrip("'")
    if not bare.startswith(FORMULA_START):
        return False
    return len(bare) < len(text) or _PLAIN_NUMBER.fullmatch(text) is None


def neutralise_text(text: str) -> str:
    """``'`` before text a spreadsheet would run as a formula, as OWASP recommends."""
    return "'" + text if formula_like(text) else text


def restore_text(text: str) -> str:
    """Undo `neutralise_text` (for reading a run folder's tables back)."""
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every formula-like text cell neutralised (numbers untouched).

    Applied to result tables before they are written as CSV, so `csv_bytes` stays
    equal to pandas' bytes for the same frame. Returns the frame itself when
    nothing needs a change.
    """
    out = frame
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if series.dtype != object and not isinstance(series.dtype, pd.StringDtype):
            continue
        values = series.to_numpy(object).tolist()
        texts = {v for v in values if v.__class__ is str}
        bad = {v for v in texts if v.startswith(("'", *FORMULA_START)) and formula_like(v)}
        if bad:
            if out is frame:
                out = frame.copy()
            fixed = ["'" + v if v in bad else v for v in values]
            out.isetitem(i, pd.Series(fixed, index=frame.index, dtype=object))
    return out


def _toml_clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _toml_clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_clean(v) for v in value]
    return value


def canonical_inputs(case: Case) -> dict[str, bytes]:
    """The resolved case as files: the tables as CSV plus a case.toml."""
    files: dict[str, bytes] = {}
    for name, spec in TABLES.items():
        frame: pd.DataFrame = getattr(case, name)
        if name == "recipes" and frame.empty:
            continue
        files[spec.file] = csv_bytes(frame)
    policy = case.policy.model_dump(mode="json")
    policy["rules"] = [_toml_clean(r) for r in policy["rules"]]
    doc = {"name": case.name, "description": case.description, "policy": _toml_clean(policy)}
    files["case.toml"] = tomli_w.dumps(doc).encode("utf-8")
    return files


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def run_files_common(
    case: Case,
    summary: dict[str, Any],
    extra_sources: list[Path] | None = None,
    input_files: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """summary.json plus the resolved inputs, the base's SOURCES.md and scenario files.

    ``input_files`` are the resolved inputs as serialized when the result was
    made (and hashed): passing them avoids serializing large inputs twice.
    """
    files = {
        "summary.json": (json.dumps(_json_safe(summary), indent=2) + "\n").encode("utf-8"),
    }
    for name, data in (input_files or canonical_inputs(case)).items():
        files[f"inputs/{name}"] = data
    if case.folder is not None:
        from model.case import inside_folder

        sources_md = case.folder / "SOURCES.md"
        if inside_folder(sources_md, case.folder) and sources_md.is_file():
            files["inputs/SOURCES.md"] = sources_md.read_bytes()
    for src in [*case.sources, *(extra_sources or [])]:
        src = Path(src)
        if src.suffix == ".toml" and src.name != "case.toml":
            files[f"inputs/scenario/{src.name}"] = src.read_bytes()
    return files


def extra_files(
    kind: str,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    case: Case,
    *,
    plots: bool = True,
    xlsx: bool = False,
) -> dict[str, bytes]:
    """``plots/<name>.png|svg`` (see `model.plots.run_figures`) and ``results.xlsx``.

    ``tables`` maps each table's file stem (mix, commodities, ...) to its frame.
    """
    files: dict[str, bytes] = {}
    if plots:
        from model.plots import plot_files, run_figures

        files.update(plot_files(run_figures(kind, tables, summary, case.countries)))
    if xlsx:
        from model.excel import results_workbook

        files["results.xlsx"] = results_workbook(tables, _json_safe(summary))
    return files


def run_files(result: Result, *, plots: bool = True, xlsx: bool = False) -> dict[str, bytes]:
    """Every file of a run folder, as bytes, keyed by relative path."""
    tables = {
        "mix": result.mix,
        "commodities": result.commodities,
        "stages": result.stages,
        "capacity_values": result.capacity_values,
        "ranging_costs": result.cost_ranges,
        "ranging_limits": result.limit_ranges,
    }
    files = {f"{name}.csv": csv_bytes(neutralise(frame)) for name, frame in tables.items()}
    summary = {**result.summary, "timings_seconds": result.timings}
    files.update(run_files_common(result.case, summary, input_files=result.input_files))
    summary.pop("timings_seconds")  # the workbook, like the plots, must not change run to run
    files.update(extra_files("solve", tables, summary, result.case, plots=plots, xlsx=xlsx))
    return files


def write_tables_run(
    kind: str,
    tables: dict[str, pd.DataFrame],
    case: Case,
    summary: dict[str, Any],
    target: Path,
    *,
    force: bool,
    plots: bool,
    xlsx: bool,
    sources: list[Path] | None = None,
) -> Path:
    """A run folder of a sweep, curve, stress or compare run: a CSV per table,
    summary.json and inputs, plots and workbook; written atomically to `target`."""
    files = {f"{n}.csv": csv_bytes(neutralise(frame)) for n, frame in tables.items()}
    files.update(run_files_common(case, summary, sources))
    stable = {k: v for k, v in summary.items() if k != "timings_seconds"}
    files.update(extra_files(kind, tables, stable, case, plots=plots, xlsx=xlsx))
    return write_folder_atomically(files, target, force=force)


class TablesRun:
    """What sweep, curve, stress and compare results share: `write` and Jupyter display.

    A subclass names its ``kind``, its tables (`run_tables`) and, if it differs
    from ``self.case``, the case whose inputs go with them (`run_case`).
    """

    kind: str
    summary: dict[str, Any]

    def run_tables(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def run_case(self) -> Case:
        return self.case  # type: ignore[attr-defined]

    def run_sources(self) -> list[Path] | None:
        """Scenario files to keep beside the inputs (besides the case's own)."""
        return None

    def write(
        self,
        out: str | Path = ".",
        *,
        name: str | None = None,
        force: bool = False,
        plots: bool = True,
        xlsx: bool = False,
    ) -> Path:
        """Write ``<out>/solutions/<name>/`` (the run's own name by default)."""
        target = Path(out) / "solutions" / (name or self.summary.get("name") or self.kind)
        return write_tables_run(
            self.kind,
            self.run_tables(),
            self.run_case(),
            self.summary,
            target,
            force=force,
            plots=plots,
            xlsx=xlsx,
            sources=self.run_sources(),
        )

    def _repr_html_(self) -> str:
        from model.report import result_html

        return result_html(self)


def write_folder_atomically(files: dict[str, bytes], target: Path, *, force: bool) -> Path:
    """Write files into ``target`` so it is complete or absent; refuse to overwrite.

    With ``force`` an existing ``target`` is replaced so that it holds the old
    complete folder or the new one at every instant (see the module docstring).
    """
    target = Path(target)
    recover_leftovers(target)
    if target.exists() and not force:
        raise RunExistsError(_exists_message(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _scratch(target, ".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run folder is not
    try:
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with writing(target / rel):  # a full disk names the file, not just "[Errno 28]"
                path.write_bytes(data)
        _crash_point("written")
        _put_in_place(tmp, target, force=force)
    except BaseException:
        _remove(tmp)
        raise
    return target


def update_folder_atomically(folder: Path, files: dict[str, bytes]) -> None:
    """Add or replace ``files`` (relative paths) in an existing folder, all or none of them.

    A copy of the folder (hard links, so cheap) gets the new files and then replaces
    the folder as `write_folder_atomically` does: readers see the old folder or the
    new one, never some of the files new. The folder is replaced as a whole, so a
    shell whose working directory is inside it sees the old one until it changes
    directory again.
    """
    folder = Path(folder).resolve()  # replace the folder itself, not a symlink to it
    recover_leftovers(folder)
    before = folder.stat()
    tmp = _scratch(folder, ".tmp")
    try:
        shutil.copytree(
            folder,
            tmp,
            symlinks=True,
            ignore=_old_temp_files,
            copy_function=_link_or_copy,
            dirs_exist_ok=True,
        )
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)  # maybe a hard link to the old file: never write through
            with writing(folder / rel):  # a full disk names the file, not just "[Errno 28]"
                path.write_bytes(data)
        _crash_point("written")
        now = folder.stat()
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise RunExistsError(f"{folder} was replaced by another run meanwhile; run again")
        _put_in_place(tmp, folder, force=True)
    except BaseException:
        _remove(tmp)
        raise


def _exists_message(target: Path) -> str:
    return (
        f"{target} already exists; pass --force (force=True) to replace it "
        "or --name to write a new run"
    )


# --- replacing folders: old or new at every instant -----------------------------------------------
CRASH_ENV = "SOURCING_TEST_CRASH_AT"  # test-only fault injection, see _crash_point
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
# the tag of a temporary folder: <pid>-<host>-<random> (mkdtemp's random part has no dots);
# without pid and host it was written by an earlier version of this module
_TAG = re.compile(r"(?:(?P<pid>\d+)-(?P<host>[0-9a-f]{6})-)?[a-z0-9_]{8}")
_LEGACY_TMP_AGE = 3600.0  # seconds: an untagged .tmp older than this has no live writer
AT_FDCWD, RENAME_NOREPLACE, RENAME_EXCHANGE = -100, 1, 2  # <linux/fcntl.h>, <linux/fs.h>


def _crash_point(name: str) -> None:
    """Test-only (tests/test_crash_runs.py): ``SOURCING_TEST_CRASH_AT=<name>`` kills the
    process at that point as a SIGKILL would: no cleanup runs.

    Points: ``written`` (the new temporary folder is complete, nothing renamed yet),
    ``moved-aside`` (fallback only: the old run renamed aside, the new not yet in
    place), ``swapped`` (the new run in place, the old not yet deleted).
    """
    if os.environ.get(CRASH_ENV) == name:
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


def _load_renameat2() -> Any:
    """libc's renameat2 (glibc >= 2.28) on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _load_renameat2()  # tests set it to None to exercise the fallback


def _rename2(src: Path, dst: Path, flags: int) -> bool:
    """renameat2(src, dst, flags); False where the call or the flag is not supported."""
    fn = _RENAMEAT2
    if fn is None:
        return False
    if fn(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # an old kernel, or a file system without the flag
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def _put_in_place(tmp: Path, target: Path, *, force: bool) -> None:
    """Move the complete folder ``tmp`` to ``target``, replacing it only with ``force``."""
    if force and os.path.lexists(target):
        if _rename2(tmp, target, RENAME_EXCHANGE):
            _crash_point("swapped")
            _remove(tmp)  # the old run, now under the temporary name
            return
        old = _scratch(target, ".old")  # fallback: two renames, `recover_leftovers` repairs
        os.rename(target, old / "run")
        _crash_point("moved-aside")
        try:
            os.rename(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(old / "run", target)
            _remove(old)
            raise
        _crash_point("swapped")
        _remove(old)
        return
    try:
        if not _rename2(tmp, target, RENAME_NOREPLACE):
            os.rename(tmp, target)  # fails on a non-empty folder made meanwhile
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise RunExistsError(_exists_message(target)) from None
        raise


def _scratch(target: Path, suffix: str) -> Path:
    """A new empty hidden folder beside ``target``, named with this process's tag."""
    prefix = f".{target.name}.{os.getpid()}-{_HOST}-"
    return Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=target.parent))


def _remove(path: Path) -> None:
    """Delete a folder, or a file or symlink that was swapped out in its place."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # no hard links here (or not allowed): copy
        shutil.copy2(src, dst)


_OLD_TEMP_FILE = re.compile(r"\..+\.\d+\.tmp")  # report.py once wrote .report.html.<pid>.tmp


def _old_temp_files(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if _OLD_TEMP_FILE.fullmatch(n)]


def _alive(pid: int) -> bool | None:
    """Whether process ``pid`` of this host is running; None where that cannot be told."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return None  # no harmless probe (os.kill would end it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


def recover_leftovers(target: Path) -> None:
    """Tidy what killed writers of ``target`` left beside it; restore a lost run.

    A ``.tmp`` folder is deleted when its writer is dead (its pid no longer runs on
    this host; one of an earlier version of this module, without a pid, when older
    than an hour): a live writer's is never touched. A ``.old/run`` is a complete
    run moved aside: unless its writer is known to be alive (it then finishes the
    swap itself), the newest one is renamed back when ``target`` is missing, and
    any left are deleted once ``target`` exists. (Restoring one of a live writer,
    on another host, at worst makes that writer's rename fail: no run is lost.)
    """
    target = Path(target)
    parent, prefix = target.parent, f".{target.name}."
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix)]
    except OSError:  # no such folder (yet), or unreadable: nothing to tidy
        return
    stale_tmp, stale_old = [], []
    for entry in entries:
        kind = entry.name[-4:]
        tag = _TAG.fullmatch(entry.name[len(prefix) : -4])
        if kind not in (".tmp", ".old") or tag is None or not entry.is_dir(follow_symlinks=False):
            continue
        alive = None  # unknown: another host, or no pid in the name
        if tag["pid"] is not None and tag["host"] == _HOST:
            alive = _alive(int(tag["pid"]))
        if kind == ".old":
            if alive is not True:
                stale_old.append(Path(entry.path))
        elif alive is False or (tag["pid"] is None and _age(entry) > _LEGACY_TMP_AGE):
            stale_tmp.append(Path(entry.path))
    if not os.path.lexists(target):
        runs = [(p / "run", _mtime(p / "run")) for p in stale_old if (p / "run").is_dir()]
        for run, _ in sorted(runs, key=lambda r: r[1], reverse=True):
            with contextlib.suppress(OSError):
                if not _rename2(run, target, RENAME_NOREPLACE):
                    os.rename(run, target)
                break
    for path in stale_tmp:
        _remove(path)
    if os.path.lexists(target):  # never delete the only copy of a run
        for path in stale_old:
            _remove(path)


def _age(entry: os.DirEntry) -> float:
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def write_run(
    result: Result,
    out: str | Path = ".",
    *,
    name: str | None = None,
    force: bool = False,
    plots: bool = False,
    xlsx: bool = False,
) -> Path:
    """Write ``<out>/solutions/<name or case name>/`` and return its path.

    ``plots`` adds ``plots/*.png`` and ``*.svg``; ``xlsx`` adds ``results.xlsx``
    (one sheet per table).
    """
    target = Path(out) / "solutions" / (name or result.case.name)
    with PauseGC():
        files = run_files(result, plots=plots, xlsx=xlsx)
    return write_folder_atomically(files, target, force=force)
