"""Restricted suppliers: who a US buyer cannot or may not buy from, and whether the case says so.

``restrictions.csv`` (optional, columns ``commodity, country, restriction, source``;
a blank commodity means every commodity) only *tags* suppliers. Excluding them is
the job of ordinary policy: a China cap of 0, or a share rule with ``max_share = 0``
covering the country and the commodity. This module finds the tagged supply rows
that nothing holds at zero (`unguarded`, the warnings of ``validate`` and
``solve``) and the tagged suppliers a solved mix actually buys from
(`restricted_used`, summary.json's ``restricted_used``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.case.core import Case
from model.constants import CHINA
from model.formats import qty

OPERATING = "operating"


def restriction_texts(case: Case) -> dict[tuple[str, str], str]:
    """(commodity, country) -> restriction text, for every supply row that is tagged.

    A country tagged for every commodity and for this commodity as well gets both
    texts, the commodity's own first, joined by '; '.
    """
    r = case.restrictions
    if r.empty:
        return {}
    own: dict[tuple[str, str], list[str]] = {}
    every: dict[str, list[str]] = {}
    for k, n, text in r[["commodity", "country", "restriction"]].itertuples(index=False):
        if k:
            own.setdefault((k, n), []).append(text)
        else:
            every.setdefault(n, []).append(text)
    out: dict[tuple[str, str], str] = {}
    for k, n in case.supply[["commodity", "country"]].itertuples(index=False):
        texts = own.get((k, n), []) + every.get(n, [])
        if texts:
            out[(k, n)] = "; ".join(texts)
    return out


def included_capacity(case: Case) -> pd.Series:
    """Capacity per supply row that the model may use.

    Rows whose ``status`` (blank = operating) is not in ``[policy] include_status``
    (default: operating only) have capacity 0 in the model; cases without the
    column use every row's capacity.
    """
    cap = case.supply["capacity"].astype(float)
    if "status" not in case.supply.columns:
        return cap
    included = set(getattr(case.policy, "include_status", None) or [OPERATING])
    status = case.supply["status"].fillna("").astype(str).str.strip().replace("", OPERATING)
    return cap.where(status.isin(included), 0.0)


def zero_holds(case: Case) -> Callable[[str, str], bool]:
    """A test (commodity, country) -> whether a China cap of 0 or a share rule with
    max_share 0 forbids that supplier; the caps and rules are resolved once."""
    caps = case.china_caps()
    china_zero = {k for k, cap in caps.items() if cap == 0.0}
    rules = [
        (case.rule_countries(rule), set(case.rule_commodities(rule)))  # countries None: 'each'
        for rule in case.policy.rules
        if rule.max_share == 0.0
    ]

    def held(commodity: str, country: str) -> bool:
        if country == CHINA and commodity in china_zero:
            return True
        return any(
            (countries is None or country in countries) and commodity in covered
            for countries, covered in rules
        )

    return held


def held_at_zero(case: Case, commodity: str, country: str) -> bool:
    """Whether a China cap of 0 or a share rule with max_share 0 forbids this supplier."""
    return zero_holds(case)(commodity, country)


@dataclass(frozen=True)
class Unguarded:
    """A tagged supply row with capacity that no cap or rule holds at zero."""

    commodity: str
    country: str
    capacity: float
    unit: str
    restriction: str

    def message(self) -> str:
        return (
            f"{self.commodity} from {self.country} is restricted ({self.restriction}), yet its "
            f"{qty(self.capacity, self.unit)} of capacity is open: no China cap of 0 and no "
            "rule with max_share = 0 covers it"
        )


def unguarded(case: Case) -> list[Unguarded]:
    """Tagged supply rows with included capacity > 0 that nothing holds at zero, in file order."""
    texts = restriction_texts(case)
    if not texts:
        return []
    units = dict(zip(case.commodities["commodity"], case.commodities["unit"], strict=True))
    cap = included_capacity(case).tolist()
    held = zero_holds(case)
    out = []
    seen: set[tuple[str, str]] = set()  # a horizon case: a supplier once, its first open year
    for i, (k, n) in enumerate(case.supply[["commodity", "country"]].itertuples(index=False)):
        if (k, n) in texts and cap[i] > 0 and not held(k, n):
            base = case.base_id(k)
            if (base, n) not in seen:
                seen.add((base, n))
                out.append(Unguarded(base, n, float(cap[i]), units.get(k, ""), texts[(k, n)]))
    return out


def restricted_used(case: Case, mix: pd.DataFrame) -> list[dict[str, Any]]:
    """Tagged suppliers the mix buys from: {commodity, country, quantity, restriction}."""
    texts = restriction_texts(case)
    if not texts or mix.empty:
        return []
    if "year" in mix.columns:  # a horizon case: the mix names commodity and year
        out = []
        for k, y, n, q in mix[["commodity", "year", "country", "quantity"]].itertuples(index=False):
            key = (f"{k}.{y}", n)
            if key in texts and q > 0:
                out.append(
                    {
                        "commodity": k,
                        "year": int(y),
                        "country": n,
                        "quantity": float(q),
                        "restriction": texts[key],
                    }
                )
        return out
    return [
        {"commodity": k, "country": n, "quantity": float(q), "restriction": texts[(k, n)]}
        for k, n, q in mix[["commodity", "country", "quantity"]].itertuples(index=False)
        if (k, n) in texts and q > 0
    ]
