"""Shortage that moves between commodities from one run to another, said in words.

Adding capacity or changing a rule can relieve one commodity's shortage while
another's appears: a new supply of an input fed to a product may starve the
input's direct users (issue 10: partner-agreements and natural graphite under the
penalty policy). `shortage_moves` compares the shortfalls of two runs and
writes one sentence per commodity whose shortfall rose while another's fell.
Pure: pandas Series in, text out.
"""

from __future__ import annotations

import pandas as pd

from model.formats import pct, qty

# Changes at most this share of a commodity's need (the tables' noise threshold,
# `model.numbers.clean`) are not moves.
NOISE = 1e-7


def _join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def shortage_moves(
    before: pd.Series, after: pd.Series, units: pd.Series, need: pd.Series
) -> list[str]:
    """Sentences saying where shortage moved between two runs; [] if it did not move.

    All four Series are indexed by commodity, as it should be named in the text:
    ``before`` and ``after`` are the shortfalls of the two runs (a commodity
    missing from one counts as 0 there), ``units`` their units and ``need`` what
    a share is of (the commodity's need, e.g. its demand). Shortage moved when at
    least one commodity's shortfall rose and another's fell; each risen commodity
    gets a sentence naming every fallen one, largest changes first:

        Shortage moved: natural graphite is now short 16,622 t (23% of need) while
        battery anode graphite's shortfall fell by 6,649 t.

    Changes within 1e-7 of a commodity's need are noise, not moves.
    """
    names = list(dict.fromkeys([*before.index, *after.index]))
    old = before.reindex(names).fillna(0.0).astype(float)
    new = after.reindex(names).fillna(0.0).astype(float)
    change = new - old
    noise = NOISE * need.reindex(names).fillna(0.0).abs().clip(lower=1.0)
    rose = change[change > noise].sort_values(ascending=False, kind="stable")
    fell = change[change < -noise].sort_values(kind="stable")
    if rose.empty or fell.empty:
        return []
    relieved = _join(
        [f"{k}'s shortfall fell by {qty(-d, units.get(k, ''))}" for k, d in fell.items()]
    )
    out = []
    for k in rose.index:
        share = new[k] / need[k] if need.get(k, 0.0) > 0 else float("nan")
        detail = [f"{pct(share)} of need"] if share == share else []
        if old[k] > noise[k]:
            detail.append(f"up from {qty(old[k], units.get(k, ''))}")
        said = f" ({', '.join(detail)})" if detail else ""
        now = qty(new[k], units.get(k, ""))
        out.append(f"Shortage moved: {k} is now short {now}{said} while {relieved}.")
    return out


__all__ = ["shortage_moves"]
