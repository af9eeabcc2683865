"""--jobs and --scheduler give the rows of a serial run; dead workers are handled."""

import os

import pandas as pd

from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import PipelineSpec, discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results

VOLATILE = ["fit_time", "predict_time", "finished_at"]


def _cfg(spec, out, **kw):
    pipes = select_pipelines("csp_lda,ts_lr,mdm", discover_pipelines())
    pipes.append(discover_pipelines()["eegnet"].with_parameters(max_epochs=2))
    return RunConfig(pipelines=pipes, datasets=[spec], protocol=get_protocol("fewshot", shots=(2, 5)),
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
        dask = run_benchmark(_cfg(tiny_spec, tmp_path / "dask", scheduler=cluster.scheduler_address),
                             log=lambda m: None)
    assert dask.done == 16 and not dask.failed
    reference = _table(tmp_path / "serial")
    assert len(reference) == 32 and (reference["status"] == "ok").all()
    pd.testing.assert_frame_equal(_table(tmp_path / "jobs"), reference)
    pd.testing.assert_frame_equal(_table(tmp_path / "dask"), reference)


class KillsItsWorker:
    """An estimator whose fit ends its process, as the kernel's OOM killer would."""

    def fit(self, X, y):
        os._exit(9)

    def predict(self, X):  # pragma: no cover
        return [0] * len(X)


class RunsOutOfMemory:
    def fit(self, X, y):
        raise MemoryError("cannot allocate 80 GiB")

    def predict(self, X):  # pragma: no cover
        return [0] * len(X)


def test_a_dead_worker_fails_only_its_unit(tiny_spec, tmp_path):
    cfg = RunConfig(pipelines=select_pipelines("csp_lda,ts_lr", discover_pipelines()),
                    datasets=[tiny_spec], protocol=get_protocol("paper"), seeds=[0],
                    out=str(tmp_path), jobs=2)
    for name, cls in (("killer", "KillsItsWorker"), ("oom", "RunsOutOfMemory")):
        cfg.pipelines.append(PipelineSpec(name=name, steps=[
            {"from": "tests.benchmark.test_parallel", "name": cls, "parameters": {}}]))
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
