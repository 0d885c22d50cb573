"""Cross-table checks of a case, as plain ``check_*`` functions apart from reading.

Each raises `InputError` naming the file, row and column (or TOML key) at
fault; `validate` runs them all. Checks within one table (types, ranges,
duplicate keys) are done while reading it (`model.case.tables`).
"""

from __future__ import annotations

from model.case.core import Case
from model.case.horizon import check_no_horizon, expand
from model.constants import EACH, GROUP_PREFIX
from model.errors import InputError


# --- cross-table checks -----------------------------------------------------------------------
def check_references(case: Case) -> None:
    """Every commodity and country a table names must be defined."""
    commodities = set(case.commodities["commodity"])
    countries = set(case.countries["country"])
    used_k, used_n = set(case.supply["commodity"].tolist()), set(case.supply["country"].tolist())
    if used_k <= commodities and used_n <= countries:
        rows = []  # the common case: no row-by-row search for the culprit
    else:
        rows = case.supply[["commodity", "country"]].itertuples()
    for row, k, n in rows:
        if k not in commodities:
            raise InputError(
                f"unknown commodity '{k}' (not in commodities.csv)",
                case.files["supply"],
                row,
                "commodity",
            )
        if n not in countries:
            raise InputError(
                f"unknown country '{n}' (not in countries.csv)",
                case.files["supply"],
                row,
                "country",
            )
    for row, p, i in case.recipes[["product", "input"]].itertuples():
        for col, k in (("product", p), ("input", i)):
            if k not in commodities:
                raise InputError(
                    f"unknown commodity '{k}' (not in commodities.csv)",
                    case.files["recipes"],
                    row,
                    col,
                )
        if p == i:
            raise InputError(
                f"'{p}' cannot be an input to itself", case.files["recipes"], row, "input"
            )


def check_restrictions(case: Case) -> None:
    """restrictions.csv may name only countries and commodities the case defines."""
    commodities = set(case.commodities["commodity"])
    countries = set(case.countries["country"])
    for row, k, n in case.restrictions[["commodity", "country"]].itertuples():
        if k and k not in commodities:
            raise InputError(
                f"unknown commodity '{k}' (not in commodities.csv; leave it blank for "
                "every commodity)",
                case.files["restrictions"],
                row,
                "commodity",
            )
        if n not in countries:
            raise InputError(
                f"unknown country '{n}' (not in countries.csv)",
                case.files["restrictions"],
                row,
                "country",
            )


def check_recipes_acyclic(case: Case) -> None:
    """Recipes must form a chain, not a loop (a product may not consume itself indirectly).

    Depth-first search with an explicit stack: chains thousands of recipes deep are
    valid and must not hit Python's recursion limit.
    """
    edges: dict[str, list[tuple[str, int]]] = {}
    for row, p, i in case.recipes[["product", "input"]].itertuples():
        edges.setdefault(p, []).append((i, row))
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in list(edges):
        if state.get(root) is not None:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]  # (commodity, next edge to follow)
        while stack:
            k, at = stack[-1]
            out = edges.get(k, [])
            if at == len(out):
                state[k] = 2
                stack.pop()
                continue
            stack[-1] = (k, at + 1)
            i, row = out[at]
            if state.get(i) == 1:
                names = [p for p, _ in stack] + [i]
                start = names.index(i)
                raise InputError(
                    "recipe cycle: " + " -> ".join(names[start:]),
                    case.files["recipes"],
                    row,
                    "input",
                )
            if state.get(i) is None:
                state[i] = 1
                stack.append((i, 0))


def check_policy(case: Case) -> None:
    """Rules and stage caps must name countries, groups, commodities and stages that exist."""
    countries = set(case.countries["country"])
    groups = case.groups()
    commodities = set(case.commodities["commodity"])
    stages = case.stages()
    for stage in case.policy.max_china_share_by_stage:
        if stage not in stages:
            raise InputError(
                f"stage '{stage}' matches no commodity "
                f"(stages: {', '.join(sorted(stages)) or 'none'})",
                case.files["case"],
                column=f"policy.max_china_share_by_stage.{stage}",
            )
    for rule in case.policy.rules:
        where = {"file": rule._origin or case.files["case"]}
        key = rule._key or "policy.rules"
        for who in rule.members:
            if who.startswith(GROUP_PREFIX):
                tag = who.removeprefix(GROUP_PREFIX)
                if tag not in groups:
                    raise InputError(
                        f"group '{tag}' has no countries "
                        f"(groups: {', '.join(sorted(groups)) or 'none'})",
                        column=f"{key}.country",
                        **where,
                    )
            elif who != EACH and who not in countries:
                raise InputError(
                    f"unknown country '{who}' (use an ISO code from countries.csv, "
                    "'group:<tag>' or 'each'; several joined by '|' or as a list)",
                    column=f"{key}.country",
                    **where,
                )
        for k in rule.commodities or []:
            if k not in commodities:
                raise InputError(f"unknown commodity '{k}'", column=f"{key}.commodities", **where)
        if rule.stage is not None and rule.stage not in stages:
            raise InputError(
                f"stage '{rule.stage}' matches no commodity", column=f"{key}.stage", **where
            )


def check_not_empty(case: Case) -> None:
    """A case needs at least one commodity and one country."""
    for name in ("commodities", "countries"):
        if getattr(case, name).empty:
            raise InputError(f"{name}.csv has no rows", case.files.get(name))


def validate(case: Case) -> Case:
    """Run every cross-table check; returns the case for chaining.

    A case read with a ``[horizon]`` is checked as read and returned expanded into
    commodity-years (`model.case.horizon.expand`).
    """
    if case.horizon is not None:  # expanded from a case checked as read
        return case
    check_not_empty(case)
    check_references(case)
    check_restrictions(case)
    check_recipes_acyclic(case)
    check_policy(case)
    if case.horizon_spec is None:
        check_no_horizon(case)
    elif case.horizon is None:
        return expand(case)
    return case
