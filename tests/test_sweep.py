"""Sweeps: warm re-solves equal cold solves point by point; parallel and resumed runs
equal serial ones; bad sweep input fails before any solving."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model import InputError, load_case, solve
from model.case.params import apply_values
from model.sweep import load_sweep, make_grid, sweep
from tests.conftest import BASE, ROOT

COLS = ["supplied", "shortfall", "cost", "china_share"]


def cold(case, point) -> pd.DataFrame:
    return solve(apply_values(case, point), compare=False).commodities.set_index("commodity")


def assert_point_matches_cold(s, case, i):
    warm = s.table[s.table["point"] == i].set_index("commodity")
    ref = cold(case, s.points_spec[i])
    pd.testing.assert_frame_equal(
        warm[COLS], ref[COLS], check_exact=False, rtol=1e-7, atol=1e-5, check_names=False
    )
    obj = s.points.set_index("point").loc[i, "objective"]
    assert obj == pytest.approx(
        solve(apply_values(case, s.points_spec[i]), compare=False).objective
    )


@pytest.fixture(scope="module")
def base():
    return load_case(BASE)


def test_cap_sweep_equals_cold_solves(base):
    s = sweep(base, {"max_china_share": "1:0:0.1"})
    assert list(s.points["max_china_share"]) == pytest.approx(np.linspace(1, 0, 11))
    for i in range(11):
        assert_point_matches_cold(s, base, i)
    # premium over the uncapped mix of the same point, and cost never falls as the cap tightens
    objective = s.points["objective"].to_numpy()
    assert (np.diff(objective) >= -1e-6 * objective[:-1]).all()
    # at the case's own cap (none) the point is the case as given: no premium against today;
    # against no share rules only where the case's own rules bind (the ban on Russian
    # enrichment, inputs/base/case.toml)
    first = s.table[s.table["point"] == 0].set_index("commodity")
    assert (first["premium_vs_today"] == 0).all()
    assert (first["supply_cost_change"].drop("uranium_enrichment") == 0).all()
    assert first.loc["uranium_enrichment", "supply_cost_change"] > 0


def test_mixed_parameters_equal_cold_solves(base):
    grid = {
        "capacity[country=group:partner]": [1.0, 2.0],
        "unit_cost[country=CHN]": [1.0, 1.3],
        "demand[stage=refining]": [1.0, 0.5],
        "max_china_share[commodity=gallium|ndfeb_magnets]": [0.2],
        "tariff[country=CHN]": [0.0, 0.25],
    }
    s = sweep(base, grid)
    assert len(s.points) == 16
    for i in (0, 5, 10, 15):
        assert_point_matches_cold(s, base, i)
    partner_mix = s.mix[(s.mix["point"] == 15) & (s.mix["country"] == "JPN")]
    assert not partner_mix.empty


def test_rule_bound_sweep_equals_cold(base):
    case = load_case(ROOT / "inputs" / "scenarios" / "procurement-rules.toml")
    s = sweep(
        case,
        {"rule[partners >= 40%].min_share": [0.0, 0.2, 0.4], "rule[#1].max_share": [0.65, 1.0]},
    )
    for i in range(6):
        assert_point_matches_cold(s, case, i)


def test_zip_pairs_values(base):
    s = sweep(
        base, {"max_china_share": [1.0, 0.5], "capacity[country=CHN]": [1.0, 0.5]}, combine="zip"
    )
    assert len(s.points) == 2
    assert list(s.points["capacity[country=CHN]"]) == [1.0, 0.5]


def test_two_workers_equal_serial(base):
    grid = {"max_china_share": "1:0:0.1", "capacity[country=group:partner]": [1.0, 1.5]}
    serial = sweep(base, grid)
    parallel = sweep(base, grid, workers=2)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    pd.testing.assert_frame_equal(serial.mix, parallel.mix)


def test_dask_cluster_equals_serial(base):
    distributed = pytest.importorskip("dask.distributed")
    grid = {"max_china_share": "1:0:0.25", "unit_cost[country=CHN]": [1.0, 1.2]}
    serial = sweep(base, grid)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = sweep(base, grid, client=client)
    pd.testing.assert_frame_equal(serial.table, remote.table)
    pd.testing.assert_frame_equal(serial.mix, remote.mix)


def test_interrupted_sweep_resumes_without_loss_or_repeats(base, tmp_path, monkeypatch):
    import model.optimization.runner as runner

    grid = {"max_china_share": "1:0:0.1"}
    full = sweep(base, grid)
    checkpoint = tmp_path / "cp"
    real = runner.Evaluator.evaluate
    calls = {"n": 0}

    def flaky(self, point, index=0):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(self, point, index)

    monkeypatch.setattr(runner.Evaluator, "evaluate", flaky)
    with pytest.raises(KeyboardInterrupt):
        sweep(base, grid, checkpoint=checkpoint)
    monkeypatch.undo()
    log = (checkpoint / "points.jsonl").read_text().splitlines()
    assert len(log) == 4
    with pytest.raises(InputError, match="unfinished run"):
        sweep(base, grid, checkpoint=checkpoint)  # without resume: refuse
    seen = []
    monkeypatch.setattr(
        runner.Evaluator, "evaluate", lambda self, p, i=0: seen.append(i) or real(self, p, i)
    )
    resumed = sweep(base, grid, checkpoint=checkpoint, resume=True)
    assert seen == list(range(4, 11))  # only the unfinished points ran
    pd.testing.assert_frame_equal(full.table, resumed.table)
    points = [
        json.loads(x)["point"] for x in (checkpoint / "points.jsonl").read_text().splitlines()
    ]
    assert sorted(points) == list(range(11))
    # a different sweep cannot resume this checkpoint
    with pytest.raises(InputError, match="other inputs"):
        sweep(base, {"max_china_share": [0.5]}, checkpoint=checkpoint, resume=True)


@pytest.mark.parametrize(
    "grid, words",
    [
        ({"max_china_shar": "1:0:0.1"}, "unknown parameter"),
        ({"max_china_share": "1:0:0"}, "positive step"),
        ({"max_china_share": ""}, "empty"),
        ({"max_china_share": "1:0:x"}, "start:stop:step"),
        ({"max_china_share": [1.2]}, "outside [0, 1]"),
        ({"capacity[country=CHN]": [-1]}, "negative"),
        ({"capacity[country=XYZ]": [1]}, "unknown country"),
        ({"capacity[colour=red]": [1]}, "selector"),
        ({"demand[country=CHN]": [1]}, "per commodity"),
        ({"rule[nope].min_share": [0.1]}, "no share rule"),
        ({}, "at least one parameter"),
    ],
)
def test_bad_sweeps_fail_before_solving(base, grid, words, monkeypatch):
    import model.optimization.runner as runner

    monkeypatch.setattr(runner, "Evaluator", None)  # any solve attempt would crash differently
    with pytest.raises(InputError) as info:
        sweep(base, grid)
    assert words in str(info.value)


def test_zip_needs_equal_lengths(base):
    with pytest.raises(InputError, match="same length"):
        make_grid({"max_china_share": [1, 0.5], "capacity": [1]}, "zip")


def test_sweep_file(tmp_path):
    case, grid, _spec = load_sweep(ROOT / "inputs" / "sweeps" / "china-cap.toml")
    assert case.name == "base" and len(grid.points) == 21
    bad = tmp_path / "bad.toml"
    bad.write_text('case = "x"\n[[parameters]]\nname = "max_china_share"\nvalue = 1\n')
    with pytest.raises(InputError) as info:
        load_sweep(bad)
    assert info.value.column in ("parameters[#1].value", "parameters[#1].values")
