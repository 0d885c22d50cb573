"""Folders written atomically: complete or absent, and old or new at every instant.

Run folders (`model.output`) and reports (`model.report.write_report`) are written
through here. Replacing a run folder (``force``) keeps it whole at every instant:

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
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from model.errors import RunExistsError, writing


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
            try:
                os.rename(old / "run", target)
            except OSError:
                pass  # the old run stays in `old`, where `recover_leftovers` finds it
            else:
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
