"""Error types the tool raises on purpose.

`InputError` means the user's files are wrong: it names the file, the row and the
column (or the TOML key) so the analyst can fix it. The CLI turns it into a
one-line message and exit code 2. `SolveError` means the solver did not return
an optimum; it is not the user's fault and exits with code 3. `WriteError` (an
`OSError`) means a file could not be written, e.g. a full disk; it names the file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ESCAPED = {"Cc", "Zl", "Zp"}  # Unicode categories: controls, line and paragraph separators


def one_line(text: str) -> str:
    """Control characters and line breaks as escapes (``\\n``, ``\\x1b``, ``\\u2028``).

    Messages quote cells, names and paths the user wrote; a newline or a terminal
    escape in one must not break the one-line message or reach the terminal raw.
    """
    if text.isprintable():  # the common case: nothing to escape
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _ESCAPED else c for c in text)


class SourcingError(Exception):
    """Base class for errors this package raises deliberately."""


class InputError(SourcingError, ValueError):
    """A problem in the input files, located as precisely as possible.

    ``row`` is the 1-based data row (the header is not counted), so row 1 is
    line 2 of a CSV file. ``column`` is a CSV column or a dotted TOML key.
    """

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return one_line(f"{prefix}: {self.message}" if prefix else self.message)


class SolveError(SourcingError, RuntimeError):
    """The solver failed or returned something other than an optimal solution."""


class RunExistsError(SourcingError, FileExistsError):
    """A run folder already exists and ``force`` was not given."""


class WriteError(SourcingError, OSError):
    """A file could not be written (disk full, file-size limit, no permission).

    ``OSError`` from a failed ``write()`` carries no file name ("[Errno 27] File too
    large"); this one names the file. The CLI reports it on one line with exit code 2.
    """


@contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an OSError raised inside the block into a `WriteError` naming ``path``."""
    try:
        yield
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
