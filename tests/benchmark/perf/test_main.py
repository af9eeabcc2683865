"""`perf` dispatch: each name runs its own benchmark, `all` runs each once, in order."""

import pytest

from benchmark import perf
from benchmark.errors import UserError
from benchmark.perf.classical import ClassicalVsMoabb
from benchmark.perf.jobs import JobsFigures, JobsSpeedup
from benchmark.perf.text import format_figures


def test_each_choice_runs_only_its_benchmark(monkeypatch):
    ran = []
    fake = {name: (lambda repeats, name=name: ran.append((name, repeats)) or [])
            for name in perf.BENCHMARKS}
    monkeypatch.setattr(perf, "BENCHMARKS", fake)
    blocks = list(perf.main("classical", repeats=2))
    assert ran == [("classical", 2)] and blocks[0].startswith("CPU cores: ")
    ran.clear()
    list(perf.main("all", repeats=1))
    assert [name for name, _ in ran] == ["zoo", "mirepnet", "classical", "jobs", "preprocessing"]


def test_an_unknown_choice_is_refused_before_anything_runs():
    with pytest.raises(UserError, match="did you mean 'jobs'"):
        perf.main("jbos")


def test_the_engine_figures_state_their_sizes():
    classical = ClassicalVsMoabb(
        selection="demo", datasets=["A", "B"], subjects=[1, 2, 3], models=["mdm"], n_folds=4,
        fits=24, suite_cold=2.0, suite_warm=1.0, moabb=4.0, moabb_sessions=6,
        suite_acc={"mdm": 0.5}, moabb_acc={"mdm": 0.25})
    lines = format_figures(classical).splitlines()
    assert lines[0] == ("classical pipelines end to end (mdm), within-session 4-fold CV, "
                        "2 demo datasets x subjects 1-3, 24 fits each side:")
    assert lines[-1].endswith("mdm 0.500 / 0.250")
    jobs = JobsFigures(cores=8, grids={"g": JobsSpeedup(units=12, seconds={1: 3.0, 4: 1.0})})
    assert format_figures(jobs).splitlines() == [
        "--jobs speed-up on 8 cores (warm epoch cache):",
        f"  {'g':<26} 12 units: --jobs 1 3.0 s, --jobs 4 1.0 s, speed-up 3.00x"]
