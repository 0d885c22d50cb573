"""The package's layers: imports point one way only, with no circles, and the CLI starts light.

Layers, lowest first (a module may import its own layer and the ones below):

    base          errors, constants, numbers, formats, folders, _compat, the package __init__
    input         case/
    output        output, excel, plots/, report/   (results seen through RunResult)
    optimization  optimization/
    studies       solve, sweep, curve, stress, compare
    cli           cli

These are structural tests (what imports what), not timings.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "model"
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "model",
            "model.errors",
            "model.constants",
            "model.numbers",
            "model.formats",
            "model.folders",
        ),
    ),
    ("base", ("model._compat",)),
    ("input", ("model.case",)),
    ("output", ("model.output", "model.excel", "model.plots", "model.report")),
    ("optimization", ("model.optimization",)),
    (
        "studies",
        (
            "model.solve",
            "model.sweep",
            "model.curve",
            "model.stress",
            "model.stockneed",
            "model.compare",
        ),
    ),
    ("cli", ("model.cli",)),
]
ORDER = {name: i for i, name in enumerate(dict.fromkeys(n for n, _ in LAYERS))}
# Modules that may import upward inside functions, to start fast: they are the entry points.
ENTRY_POINTS = {"model", "model.cli"}
# Imports inside functions elsewhere may only delay these (heavy, optional to most runs).
# (matplotlib; Pyomo, which `model.optimization.build` needs and a solve does not).
DEFERRED_OK = ("model.plots", "model.optimization.build")
HEAVY = ("pyomo", "pandas", "highspy", "matplotlib")


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def layer(module: str) -> str:
    best = ""
    found = None
    for name, prefixes in LAYERS:
        for p in prefixes:
            hit = module == p or (p != "model" and module.startswith(p + "."))
            if hit and len(p) > len(best):
                best, found = p, name
    if found is None:
        if module == "model" or module.startswith("model."):
            raise AssertionError(f"{module} is in no layer: add it to LAYERS")
        return ""
    return found


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of model modules; TYPE_CHECKING skipped."""
    path = PACKAGE.joinpath(*module.split(".")[1:])
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    inner: set[str] = set()

    def targets(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from model.case import core" names the submodule when there is one
            subs = [f"{node.module}.{a.name}" for a in node.names]
            return [s if s in ALL else node.module for s in subs]
        return []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    walk(sub, in_function)
                continue
            for name in targets(child):
                if name == "model" or name.startswith("model."):
                    (inner if in_function else top).add(name)
            deeper = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            walk(child, deeper)

    walk(tree, False)
    return top - {module}, inner - {module}


ALL = set(module_names())


def test_every_module_has_a_layer() -> None:
    for module in ALL:
        assert layer(module), module


def test_module_level_imports_point_down() -> None:
    upward = []
    for module in sorted(ALL):
        top, _ = imports(module)
        for target in top:
            if ORDER[layer(target)] > ORDER[layer(module)]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports into a higher layer:\n" + "\n".join(upward)


def test_no_import_circles() -> None:
    graph = {m: imports(m)[0] & ALL for m in ALL}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(" -> ".join([*path[path.index(n) :], n]))
            elif n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_imports_inside_functions_only_delay_heavy_libraries() -> None:
    """No function-level import hides a circle: outside the entry points, a model
    module imported inside a function is a plotting module (delaying matplotlib),
    and never one of a higher layer."""
    bad = []
    for module in sorted(ALL - ENTRY_POINTS):
        _, inner = imports(module)
        for target in inner:
            up = ORDER[layer(target)] > ORDER[layer(module)]
            if up or not target.startswith(DEFERRED_OK):
                bad.append(f"{module} -> {target} (inside a function)")
    assert not bad, "\n".join(bad)


def _loaded_after(code: str) -> list[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", list(ORDER))
def test_a_layer_imports_nothing_above_it(name: str) -> None:
    """Each layer imported alone, in a fresh interpreter, loads no module of a higher layer."""
    mine = sorted(m for m in ALL if layer(m) == name)
    loaded = _loaded_after("\n".join(f"import {m}" for m in mine))
    above = [m for m in loaded if m in ALL and ORDER[layer(m)] > ORDER[name]]
    assert not above, f"importing the {name} layer loaded {above}"


def test_cli_and_package_start_without_heavy_libraries() -> None:
    """`sourcing --help` and usage errors need only the CLI module: no Pyomo, pandas,
    highspy or matplotlib until a command runs."""
    for code in ("import model", "import model.cli", "from model import InputError"):
        loaded = {m.split(".")[0] for m in _loaded_after(code)}
        assert not loaded & set(HEAVY), f"{code!r} imported {sorted(loaded & set(HEAVY))}"


def test_public_names_resolve_to_the_objects() -> None:
    """The lazy public API gives the function `solve`, even after the submodule
    `model.solve` has been imported (which would otherwise shadow it)."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import model.solve, model.case\n"
            "from model import solve, load_case, Case, Result, Solver\n"
            "from model import InputError, SolveError, RunExistsError\n"
            "print(callable(solve) and not isinstance(solve, type(model)), Result.__name__)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout.split()
    assert loaded == ["True", "Result"]
