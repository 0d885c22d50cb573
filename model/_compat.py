"""Small stand-ins for library helpers, kept apart so they are easy to find and drop.

`pause_gc` does what ``pyomo.common.gc_manager.PauseGC`` did for us: switch the
cyclic garbage collector off for a block and restore it after. The input and
output layers used Pyomo's only for this, which made reading a case import
Pyomo; this copy needs nothing. Delete it if the standard library ever grows one.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def pause_gc() -> Iterator[None]:
    """No cyclic GC passes inside the block (they dominate building 10^5-10^6 objects).

    Nested blocks are fine: only the outermost one that found GC on turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
