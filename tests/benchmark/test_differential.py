"""Differential test: the engine's rows against a naive reference evaluator (issue 13).

``tests/reference_evaluator.py`` implements every protocol from its written definition
with a plain loop (no epoch cache, no executor, no state between units) and without
importing the engine's modules (checked here from its syntax tree and in a fresh
interpreter).  The engine (:func:`benchmark.engine.run_benchmark`) and the reference run
the same grid; every engine row must equal the reference's row with the same (dataset,
subject, model, seed, fold, shots, session): the same status (a fold that cannot be
fitted fails in both), the same ``split`` hash (the same calibration and test trial ids,
in the same order), the same ``n_train`` and ``n_test`` and the same score to 1e-9.

Grid: the two smallest demo sets with two sessions, SynBNCI2014004 (3 channels) and
SynBNCI2015001 (13 channels), each 4 subjects x 2 sessions x 2 classes x 40 trials;
subjects 1-3 (loso trains on all four); seeds 0 and 1; models csp_lda, ts_lr and mdm.
The cases (:data:`CASES`) are every protocol: paper, fewshot (default shots
1,2,5,10,20,30, so 20 and 30 are capped away and k = 1 is a failed fold for CSP), loso
without shots, loso with shots 2,5, cross-session and within-session; and three more
of the cheap paper protocol: the models exactly as their pipeline files define them
(``paper-oas``), and the dataset's session set to "1" and to None (the first).  Five
cases score another metric than accuracy (f1_macro, roc_auc, kappa, log_loss,
balanced_accuracy): the engine scores from the predictions it keeps, the reference
with scikit-learn's scorer on the fitted model (``get_scorer``), so the two paths must
agree (ROC-AUC from the decision scores where a model has them, as sklearn's scorer).
On MOABB's FakeDataset (issue 24: 4 subjects x 2 sessions, left/right hand, generated
with the suite's fixed seed), serially: loso on its first session, cross-session, and
loso as ``--preset moabb`` runs it (every session, a fold per target session; also with
``--shots 2``), 4 cases x 18 units.

Executors: every case serially (``jobs=1``, 900 rows, and 162 on FakeDataset); with
``jobs=2`` the representative subset fewshot, loso with shots and within-session (648
rows), since every ``jobs=2`` run starts a pool of fresh processes (about 7 s on a 2-core
machine); on a Dask ``distributed.LocalCluster`` of 2 worker processes three other
cases, each with another metric: paper on session "1" (ROC-AUC), loso (log loss) and
cross-session (balanced accuracy), 144 rows (every demo case on Dask took 900 rows and a
minute more of the suite's time, for no path the three do not take).  1,854 engine rows
in all.

Time: the reference runs in a child process beside the serial engine runs (one BLAS
thread each); all engine runs share one epoch cache, the reference loads through MOABB
on its own.  The models use the vectorised sample covariance (``estimator="scm"``)
except in ``paper-oas``: their files' ``oas`` is computed trial by trial and triples
the time of a fold, which the 2-minute budget does not allow on the whole grid.
"""

from __future__ import annotations

import ast
import math
import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pytest

from benchmark.datasets import get_dataset_spec
from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results
from tests import reference_evaluator
from tests.reference_evaluator import FORBIDDEN_MODULES, ReferenceProtocol

DATASETS = ("SynBNCI2014004", "SynBNCI2015001")
SUBJECTS = [1, 2, 3]
SEEDS = [0, 1]
MODELS = "csp_lda,ts_lr,mdm"
CATALOGUE = "catalogue"  # a case's session: the catalogue's


class Case(NamedTuple):
    protocol: str
    params: dict = {}
    estimator: str | None = "scm"  # the models' covariance estimator; None: their files'
    session: str | None = CATALOGUE  # the datasets' protocol session
    folds: int = 1  # folds per unit
    metric: str = "accuracy"  # the run's --metric; the reference scores with scikit-learn's
    datasets: tuple[str, ...] = DATASETS
    preset: str = "paper"  # moabb: the reference's loso uses every session
    dask: bool = False  # also run on the Dask cluster

    @property
    def units(self) -> int:
        return len(self.datasets) * len(SUBJECTS) * len(SEEDS) * 3  # 3 models


FAKE = ("FakeDataset",)  # MOABB's generator: 4 subjects x 2 sessions, left/right 20 + 20 each
CASES = {
    "paper": Case("paper"),
    "paper-oas": Case("paper", estimator=None, metric="f1_macro"),
    "paper-session-1": Case("paper", session="1", metric="roc_auc", dask=True),
    "paper-first-session": Case("paper", session=None, metric="kappa"),
    "fewshot": Case("fewshot", folds=5),  # k = 1, 2, 5, 10, 20 (30 > the 20 left per class)
    "loso": Case("loso", metric="log_loss", dask=True),
    "loso-shots": Case("loso", {"shots": (2, 5)}, folds=3),  # k = 0, 2, 5
    "cross-session": Case("cross-session", folds=2, metric="balanced_accuracy", dask=True),
    "within-session": Case("within-session", folds=10),  # 5 per session
    # MOABB's FakeDataset (issue 24), serially: the first session, both sessions, and loso
    # as --preset moabb runs it (every session, one fold per target session)
    "fake-loso": Case("loso", datasets=FAKE),
    "fake-cross-session": Case("cross-session", folds=2, datasets=FAKE),
    "fake-loso-moabb": Case("loso", folds=2, datasets=FAKE, preset="moabb"),
    "fake-loso-moabb-shots": Case("loso", {"shots": (2,)}, folds=4, datasets=FAKE,
                                  preset="moabb"),  # k = 0, 2 x 2 sessions
}
JOBS_CASES = ("fewshot", "loso-shots", "within-session")  # also run with jobs=2
DASK_CASES = [name for name, case in CASES.items() if case.dask]
KEY = ("dataset", "subject", "model", "seed", "fold", "shots", "session")
REFERENCE_FILE = Path(reference_evaluator.__file__)


# -- the reference stays independent of the engine ----------------------------------------
def _imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "the reference uses absolute imports only"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _forbidden(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def test_the_reference_imports_no_engine_module():
    assert set(FORBIDDEN_MODULES) == {"benchmark.protocols", "benchmark.worker",
                                      "benchmark.engine", "benchmark.executors",
                                      "benchmark.results"}
    tree = ast.parse(REFERENCE_FILE.read_text(), filename=str(REFERENCE_FILE))
    imported = _imported_modules(tree)
    assert {"benchmark.datasets", "benchmark.preprocessing", "benchmark.pipelines"} <= imported
    assert not [m for m in imported if _forbidden(m)]
    allowed = ("benchmark.datasets", "benchmark.preprocessing", "benchmark.pipelines")
    assert all(m.split(".")[0] != "benchmark" or m.startswith(allowed) for m in imported)
    # nor through a back door: no dynamic import
    calls = {getattr(n.func, "attr", getattr(n.func, "id", None))
             for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not calls & {"import_module", "__import__", "exec", "eval"}
    # and importing it loads none of them (a fresh interpreter: this one has the engine)
    code = ("import sys, tests.reference_evaluator as r; "
            "print(','.join(m for m in sys.modules if m in r.FORBIDDEN_MODULES or "
            "m.startswith(tuple(f + '.' for f in r.FORBIDDEN_MODULES))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REFERENCE_FILE.parents[1],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- running both -------------------------------------------------------------------------
def _pipes(estimator: str | None) -> list:
    """The models, with ``estimator`` as their covariance estimator (None: as defined)."""
    pipes = select_pipelines(MODELS, discover_pipelines())
    if estimator is None:
        return pipes
    out = []
    for pipe in pipes:
        steps = [dict(step, parameters={**step["parameters"], "estimator": estimator})
                 if "estimator" in (step.get("parameters") or {}) else step
                 for step in pipe.steps]
        assert steps != pipe.steps, pipe.name
        out.append(replace(pipe, steps=steps))
    return out


def _specs(case: Case) -> list:
    specs = [get_dataset_spec(name) for name in case.datasets]
    if case.session != CATALOGUE:
        specs = [replace(spec, session=case.session) for spec in specs]
    return specs


def reference_tables(names: list[str]) -> dict[str, list[dict]]:
    """The reference's rows of each case in ``names`` (run in a child process).

    Each subject is loaded once through MOABB (``load_subject``) and kept in a dict for
    the cases of this call; nothing else is shared between units.
    """
    import warnings

    from threadpoolctl import threadpool_limits

    from benchmark.datasets import load_subject

    warnings.filterwarnings("ignore")
    loaded = {}

    def load(spec, subject, loading):
        key = (spec.name, spec.classes, subject, loading)
        if key not in loaded:
            loaded[key] = load_subject(spec, subject, loading)
        return loaded[key]

    from benchmark.preprocessing.config import preset_config

    def protocol(case: Case) -> ReferenceProtocol:
        sessions = "all" if case.protocol == "loso" and case.preset == "moabb" else "dataset"
        return ReferenceProtocol(case.protocol, sessions=sessions, **case.params)

    with threadpool_limits(1):  # one core each: the engine runs beside it
        return {name: reference_evaluator.evaluate(
                    _specs(CASES[name]), protocol(CASES[name]), SUBJECTS, SEEDS,
                    _pipes(CASES[name].estimator), load=load,
                    base=preset_config(CASES[name].preset), metric=CASES[name].metric)
                for name in names}


def _engine_rows(name: str, out: Path, cache: Path, **execution) -> list[dict]:
    case = CASES[name]
    cfg = RunConfig(pipelines=_pipes(case.estimator), datasets=_specs(case),
                    protocol=get_protocol(case.protocol, **case.params), seeds=SEEDS,
                    subjects=SUBJECTS, out=str(out), cache_dir=str(cache), preset=case.preset,
                    metric=case.metric, **execution)
    summary = run_benchmark(cfg, log=lambda message: None)
    assert not summary.not_runnable and summary.skipped == 0, summary
    assert summary.done + len(summary.failed) == case.units, summary
    return read_results(out).to_dict("records")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("differential_epoch_cache")


@pytest.fixture(scope="module")
def reference():
    """``rows(case)``: the reference's rows, computed in a child process that starts at
    once, so that it runs beside the serial engine runs."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    future = pool.submit(reference_tables, list(CASES))
    tables = {}

    def rows(name: str) -> list[dict]:
        if not tables:
            tables.update(future.result())
        return tables[name]

    yield rows
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def serial(reference, cache, tmp_path_factory):
    from threadpoolctl import threadpool_limits

    out = tmp_path_factory.mktemp("differential_serial")
    with threadpool_limits(1):  # one core each: the reference runs beside it
        return {name: _engine_rows(name, out / name, cache) for name in CASES}


@pytest.fixture(scope="module")
def jobs(cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("differential_jobs")
    return {name: _engine_rows(name, out / name, cache, jobs=2) for name in JOBS_CASES}


@pytest.fixture(scope="module")
def dask(cache, tmp_path_factory):
    from distributed import LocalCluster

    out = tmp_path_factory.mktemp("differential_dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        return {name: _engine_rows(name, out / name, cache, scheduler=cluster.scheduler_address)
                for name in DASK_CASES}


# -- comparing ------------------------------------------------------------------------------
def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _key(row: dict) -> tuple:
    shots, session = row["shots"], row["session"]
    return (str(row["dataset"]), int(row["subject"]), str(row["model"]), int(row["seed"]),
            int(row["fold"]), None if _missing(shots) else int(shots),
            None if _missing(session) else str(session))


def _by_key(rows: list[dict], who: str) -> dict[tuple, dict]:
    table = {}
    for row in rows:
        key = _key(row)
        assert key not in table, f"{who} has two rows for {dict(zip(KEY, key))}"
        table[key] = row
    return table


def assert_same_rows(engine: list[dict], reference: list[dict], case: Case) -> None:
    """Row for row: status, split hash, n_train, n_test and score (to 1e-9)."""
    eng, ref = _by_key(engine, "the engine"), _by_key(reference, "the reference")
    assert len(ref) == case.units * case.folds
    only_engine, only_reference = sorted(set(eng) - set(ref)), sorted(set(ref) - set(eng))
    assert not only_engine and not only_reference, (
        f"rows only the engine has: {only_engine[:5]}; only the reference: {only_reference[:5]}")
    problems = []
    for key in sorted(ref, key=str):
        e, r = eng[key], ref[key]
        diff = []
        if e["status"] != r["status"]:
            diff.append(f"status {e['status']} ({e['error']}) != {r['status']} ({r['error']})")
        if e["split"] != r["split"]:
            diff.append(f"split {e['split']} != {r['split']}")
        if r["status"] == "ok" and e["status"] == "ok":
            for col in ("n_train", "n_test"):
                if int(e[col]) != r[col]:
                    diff.append(f"{col} {e[col]} != {r[col]}")
            if not abs(float(e["score"]) - r["score"]) <= 1e-9:
                diff.append(f"score {e['score']!r} != {r['score']!r}")
        if diff:
            problems.append(f"{dict(zip(KEY, key))}: {'; '.join(diff)}")
    assert not problems, (f"{len(problems)} of {len(ref)} rows differ from the reference:\n"
                          + "\n".join(problems[:20]))
    assert sum(r["status"] == "ok" for r in ref.values()) > 0.9 * len(ref)


@pytest.mark.parametrize("name", list(CASES))
def test_serial_engine_gives_the_reference_rows(name, serial, reference):
    assert_same_rows(serial[name], reference(name), CASES[name])


@pytest.mark.parametrize("name", JOBS_CASES)
def test_jobs_2_gives_the_reference_rows(name, jobs, reference):
    assert_same_rows(jobs[name], reference(name), CASES[name])


@pytest.mark.parametrize("name", DASK_CASES)
def test_a_dask_cluster_gives_the_reference_rows(name, dask, reference):
    assert_same_rows(dask[name], reference(name), CASES[name])


def test_the_cases_test_what_they_say(reference):
    """Guards the test itself: the models of a unit share its folds; splits differ between
    subjects (loso targets), seeds (where something is drawn) and folds; the session
    cases use the session they name; some folds fail (CSP on one trial per class)."""
    for name, case in CASES.items():
        rows = reference(name)
        by_fold = {}
        for r in rows:
            by_fold.setdefault((r["dataset"], r["subject"], r["seed"], r["fold"]),
                               set()).add(r["split"])
        assert all(len(splits) == 1 for splits in by_fold.values()), name
        drawn = case.protocol not in ("cross-session", "loso") or case.params
        for dataset in case.datasets:
            splits = [s for (d, subject, seed, fold), s in by_fold.items()
                      if d == dataset and (drawn or seed == SEEDS[0])]
            assert len(set().union(*splits)) == len(splits), (name, dataset)
        sessions = {r["session"] for r in rows}
        expected = {"cross-session": {"0", "1"}, "within-session": {"0", "1"},
                    "paper-session-1": {"1"}, "paper-first-session": {None},
                    "fake-loso": {None}, "fake-cross-session": {"0", "1"},
                    "fake-loso-moabb": {"0", "1"}, "fake-loso-moabb-shots": {"0", "1"}}
        assert sessions == expected.get(name, {"0"}), name
    # loso on every session: each session's fold of a target has the training set of the
    # other subjects' both sessions (twice the trials of loso on the first session)
    first, every = reference("fake-loso"), reference("fake-loso-moabb")
    assert {r["n_train"] for r in every} == {2 * n for n in {r["n_train"] for r in first}}
    failed = [r for r in reference("fewshot") if r["status"] == "failed"]
    assert failed and all(r["shots"] == 1 and r["model"] == "csp_lda" for r in failed)
    assert {r["n_train"] for r in reference("paper-session-1")} == {24}  # floor(0.3 * 80)
    assert not {r["split"] for r in reference("paper-session-1")} & {
        r["split"] for r in reference("paper")}
