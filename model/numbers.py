"""Rounding solver output, in one place: what counts as noise, and how many decimals.

Scalars (`clean`, `money`) and arrays (`vclean`, `vmoney`) round the same way,
so a value is written identically whichever path computed it.
"""

from __future__ import annotations

import numpy as np

DECIMALS = 6  # quantities and costs are rounded to this many decimals (solver noise ~1e-9)


def money(value: float, scale: float = 1.0) -> float:
    """Clean a change in money (a premium, a marginal value, a price).

    These are differences of large totals, so solver noise is relative to the
    total (~1e-12 of it); anything above 1e-11 of the scale is kept, however
    small it is against the objective.
    """
    if abs(value) <= 1e-11 * max(1.0, abs(scale)):
        return 0.0
    return round(value, DECIMALS) + 0.0


def clean(value: float, scale: float = 1.0) -> float:
    """Round solver noise away: |v| below 1e-7 of the scale becomes 0."""
    if abs(value) <= 1e-7 * max(1.0, abs(scale)):
        return 0.0
    return round(value, DECIMALS) + 0.0


def vclean(values: np.ndarray, scale: np.ndarray | float, rel: float = 1e-7) -> np.ndarray:
    """Vectorized `clean`: |v| below ``rel`` of the scale becomes 0, then 6 decimals.

    ``rel=1e-11`` is `money`'s threshold (but numpy's rounding, not Python's).
    """
    values = np.asarray(values, dtype=float)
    out = np.round(values, DECIMALS)
    out[np.abs(values) <= rel * np.maximum(1.0, np.abs(scale))] = 0.0
    return out + 0.0


def vmoney(values: np.ndarray, scale: np.ndarray | float) -> list[float]:
    """`money` over arrays (Python's round, so values match `money` exactly)."""
    values = np.asarray(values, dtype=float)
    small = (np.abs(values) <= 1e-11 * np.maximum(1.0, np.abs(scale))).tolist()
    pairs = zip(values.tolist(), small, strict=True)
    return [0.0 if z else round(v, DECIMALS) + 0.0 for v, z in pairs]
