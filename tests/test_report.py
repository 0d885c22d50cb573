"""`sourcing report`: HTML and Markdown from any run folder, self-contained, refused
overwrites and clear errors, Jupyter tables, and a real headless browser render."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from model import RunExistsError, load_case, solve
from model.compare import compare
from model.curve import curve
from model.errors import InputError
from model.formats import millions as money
from model.report import write_report
from model.stress import stress
from model.sweep import sweep
from tests.conftest import ROOT

CAP50 = ROOT / "inputs" / "scenarios" / "china-cap-50.toml"


def sourcing(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("sourcing")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "model.cli"]
    return subprocess.run([*cmd, *args], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory):
    """The analyst's question (China capped at 50%), solved and written without plots."""
    result = solve(load_case(CAP50))
    folder = result.write(tmp_path_factory.mktemp("report"), plots=False)
    return result, folder


@pytest.fixture(scope="module")
def capped_report(capped):
    result, folder = capped
    html_path, md_path = write_report(folder)
    return result, folder, html_path.read_text(), md_path.read_text()


def test_solve_report_answers_the_question(capped_report):
    result, folder, html, md = capped_report
    s = result.summary
    # the question, and the headline numbers as the run computed them
    assert "The question" in html and result.case.description in html
    assert "China's share of every commodity is capped at 50%" in html
    assert money(s["supply_cost"]) in html and money(s["total"]) in html
    assert money(s["premium_vs_no_share_rules"], True) in html
    assert money(s["premium_vs_today"], True) in html and "premium over today" in html
    assert s["premium_vs_today"] > 0 and s["today"]["case"] == "base"
    short = result.commodities[result.commodities["shortfall"] > 0]
    assert len(short) == s["commodities_with_shortfall"] > 0
    for k in short["commodity"]:
        assert k in html
    for stage in result.stages["stage"]:
        assert f"China's share, {stage}" in html
    # binding constraints and shadow prices in words, from commodities.csv
    assert "What binds, and what the shadow prices say" in html
    assert "The 50% cap on China binds" in html and "One point tighter" in html
    assert "Shadow price: one more" in html and "Which extra capacity is worth most" in html
    # sources: the estimate sections of SOURCES.md and the rows marked as estimates
    assert "Known weak figures" in html and "Input rows marked as estimates" in html
    # plots were missing (plots=False), so the report drew them into plots/
    for name in ("mix", "china_share", "stages"):
        assert (folder / "plots" / f"{name}.png").is_file()
        assert (folder / "plots" / f"{name}.svg").is_file()
        assert "![" in md and f"(plots/{name}.png)" in md
    # Markdown twin: same headline, tables as pipes, sources linked, not copied
    assert money(s["supply_cost"]) in md and "| commodity |" in md
    assert "[inputs/SOURCES.md](inputs/SOURCES.md)" in md


def test_html_is_self_contained(capped_report):
    _, _, html, _ = capped_report
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 3 and all(i.startswith("data:image/png;base64,") for i in images)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r'src="(?!data:)', html), "every src is embedded"
    assert "<style>" in html


def test_report_is_deterministic_and_not_overwritten(capped, capped_report):
    _, folder = capped
    before = (folder / "report.html").read_bytes()
    with pytest.raises(RunExistsError, match="already exists"):
        write_report(folder)
    refused = sourcing("report", str(folder))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (folder / "report.html").read_bytes() == before
    forced = sourcing("report", str(folder), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "report.html" in forced.stdout and "report.md" in forced.stdout
    assert (folder / "report.html").read_bytes() == before  # same folder, same bytes
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_report_errors_exit_2(tmp_path: Path):
    missing = sourcing("report", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    not_run = sourcing("report", "inputs/base")
    assert not_run.returncode == 2 and "not a run folder" in not_run.stderr
    a_file = sourcing("report", "README.md")
    assert a_file.returncode == 2 and "not a folder" in a_file.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text(json.dumps({"kind": "sweep"}))
    with pytest.raises(InputError, match=r"missing sweep_points\.csv"):
        write_report(broken)
    assert not (broken / "report.html").exists()


@pytest.fixture(scope="module")
def other_runs(tmp_path_factory: pytest.TempPathFactory):
    """A sweep, a curve, a stress test and a comparison of the default case, written."""
    out = tmp_path_factory.mktemp("kinds")
    base = load_case(ROOT / "inputs" / "base")
    return {
        "sweep": sweep(base, {"max_china_share": "1:0:0.25"}).write(out, name="sweep"),
        "curve": curve(base, commodities=["gallium", "ndfeb_magnets"], grid="1:0:0.25").write(
            out, name="curve"
        ),
        "stress": stress(base).write(out, name="stress"),
        "compare": compare([base, load_case(CAP50)]).write(out, name="compare"),
    }


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("sweep", ["Sweep: sweep", "points solved", "points with unmet need", "sweep.png"]),
        ("curve", ["price of de-risking", "Breakpoints", "ndfeb_magnets", "curve.png"]),
        ("stress", ["Which supplier's loss hurts most", "CHN", "criticality.png"]),
        ("compare", ["What changes between these cases", "china-cap-50", "comparison.png"]),
    ],
)
def test_every_run_kind_has_a_report(other_runs, kind, words):
    folder = other_runs[kind]
    html_path, md_path = write_report(folder)
    html, md = html_path.read_text(), md_path.read_text()
    for w in words:
        assert w in html, w
    assert html.count('<img src="data:image/png;base64,') == 1
    assert "Sources and estimates" in html and "Sources and estimates" in md


def test_result_objects_show_as_tables_in_jupyter(capped, other_runs):
    result, _ = capped
    html = result._repr_html_()
    assert "<table" in html and "rare_earths_refining" in html and "commodities short" in html
    base = load_case(ROOT / "inputs" / "base")
    s = sweep(base, {"max_china_share": "1,0.5"})
    assert "<table" in s._repr_html_() and "2 points" in s._repr_html_()
    c = curve(base, commodities=["gallium"], grid="1:0:0.5")
    assert "<table" in c._repr_html_() and "gallium" in c._repr_html_()


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")


def headless(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_renders_in_a_headless_browser(capped_report, tmp_path: Path):
    result, folder, _, _ = capped_report
    url = (folder / "report.html").resolve().as_uri()
    dom = headless("--dump-dom", url, tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert f"Sourcing run: {folder.name}" in page and 'id="headline"' in page
    assert money(result.summary["supply_cost"]) in page
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 3
    # the picture: the embedded plots are drawn (China's red appears on the page)
    shot = tmp_path / "page.png"
    done = headless("--window-size=1200,2600", f"--screenshot={shot}", url, tmp=tmp_path)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    pixels = (matplotlib.image.imread(shot)[..., :3] * 255).round()
    red = np.all(np.abs(pixels - [198, 40, 40]) <= 12, axis=-1)
    assert red.sum() > 2000, "the plots' China red should be on screen"
