"""Sweep parameters: what a sensitivity run may change, written as short strings.

    max_china_share                         the case's default China cap (set)
    max_china_share[commodity=gallium]      caps of the selected commodities (set)
    max_china_share[all]                    every commodity's own cap (set)
    capacity[country=CHN,commodity=gallium] capacity of the selected supply rows (scale)
    capacity[country=group:partner]         ... a group's rows (scale)
    unit_cost[...], demand[...], freight[...], tariff_per_unit[...]   (scale)
    tariff[country=CHN]                     ad-valorem tariff rate (set)
    rule[partners >= 40%].min_share         a share rule's bound, by name, label or '#2' (set);
                                            a label may hold '|': rule[CHN|USA max 50%]

A case with a ``[horizon]`` adds (values set as given):

    max_china_share_by_year[2030]           the glide path's value from 2030 (until its next
                                            year; a year not in the path adds a step there)
    stockpile[commodity=gallium].initial    a stockpile.csv column of the selected rows:
                                            initial, max_buy, max_release, holding_cost, floor
    buildout[commodity=magnet,country=USA].max_per_year
                                            a buildout.csv column: annual_cost, max_per_year,
                                            max_total

Stock and build values are pushed into the kept model as bounds, right-hand sides and
costs (no rebuild); a blank ``max_total`` (no limit row) cannot be swept.

Selectors are ``commodity``, ``country`` (an ISO code or ``group:<tag>``) and
``stage``; several values are separated by ``|``. Capacity, cost and demand
values are multipliers of the case's values; caps, tariffs and rule bounds are
set as given. Grids are ``start:stop:step`` (stop included when it falls on the
grid) or comma-separated lists.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field

from model.case.core import Case, Horizon
from model.case.horizon import _buildout, _stockpile
from model.case.policy import (
    BUILD_COLUMNS,
    COMMODITY_COLUMNS,
    STOCK_COLUMNS,
    SUPPLY_COLUMNS,
    Change,
)
from model.case.scenario import apply_change, check_floor
from model.errors import InputError

MAX_GRID = 100_000  # values in one grid
MAX_POINTS = 1_000_000  # points in one sweep
SCALED = {"capacity", "unit_cost", "demand", "freight", "tariff_per_unit"}
SET = {"max_china_share", "tariff"}
SELECTORS = ("commodity", "country", "stage", "year")  # year: cases with a [horizon] only
# a horizon case's tables of stock and build options: parameter name -> its columns
OPTIONS = {"stockpile": STOCK_COLUMNS, "buildout": BUILD_COLUMNS}
GLIDE = "max_china_share_by_year"
PATTERN = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<sel>[^\]]*)\])?(?:\.(?P<bound>[a-z_]+))?$")


@dataclass(frozen=True)
class Parameter:
    """One changeable value, parsed from its text."""

    text: str
    name: str  # column name, 'max_china_share' or 'rule'
    selector: tuple[tuple[str, tuple[str | int, ...]], ...] = ()
    all_rows: bool = False
    rule: str | None = None  # rule label or '#n'
    bound: str | None = None  # 'min_share' or 'max_share' for rules; a stock or build column
    mode: str = "set"  # 'set' or 'scale'
    where: str = "parameter"  # for error messages: the file or 'command line'

    @property
    def is_policy(self) -> bool:
        """True if it changes only caps or rules (the uncapped optimum does not move)."""
        return self.name in ("max_china_share", "rule", GLIDE)

    @property
    def table(self) -> str:
        if self.name in OPTIONS:
            return self.name
        return "supply" if self.name in SUPPLY_COLUMNS else "commodities"

    def selection(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.selector}

    def check_value(self, value: float) -> None:
        if not math.isfinite(value):
            raise InputError(f"value {value} is not a finite number", self.where, column=self.text)
        if self.mode == "scale" and value < 0:
            raise InputError(f"multiplier {value:g} is negative", self.where, column=self.text)
        if self.name in ("max_china_share", "rule", GLIDE) and not 0.0 <= value <= 1.0:
            raise InputError(f"share {value:g} is outside [0, 1]", self.where, column=self.text)
        if self.name in OPTIONS and value < 0:
            raise InputError(f"{self.bound} {value:g} is negative", self.where, column=self.text)
        if self.name == "tariff" and value < 0:
            raise InputError(f"tariff {value:g} is negative", self.where, column=self.text)


def parse_parameter(text: str, where: str = "command line") -> Parameter:
    """Parse a parameter string such as ``capacity[country=group:partner]``."""
    text = text.strip()
    match = PATTERN.match(text)
    if not match:
        raise InputError(
            "not a parameter (e.g. max_china_share, capacity[country=CHN], rule[#1].min_share)",
            where,
            column=text,
        )
    name, sel, bound = match["name"], match["sel"], match["bound"]
    known = {"max_china_share", "rule", GLIDE, *OPTIONS}
    known |= set(SUPPLY_COLUMNS) | set(COMMODITY_COLUMNS)
    # not swept: a premium fixes the model's structure (its tier columns) when it is built,
    # and today must stay within capacity
    known -= {"shortfall_penalty", "today", "switching_premium"}
    if name not in known:
        raise InputError(
            f"unknown parameter '{name}' (choose from {', '.join(sorted(known))})",
            where,
            column=text,
        )
    if name == "rule":
        if not sel or bound not in ("min_share", "max_share"):
            raise InputError(
                "a rule parameter is rule[<name or #n>].min_share or .max_share",
                where,
                column=text,
            )
        return Parameter(text, "rule", rule=sel.strip(), bound=bound, where=where)
    if name == GLIDE:
        years = [v.strip() for v in (sel or "").split("|")]
        if bound is not None or not all(y.isascii() and y.isdigit() for y in years):
            raise InputError(
                f"a glide-path parameter is {GLIDE}[<year>] (or [<year>|<year>])",
                where,
                column=text,
            )
        picked = tuple(int(y) for y in years)
        return Parameter(text, GLIDE, (("year", picked),), where=where)
    if name in OPTIONS:
        if bound not in OPTIONS[name]:
            raise InputError(
                f"a {name} parameter is {name}[<selectors>].<column>, the column one of "
                f"{', '.join(OPTIONS[name])}",
                where,
                column=text,
            )
    elif bound is not None:
        raise InputError(f"'.{bound}' only applies to rule parameters", where, column=text)
    selector: list[tuple[str, tuple[str | int, ...]]] = []
    all_rows = False
    if sel is not None:
        if sel.strip() in ("", "all", "*"):
            all_rows = True
        else:
            for part in sel.split(","):
                key, eq, values = part.partition("=")
                key = key.strip()
                if not eq or key not in SELECTORS:
                    raise InputError(
                        f"selector '{part.strip()}' must be commodity=..., country=..., "
                        "stage=... or year=...",
                        where,
                        column=text,
                    )
                if key == "country" and name in (
                    *COMMODITY_COLUMNS,
                    "max_china_share",
                    "stockpile",
                ):
                    raise InputError(
                        f"'{name}' is per commodity; it cannot select by country",
                        where,
                        column=text,
                    )
                if key == "year" and name in OPTIONS:
                    raise InputError(
                        f"{name}.csv values hold in every year; they cannot select by year",
                        where,
                        column=text,
                    )
                picked = tuple(v.strip() for v in values.split("|") if v.strip())
                if key == "year":
                    if not all(v.isascii() and v.isdigit() for v in picked):
                        raise InputError(
                            f"year selector '{values.strip()}' is not a list of years",
                            where,
                            column=text,
                        )
                    picked = tuple(int(v) for v in picked)
                selector.append((key, picked))
    elif name != "max_china_share":
        all_rows = True
    mode = "scale" if name in SCALED else "set"
    return Parameter(text, name, tuple(selector), all_rows, bound=bound, mode=mode, where=where)


def parse_grid(spec: str | list | tuple | float | int, where: str, column: str) -> list[float]:
    """``start:stop:step`` (stop included if on the grid), ``a,b,c``, or a list."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        values = [float(spec)]
    elif isinstance(spec, list | tuple):
        try:
            values = [float(v) for v in spec]
        except (TypeError, ValueError):
            raise InputError(f"grid {spec!r} holds a non-number", where, column=column) from None
    elif isinstance(spec, str) and spec.count(":") == 2:
        try:
            start, stop, step = (float(p) for p in spec.split(":"))
        except ValueError:
            raise InputError(
                f"grid '{spec}' is not start:stop:step", where, column=column
            ) from None
        if step <= 0 or not all(map(math.isfinite, (start, stop, step))):
            raise InputError(f"grid '{spec}' needs a positive step", where, column=column)
        n = math.floor(abs(stop - start) / step + 1e-9)
        if n >= MAX_GRID:
            raise InputError(f"the grid has more than {MAX_GRID:,} values", where, column=column)
        sign = 1.0 if stop >= start else -1.0
        values = [round(start + sign * i * step, 12) for i in range(n + 1)]
    elif isinstance(spec, str):
        try:
            values = [float(v) for v in spec.split(",") if v.strip()]
        except ValueError:
            raise InputError(
                f"grid '{spec}' is not a list of numbers", where, column=column
            ) from None
    else:
        raise InputError(f"grid {spec!r} is not understood", where, column=column)
    if not values:
        raise InputError("the grid is empty", where, column=column)
    if len(values) > MAX_GRID:
        raise InputError(f"the grid has more than {MAX_GRID:,} values", where, column=column)
    return values


def find_rule(case: Case, param: Parameter) -> int:
    rules = case.policy.rules
    ref = param.rule or ""
    if ref.startswith("#") and ref[1:].isdigit():
        i = int(ref[1:]) - 1
        if 0 <= i < len(rules):
            return i
    else:
        for i, rule in enumerate(rules):
            if ref in (rule.name, rule.label):
                return i
    names = ", ".join(f"#{i + 1} '{r.label}'" for i, r in enumerate(rules)) or "none"
    raise InputError(f"no share rule '{ref}' (rules: {names})", param.where, column=param.text)


def apply_values(case: Case, point: list[tuple[Parameter, float]]) -> Case:
    """A copy of `case` with each parameter set to its value.

    Only what the parameters touch is copied (the policy always; a table only
    if a parameter changes it): untouched tables stay the same objects, which
    lets `ModelData.from_case` reuse the base model's values for them.
    """
    out = copy.copy(case)
    out.policy = case.policy.model_copy(deep=True)
    tables = {p.table for p, _ in point if p.name != "rule" and (p.selector or p.all_rows)}
    options = tables & set(OPTIONS)
    if options or any(p.name == GLIDE for p, _ in point):
        out.horizon = _horizon_copy(case, point)
    if "supply" in tables:
        out.supply = case.supply.copy()
    if "commodities" in tables:
        out.commodities = case.commodities.copy()
    changed_rules: dict[int, Parameter] = {}
    for param, value in point:
        param.check_value(value)
        if param.name == "max_china_share" and not param.selector and not param.all_rows:
            out.policy.max_china_share = value
        elif param.name == "rule":
            # found in the case as given: an unnamed rule's label holds its bounds, so
            # after one bound of a point changed it would no longer match the other
            i = find_rule(case, param)
            rule = out.policy.rules[i]
            if getattr(rule, param.bound) is None:
                raise InputError(
                    f"rule '{rule.label}' has no {param.bound} to change; give it one in the case",
                    param.where,
                    column=param.text,
                )
            setattr(rule, param.bound, value)
            changed_rules[i] = param
        elif param.name == GLIDE:
            _set_glide(out, param, value)
        elif param.name in OPTIONS:
            change = Change(
                table=param.name,
                column=param.bound,
                **{k: list(v) for k, v in param.selector},
                set=value,
            )
            apply_change(out.horizon.source, change, param.where, param.text)
        else:
            change = Change(
                table=param.table,
                column=param.name,
                **{k: list(v) for k, v in param.selector},
                **{param.mode: value},
            )
            apply_change(out, change, param.where, param.text)
    if options:
        _derive_options(case, out, options, point)
    for i, param in changed_rules.items():  # once all of the point's bounds are in
        rule = out.policy.rules[i]
        low, high = rule.min_share, rule.max_share
        if low is not None and high is not None and low > high:
            raise InputError(
                f"min_share {low:g} would be above max_share {high:g}",
                param.where,
                column=param.text,
            )
    return out


def _horizon_copy(case: Case, point: list[tuple[Parameter, float]]) -> Horizon:
    """A copy of the case's horizon (and its case as read) for a point to change."""
    param = next(p for p, _ in point if p.name == GLIDE or p.name in OPTIONS)
    if case.horizon is None:
        raise InputError(
            f"'{param.name}' needs a case with a [horizon]", param.where, column=param.text
        )
    out = copy.copy(case.horizon)
    out.spec = out.spec.model_copy(deep=True)
    out.source = copy.copy(out.source)
    out.source.year_tables = dict(out.source.year_tables)
    for p, _ in point:
        if p.name in OPTIONS and out.source.year_tables.get(p.name) is None:
            raise InputError(f"the case has no {p.name}.csv", p.where, column=p.text)
    return out


def _set_glide(out: Case, param: Parameter, value: float) -> None:
    """Set the glide path's value from each of the parameter's years."""
    spec = out.horizon.spec
    for y in param.selection()["year"]:
        if not spec.start <= y <= spec.end:
            raise InputError(
                f"year {y} is outside the horizon {spec.start}-{spec.end}",
                param.where,
                column=param.text,
            )
        spec.max_china_share_by_year[str(y)] = value
    out.horizon_spec = spec


def _derive_options(
    case: Case, out: Case, changed: set[str], point: list[tuple[Parameter, float]]
) -> None:
    """The point's stock and build options from its changed tables, as `expand` derives
    them; the structure of the kept model (which max_total rows exist) must not change."""
    src = out.horizon.source
    if "stockpile" in changed:
        param = next(p for p, _ in point if p.name == "stockpile")
        check_floor(src, param.where, param.text)
        out.horizon.stock = _stockpile(src)
    if "buildout" in changed:
        options = _buildout(src)[0]
        for old, new in zip(case.horizon.buildout, options, strict=True):
            if math.isinf(old.max_total) and not math.isinf(new.max_total):
                param = next(p for p, _ in point if p.name == "buildout")
                raise InputError(
                    f"max_total of ({old.commodity}, {old.country}) is blank (no limit) in "
                    "buildout.csv: a sweep cannot add a limit; give one in the case",
                    param.where,
                    column=param.text,
                )
        out.horizon.buildout = options


@dataclass
class Grid:
    """Parameters with their value lists, combined as a product or zipped."""

    parameters: list[tuple[Parameter, list[float]]]
    combine: str = "product"
    where: str = "command line"
    points: list[list[tuple[Parameter, float]]] = field(init=False)

    def __post_init__(self) -> None:
        if not self.parameters:
            raise InputError("a sweep needs at least one parameter", self.where)
        texts = [p.text for p, _ in self.parameters]
        if len(set(texts)) != len(texts):
            raise InputError("a parameter is given twice", self.where, column=texts[0])
        if self.combine not in ("product", "zip"):
            raise InputError("combine must be 'product' or 'zip'", self.where, column="combine")
        lists = [values for _, values in self.parameters]
        total = math.prod(len(v) for _, v in self.parameters)
        if self.combine == "product" and total > MAX_POINTS:
            raise InputError(
                f"the sweep has {total:,} points, more than {MAX_POINTS:,}", self.where
            )
        if self.combine == "zip":
            if len({len(v) for v in lists}) != 1:
                raise InputError(
                    "zipped parameters need grids of the same length "
                    f"({', '.join(str(len(v)) for v in lists)})",
                    self.where,
                    column="combine",
                )
            combos = list(zip(*lists, strict=True))
        else:
            combos = [()]
            for values in lists:
                combos = [(*c, v) for c in combos for v in values]
        params = [p for p, _ in self.parameters]
        self.points = [list(zip(params, combo, strict=True)) for combo in combos]
        for point in self.points:
            for param, value in point:
                param.check_value(value)

    @property
    def names(self) -> list[str]:
        return [p.text for p, _ in self.parameters]
