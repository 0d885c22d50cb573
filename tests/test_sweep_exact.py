"""Sweep tables hold exactly the right values: each parameter column the point's own
value, and each point the same bits whatever ran before it (grid order, local
workers, a Dask cluster)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from model import load_case
from model.sweep import SweepResult, sweep
from tests.conftest import COUNTRIES, write_case
from tests.test_properties import RULES

CODES = [c[0] for c in COUNTRIES]


def test_parameter_columns_keep_the_points_values(case_dir, tmp_path):
    """A parameter written without a selector keeps its column: the result column of
    the same name (`demand`, `max_china_share` in sweep.csv, `unit_cost` in
    sweep_mix.csv) takes a prefix instead of overwriting the swept value."""
    folder = case_dir(
        commodities=[("k0", 100, "mining", 0.3), ("k1", 30, "mining")],
        supply=[("k0", "CHN", 500, 10), ("k0", "AUS", 500, 20), ("k1", "CHN", 500, 4)],
    )
    case = load_case(folder)
    s = sweep(case, {"max_china_share": [0.5, 0.2], "demand": [2.0], "unit_cost": [1.5]})
    out = s.write(tmp_path / "out", plots=False)
    table = pd.read_csv(out / "sweep.csv")
    # points 0, 1 x commodities k0, k1: the parameters as swept, not per commodity
    assert list(table["max_china_share"]) == [0.5, 0.5, 0.2, 0.2]
    assert list(table["demand"]) == [2.0, 2.0, 2.0, 2.0]
    assert list(table["unit_cost"]) == [1.5, 1.5, 1.5, 1.5]
    # k0 keeps its own cap 0.3; k1 has none and follows the swept default
    assert list(table["commodity_max_china_share"]) == [0.3, 0.5, 0.3, 0.2]
    assert list(table["commodity_demand"]) == [200.0, 60.0, 200.0, 60.0]
    # k0 at cap 0.3: 60 from CHN at 15, 140 from AUS at 30 (k1: China only, capped: short)
    assert list(table["cost"][:1]) == [60 * 15.0 + 140 * 30.0]
    mix = pd.read_csv(out / "sweep_mix.csv")
    first = mix[mix["point"] == 0]
    assert list(first["unit_cost"]) == [1.5, 1.5]
    assert list(first["supplier_unit_cost"]) == [15.0, 30.0]
    assert list(first["country"]) == ["CHN", "AUS"]
    points = pd.read_csv(out / "sweep_points.csv")
    assert list(points["max_china_share"]) == [0.5, 0.2]
    assert list(points["demand"]) == [2.0, 2.0]
    # without such a parameter the result columns keep their usual names
    plain = sweep(case, {"capacity[country=AUS]": [1.0]})
    assert list(plain.table["max_china_share"]) == [0.3, 1.0]
    assert list(plain.table["demand"]) == [100.0, 30.0]
    assert list(plain.mix["unit_cost"]) == [10.0, 20.0, 4.0]  # k0: CHN 30, AUS 70; k1: CHN
    assert "commodity_demand" not in plain.table and "supplier_unit_cost" not in plain.mix


def random_case(rng: random.Random) -> dict:
    """A small staged case (the shape of test_properties' `cases`), drawn from `rng`."""
    n = rng.randint(1, 3)
    ks = [f"k{i}" for i in range(n)]
    stages = [rng.choice(["mining", "refining"]) for _ in ks]
    commodities = [(k, rng.randint(0, 150), s) for k, s in zip(ks, stages, strict=True)]
    supply = [
        (k, c, rng.randint(0, 120), rng.randint(100, 1000) / 100)
        for k in ks
        for c in rng.sample(CODES, rng.randint(1, 4))
    ]
    recipes = []
    if n > 1 and rng.random() < 0.5:  # a chain: k1 consumes k0, k2 consumes k1
        recipes = [(ks[i], ks[i - 1], rng.choice([0.5, 1.0, 1.2, 2.0])) for i in range(1, n)]
    rules = rng.sample(RULES, rng.randint(0, 2))
    if "refining" not in stages:
        rules = [r for r in rules if "stage" not in r]
    cap = rng.choice([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
    policy = {"max_china_share": cap, "rules": rules}
    return dict(commodities=commodities, supply=supply, recipes=recipes, policy=policy)


def grid_for(spec: dict) -> dict[str, list[float]]:
    """Caps down to 0 (share coefficients leave the matrix), capacity (which moves the
    uncapped optimum) and the first rule's bound, if any: 6 or 12 points."""
    grid = {"max_china_share": [1.0, 0.4, 0.0], "capacity": [1.0, 0.5]}
    rules = spec["policy"]["rules"]
    if rules:
        bound = "min_share" if "min_share" in rules[0] else "max_share"
        grid[f"rule[#1].{bound}"] = [rules[0][bound], 0.4]
    return grid


def renumbered(s: SweepResult) -> SweepResult:
    """A sweep over the reversed grid, its points numbered as in the forward grid.

    Reversing every value list of a product grid reverses the order of its points.
    """
    last = len(s.points_spec) - 1
    s.records = {last - i: {**rec, "point": last - i} for i, rec in s.records.items()}
    for name in ("points", "table", "mix"):
        df = getattr(s, name).copy()
        df["point"] = last - df["point"]
        setattr(s, name, df.sort_values("point", kind="stable").reset_index(drop=True))
    return s


def assert_identical(a: SweepResult, b: SweepResult, what: str) -> None:
    """The same bits: every raw record, and every table's CSV text byte for byte."""
    assert sorted(a.records) == sorted(b.records), what
    for i, rec in a.records.items():
        other = b.records[i]
        assert rec.keys() == other.keys(), what
        for key, value in rec.items():
            x, y = np.asarray(value, dtype=float), np.asarray(other[key], dtype=float)
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), (what, i, key)
    for name in ("points", "table", "mix"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.equals(y), (what, name)
        assert x.to_csv(index=False).encode() == y.to_csv(index=False).encode(), (what, name)


@pytest.fixture(scope="module")
def dask_client():
    """Two worker threads in this process (quick to start; tests/test_sweep.py runs a
    cluster of processes): each thread must get its own model and HiGHS instance."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.mark.parametrize("seed", [0, 1, 6])  # 0 and 6 depended on the grid's order before
def test_points_do_not_depend_on_what_ran_before(seed, tmp_path, dask_client):
    spec = random_case(random.Random(seed))
    case = load_case(write_case(tmp_path / "c", **spec))
    grid = grid_for(spec)
    serial = sweep(case, grid)
    assert len(serial.points) == np.prod([len(v) for v in grid.values()])
    backwards = renumbered(sweep(case, {p: v[::-1] for p, v in grid.items()}))
    assert_identical(serial, backwards, "reversed grid")
    assert_identical(serial, sweep(case, grid, workers=2), "2 workers")
    assert_identical(serial, sweep(case, grid, client=dask_client), "dask")
