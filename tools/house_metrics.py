"""Print the size and shape of the code base: lines per module, the largest functions.

``python tools/house_metrics.py [--top N]`` reads ``benchmark/`` and ``models/`` (not the
tests) with :mod:`ast` and prints the total, the largest modules and the largest
functions (lines from ``def`` to the last line of the body, docstring included).  The
repeated blocks are counted by ``duplicates --min-lines 6`` and ``--min-lines 4``, the
project's duplicate finder, which this script does not replace.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmark", "models")


def modules() -> list[Path]:
    return sorted(p for d in PACKAGES for p in (ROOT / d).rglob("*.py"))


def functions(path: Path) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append((child.end_lineno - child.lineno + 1, name))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    sizes = [(len(p.read_text().splitlines()), p.relative_to(ROOT).as_posix()) for p in modules()]
    funcs = [(n, f"{p.relative_to(ROOT).as_posix()}:{name}")
             for p in modules() for n, name in functions(p)]
    total = sum(n for n, _ in sizes)
    print(f"{len(sizes)} modules, {total} lines, {len(funcs)} functions; "
          f"modules over 300 lines: {sum(n > 300 for n, _ in sizes)}; "
          f"functions over 50 lines: {sum(n > 50 for n, _ in funcs)}")
    print("\nlargest modules (lines):")
    for n, name in sorted(sizes, reverse=True)[:args.top]:
        print(f"  {n:5d}  {name}")
    print("\nlargest functions (lines):")
    for n, name in sorted(funcs, reverse=True)[:args.top]:
        print(f"  {n:5d}  {name}")


if __name__ == "__main__":
    main()
