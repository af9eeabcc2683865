"""Check that the built wheel behaves exactly like the editable checkout (``tox -e wheel``).

Run by the wheel's own interpreter, from outside the checkout, in a folder whose own
``models/`` and ``pipelines/`` would break the suite if they were imported.  The same
commands then run with the editable install (``--editable-python``, the ``tests``
environment) and must give the same model list, the same pipeline digests (every recipe
shipped) and the same result rows (scores, ``split``, ``pipeline`` and ``preprocessing``).

Exits 1 with one line per difference; prints what it compared otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

#: Columns that may differ between two runs of the same unit (timing, clock).
VOLATILE = ("fit_time", "predict_time", "finished_at")
DEMO = ["run", "--models", "csp_lda,ts_lr,mdm", "--datasets", "SynBNCI2014004,SynBNCI2015001",
        "--subjects", "1-2", "--seeds", "0"]
DIGESTS = ("import json; from benchmark.pipelines import discover_pipelines; "
           "print(json.dumps({n: s.digest() for n, s in discover_pipelines().items()}))")


def hostile_folder(where: Path) -> Path:
    """A researcher's project with its own ``models/`` and ``pipelines/`` that must stay unused."""
    where.mkdir(parents=True, exist_ok=True)
    for package in ("models", "pipelines"):
        (where / package).mkdir(exist_ok=True)
        (where / package / "__init__.py").write_text(
            f"raise RuntimeError('the project\\'s own {package}/ was imported')\n")
    (where / "pipelines" / "broken.yml").write_text("name: [not, a, pipeline\n")
    return where


def outputs(python: str, cwd: Path, label: str) -> dict:
    """The model list, the pipeline digests and the demo's rows, as ``python`` gives them."""
    env = {**os.environ, "BENCHMARK_CACHE": str(cwd / f"cache-{label}")}  # nothing shared

    def call(*args: str) -> str:
        done = subprocess.run([python, *args], cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"check_wheel: {label}: `{' '.join(args)}` failed:\n{done.stderr[-2000:]}")
        return done.stdout

    where = call("-c", "import benchmark, benchmark.models as m; print(benchmark.__file__); "
                       "print(m.__file__)").split()
    out = cwd / f"results-{label}"
    call("-m", "benchmark", *DEMO, "--out", str(out))
    rows = pd.read_csv(out / "results.csv").drop(columns=list(VOLATILE))
    keys = ["dataset", "subject", "session", "model", "seed", "fold", "shots"]
    return {"where": where, "models": call("-m", "benchmark", "list", "models", "--details"),
            "digests": json.loads(call("-c", DIGESTS)),
            "rows": rows.sort_values(keys).reset_index(drop=True)}


def installed_files_problems(checkout: Path) -> list[str]:
    """The wheel installs one top-level package, and only files the sources have.

    (setuptools builds in the checkout's ``build/``, whose stale files a wheel would
    otherwise carry: a removed module, the old top-level ``models``.)
    """
    from importlib.metadata import distribution

    files = [f for f in distribution("mirepnet-benchmark").files or []
             if not f.parts[0].endswith(".dist-info") and f.parts[0] not in ("..", "bin")]
    problems = []
    top = sorted({f.parts[0] for f in files})
    if top != ["benchmark"]:
        problems.append(f"the wheel installs top-level {top}, not only ['benchmark']")
    source_of = {"models": "models", "recipes": "pipelines"}
    for f in files:
        if f.suffix not in (".py", ".yml", ".yaml", ".csv", ".json"):
            continue
        parts = f.parts[1:]
        source = (checkout / source_of[parts[0]] / Path(*parts[1:]) if parts[0] in source_of
                  and len(parts) > 1 else checkout / "benchmark" / Path(*parts))
        if not source.is_file():
            problems.append(f"the wheel installs {f}, which the sources do not have ({source})")
    return problems


def entry_points_problems(folder: Path, checkout: Path, editable_python: str) -> list[str]:
    """``python -m benchmark`` from the checkout's root, and the console command from a
    folder whose own ``benchmark.py`` would hijack ``python -m benchmark``."""
    problems = []
    from_root = subprocess.run([sys.executable, "-m", "benchmark", "list", "models"],
                               cwd=checkout, capture_output=True, text=True)
    if from_root.returncode != 0 or "mdm" not in from_root.stdout:
        problems.append(f"`python -m benchmark list models` from the checkout's root failed: "
                        f"{from_root.stderr.strip()[-500:]}")
    own = folder / "with-benchmark-py"
    own.mkdir(exist_ok=True)
    (own / "benchmark.py").write_text("raise SystemExit('the project\'s own benchmark.py ran')\n")
    for python in (sys.executable, editable_python):
        command = Path(python).parent / "mirepnet-benchmark"
        done = subprocess.run([str(command), "list", "models"], cwd=own, capture_output=True,
                              text=True)
        if done.returncode != 0 or "mdm" not in done.stdout:
            problems.append(f"`{command} list models` from a folder with its own benchmark.py "
                            f"failed: {done.stderr.strip()[-500:]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editable-python", required=True,
                        help="interpreter of the editable install (the tox `tests` env)")
    parser.add_argument("--checkout", required=True, type=Path, help="the repository root")
    parser.add_argument("--work", type=Path, default=Path.cwd() / "check-wheel")
    args = parser.parse_args(argv)
    if not Path(args.editable_python).exists():
        sys.exit(f"check_wheel: {args.editable_python} does not exist; run "
                 "`python3 -m tox -e tests` first (it builds the editable environment)")
    folder = hostile_folder(args.work)
    wheel = outputs(sys.executable, folder, "wheel")
    editable = outputs(args.editable_python, folder, "editable")
    checkout = args.checkout.resolve()
    problems = []
    sources = [checkout / "benchmark", checkout / "models"]
    for path in wheel["where"]:
        if any(Path(path).resolve().is_relative_to(s) for s in sources):
            problems.append(f"the wheel's interpreter imported {path} from the checkout")
    for path in editable["where"]:
        if not any(Path(path).resolve().is_relative_to(s) for s in sources):
            problems.append(f"the editable interpreter imported {path}, not the checkout's")
    recipes = sorted(p.stem for p in (checkout / "pipelines").glob("*")
                     if p.suffix in (".yml", ".yaml"))
    missing = [r for r in recipes if r not in wheel["digests"]]
    if missing:
        problems.append(f"recipes missing from the wheel: {', '.join(missing)}")
    for name in sorted(set(wheel["digests"]) | set(editable["digests"])):
        if wheel["digests"].get(name) != editable["digests"].get(name):
            problems.append(f"pipeline {name}: digest {wheel['digests'].get(name)} (wheel) != "
                            f"{editable['digests'].get(name)} (editable)")
    if wheel["models"] != editable["models"]:
        problems.append("`list models --details` differs between the wheel and the "
                        "editable install")
    a, b = wheel["rows"], editable["rows"]
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        problems.append(f"results.csv: {len(a)} rows {list(a.columns)} (wheel) != "
                        f"{len(b)} rows {list(b.columns)} (editable)")
    else:
        for column in a.columns:
            differ = ~((a[column] == b[column]) | (a[column].isna() & b[column].isna()))
            if differ.any():
                problems.append(f"results.csv column {column!r} differs in {int(differ.sum())} "
                                f"of {len(a)} rows")
    problems += installed_files_problems(checkout)
    problems += entry_points_problems(folder, checkout, args.editable_python)
    if problems:
        print("\n".join(f"check_wheel: {p}" for p in problems), file=sys.stderr)
        return 1
    ok = a[a["status"] == "ok"]
    print(f"check_wheel: OK: the wheel ({wheel['where'][0]}) and the editable install agree on "
          f"{len(wheel['digests'])} pipelines ({len(recipes)} recipe files), `list models`, and "
          f"{len(a)} rows ({len(ok)} ok; every column but {', '.join(VOLATILE)}), run from "
          "a folder with its own models/ and pipelines/")
    return 0 if len(ok) == len(a) and len(a) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
