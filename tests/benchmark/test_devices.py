"""--device and --precision: resolving them, placing workers, recording them, OOM retries."""

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from benchmark.cli import main
from benchmark.devices import check_run_precision, place_workers, resolve_device
from benchmark.engine import RunConfig, plan_units, run_benchmark, run_pipelines
from benchmark.errors import UserError
from benchmark.executors import make_executor
from benchmark.pipelines import PipelineSpec, discover_pipelines, select_pipelines
from benchmark.process import placed_device
from benchmark.protocols import get_protocol
from benchmark.results import read_results


# -- resolving --device -----------------------------------------------------------------
@pytest.mark.parametrize("given, n_cuda, expected", [
    ("auto", 0, "cpu"), (None, 0, "cpu"), ("auto", 2, "cuda"), ("cpu", 2, "cpu"),
    ("CPU", 0, "cpu"), ("cuda", 1, "cuda"), ("cuda:1", 2, "cuda:1"),
])
def test_resolve_device(given, n_cuda, expected):
    assert resolve_device(given, n_cuda=n_cuda) == expected


@pytest.mark.parametrize("given, n_cuda, words", [
    ("cuda", 0, "no CUDA device here"), ("cuda:0", 0, "no CUDA device here"),
    ("cuda:2", 2, "cuda:0 to cuda:1"), ("gpu", 1, "choose auto, cpu, cuda or cuda:N"),
    ("cuda:x", 1, "choose auto"),
])
def test_a_device_that_is_not_here_is_one_line(given, n_cuda, words):
    with pytest.raises(UserError, match=words) as info:
        resolve_device(given, n_cuda=n_cuda)
    assert "\n" not in str(info.value)


def test_precision_that_the_device_cannot_run_is_one_line():
    check_run_precision("bf16", "cpu")  # torch has CPU autocast in bf16
    check_run_precision("fp32", "cpu")
    with pytest.raises(UserError, match="fp16 needs a CUDA device.*use --precision bf16"):
        check_run_precision("fp16", "cpu")


def test_the_cli_refuses_a_missing_gpu_and_fp16_on_the_cpu(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    base = ["run", "--models", "eegnet", "--datasets", "SynAlexMI", "--subjects", "1",
            "--out", str(tmp_path / "r")]
    assert main([*base, "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --device cuda: no CUDA device here") and "\n" not in err
    assert main([*base, "--device", "cpu", "--precision", "fp16"]) == 2
    err = capsys.readouterr().err.strip()
    assert "fp16 needs a CUDA device" in err and "\n" not in err
    assert not (tmp_path / "r").exists()  # refused before anything ran


# -- placing workers --------------------------------------------------------------------
def test_workers_are_spread_evenly_over_the_gpus():
    assert place_workers(4, "cuda", n_cuda=2) == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    assert place_workers(3, "cuda", n_cuda=4) == ["cuda:0", "cuda:1", "cuda:2"]
    eight = place_workers(8, "cuda", n_cuda=3)
    assert sorted({eight.count(d) for d in set(eight)}) == [2, 3]  # 3/3/2: even
    assert place_workers(8, "cuda", n_cuda=1) == ["cuda:0"] * 8  # more jobs than GPUs
    assert place_workers(3, "cuda:1", n_cuda=2) == ["cuda:1"] * 3
    assert place_workers(2, "cpu", n_cuda=0) == ["cpu", "cpu"]
    with pytest.raises(UserError, match="no CUDA device"):
        place_workers(2, "cuda", n_cuda=0)


def _my_device(barrier):
    barrier.wait(timeout=60)  # both tasks run at once, so in two different processes
    return placed_device()


@pytest.mark.slow
def test_each_worker_process_takes_its_own_device_of_the_placement():
    executor, _, _ = make_executor(2, devices=["fake:0", "fake:1"])
    try:
        with multiprocessing.Manager() as manager:
            barrier = manager.Barrier(2)
            futures = [executor.submit(_my_device, barrier) for _ in range(2)]
            assert sorted(f.result(timeout=120) for f in futures) == ["fake:0", "fake:1"]
    finally:
        executor.shutdown()


# -- precision in the grid's keys -------------------------------------------------------
def _cfg(spec, out, models="csp_lda,eegnet", **kw):
    return RunConfig(pipelines=select_pipelines(models, discover_pipelines()), datasets=[spec],
                     protocol=get_protocol("paper"), seeds=[0], out=str(out), **kw)


def test_precision_is_part_of_the_deep_units_keys_only(tiny_spec, tmp_path):
    fp32 = {u.pipe.name: u for u in plan_units(_cfg(tiny_spec, tmp_path)) if u.subject == 1}
    bf16 = {u.pipe.name: u for u in plan_units(_cfg(tiny_spec, tmp_path, precision="bf16"))
            if u.subject == 1}
    assert fp32["csp_lda"].uid == bf16["csp_lda"].uid  # no network: nothing changes
    assert fp32["eegnet"].uid != bf16["eegnet"].uid
    steps = bf16["eegnet"].pipe.steps[-1]["parameters"]
    assert steps["precision"] == "bf16"
    # fp32, the default, is left out: keys of folders made before the option stay valid
    assert "precision" not in fp32["eegnet"].pipe.steps[-1].get("parameters", {})
    same = _cfg(tiny_spec, tmp_path, precision="fp32")
    assert run_pipelines(same) == same.pipelines


def test_an_unknown_precision_is_one_line(tiny_spec, tmp_path):
    with pytest.raises(UserError, match="unknown --precision 'fp8'; choose one of fp32"):
        _cfg(tiny_spec, tmp_path, precision="fp8")


@pytest.mark.slow
def test_rows_record_device_and_precision_and_bf16_does_not_mix_with_fp32(tiny_spec, tmp_path):
    pipes = [discover_pipelines()["csp_lda"],
             discover_pipelines()["eegnet"].with_parameters(max_epochs=2)]
    cfg = RunConfig(pipelines=pipes, datasets=[tiny_spec], protocol=get_protocol("paper"),
                    seeds=[0], out=str(tmp_path / "bf16"), device="cpu", precision="bf16")
    assert run_benchmark(cfg, log=lambda m: None).done == 4
    df = read_results(tmp_path / "bf16")
    assert (df["status"] == "ok").all() and (df["device"] == "cpu").all()
    assert (df["device_name"].astype(str).str.len() > 0).all()
    assert set(df.loc[df["model"] == "eegnet", "precision"]) == {"bf16"}
    assert (df.loc[df["model"] == "csp_lda", "precision"].fillna("") == "").all()  # no network
    # an fp32 run into the same folder would average two precisions: refused
    cfg32 = RunConfig(pipelines=pipes, datasets=[tiny_spec], protocol=get_protocol("paper"),
                      seeds=[0], out=str(tmp_path / "bf16"), device="cpu")
    with pytest.raises(UserError, match="another pipeline"):
        run_benchmark(cfg32, log=lambda m: None)


# -- a unit that runs out of GPU memory --------------------------------------------------
class OutOfGpuMemory(ClassifierMixin, BaseEstimator):
    """Raises torch's CUDA out-of-memory error: at its first fit of each subject only
    (``once``, a marker file per subject), or always."""

    def __init__(self, folder: str, once: bool = True):
        self.folder, self.once = folder, once

    def fit(self, X, y):
        import torch

        marker = Path(self.folder) / f"fitted-{len(X)}-{float(X.sum()):.6e}"
        if not (self.once and marker.exists()):
            marker.write_text(str(os.getpid()))  # the process of the first attempt
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        (Path(self.folder) / f"retried-{marker.name}").write_text(str(os.getpid()))
        self.classes_ = sorted(set(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _oom_pipelines(folder: Path) -> list[PipelineSpec]:
    folder.mkdir(exist_ok=True)
    return [PipelineSpec(name=name, steps=[{
        "from": "tests.benchmark.test_devices", "name": "OutOfGpuMemory",
        "parameters": {"folder": str(folder / name), "once": once}}])
        for name, once in (("oom_once", True), ("oom_always", False))]


@pytest.mark.slow
@pytest.mark.integration
def test_out_of_gpu_memory_is_retried_alone_then_failed(tiny_spec, tmp_path):
    pipes = select_pipelines("csp_lda", discover_pipelines()) + _oom_pipelines(tmp_path / "m")
    for name in ("oom_once", "oom_always"):
        (tmp_path / "m" / name).mkdir()
    cfg = RunConfig(pipelines=pipes, datasets=[tiny_spec], protocol=get_protocol("paper"),
                    seeds=[0], out=str(tmp_path / "jobs"), jobs=2)
    messages = []
    summary = run_benchmark(cfg, log=messages.append)
    df = read_results(tmp_path / "jobs")
    by_model = df.groupby("model")["status"].agg(set).to_dict()
    assert by_model == {"csp_lda": {"ok"}, "oom_once": {"ok"}, "oom_always": {"failed"}}, (
        messages, df[["model", "error"]].to_string())
    assert summary.done == 4 and len(summary.failed) == 2
    assert sum("out of GPU memory" in m and "retried alone" in m for m in messages) == 4
    # the retries ran in fresh worker processes (the idle ones held cached GPU memory)
    once = tmp_path / "m" / "oom_once"
    retries = sorted(once.glob("retried-*"))
    assert len(retries) == 2
    for retry in retries:  # not in the process of its first attempt
        assert retry.read_text() != (once / retry.name.removeprefix("retried-")).read_text()
    errors = df.loc[df["model"] == "oom_always", "error"]
    assert errors.str.contains("out of memory on cpu.*CUDA out of memory.*\\(run alone\\)").all()
    assert errors.str.contains("lower batch_size").all()


def test_out_of_gpu_memory_in_a_serial_run_fails_at_once(tiny_spec, tmp_path):
    pipes = _oom_pipelines(tmp_path / "m")[1:]
    (tmp_path / "m" / "oom_always").mkdir()
    cfg = RunConfig(pipelines=pipes, datasets=[tiny_spec], protocol=get_protocol("paper"),
                    seeds=[0], out=str(tmp_path / "serial"), subjects=[1])
    summary = run_benchmark(cfg, log=lambda m: None)
    assert len(summary.failed) == 1 and "(run alone)" in summary.failed[0]
    assert len(list((tmp_path / "m" / "oom_always").iterdir())) == 1  # tried once
