"""Helpers to write small cases to disk, so tests go through the real reader."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "inputs" / "base"

COUNTRIES = [
    ("CHN", "China", ""),
    ("AUS", "Australia", "partner"),
    ("JPN", "Japan", "partner"),
    ("USA", "United States", "domestic"),
]


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_case(
    folder: Path,
    *,
    commodities: list[tuple],
    supply: list[tuple],
    recipes: list[tuple] | None = None,
    policy: dict | None = None,
    countries: list[tuple] = COUNTRIES,
    name: str = "tiny",
    supply_columns: tuple[str, ...] = (),
    premiums: dict[str, float | None] | None = None,
) -> Path:
    """Write a case folder. commodities: (id, demand[, stage[, max_china_share]]).

    ``supply_columns`` names the columns after unit_cost that supply tuples carry (e.g.
    ``("today", "status")``); ``premiums`` gives commodities a switching_premium column.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "countries.csv", ["country", "name", "groups"], countries)
    rows = []
    for c in commodities:
        k, demand, stage, cap = (*c, None, None)[:4]
        rows.append((k, k.title(), "t", demand, stage or "", "" if cap is None else cap))
    header = ["commodity", "name", "unit", "demand", "stage", "max_china_share"]
    if premiums is not None:
        header.append("switching_premium")
        rows = [(*r, premiums.get(r[0])) for r in rows]
    write_csv(folder / "commodities.csv", header, rows)
    write_csv(
        folder / "supply.csv",
        ["commodity", "country", "capacity", "unit_cost", *supply_columns],
        supply,
    )
    if recipes:
        write_csv(folder / "recipes.csv", ["product", "input", "quantity"], recipes)
    policy = dict(policy or {})
    rules = policy.pop("rules", [])
    text = tomli_w.dumps({"name": name, "description": "test case", "policy": policy})
    for rule in rules:  # as [[policy.rules]] tables, the way users write them
        text += "\n[[policy.rules]]\n" + tomli_w.dumps(rule)
    (folder / "case.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def case_dir(tmp_path: Path):
    """Factory: case_dir(commodities=..., supply=..., ...) -> folder path."""
    counter = iter(range(1000))

    def make(**kw) -> Path:
        return write_case(tmp_path / f"case{next(counter)}", **kw)

    return make
