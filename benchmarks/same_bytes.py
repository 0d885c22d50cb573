"""Check that a code change leaves every run folder byte-identical (timings aside).

    python benchmarks/same_bytes.py run /tmp/before     # at the old code (--wide: more)
    python benchmarks/same_bytes.py run /tmp/after      # at the new code
    python benchmarks/same_bytes.py diff /tmp/before /tmp/after

``run`` writes, with the ``model`` package importable from the current
environment (``PYTHONPATH``), the run folders of: solve on the default case
(with plots and a workbook) and on a rules scenario, a small sweep on 2
workers, curve, stress and compare, and a report on the solve folder; the
commands' printed output goes to ``stdout/``. ``diff`` compares two such
trees file by file and exits 1 on any difference; in ``summary.json`` the
timing fields are ignored. ``run DIR --wide`` adds every shipped scenario and the
multi-year case's solves, stress and sweeps (`WIDE`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: dict[str, list[str]] = {
    "solve-base": ["solve", "inputs/base", "--plots", "--xlsx"],
    "solve-rules": ["solve", "inputs/scenarios/procurement-rules.toml"],
    "sweep": [
        "sweep",
        "inputs/base",
        "--set",
        "max_china_share=1:0:0.25",
        "--workers",
        "2",
        "--no-progress",
        "--xlsx",
    ],
    "curve": ["curve", "inputs/base", "--grid", "1:0:0.25", "--no-progress"],
    "stress": ["stress", "inputs/base", "--no-progress"],
    "compare": ["compare", "inputs/base", "inputs/scenarios/china-cap-50.toml"],
    "report": ["report", "{out}/solutions/base"],
}
TIMING_KEYS = {"timings_seconds"}
# `run --wide`: also every shipped case and scenario, and the horizon's stress, stock and
# sweeps (the multi-year families: stock, build-out, glide path)
WIDE: dict[str, list[str]] = {
    **{
        f"solve-{p.stem}": ["solve", str(p.relative_to(ROOT)), "--name", f"wide-{p.stem}"]
        for p in sorted((ROOT / "inputs" / "scenarios").glob("*.toml"))
    },
    "solve-horizon": ["solve", "inputs/horizon", "--plots", "--xlsx"],
    "solve-horizon-buildout": ["solve", "inputs/horizon-buildout"],
    "stress-horizon": [
        "stress",
        "inputs/horizon",
        "--country",
        "CHN",
        "--commodity",
        "gallium",
        "--from-year",
        "2027",
        "--years",
        "2",
        "--no-progress",
    ],
    "sweep-horizon": [
        "sweep",
        "inputs/horizon",
        "--set",
        "max_china_share_by_year[2030]=0.9:0.5:0.2",
        "--no-progress",
    ],
    "sweep-buildout": [
        "sweep",
        "inputs/scenarios/horizon-ree-cap-50-buildout.toml",
        "--set",
        "max_china_share=1:0:0.5",
        "--no-progress",
    ],
}


def run(out: Path, wide: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=False)
    (out / "stdout").mkdir()
    env = {**os.environ, "COLUMNS": "130"}
    for label, args in {**COMMANDS, **(WIDE if wide else {})}.items():
        args = [a.format(out=out) for a in args]
        if args[0] != "report":
            args += ["--out", str(out)]
        proc = subprocess.run(
            [sys.executable, "-m", "model.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        text = proc.stdout.replace(str(out), "<OUT>")
        (out / "stdout" / f"{label}.txt").write_text(f"exit {proc.returncode}\n{text}")
        if proc.returncode:
            sys.exit(f"{label} failed:\n{proc.stderr}")


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def diff(a: Path, b: Path) -> int:
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    bad = [f"only in {a}: {p}" for p in sorted(files_a - files_b)]
    bad += [f"only in {b}: {p}" for p in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if rel.name == "summary.json":
            x, y = _strip(json.loads(x)), _strip(json.loads(y))
        if x != y:
            bad.append(f"differs: {rel}")
    print("\n".join(bad) or f"identical: {len(files_a)} files (timings in summary.json aside)")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and len(sys.argv) == 3:
        run(Path(sys.argv[2]).resolve())
    elif sys.argv[1:2] == ["run"] and sys.argv[3:] == ["--wide"]:
        run(Path(sys.argv[2]).resolve(), wide=True)
    elif sys.argv[1:2] == ["diff"] and len(sys.argv) == 4:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
