"""The house rules, read from the source: no import cycles, no private names across modules,
dependencies flowing one way (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Leaf modules every layer may use.
SHARED = {"benchmark.errors", "benchmark.files"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "models":  # installed as benchmark.models
        parts = ["benchmark", *parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, list[tuple[str, str, int]]]:
    """module -> [(imported module, imported name or "", line)] within the project."""
    paths = sorted(p for d in ("benchmark", "models") for p in (ROOT / d).rglob("*.py"))
    names = {_module_name(p): p for p in paths}
    found: dict[str, list[tuple[str, str, int]]] = {}
    for module, path in names.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        edges = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges += [(a.name, "", node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    edges.append((full, "", node.lineno) if full in names
                                 else (source, alias.name, node.lineno))
        found[module] = [e for e in edges if e[0] in names and e[0] != module]
    return found


IMPORTS = _imports()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _graph(edges=IMPORTS) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imports in edges.items():
        for target, _, _ in imports:
            # importing a package runs its __init__, which is an edge too, except from inside
            if not module.startswith(f"{target}."):
                graph[module].add(target)
    return graph


def test_the_analysis_sees_a_cycle_and_a_private_import():
    fake = {"a": [("b", "", 1)], "b": [("c", "", 1)], "c": [("a", "_helper", 3)]}
    assert _cycles(_graph(fake)) == [["a", "b", "c"]]
    assert IMPORTS["benchmark.cli"], "the analysis found no import in cli.py"


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def _private(module: str, target: str, name: str) -> bool:
    """A private module or name used outside the package that owns it."""
    owner = target.rsplit(".", 1)[0]
    private_module = target.rsplit(".", 1)[-1].startswith("_") and not module.startswith(owner)
    return private_module or (name.startswith("_") and name != "__version__")


def test_no_private_name_is_imported_from_another_module():
    offences = [f"{m}:{line} imports {t}{'.' + n if n else ''}"
                for m, imports in IMPORTS.items() for t, n, line in imports if _private(m, t, n)]
    assert offences == []


@pytest.mark.parametrize("layer, may_not_import", [
    # the model zoo knows nothing of the engine, datasets, protocols or reports
    ("benchmark.models", ("benchmark.",)),
    # reports read the results table only
    ("benchmark.reporting", ("benchmark.engine", "benchmark.worker", "benchmark.executors",
                             "benchmark.protocols", "benchmark.datasets",
                             "benchmark.preprocessing", "benchmark.models", "benchmark.cli")),
])
def test_dependencies_flow_one_way(layer, may_not_import):
    offences = []
    for module, imports in IMPORTS.items():
        if module != layer and not module.startswith(f"{layer}."):
            continue
        for target, _, line in imports:
            inside = target == layer or target.startswith(f"{layer}.")
            if not inside and target not in SHARED and target.startswith(may_not_import):
                offences.append(f"{module}:{line} imports {target}")
    assert offences == []
