"""Deterministic synthetic cases for the benchmarks, in the normal input format.

    python benchmarks/generate.py S M L XL        # writes benchmarks/cases/<size>/

Sizes (commodities x countries, every commodity supplied by every country):

    S   15 x 30      450 supply rows
    M   200 x 50     10,000 supply rows
    L   1,000 x 200  200,000 supply rows
    XL  5,000 x 200  1,000,000 supply rows

Each case has China (CHN) and eight ``partner`` countries among its countries,
commodities in three stages (mining, refining, component) linked by recipes
(each component consumes one refining commodity, each refining commodity one
mining commodity, so the chain is acyclic), a default China cap of 0.5 and
three share rules:

* ``partners >= 20%``: ``group:partner`` min_share 0.2, every commodity;
* ``any country <= 65%``: ``each`` max_share 0.65 on ~1% of the commodities
  (components, at least 3). The ``each`` rule is one row per supplier holding
  every supplier of the commodity, so it is quadratic in the number of
  suppliers: on every commodity of L it alone would be 40M nonzeros (200M at
  XL), which would measure that one rule rather than the tool. ``--each-share``
  changes the fraction (1.0 = every commodity);
* ``RUS <= 30% of refining``: one country, max_share 0.3, stage ``refining``.

China is the cheapest supplier of most commodities and has large capacity, so
the China cap binds widely; the other countries' capacity is drawn around the
nominal requirement, so some commodities fall short. Delivered costs are
distinct within every commodity (no exact ties). A few commodities carry their
own ``max_china_share`` or ``shortfall_penalty``; ``tariff`` and
``tariff_per_unit`` are partly blank (their default, 0), which exercises the
readers' defaults. Everything comes from ``numpy.random.default_rng`` with a
fixed seed per size: the same command writes byte-identical files.

Multi-year cases (``[horizon]``, see README "Horizon (years)"), written the same way:

    Y10  inputs/base over 2026-2035    Y30  inputs/base over 2026-2055
    M20  M over 2026-2045 (200,000 commodity-year supply rows)    S5  S over 2026-2030

Each adds to its one-year case a discount rate (7%), a glide path of the default China
cap (80% from 2027, 65% from 2030, 50% from 2035), ``demand_growth`` per commodity,
planned capacity coming online (``available_from``), a few ``capacity_by_year`` rows, a
stockpile (``stockpile.csv``) for some commodities and build-out options
(``buildout.csv``, some on pairs with no supply row). Y10 and Y30 keep inputs/base's
policy (switching premium, include_status, proportional shortage); M20 and S5 the
synthetic cases' (shortage "penalty").
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
SEED = 20_260_514

SIZES: dict[str, tuple[int, int]] = {
    "S": (15, 30),
    "M": (200, 50),
    "L": (1_000, 200),
    "XL": (5_000, 200),
}

# Real ISO codes first (CHN among them), synthetic user-assigned X.. codes after.
REAL = [
    "CHN", "AUS", "CAN", "JPN", "KOR", "DEU", "FRA", "GBR", "NOR", "USA",
    "RUS", "IND", "BRA", "ZAF", "IDN", "VNM", "MYS", "PHL", "CHL", "PER",
    "ARG", "BOL", "COD", "ZMB", "MAR", "TUR", "KAZ", "MEX", "THA", "MNG",
]  # fmt: skip
PARTNERS = ["AUS", "CAN", "JPN", "KOR", "DEU", "FRA", "GBR", "NOR"]
STAGES = ("mining", "refining", "component")
CHINA_CAP = 0.5
EACH_MAX = 0.65
PARTNER_MIN = 0.2
RUS_MAX = 0.3


ROOT = HERE.parent
# multi-year cases: name -> (one-year source: a size or "base", first year, last year)
YEARS: dict[str, tuple[str, int, int]] = {
    "Y10": ("base", 2026, 2035),
    "Y30": ("base", 2026, 2055),
    "M20": ("M", 2026, 2045),
    "S5": ("S", 2026, 2030),
}
DISCOUNT = 0.07
GLIDE = {2027: 0.8, 2030: 0.65, 2035: 0.5}
# inputs/base: which commodities grow faster, hold a stock, and where capacity can be built
BASE_GROWTH = {"hbm_memory": 0.08, "semiconductors": 0.06, "ndfeb_magnets": 0.06}
BASE_STOCK = ["antimony_mine", "gallium", "germanium_refined", "ndfeb_magnets", "tungsten_mine"]
BASE_BUILD = [  # commodity, country, unit_cost (None: the supply row's), from_year, max_total
    ("rare_earths_refining", "USA", None, 2027, 20_000.0),
    ("ndfeb_magnets", "USA", None, 2028, None),
    ("ndfeb_magnets", "AUS", 54_000.0, 2029, 10_000.0),
    ("gallium", "USA", 75_000.0, 2028, None),
]


@dataclass
class Generated:
    size: str
    folder: Path
    commodities: int
    countries: int
    supply_rows: int
    recipes: int


def country_codes(n: int) -> list[str]:
    codes = REAL[: min(n, len(REAL))]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    synthetic = (f"X{a}{b}" for a in letters for b in letters)
    while len(codes) < n:
        codes.append(next(synthetic))
    return codes


def _distinct(unit_cost: np.ndarray, delivered) -> np.ndarray:
    """Nudge unit costs until every commodity's delivered costs differ (no exact ties)."""
    unit_cost = unit_cost.copy()
    for _ in range(100):
        cost = delivered(unit_cost)
        order = np.argsort(cost, axis=1, kind="stable")
        ranked = np.take_along_axis(cost, order, axis=1)
        tie = np.zeros_like(cost, dtype=bool)
        dup = np.diff(ranked, axis=1) == 0
        if not dup.any():
            return unit_cost
        np.put_along_axis(tie, order[:, 1:], dup, axis=1)
        unit_cost = np.round(unit_cost + tie * 0.0001, 4)
    raise RuntimeError("could not break cost ties")


def generate(size: str, out: Path | None = None, *, each_share: float = 0.01) -> Generated:
    """Write the case of one size to ``out`` (default benchmarks/cases/<size>/)."""
    nk, nc = SIZES[size]
    rng = np.random.default_rng([SEED, nk, nc])
    folder = Path(out) if out is not None else CASES / size
    folder.mkdir(parents=True, exist_ok=True)

    # --- countries ---------------------------------------------------------------------------
    codes = country_codes(nc)
    partner = np.array([c in PARTNERS for c in codes])
    countries = pd.DataFrame(
        {
            "country": codes,
            "name": [f"Country {c}" for c in codes],
            "groups": np.where(partner, "partner", ""),
        }
    )

    # --- commodities and recipes -------------------------------------------------------------
    n_mine, n_ref = nk // 3, nk // 3
    n_comp = nk - n_mine - n_ref
    stage = np.array(["mining"] * n_mine + ["refining"] * n_ref + ["component"] * n_comp)
    ids = [f"{s[:4]}_{i:05d}" for i, s in enumerate(stage)]
    mine_idx = np.arange(n_mine)
    ref_idx = n_mine + np.arange(n_ref)
    comp_idx = n_mine + n_ref + np.arange(n_comp)
    # component -> refining input, refining -> mining input
    comp_in = rng.choice(ref_idx, size=n_comp)
    ref_in = rng.choice(mine_idx, size=n_ref)
    comp_a = np.round(rng.uniform(0.2, 2.5, n_comp), 3)
    ref_a = np.round(rng.uniform(0.8, 2.5, n_ref), 3)
    demand = np.round(rng.uniform(100.0, 1000.0, nk), 1)
    demand[mine_idx] = np.round(rng.uniform(20.0, 400.0, n_mine), 1)
    demand[mine_idx[rng.random(n_mine) < 0.3]] = 0.0  # carried by the refined stage only
    # nominal requirement: direct demand plus the full downstream use at full supply
    need = demand.copy()
    np.add.at(need, comp_in, comp_a * need[comp_idx])
    np.add.at(need, ref_in, ref_a * need[ref_idx])

    own_cap = np.full(nk, np.nan)
    pick = rng.random(nk) < 0.03
    own_cap[pick] = np.round(rng.uniform(0.2, 0.8, pick.sum()), 2)
    price = np.round(np.exp(rng.uniform(np.log(10.0), np.log(10_000.0), nk)), 2)
    own_penalty = np.full(nk, np.nan)
    pick = rng.random(nk) < 0.02
    own_penalty[pick] = np.round(price[pick] * rng.uniform(3.0, 30.0, pick.sum()), 2)
    commodities = pd.DataFrame(
        {
            "commodity": ids,
            "name": [f"Synthetic {s} commodity {i}" for i, s in enumerate(stage)],
            "unit": "t",
            "demand": demand,
            "stage": stage,
            "max_china_share": own_cap,
            "shortfall_penalty": own_penalty,
        }
    )
    recipes = pd.DataFrame(
        {
            "product": [ids[i] for i in comp_idx] + [ids[i] for i in ref_idx],
            "input": [ids[i] for i in comp_in] + [ids[i] for i in ref_in],
            "quantity": np.concatenate([comp_a, ref_a]),
        }
    )

    # --- supply: dense (nk, nc) ----------------------------------------------------------
    chn = codes.index("CHN")
    other = np.ones(nc, dtype=bool)
    other[chn] = False
    capacity = np.zeros((nk, nc))
    capacity[:, chn] = need * rng.uniform(0.5, 1.3, nk)
    # the rest of the world holds f * need, partners a share ps of that
    f = rng.uniform(0.5, 2.0, nk)
    ps = rng.uniform(0.2, 0.5, nk)
    w = rng.lognormal(0.0, 1.0, (nk, nc))
    w[:, ~other] = 0.0
    wp = np.where(partner, w, 0.0)
    wo = np.where(partner | ~other, 0.0, w)
    wp /= wp.sum(axis=1, keepdims=True)
    wo /= wo.sum(axis=1, keepdims=True)
    capacity += (need * f)[:, None] * (ps[:, None] * wp + (1.0 - ps)[:, None] * wo)
    capacity[rng.random((nk, nc)) < 0.03] = 0.0  # some suppliers have nothing to sell
    capacity = np.round(capacity, 2)

    factor = rng.uniform(0.85, 1.8, (nk, nc))
    factor[:, partner] = rng.uniform(1.0, 1.5, (nk, partner.sum()))
    factor[:, chn] = rng.uniform(0.6, 0.85, nk)
    unit_cost = np.round(price[:, None] * factor, 4)
    freight = np.round(price[:, None] * rng.uniform(0.0, 0.08, (nk, nc)), 4)
    tariff = np.zeros((nk, nc))
    tariff[:, chn] = 0.25
    has_tpu = rng.random((nk, nc)) < 0.1
    tpu = np.where(has_tpu, np.round(price[:, None] * 0.02, 4), 0.0)
    unit_cost = _distinct(unit_cost, lambda uc: uc * (1.0 + tariff) + freight + tpu)

    k_of = np.repeat(np.arange(nk), nc)
    n_of = np.tile(np.arange(nc), nk)
    code_arr = np.array(codes, dtype=object)
    supply = pd.DataFrame(
        {
            "commodity": np.array(ids, dtype=object)[k_of],
            "country": code_arr[n_of],
            "capacity": capacity.ravel(),
            "unit_cost": unit_cost.ravel(),
            "freight": freight.ravel(),
            # blank = default 0: only China's rows carry the ad-valorem tariff
            "tariff": np.where(tariff.ravel() > 0, "0.25", ""),
            "tariff_per_unit": np.where(has_tpu.ravel(), tpu.ravel().astype(str), ""),
        }
    )

    # --- case.toml ---------------------------------------------------------------------------
    n_each = max(3, round(each_share * nk))
    each_ks = [ids[i] for i in comp_idx[:n_each]] if n_each < nk else None
    lines = [
        f'name = "synthetic-{size}"',
        f'description = "Synthetic benchmark case {size}: {nk} commodities x {nc} countries '
        f'(dense), seed {SEED}. Written by benchmarks/generate.py."',
        "",
        "[policy]",
        f"max_china_share = {CHINA_CAP}",
        "shortfall_penalty_factor = 10",
        # the references (reference_highspy, reference_naive) solve the single objective
        'shortage = "penalty"',
        "",
        "[[policy.rules]]",
        f'name = "partners >= {PARTNER_MIN:.0%}"',
        'country = "group:partner"',
        f"min_share = {PARTNER_MIN}",
        "",
        "[[policy.rules]]",
        f'name = "any country <= {EACH_MAX:.0%}"',
        'country = "each"',
        f"max_share = {EACH_MAX}",
    ]
    if each_ks is not None:
        lines.append("commodities = [" + ", ".join(f'"{k}"' for k in each_ks) + "]")
    if "RUS" in codes:
        lines += [
            "",
            "[[policy.rules]]",
            f'name = "RUS <= {RUS_MAX:.0%} of refining"',
            'country = "RUS"',
            'stage = "refining"',
            f"max_share = {RUS_MAX}",
        ]
    (folder / "case.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def write(frame: pd.DataFrame, name: str) -> None:
        frame.to_csv(folder / name, index=False, lineterminator="\n", float_format="%.10g")

    write(countries, "countries.csv")
    write(commodities, "commodities.csv")
    write(supply, "supply.csv")
    write(recipes, "recipes.csv")
    return Generated(size, folder, nk, nc, len(supply), len(recipes))


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def generate_years(name: str, out: Path | None = None) -> Generated:
    """Write the multi-year case ``name`` (see `YEARS`) to ``out`` (default
    benchmarks/cases/<name>/): its one-year case plus a horizon and data by year."""
    source, start, end = YEARS[name]
    folder = Path(out) if out is not None else CASES / name
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, start, end, len(name), ord(name[0])])
    if source == "base":
        src = ROOT / "inputs" / "base"
        for f in ("countries.csv", "recipes.csv", "restrictions.csv"):
            (folder / f).write_bytes((src / f).read_bytes())
        toml = (src / "case.toml").read_text(encoding="utf-8")
        toml = toml.replace('name = "base"', f'name = "base-{name.lower()}"', 1)
    else:
        generate(source, folder)
        toml = (folder / "case.toml").read_text(encoding="utf-8")
        toml = toml.replace(f'name = "synthetic-{source}"', f'name = "synthetic-{name}"', 1)
        src = folder
    com = pd.read_csv(src / "commodities.csv", keep_default_na=False, dtype=str)
    sup = pd.read_csv(src / "supply.csv", keep_default_na=False, dtype=str)
    countries = pd.read_csv(src / "countries.csv", keep_default_na=False, dtype=str)
    ids = com["commodity"].tolist()
    partners = set(countries.loc[countries["groups"].str.contains("partner"), "country"])

    # demand growth; planned capacity (or, synthetic, ~4% of partner rows) coming online
    if source == "base":
        growth = [BASE_GROWTH.get(k, 0.03) for k in ids]
        planned = np.flatnonzero(sup["status"].isin(["planned", "standby"]).to_numpy())
    else:
        growth = np.round(rng.uniform(0.0, 0.05, len(ids)), 3).tolist()
        part = np.flatnonzero(sup["country"].isin(partners).to_numpy())
        planned = np.sort(rng.choice(part, size=max(3, len(part) // 25), replace=False))
    com.insert(com.columns.get_loc("demand") + 1, "demand_growth", growth)
    online = [""] * len(sup)
    for i, j in enumerate(planned.tolist()):
        online[j] = str(start + 1 + (i * 3 + 1) % min(9, end - start))
    sup["available_from"] = online

    # capacity by year: a few operating rows ramp up (x1.5 over the first years)
    operating = np.flatnonzero((sup["available_from"] == "").to_numpy())
    n_ramp = min(len(operating), max(4, len(ids) // 10))
    ramp = np.sort(rng.choice(operating, size=n_ramp, replace=False))
    cap = sup["capacity"].astype(float)
    by_year = [
        (
            sup.at[j, "commodity"],
            sup.at[j, "country"],
            y,
            round(cap[j] * (1 + 0.1 * (y - start)), 4),
        )
        for j in ramp.tolist()
        for y in range(start + 1, min(end, start + 5) + 1)
    ]
    cby = pd.DataFrame(by_year, columns=["commodity", "country", "year", "capacity"])

    # stockpile: about a demand-year's worth bought over time, released at most half a year's
    demand = dict(zip(ids, com["demand"].astype(float), strict=True))
    dearest = sup.assign(c=sup["unit_cost"].astype(float)).groupby("commodity")["c"].max()
    if source == "base":
        stock_ks = BASE_STOCK
    else:
        pick = rng.choice(len(ids), size=max(3, len(ids) // 10), replace=False)
        stock_ks = [ids[i] for i in np.sort(pick)]
    stock = pd.DataFrame(
        {
            "commodity": stock_ks,
            "initial": [round(0.25 * demand[k], 2) for k in stock_ks],
            "max_buy": [round(0.2 * demand[k], 2) for k in stock_ks],
            "max_release": [round(0.5 * demand[k], 2) for k in stock_ks],
            "holding_cost": [round(0.02 * dearest[k], 4) for k in stock_ks],
            "floor": [round(0.1 * demand[k], 2) for k in stock_ks],
        }
    )

    # build-out: partner (and US) capacity that could be built, some on new pairs
    pairs = zip(sup["commodity"], sup["country"], strict=True)
    row_cost = dict(zip(pairs, sup["unit_cost"].astype(float), strict=True))
    if source == "base":
        options = BASE_BUILD
    else:
        chosen = np.sort(rng.choice(len(ids), size=max(3, len(ids) // 20), replace=False))
        where = sorted(partners)
        options = []
        for i, k in enumerate(ids[j] for j in chosen.tolist()):
            n = where[i % len(where)]
            cost = None if (k, n) in row_cost else round(1.2 * dearest[k], 4)
            options.append((k, n, cost, start + 1 + i % 5, None if i % 2 else 2.0 * demand[k] + 10))
        for i, (k, n, _, _, _) in enumerate(options[:2]):  # two on pairs with no supply row
            sup = sup[~((sup["commodity"] == k) & (sup["country"] == n))]
            options[i] = (k, n, round(1.2 * dearest[k], 4), *options[i][3:])
    kept = set(zip(sup["commodity"], sup["country"], strict=True))
    cby = cby[[(k, n) in kept for k, n in zip(cby["commodity"], cby["country"], strict=True)]]
    unit = [row_cost[k, n] if c is None else c for k, n, c, _, _ in options]
    build = pd.DataFrame(
        {
            "commodity": [o[0] for o in options],
            "country": [o[1] for o in options],
            "annual_cost": [round(0.15 * u, 4) for u in unit],
            "unit_cost": unit,
            "max_per_year": [round(0.1 * max(demand[o[0]], 100.0), 2) for o in options],
            "from_year": [o[3] for o in options],
            "max_total": [o[4] if o[4] is not None else "" for o in options],
        }
    )
    glide = "\n".join(f"{y} = {c}" for y, c in GLIDE.items() if start <= y <= end)
    toml += (
        f"\n[horizon]\nstart = {start}\nend = {end}\ndiscount_rate = {DISCOUNT}\n"
        f"\n[horizon.max_china_share_by_year]\n{glide}\n"
    )
    (folder / "case.toml").write_text(toml, encoding="utf-8")
    _write(com, folder / "commodities.csv")
    _write(sup, folder / "supply.csv")
    _write(cby, folder / "capacity_by_year.csv")
    _write(stock, folder / "stockpile.csv")
    _write(build, folder / "buildout.csv")
    return Generated(name, folder, len(ids), len(countries), len(sup), end - start + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sizes", nargs="*", default=["S", "M", "L"], help="S M L XL, or Y10 Y30 M20 S5"
    )
    parser.add_argument("--out", type=Path, default=CASES, help="folder for <size>/ cases")
    parser.add_argument(
        "--each-share",
        type=float,
        default=0.01,
        help="fraction of commodities the 'each' 65%% rule covers (1.0 = all; quadratic)",
    )
    args = parser.parse_args(argv)
    for size in args.sizes:
        if size in YEARS:
            g = generate_years(size, args.out / size)
            print(f"{size}: {g.commodities} commodities x {g.recipes} years -> {g.folder}")
            continue
        if size not in SIZES:
            parser.error(f"unknown size {size!r} (choose from {', '.join([*SIZES, *YEARS])})")
        g = generate(size, args.out / size, each_share=args.each_share)
        print(
            f"{size}: {g.commodities} commodities x {g.countries} countries, "
            f"{g.supply_rows:,} supply rows, {g.recipes} recipes -> {g.folder}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
