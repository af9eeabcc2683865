"""The house rules, read from the source: no import cycles, no private names across modules,
dependencies flowing one way (ARCHITECTURE.md).

:func:`analyse` reads {module name: source text} with :mod:`ast` and lists, for every module,
the project modules and names it uses: by an import statement (at any level: in a function
too) or as an attribute of a name bound to a project module (``import a.b as c; c._x``,
``from a import b; b._x``, ``import a.b; a.b._x``, ``getattr(c, "_x")``).  The self-tests
feed it small fake packages; the real-tree tests feed it benchmark/ and models/.

* Cycles: importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first, so an import
  is an edge to the imported module and to each of its parent packages, except the
  packages that hold the importing module (they are already initialising when it runs).
  ``from <own package> import name`` (a name, not a submodule) needs the package's
  ``__init__`` to have run as far as that name, so it is an edge too.
* Private: a name ``_x`` belongs to its module: no other module imports it or reads it
  through a module alias.  A module ``_m`` (or package) belongs to the package that holds
  it: a module outside that package does not import it or reach it as an attribute.
* Layers: the zoo and the report use (import or reach as an attribute) nothing of the
  layers above them.

Dynamic imports (``importlib.import_module``) are not seen.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The source folders and the package each is installed as (setup.cfg's package_dir).
FOLDERS = {"benchmark": "benchmark", "models": "benchmark.models",
           "pipelines": "benchmark.recipes"}
#: Leaf modules every layer may use.
SHARED = {"benchmark.errors", "benchmark.files"}


@dataclass(frozen=True)
class Use:
    """`module` uses the project module `target`: its `name`, or the module itself ("")."""

    module: str
    target: str
    name: str
    line: int
    imported: bool  # by an import statement; False: an attribute of a module alias

    def __str__(self) -> str:
        verb = "imports" if self.imported else "reads"
        name = f".{self.name}" if self.name else ""
        return f"{self.module}:{self.line} {verb} {self.target}{name}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _ancestors(module: str) -> list[str]:
    """The packages above a module, outermost first."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _private(name: str) -> bool:
    """``_name`` is private; ``__name__`` (a dunder such as ``__version__``) is not."""
    return name.startswith("_") and not (len(name) > 4 and name[:2] == name[-2:] == "__")


def _chain(node: ast.expr) -> list[str]:
    """``a.b.c`` -> ["a", "b", "c"]; [] when the expression does not start with a name."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return [node.id, *reversed(attrs)] if isinstance(node, ast.Name) else []


def _module_uses(module: str, source: str, is_package: bool, modules: set[str]) -> list[Use]:
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(source)
    uses: list[Use] = []
    aliases: dict[str, str] = {}  # a local name -> the project module bound to it
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                uses.append(Use(module, alias.name, "", node.lineno, True))
                if alias.asname:  # import a.b as c binds c to a.b
                    aliases[alias.asname] = alias.name
                else:  # import a.b binds a
                    top = alias.name.partition(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom):
            source_module = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                base = parts[: len(parts) - node.level + 1]
                source_module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{source_module}.{alias.name}" if source_module else alias.name
                if full in modules:  # from a import b, b a submodule: binds b to a.b
                    uses.append(Use(module, full, "", node.lineno, True))
                    aliases[alias.asname or alias.name] = full
                else:
                    uses.append(Use(module, source_module, alias.name, node.lineno, True))
    aliases = {name: target for name, target in aliases.items() if target in modules}

    def reached(chain: list[str]) -> tuple[str, str] | None:
        """The (module, name) a dotted chain reaches through a module alias ("" for none)."""
        if not chain or chain[0] not in aliases:
            return None
        target = aliases[chain[0]]
        for attr in chain[1:]:
            if f"{target}.{attr}" not in modules:
                return target, attr
            target = f"{target}.{attr}"
        return target, ""

    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        found = None
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            found = reached(_chain(node))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str)):
            of = reached(_chain(node.args[0]))
            if of is not None and not of[1]:  # getattr(<a module>, "name")
                found = of[0], node.args[1].value
        if found is not None:
            uses.append(Use(module, *found, node.lineno, False))
    return [u for u in uses if u.target in modules and u.target != module]


def analyse(sources: dict[str, str], packages: set[str] | None = None) -> dict[str, list[Use]]:
    """{module name: source text} -> {module: the project modules and names it uses}.

    `packages`: the modules that are packages (an ``__init__.py``, which relative imports
    start from); by default those with a submodule in `sources`."""
    modules = set(sources)
    if packages is None:
        packages = {p for m in modules for p in _ancestors(m)} & modules
    return {m: _module_uses(m, text, m in packages, modules) for m, text in sources.items()}


def import_graph(uses: dict[str, list[Use]]) -> dict[str, set[str]]:
    """module -> the project modules whose code runs when its imports run."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module, found in uses.items():
        own = set(_ancestors(module))
        for use in found:
            if not use.imported:
                continue
            for target in (*_ancestors(use.target), use.target):
                if target not in uses or target == module:
                    continue
                # an own package is initialising already, unless a name is taken from it
                if target not in own or (target == use.target and use.name):
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
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
    return sorted(out)


def private_offences(uses: dict[str, list[Use]]) -> list[str]:
    """Uses of another module's private name, or of a private module from outside its package."""
    offences = []
    for found in uses.values():
        for use in found:
            parts = use.target.split(".")
            # a private module (or package) parts[i] belongs to the package parts[:i]
            outside = [p for i, p in enumerate(parts)
                       if _private(p) and use.module.split(".")[:i] != parts[:i]]
            if outside:
                offences.append(f"{use}: {outside[0]} is private to its package")
            elif _private(use.name):
                offences.append(f"{use}: {use.name} is private to {use.target}")
    return offences


def layer_offences(uses: dict[str, list[Use]], layer: str, may_not_use: tuple[str, ...]
                   ) -> list[str]:
    """Uses by `layer` of a module inside `may_not_use`, other than `layer`, SHARED and the
    packages that hold `layer` (which run before it anyway)."""
    return [str(use) for module, found in uses.items() if _within(module, layer)
            for use in found
            if not _within(use.target, layer) and use.target not in SHARED
            and use.target not in _ancestors(layer)
            and any(_within(use.target, p) for p in may_not_use)]


# ---- the analysis, on small fake packages -------------------------------------------------

def _fake(**sources: str) -> dict[str, list[Use]]:
    """Module names with "__" for "." (p__a is p.a), so that they can be keywords."""
    return analyse({name.replace("__", "."): text for name, text in sources.items()})


def test_the_analysis_sees_a_plain_cycle():
    uses = _fake(p="", p__a="import p.b\n", p__b="def f():\n    from p.c import x\n",
                 p__c="from p import a\nx = 1\n", p__d="import p.a\n")
    assert cycles(import_graph(uses)) == [["p.a", "p.b", "p.c"]]
    assert cycles(import_graph(_fake(p="", p__a="import p.b\n", p__b="x = 1\n"))) == []


def test_the_analysis_sees_a_cycle_through_a_package_init(tmp_path):
    # importing fake.aaa.sub runs fake/aaa/__init__, which imports fake.bbb, half-initialised
    sources = {"fake": "", "fake.aaa": "from fake.bbb import Y\n", "fake.aaa.sub": "X = 1\n",
               "fake.bbb": "from fake.aaa.sub import X\nY = 1\n"}
    assert cycles(import_graph(analyse(sources))) == [["fake.aaa", "fake.bbb"]]
    # and so it is: Python agrees
    for module, text in sources.items():
        folder = tmp_path.joinpath(*module.split("."))
        path = folder.with_suffix(".py") if module == "fake.bbb" else folder / "__init__.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    proc = subprocess.run([sys.executable, "-c", "import fake.bbb"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert "ImportError" in proc.stderr and "partially initialized" in proc.stderr


def test_the_analysis_knows_which_package_imports_are_no_cycle():
    # a package importing its submodules, which import each other and their package's parts
    uses = _fake(p="from .a import x\nfrom . import b\n", p__a="from p.b import y\nx = 1\n",
                 p__b="from p import c\ny = 1\n", p__c="from . import d\n", p__d="",
                 q="import p.a\n")
    assert cycles(import_graph(uses)) == []
    assert import_graph(uses)["q"] == {"p", "p.a"}
    # but a name taken from an own package whose __init__ imports this module is one
    uses = _fake(p="from .a import x\nY = 1\n", p__a="from p import Y\nx = 1\n")
    assert cycles(import_graph(uses)) == [["p", "p.a"]]


def test_the_analysis_sees_a_private_name_import():
    uses = _fake(p="", p__a="_x = 1\nx = 1\n__version__ = '1'\n",
                 p__b="from p.a import x, __version__\nfrom .a import _x\n",
                 q="from p.a import (\n    x,\n    _x as y,\n)\n")
    assert private_offences(uses) == ["p.b:2 imports p.a._x: _x is private to p.a",
                                      "q:1 imports p.a._x: _x is private to p.a"]


def test_the_analysis_sees_a_private_name_through_a_module_alias():
    uses = _fake(p="", p__s="", p__s__st="def _x(): pass\ndef x(): pass\n",
                 q="import p.s.st as st\nst.x()\nst._x()\n",
                 r="import p.s.st\np.s.st._x()\np.s.st.x.y._z\n",
                 t="from p.s import st\nfrom p import s as pkg\n"
                   "def f():\n    return getattr(st, '_x'), pkg.st._x, pkg.st.x._y\n")
    assert private_offences(uses) == [
        "q:3 reads p.s.st._x: _x is private to p.s.st",
        "r:2 reads p.s.st._x: _x is private to p.s.st",
        "t:4 reads p.s.st._x: _x is private to p.s.st",
        "t:4 reads p.s.st._x: _x is private to p.s.st",
    ]
    # a sibling in the same package is another module too
    assert private_offences(_fake(p="", p__a="_x = 1\n", p__b="from . import a\na._x\n")) == [
        "p.b:2 reads p.a._x: _x is private to p.a"]


def test_the_analysis_sees_a_private_module_used_outside_its_package():
    uses = _fake(p="", p___m="def f(): pass\n", p___m__sub="",
                 q="from p import _m\n", r="import p._m\n", s="from p._m import f\n",
                 t="import p\np._m.f()\n", u="from p._m.sub import x\n")
    assert private_offences(uses) == [
        "q:1 imports p._m: _m is private to its package",
        "r:1 imports p._m: _m is private to its package",
        "s:1 imports p._m.f: _m is private to its package",
        "t:2 reads p._m.f: _m is private to its package",
        "u:1 imports p._m.sub.x: _m is private to its package",
    ]


def test_the_analysis_resolves_relative_imports():
    uses = _fake(p="from . import x\nfrom .s import k\n", p__x="", p__y="z = 1\n", p__s="",
                 p__s__k="", p__s__m="from . import k\nfrom ..y import z\nfrom .. import x\n"
                                     "from .k import w\n")
    assert {str(u) for u in uses["p.s.m"]} == {"p.s.m:1 imports p.s.k", "p.s.m:2 imports p.y.z",
                                               "p.s.m:3 imports p.x", "p.s.m:4 imports p.s.k.w"}
    assert {str(u) for u in uses["p"]} == {"p:1 imports p.x", "p:2 imports p.s.k"}


def test_a_package_may_use_its_own_private_modules():
    uses = _fake(p="from ._m import f\nfrom . import _m\n", p___m="def f(): pass\n",
                 p__a="from ._m import f\nfrom p import _m\nimport p._m as m\n_m.f()\nm.f()\n",
                 p__s="", p__s__b="from .._m import f\nfrom p import _m\n_m.f()\n",
                 p___m__c="from .. import _m\n")
    assert private_offences(uses) == []


def test_the_layers_see_imports_and_attributes():
    uses = _fake(p="", p__low="import p.high\n", p__high="", p__errors="",
                 p__mid="import p\np.high.f()\nimport p.errors\nfrom p import __version__\n")
    assert layer_offences(uses, "p.low", ("p.high",)) == ["p.low:1 imports p.high"]
    assert layer_offences(uses, "p.mid", ("p.high", "p.low")) == ["p.mid:2 reads p.high.f"]
    assert layer_offences(uses, "p.mid", ("p.hi",)) == []
    # the packages above a layer are no offence; p.errors is not SHARED (benchmark.errors is)
    assert sorted(layer_offences(uses, "p.mid", ("p",))) == ["p.mid:2 reads p.high.f",
                                                            "p.mid:3 imports p.errors"]


# ---- the real tree ------------------------------------------------------------------------

def _sources() -> tuple[dict[str, str], set[str]]:
    sources, packages = {}, set()
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = [*package.split("."), *path.relative_to(ROOT / folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
                packages.add(".".join(parts))
            sources[".".join(parts)] = path.read_text()
    return sources, packages


USES = analyse(*_sources())


def test_the_analysis_reads_the_real_tree():
    assert USES["benchmark.cli"], "the analysis found no import in cli.py"
    assert "benchmark.models.registry" in USES and "benchmark.models" in USES
    assert any(u.target == "benchmark.models._discovery"
               for u in USES["benchmark.models.registry"])
    assert "benchmark.models" in import_graph(USES)["benchmark.cli"]


def test_no_import_cycles():
    assert cycles(import_graph(USES)) == []


def test_no_private_name_is_used_from_another_module():
    assert private_offences(USES) == []


@pytest.mark.parametrize("layer, may_not_use", [
    # the model zoo knows nothing of the engine, datasets, protocols or reports
    ("benchmark.models", ("benchmark",)),
    # reports read the results table only
    ("benchmark.reporting", ("benchmark.engine", "benchmark.worker", "benchmark.executors",
                             "benchmark.protocols", "benchmark.datasets",
                             "benchmark.preprocessing", "benchmark.models", "benchmark.cli")),
])
def test_dependencies_flow_one_way(layer, may_not_use):
    assert layer_offences(USES, layer, may_not_use) == []
