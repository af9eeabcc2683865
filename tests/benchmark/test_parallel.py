"""--jobs and --scheduler give the rows of a serial run; dead workers are handled."""

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmark.engine import RunConfig, plan_units, run_benchmark
from benchmark.executors import make_executor
from benchmark.pipelines import PipelineSpec, discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results

pytestmark = [pytest.mark.slow, pytest.mark.integration]  # worker pools, a Dask cluster

VOLATILE = ["fit_time", "predict_time", "finished_at"]


def _cfg(spec, out, **kw):
    pipes = select_pipelines("csp_lda,ts_lr,mdm", discover_pipelines())
    pipes.append(discover_pipelines()["eegnet"].with_parameters(max_epochs=2))
    return RunConfig(pipelines=pipes, datasets=[spec],
                     protocol=get_protocol("fewshot", shots=(2, 5)),
                     seeds=[0, 1], out=str(out), **kw)


def _table(out):
    df = read_results(out).drop(columns=VOLATILE)
    return df.sort_values(["model", "subject", "seed", "fold"]).reset_index(drop=True)


def test_jobs_and_a_dask_cluster_give_the_serial_rows(tiny_spec, tmp_path):
    from distributed import LocalCluster

    serial = run_benchmark(_cfg(tiny_spec, tmp_path / "serial"), log=lambda m: None)
    assert serial.done == 16 and not serial.failed
    jobs = run_benchmark(_cfg(tiny_spec, tmp_path / "jobs", jobs=2), log=lambda m: None)
    assert jobs.done == 16 and not jobs.failed
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        cluster.wait_for_workers(2)  # both up first: the run sizes its tasks in flight by them
        dask = run_benchmark(_cfg(tiny_spec, tmp_path / "dask",
                                  scheduler=cluster.scheduler_address),
                             log=lambda m: None)
    assert dask.done == 16 and not dask.failed
    reference = _table(tmp_path / "serial")
    assert len(reference) == 32 and (reference["status"] == "ok").all()
    pd.testing.assert_frame_equal(_table(tmp_path / "jobs"), reference)
    pd.testing.assert_frame_equal(_table(tmp_path / "dask"), reference)


class KillsItsWorker:
    """An estimator whose fit ends its process, as the kernel's OOM killer would.

    It ends it once a unit is stored in ``units``: the engine stores results only after
    it has submitted every unit it keeps in flight, so the death never meets a submission
    (the order is set by that event, not by how fast the workers start).
    """

    def __init__(self, units: str):
        self.units = Path(units)

    def fit(self, X, y):
        deadline = time.monotonic() + 300  # only a broken engine stores nothing
        while not any(self.units.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os._exit(9)

    def predict(self, X):  # pragma: no cover
        return [0] * len(X)


class RunsOutOfMemory:
    def fit(self, X, y):
        raise MemoryError("cannot allocate 80 GiB")

    def predict(self, X):  # pragma: no cover
        return [0] * len(X)


def test_a_dead_worker_fails_only_its_unit(tiny_spec, tmp_path):
    # --jobs 4 keeps 8 units in flight: the whole grid is submitted at once, so the reruns
    # that follow a death run one at a time and never overlap another death.
    cfg = RunConfig(pipelines=select_pipelines("csp_lda,ts_lr", discover_pipelines()),
                    datasets=[tiny_spec], protocol=get_protocol("paper"), seeds=[0],
                    out=str(tmp_path), jobs=4)
    for name, cls, params in (("killer", "KillsItsWorker", {"units": str(tmp_path / "units")}),
                              ("oom", "RunsOutOfMemory", {})):
        cfg.pipelines.append(PipelineSpec(name=name, steps=[
            {"from": "tests.benchmark.test_parallel", "name": cls, "parameters": params}]))
    executor, in_flight, _ = make_executor(cfg.jobs)
    executor.shutdown()
    assert len(plan_units(cfg)) <= in_flight
    messages = []
    summary = run_benchmark(cfg, log=messages.append)
    df = read_results(tmp_path)
    assert summary.done == 4 and len(summary.failed) == 4
    assert (df[df["model"].isin(["csp_lda", "ts_lr"])]["status"] == "ok").all()
    killer = df[df["model"] == "killer"]
    assert (killer["status"] == "failed").all()
    assert killer["error"].str.contains("worker process ended while running it, alone").all()
    oom = df[df["model"] == "oom"]
    assert (oom["status"] == "failed").all()
    assert oom["error"].str.contains("MemoryError: cannot allocate 80 GiB").all()
