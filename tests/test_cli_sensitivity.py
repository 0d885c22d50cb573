"""The sensitivity commands as a user runs them: sweep (with interrupt and resume),
curve, stress and compare, and their bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT


def cmd() -> list[str]:
    exe = Path(sys.executable).with_name("sourcing")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]


def sourcing(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*cmd(), *args], cwd=ROOT, capture_output=True, text=True)


def test_sweep_from_flags_and_from_file(tmp_path: Path):
    p = sourcing(
        "sweep",
        "inputs/base",
        "--set",
        "max_china_share=1:0:0.25",
        "--set",
        "capacity[country=group:partner]=1,2",
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    assert p.returncode == 0, p.stderr
    run = tmp_path / "solutions" / "base-sweep"
    table = pd.read_csv(run / "sweep.csv")
    assert len(table) == 10 * 21  # 10 points x 21 commodities of the base case
    assert {
        "max_china_share",
        "capacity[country=group:partner]",
        "premium_vs_no_share_rules",
        "premium_vs_today",
        "china_share",
        "shortfall",
    } <= set(table.columns)
    assert (run / "sweep_mix.csv").is_file() and (run / "sweep_points.csv").is_file()
    assert json.loads((run / "summary.json").read_text())["points"] == 10
    assert not list((tmp_path / "solutions").glob(".*"))  # checkpoint cleaned up
    again = sourcing(
        "sweep",
        "inputs/base",
        "--set",
        "max_china_share=1,0",
        "--out",
        str(tmp_path),
        "--no-progress",
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    f = sourcing("sweep", "inputs/sweeps/china-cap.toml", "--out", str(tmp_path), "--no-progress")
    assert f.returncode == 0, f.stderr
    assert (
        tmp_path / "solutions" / "china-cap-sweep" / "inputs" / "scenario" / "china-cap.toml"
    ).is_file()


def test_sweep_bad_input_exits_2_before_solving(tmp_path: Path):
    for args in (
        ["--set", "max_china_share=1:0:0"],
        ["--set", "nonsense=1"],
        ["--set", "max_china_share=1.5"],
        ["--set", "capacity[country=ZZZ]=1"],
        ["--set", "max_china_share"],
        [],
    ):
        p = sourcing("sweep", "inputs/base", *args, "--out", str(tmp_path), "--no-progress")
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("error:") and "Traceback" not in p.stderr
    assert not (tmp_path / "solutions").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('case = "../base"\ncombine = "cross"\n[[parameters]]\nname = "x"\nvalues = 1\n')
    p = sourcing("sweep", "inputs/base", "--file", str(bad), "--out", str(tmp_path))
    assert p.returncode == 2 and "combine" in p.stderr


def test_sweep_interrupt_and_resume(tmp_path: Path):
    args = [
        "sweep",
        "inputs/base",
        "--set",
        "max_china_share=1:0:0.002",
        "--out",
        str(tmp_path),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        [*cmd(), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    log = tmp_path / "solutions" / ".base-sweep.partial" / "points.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and not (log.exists() and len(log.read_text().splitlines()) > 20):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err
    done = len(log.read_text().splitlines())
    assert 20 < done < 501
    refused = sourcing(*args)
    assert refused.returncode == 2 and "unfinished run" in refused.stderr
    resumed = sourcing(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    table = pd.read_csv(tmp_path / "solutions" / "base-sweep" / "sweep_points.csv")
    assert list(table["point"]) == list(range(501))
    assert not log.parent.exists()
    # identical to an uninterrupted run
    clean = sourcing(*args[:-3], "--out", str(tmp_path / "b"), "--no-progress")
    assert clean.returncode == 0
    ref = pd.read_csv(tmp_path / "b" / "solutions" / "base-sweep" / "sweep.csv")
    got = pd.read_csv(tmp_path / "solutions" / "base-sweep" / "sweep.csv")
    pd.testing.assert_frame_equal(ref, got)


def test_curve_stress_compare(tmp_path: Path):
    c = sourcing("curve", "--commodity", "ndfeb_magnets", "--out", str(tmp_path), "--no-progress")
    assert c.returncode == 0, c.stderr
    assert "shortfall starts" in c.stdout
    b = pd.read_csv(tmp_path / "solutions" / "base-curve" / "breakpoints.csv")
    assert (b["commodity"] == "ndfeb_magnets").all()
    s = sourcing("stress", "--out", str(tmp_path), "--no-progress", "--top", "3")
    assert s.returncode == 0, s.stderr
    rank = pd.read_csv(tmp_path / "solutions" / "base-stress" / "criticality.csv")
    # losing the partners (Korea's HBM above all) now ranks above losing China
    assert {"group:partner", "CHN"} <= set(rank["outage"].head(3))
    m = sourcing(
        "compare", "inputs/base", "inputs/scenarios/china-export-ban.toml", "--out", str(tmp_path)
    )
    assert m.returncode == 0, m.stderr
    folder = tmp_path / "solutions" / "compare-base-vs-china-export-ban"
    comp = pd.read_csv(folder / "comparison.csv")
    gallium = comp[(comp["commodity"] == "gallium") & (comp["case"] == "china-export-ban")]
    assert gallium["china_share"].iloc[0] == 0
    one = sourcing("compare", "inputs/base", "--out", str(tmp_path))
    assert one.returncode == 2
    bad = sourcing("curve", "--commodity", "unobtainium", "--out", str(tmp_path / "c"))
    assert bad.returncode == 2 and "unknown commodity" in bad.stderr


def test_sweep_on_two_workers(tmp_path: Path):
    env = dict(os.environ)
    p = subprocess.run(
        [
            *cmd(),
            "sweep",
            "inputs/base",
            "--set",
            "max_china_share=1:0:0.1",
            "--workers",
            "2",
            "--out",
            str(tmp_path),
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    assert (
        json.loads((tmp_path / "solutions" / "base-sweep" / "summary.json").read_text())["workers"]
        == 2
    )
