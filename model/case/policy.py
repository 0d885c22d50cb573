"""The TOML side of a case: `case.toml` and scenario files, parsed with pydantic.

A case's policy holds the default China cap (overall and per stage), the
shortfall-penalty factor and the share rules. Scenario files override a base
case's policy and scale or set table values for selected rows.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from model.constants import EACH, MAX_NAME, NAME_PATTERN, RULE_SEPARATOR
from model.errors import InputError

T = TypeVar("T", bound="BaseModel")

Share = Field(default=None, ge=0.0, le=1.0)

# Years a horizon may name, and the most years it may span.
MIN_YEAR, MAX_YEAR, MAX_YEARS = 1900, 2200, 60

# What a share is a share of: the supplied quantity S[k] (default) or the need S[k] + s[k],
# the commodity's direct demand plus what the downstream production that is made consumes
# (the balance row's left side), as the EU CRMA and most supply-security rules word it.
Basis = Literal["supplied", "need"]

# Supply row statuses (the `status` column of supply.csv; see model.case.tables.STATUSES).
Status = Literal["operating", "standby", "planned"]


def _check_statuses(statuses: list[str] | None) -> None:
    if statuses is None:
        return
    if not statuses:
        raise ValueError(
            "include_status is empty; list the statuses whose capacity counts, "
            "e.g. ['operating'] or ['operating', 'standby']"
        )
    if len(set(statuses)) < len(statuses):
        raise ValueError("include_status lists a status twice")


# How unmet need is shared when supply is short (README "Shortage policy"):
#   "proportional" (default): lexicographic; first minimise U = sum_k s[k] / demand[k], each
#     commodity's unmet direct demand as a share of it, then cost + penalty at that U.
#   "penalty": one objective, cost + shortfall_penalty x shortfall; the penalty weights
#     decide who goes short.
Shortage = Literal["proportional", "penalty"]


class Strict(BaseModel):
    """The base of every file schema: unknown keys, wrong types and inf/NaN are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ShareRule(Strict):
    """Bound the share of countries, groups, or each country, in a commodity's mix.

    ``country`` is an ISO code (``"AUS"``), a group (``"group:partner"``), several
    of those joined by ``|`` or given as a list (``["USA", "group:partner"]``: their
    union), or ``"each"`` (every supplying country separately, e.g. the 65%
    single-supplier rule). Without ``commodities`` or ``stage`` the rule covers
    every commodity. ``basis`` says what the share is of: ``"supplied"`` (the
    quantity bought, default) or ``"need"`` (what is needed, bought or short).
    """

    name: str | None = None
    country: str | list[str]
    commodities: list[str] | None = None
    stage: str | None = None
    max_share: float | None = Share
    min_share: float | None = Share
    basis: Basis = "supplied"
    # a case with a [horizon]: the years the rule holds in (inclusive; default: every year)
    from_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    to_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)

    _origin: str = PrivateAttr(default="")
    _key: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _check(self) -> ShareRule:
        if self.max_share is None and self.min_share is None:
            raise ValueError("a share rule needs max_share, min_share or both")
        if (
            self.max_share is not None
            and self.min_share is not None
            and self.min_share > self.max_share
        ):
            raise ValueError(f"min_share {self.min_share:g} is above max_share {self.max_share:g}")
        members = self.members
        if not members or any(not m for m in members):
            raise ValueError(
                f"country {self.country!r} names no country (give codes, 'group:<tag>' or "
                f"'each', several joined by '{RULE_SEPARATOR}' or as a list)"
            )
        if EACH in members and len(members) > 1:
            raise ValueError(
                "'each' stands alone: it cannot be combined with other countries or groups"
            )
        if members == [EACH] and self.min_share is not None:
            raise ValueError("country = 'each' takes max_share only (a min for every country)")
        if self.basis == "need" and self.min_share is not None:
            raise ValueError(
                "basis = 'need' takes max_share only: a minimum share of need cannot be met "
                "when supply is short; use basis = 'supplied' for a minimum"
            )
        if self.commodities is not None and self.stage is not None:
            raise ValueError("give either commodities or stage, not both")
        if self.commodities == []:  # would cover nothing: a rule that silently does nothing
            raise ValueError(
                "commodities is empty; list at least one, or leave it out to cover every commodity"
            )
        if (
            self.from_year is not None
            and self.to_year is not None
            and self.from_year > self.to_year
        ):
            raise ValueError(f"from_year {self.from_year} is after to_year {self.to_year}")
        return self

    @property
    def members(self) -> list[str]:
        """The rule's subjects in order: codes, ``group:<tag>`` or ``each``.

        ``"A|B"`` and ``["A", "B"]`` give the same members; the rule covers their union.
        """
        given = [self.country] if isinstance(self.country, str) else self.country
        return [part.strip() for item in given for part in item.split(RULE_SEPARATOR)]

    @property
    def subject(self) -> str:
        """The members as one string, as written in a workbook cell: ``USA|group:partner``."""
        return RULE_SEPARATOR.join(self.members)

    @property
    def label(self) -> str:
        """A readable name for reports: the given name or one made from the rule."""
        if self.name:
            return self.name
        parts = [self.subject]
        if self.min_share is not None:
            parts.append(f"min {self.min_share:.0%}")
        if self.max_share is not None:
            parts.append(f"max {self.max_share:.0%}")
        if self.basis == "need":
            parts.append("of need")
        if self.from_year is not None:
            parts.append(f"from {self.from_year}")
        if self.to_year is not None:
            parts.append(f"to {self.to_year}")
        return " ".join(parts)


class Policy(Strict):
    """Policy of a case: China caps, shortfall pricing, share rules and supply tiers.

    ``china_cap_basis`` is what the China caps are a share of, like a rule's ``basis``.
    ``switching_premium``: supply from a row beyond its ``today`` volume costs
    (1 + premium) x its delivered cost (a commodity's own column overrides it).
    ``include_status``: the supply row statuses whose capacity counts; rows of other
    statuses (standby, planned) stay in the tables with no capacity in the model.
    ``shortage`` is how unmet need is shared when supply is short (see `Shortage`).
    """

    max_china_share: float = Field(default=1.0, ge=0.0, le=1.0)
    china_cap_basis: Basis = "supplied"
    max_china_share_by_stage: dict[str, float] = Field(default_factory=dict)
    shortfall_penalty_factor: float = Field(default=10.0, ge=1.0, le=1e6)
    switching_premium: float = Field(default=0.0, ge=0.0, le=1e6)
    include_status: list[Status] = Field(default_factory=lambda: ["operating"])
    shortage: Shortage = "proportional"
    rules: list[ShareRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_stage_caps(self) -> Policy:
        for stage, cap in self.max_china_share_by_stage.items():
            if not 0.0 <= cap <= 1.0:
                raise ValueError(f"max_china_share_by_stage.{stage} = {cap:g} is outside [0, 1]")
        _check_statuses(self.include_status)
        return self


class HorizonSpec(Strict):
    """``[horizon]`` in case.toml: the case is solved for every year from ``start`` to
    ``end`` (inclusive) at once, costs of year y discounted by (1 + r)^-(y - base_year).

    ``max_china_share_by_year`` is a glide path of the case's default China cap: each
    value holds from its year until the next given year (years before the first keep
    ``policy.max_china_share``). Expansion into commodity-years: `model.case.horizon`.
    """

    start: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    end: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    discount_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    base_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    max_china_share_by_year: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> HorizonSpec:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.end - self.start + 1 > MAX_YEARS:
            raise ValueError(
                f"{self.start}-{self.end} spans {self.end - self.start + 1} years; "
                f"at most {MAX_YEARS} are allowed"
            )
        for key, cap in self.max_china_share_by_year.items():
            if not key.isascii() or not key.isdigit():
                raise ValueError(f"max_china_share_by_year: '{key}' is not a year")
            if not self.start <= int(key) <= self.end:
                raise ValueError(
                    f"max_china_share_by_year: year {key} is outside the horizon "
                    f"{self.start}-{self.end}"
                )
            if not 0.0 <= cap <= 1.0:
                raise ValueError(f"max_china_share_by_year.{key} = {cap:g} is outside [0, 1]")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    @property
    def base(self) -> int:
        """The year costs are discounted to: ``base_year``, else ``start``."""
        return self.start if self.base_year is None else self.base_year

    def china_cap(self, year: int) -> float | None:
        """The glide path's cap in ``year`` (a step path), or None before its first year."""
        out = None
        for key in sorted(self.max_china_share_by_year, key=int):
            if int(key) <= year:
                out = self.max_china_share_by_year[key]
        return out


class CaseFile(Strict):
    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME)
    description: str = ""
    # ISO 4217 code of every money amount in the case (costs, penalties); labels outputs
    currency: str = "USD"

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        if not (len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
            raise ValueError(f"'{value}' is not a three-letter currency code such as USD or EUR")
        return value

    policy: Policy = Field(default_factory=Policy)
    horizon: HorizonSpec | None = None  # optional: several years (model.case.horizon)


class PolicyOverride(Strict):
    """Policy keys a scenario may override; rules are appended unless replace_rules."""

    max_china_share: float | None = Field(default=None, ge=0.0, le=1.0)
    china_cap_basis: Basis | None = None
    max_china_share_by_stage: dict[str, float] | None = None
    shortfall_penalty_factor: float | None = Field(default=None, ge=1.0, le=1e6)
    switching_premium: float | None = Field(default=None, ge=0.0, le=1e6)
    include_status: list[Status] | None = None
    shortage: Shortage | None = None
    rules: list[ShareRule] = Field(default_factory=list)
    replace_rules: bool = False

    @model_validator(mode="after")
    def _check(self) -> PolicyOverride:
        _check_statuses(self.include_status)
        return self


SUPPLY_COLUMNS = ("capacity", "unit_cost", "freight", "tariff", "tariff_per_unit", "today")
COMMODITY_COLUMNS = ("demand", "max_china_share", "shortfall_penalty", "switching_premium")
# a horizon case's stockpile.csv and buildout.csv values a scenario or sweep may change
STOCK_COLUMNS = ("initial", "max_buy", "max_release", "holding_cost", "floor")
BUILD_COLUMNS = ("annual_cost", "max_per_year", "max_total")
CHANGE_COLUMNS = {
    "supply": SUPPLY_COLUMNS,
    "commodities": COMMODITY_COLUMNS,
    "stockpile": STOCK_COLUMNS,
    "buildout": BUILD_COLUMNS,
}
# columns with a table by year (capacity_by_year.csv, demand_by_year.csv): the ones a
# scenario change may give for some years only
YEAR_COLUMNS = ("capacity", "demand")


class Change(Strict):
    """Scale, set or add to a numeric column for the rows a selector picks."""

    table: Literal["supply", "commodities", "stockpile", "buildout"]
    column: str
    commodity: str | list[str] | None = None
    country: str | list[str] | None = None
    stage: str | list[str] | None = None
    # a case with a [horizon] only: the years of the rows (a year or a list), or the years
    # from_year to to_year (inclusive, either optional)
    year: int | list[int] | None = None
    from_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    to_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    scale: float | None = Field(default=None, ge=0.0)
    set: float | None = None
    add: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Change:
        allowed = CHANGE_COLUMNS[self.table]
        if self.column not in allowed:
            raise ValueError(
                f"column '{self.column}' cannot be changed in table {self.table}; "
                f"choose one of {', '.join(allowed)}"
            )
        given = [k for k in ("scale", "set", "add") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of scale, set or add")
        if self.table in ("commodities", "stockpile") and self.country is not None:
            raise ValueError(
                f"country selects supply or buildout rows; it cannot be used on {self.table}"
            )
        span = self.from_year is not None or self.to_year is not None
        if self.table in ("stockpile", "buildout") and (self.year is not None or span):
            raise ValueError(
                f"{self.table}.csv values hold in every year; a change of them cannot select years"
            )
        if self.year is not None and span:
            raise ValueError("give year or from_year/to_year, not both")
        if (
            self.from_year is not None
            and self.to_year is not None
            and self.from_year > self.to_year
        ):
            raise ValueError(f"from_year {self.from_year} is after to_year {self.to_year}")
        return self

    @property
    def has_years(self) -> bool:
        """Whether the change selects years (year, from_year or to_year)."""
        return self.year is not None or self.from_year is not None or self.to_year is not None


class HorizonOverride(Strict):
    """``[horizon]`` keys a scenario may override: the glide path, replaced whole."""

    max_china_share_by_year: dict[str, float] | None = None


class ScenarioFile(Strict):
    name: str | None = Field(default=None, pattern=NAME_PATTERN, max_length=MAX_NAME)
    description: str = ""
    base: str
    policy: PolicyOverride = Field(default_factory=PolicyOverride)
    horizon: HorizonOverride | None = None
    changes: list[Change] = Field(default_factory=list)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[#{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors become InputError with the line."""
    if not path.is_file():
        raise InputError("file is missing", path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", path) from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise InputError("malformed TOML: arrays or tables nested too deeply", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path) from None


def parse(cls: type[T], data: dict[str, Any], path: Path) -> T:
    """Validate TOML data against a pydantic model, naming the key on failure."""
    try:
        obj = cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        raise InputError(msg, path, column=_loc(err["loc"]) or None) from None
    rules = getattr(obj, "rules", None) or getattr(getattr(obj, "policy", None), "rules", [])
    for i, rule in enumerate(rules):
        rule._origin = str(path)
        rule._key = f"policy.rules[#{i + 1}]"
    return obj
