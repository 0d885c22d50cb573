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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=["S", "M", "L"], help="S M L XL")
    parser.add_argument("--out", type=Path, default=CASES, help="folder for <size>/ cases")
    parser.add_argument(
        "--each-share",
        type=float,
        default=0.01,
        help="fraction of commodities the 'each' 65%% rule covers (1.0 = all; quadratic)",
    )
    args = parser.parse_args(argv)
    for size in args.sizes:
        if size not in SIZES:
            parser.error(f"unknown size {size!r} (choose from {', '.join(SIZES)})")
        g = generate(size, args.out / size, each_share=args.each_share)
        print(
            f"{size}: {g.commodities} commodities x {g.countries} countries, "
            f"{g.supply_rows:,} supply rows, {g.recipes} recipes -> {g.folder}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
