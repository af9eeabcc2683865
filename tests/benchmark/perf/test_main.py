"""`perf` dispatch: each name runs its own benchmark, `all` runs each once, in order (gpu
only where CUDA is: elsewhere one line)."""

import pytest

import benchmark.devices
from benchmark import perf
from benchmark.cli import main
from benchmark.errors import UserError
from benchmark.perf.classical import ClassicalVsMoabb
from benchmark.perf.gpu import NO_CUDA
from benchmark.perf.jobs import JobsFigures, JobsSpeedup
from benchmark.perf.text import format_figures


def _fakes(monkeypatch) -> list:
    ran = []
    fake = {name: (lambda options, name=name: ran.append((name, options.repeats)) or [])
            for name in perf.BENCHMARKS}
    monkeypatch.setattr(perf, "BENCHMARKS", fake)
    return ran


def test_each_choice_runs_only_its_benchmark(monkeypatch):
    ran = _fakes(monkeypatch)
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 1)
    blocks = list(perf.main("classical", repeats=2))
    assert ran == [("classical", 2)] and blocks[0].startswith("CPU cores: ")
    ran.clear()
    list(perf.main("all", options=perf.PerfOptions(repeats=1)))
    assert ran == [(name, 1) for name in ("zoo", "mirepnet", "classical", "jobs",
                                          "preprocessing", "pretrain", "gpu")]  # no precision
    ran.clear()
    list(perf.main("precision", options=perf.PerfOptions(repeats=1)))
    assert ran == [("precision", 1)]


def test_without_cuda_all_skips_gpu_in_one_line_and_goes_on(monkeypatch, capsys):
    ran = _fakes(monkeypatch)
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 0)
    blocks = list(perf.main("all"))
    assert [name for name, _ in ran] == ["zoo", "mirepnet", "classical", "jobs",
                                         "preprocessing", "pretrain"]
    skipped = [b for b in blocks if isinstance(b, perf.Unmeasured)]
    assert skipped == [NO_CUDA] and "\n" not in NO_CUDA
    ran.clear()
    assert list(perf.main("gpu")) == [NO_CUDA] and ran == []  # alone: no cores line either
    assert main(["perf", "all"]) == 0  # the others measured: success
    out, err = capsys.readouterr()
    assert err.splitlines() == [NO_CUDA] and out.startswith("CPU cores: ")


def test_perf_gpu_options_reach_the_measurement(monkeypatch):
    seen = {}
    monkeypatch.setitem(perf.BENCHMARKS, "gpu", lambda options: seen.update(o=options) or [])
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 1)
    assert main(["perf", "gpu", "--csv", "x.csv", "--models", "eegnet", "--jobs", "1,4",
                 "--precision", "bf16"]) == 0
    assert seen["o"] == perf.PerfOptions(repeats=3, csv="x.csv", models="eegnet", jobs=(1, 4),
                                         precision="bf16")


def test_perf_precision_and_pretrain_options_reach_the_measurement(monkeypatch):
    seen = []
    for name in ("precision", "pretrain"):
        monkeypatch.setitem(perf.BENCHMARKS, name, lambda options: seen.append(options) or [])
    assert main(["perf", "precision", "--datasets", "SynAlexMI", "--subjects", "1-2",
                 "--seeds", "0,1", "--device", "cpu", "--out", "o"]) == 0
    assert main(["perf", "pretrain", "--device", "cpu", "--precision", "bf16",
                 "--workers", "2"]) == 0
    assert (seen[0].datasets, seen[0].subjects, seen[0].seeds, seen[0].device,
            seen[0].out) == ("SynAlexMI", (1, 2), (0, 1), "cpu", "o")
    assert (seen[1].device, seen[1].precision, seen[1].workers) == ("cpu", "bf16", 2)


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
