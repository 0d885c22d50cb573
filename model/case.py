"""A case: the input tables and policy, read from a folder or a scenario file.

`load_case` is the single entry point: give it a case folder (holding
``case.toml`` and CSV tables) or a scenario ``.toml`` whose ``base`` points at
a case or at another scenario. Every check that spans tables lives here as a
plain ``check_*`` function; each raises `InputError` naming file, row and column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyomo.common.gc_manager import PauseGC

from model.errors import InputError
from model.policy import CaseFile, Policy, ShareRule, parse, read_toml
from model.tables import TABLES, empty_table, read_table

CHINA = "CHN"
GROUP_PREFIX = "group:"
EACH = "each"


@dataclass
class Case:
    """Everything the model needs, already validated.

    Tables keep their file row numbers as index so later checks can point at rows.
    ``files`` maps each table (and ``case``) to the file it came from.
    """

    name: str
    description: str
    countries: pd.DataFrame
    commodities: pd.DataFrame
    supply: pd.DataFrame
    recipes: pd.DataFrame
    policy: Policy
    files: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # every file read, in order
    folder: Path | None = None  # the base case folder (for SOURCES.md)

    def copy(self) -> Case:
        """A deep copy, safe to modify for a what-if."""
        return copy.deepcopy(self)

    # --- derived values the model and reports use -----------------------------------------
    def groups(self) -> dict[str, set[str]]:
        """Group tag -> set of country codes."""
        out: dict[str, set[str]] = {}
        for code, tags in zip(self.countries["country"], self.countries["groups"], strict=True):
            for tag in str(tags).split(";"):
                if tag:
                    out.setdefault(tag, set()).add(code)
        return out

    def stages(self) -> set[str]:
        return {s for s in self.commodities["stage"] if s}

    def china_caps(self) -> pd.Series:
        """Cap per commodity: its own column, else its stage default, else the case default."""
        by_stage = self.policy.max_china_share_by_stage
        default = self.policy.max_china_share
        caps = [
            own if not np.isnan(own) else by_stage.get(stage, default)
            for own, stage in zip(
                self.commodities["max_china_share"].tolist(),
                self.commodities["stage"].tolist(),
                strict=True,
            )
        ]
        return pd.Series(caps, index=self.commodities["commodity"].to_numpy(), dtype=float)

    def delivered_cost(self) -> pd.Series:
        """unit_cost * (1 + tariff) + freight + tariff_per_unit, per supply row."""
        s = self.supply
        return s["unit_cost"] * (1.0 + s["tariff"]) + s["freight"] + s["tariff_per_unit"]

    def shortfall_penalties(self) -> pd.Series:
        """Penalty per unit of unmet demand, per commodity.

        Default: ``shortfall_penalty_factor`` (10) times the commodity's full
        cost, the dearest supplier's delivered cost plus the full cost of the
        inputs one unit consumes. So a shortfall always costs more than buying
        anything that could fill it. If that full cost is 0 the penalty is 1.
        """
        ids = self.commodities["commodity"].tolist()
        dearest: dict[str, float] = {}
        for k, c in zip(
            self.supply["commodity"].tolist(), self.delivered_cost().tolist(), strict=True
        ):
            if c > dearest.get(k, -np.inf):
                dearest[k] = c
        inputs: dict[str, list[tuple[str, float]]] = {}
        for p, i, q in self.recipes[["product", "input", "quantity"]].itertuples(index=False):
            inputs.setdefault(p, []).append((i, q))
        full: dict[str, float] = {}

        def full_cost(k: str) -> float:
            # inputs before products, with an explicit stack: recipe chains can be
            # deeper than Python's recursion limit
            stack = [k]
            while stack:
                top = stack[-1]
                if top in full:
                    stack.pop()
                    continue
                todo = [i for i, _ in inputs.get(top, []) if i not in full]
                if todo:
                    stack.extend(todo)
                    continue
                full[top] = float(dearest.get(top, 0.0)) + sum(
                    q * full[i] for i, q in inputs.get(top, [])
                )
                stack.pop()
            return full[k]

        factor = self.policy.shortfall_penalty_factor
        out = []
        for k, own in zip(ids, self.commodities["shortfall_penalty"].tolist(), strict=True):
            if not np.isnan(own):
                out.append(own)
            else:
                fc = full_cost(k)
                out.append(factor * fc if fc > 0 else 1.0)
        return pd.Series(out, index=ids, dtype=float)

    def rule_countries(self, rule: ShareRule) -> set[str] | None:
        """Countries a rule's subject covers; None for 'each'."""
        if rule.country == EACH:
            return None
        if rule.country.startswith(GROUP_PREFIX):
            return self.groups().get(rule.country.removeprefix(GROUP_PREFIX), set())
        return {rule.country}

    def rule_commodities(self, rule: ShareRule) -> list[str]:
        """Commodities a rule covers, in table order."""
        ids = list(self.commodities["commodity"])
        if rule.commodities is not None:
            wanted = set(rule.commodities)
            return [k for k in ids if k in wanted]
        if rule.stage is not None:
            return [
                k for k, s in zip(ids, self.commodities["stage"], strict=True) if s == rule.stage
            ]
        return ids


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
        who = rule.country
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
                "'group:<tag>' or 'each')",
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
    """Run every cross-table check; returns the case for chaining."""
    check_not_empty(case)
    check_references(case)
    check_recipes_acyclic(case)
    check_policy(case)
    return case


# --- reading ----------------------------------------------------------------------------------
def inside_folder(path: Path, folder: Path, what: str = "case folder") -> bool:
    """Whether ``path`` exists; an error if it is a symbolic link out of ``folder`` or a broken one.

    Files of a case folder are copied into run folders and embedded in reports,
    which users mail: a link to a file elsewhere (``SOURCES.md -> ~/.ssh/...``)
    must not be followed. Links that stay inside the folder are fine. A broken
    link is an error, not an absent optional file.
    """
    if path.is_symlink() and not path.exists():
        raise InputError("is a broken symbolic link", path)
    if not path.exists():
        return False
    if not path.resolve().is_relative_to(folder.resolve()):
        raise InputError(
            f"is a symbolic link to a file outside the {what}; copy the file into the "
            f"{what} instead",
            path,
        )
    return True


def read_case_folder(folder: Path) -> Case:
    """Read ``case.toml`` and the CSV tables of a case folder."""
    if not folder.is_dir():
        raise InputError("case folder does not exist", folder)
    toml_path = folder / "case.toml"
    inside_folder(toml_path, folder)
    inside_folder(folder / "SOURCES.md", folder)  # copied into run folders and reports
    meta = parse(CaseFile, read_toml(toml_path), toml_path)
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {"case": str(toml_path)}
    sources = [str(toml_path)]
    for name, spec in TABLES.items():
        path = folder / spec.file
        files[name] = str(path)
        if not inside_folder(path, folder) and not spec.required:
            tables[name] = empty_table(spec)
            continue
        tables[name] = read_table(spec, path)
        sources.append(str(path))
    return Case(
        name=meta.name,
        description=meta.description,
        policy=meta.policy,
        files=files,
        sources=sources,
        folder=folder,
        **tables,
    )


def load_target(owner: Path, target: str, key: str, *, _seen: tuple[Path, ...] = ()) -> Case:
    """Load the case that a scenario's ``base`` or a sweep file's ``case`` points at.

    A fault in the pointer itself (empty, missing, not a case) names ``owner`` and
    ``key``; a fault inside the target names the target's file, and says how it was
    reached, e.g. "(base of scenarios/x.toml)".
    """
    owner = Path(owner)
    if not target.strip():
        raise InputError(
            f"{key} is empty; give a case folder, a .xlsx case workbook or a scenario .toml "
            "(relative to this file)",
            owner,
            column=key,
        )
    resolved = (owner.parent / target).resolve()
    if not resolved.exists():
        raise InputError(f"{key} '{target}' does not exist ({resolved})", owner, column=key)
    if resolved.is_dir():
        if not (resolved / "case.toml").is_file():
            raise InputError(
                f"{key} '{target}' is not a case: {resolved} has no case.toml", owner, column=key
            )
    elif not resolved.is_file() or resolved.suffix.lower() not in (".toml", ".xlsx"):
        raise InputError(
            f"{key} '{target}' is not a case folder, a .xlsx case workbook or a scenario .toml",
            owner,
            column=key,
        )
    try:
        return load_case(resolved, _seen=_seen)
    except InputError as exc:
        raise InputError(
            f"{exc.message} ({key} of {owner})", exc.file, exc.row, exc.column
        ) from None


def load_case(path: str | Path, *, _seen: tuple[Path, ...] = ()) -> Case:
    """Load and validate a case folder, a case workbook (.xlsx) or a scenario file.

    >>> case = load_case("inputs/base")  # doctest: +SKIP
    """
    from model.scenario import apply_scenario  # circular at import time

    path = Path(path)
    if path.is_dir():
        # Cyclic GC passes over a heap of 10^5-10^6 fresh objects dominate large reads
        # and builds; nothing here creates reference cycles that need collecting.
        with PauseGC():
            return validate(read_case_folder(path))
    if path.suffix.lower() == ".xlsx":  # a case workbook, one sheet per table
        from model.excel import load_case_xlsx

        return load_case_xlsx(path)
    if path.suffix.lower() == ".toml":
        if not path.exists():
            raise InputError("scenario or case file does not exist", path)
        data = read_toml(path)
        if "base" not in data:
            if path.name == "case.toml":
                return load_case(path.parent)
            raise InputError(
                "a scenario file needs a 'base' key (the case it changes)", path, column="base"
            )
        resolved = path.resolve()
        if resolved in _seen:
            raise InputError("scenario bases form a loop", path, column="base")
        return validate(apply_scenario(path, data, _seen=(*_seen, resolved)))
    raise InputError("not a case folder, a .xlsx case workbook or a .toml scenario file", path)
