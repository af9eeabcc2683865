"""``run --dry-run``'s estimate: the protocol's folds, the priors, the folder's rows and, on
CUDA, perf gpu's figures."""

import pandas as pd
import pytest

import benchmark.devices
from benchmark.datasets import get_dataset_spec
from benchmark.engine import RunConfig, plan_units
from benchmark.errors import UserError
from benchmark.estimate import (
    GPU_FIGURES_ENV,
    PRIOR_SECONDS_PER_FOLD,
    GpuCosts,
    describe_dry_run,
    estimate_cost,
)
from benchmark.perf.gpu import write_figures
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol


def test_cost_counts_the_protocols_folds(tmp_path):
    pipes = select_pipelines("csp_lda", discover_pipelines())
    spec = get_dataset_spec("SynBNCI2014004")
    for protocol, folds in ((get_protocol("paper"), 1), (get_protocol("within-session"), 5),
                            (get_protocol("fewshot", shots=(1, 2, 5)), 3)):
        cfg = RunConfig(pipelines=pipes, datasets=[spec], protocol=protocol, seeds=[0],
                        out=str(tmp_path), subjects=[1, 2])
        units = plan_units(cfg)
        cost = estimate_cost(units, units, protocol, None).iloc[0]
        assert cost["folds"] == 2 * folds
        assert cost["seconds"] == 2 * folds * PRIOR_SECONDS_PER_FOLD["classical"]


GPU = "NVIDIA H100 80GB HBM3"


def _gpu_figures(tmp_path, precision="fp32", device="cuda:0"):
    """perf gpu's files by hand: BNCI2014001's twin, eegnet 1 s, mirepnet as its scratch twin
    10 s, csp_lda (CPU) 0.1 s; --jobs 1, 2, 4 at 1x, 1.8x, 3x."""
    rows = [{"model": model, "measured_as": twin, "dataset": "SynFullBNCI2014001",
             "mimics": "BNCI2014001", "subject": 1, "n_trials": 144, "status": "ok",
             "s_per_unit": seconds, "fit_s": seconds / 2, "predict_s": 0.01,
             "peak_mem_mb": None if where == "cpu" else 50.0, "device": where,
             "device_name": "x86_64" if where == "cpu" else GPU, "precision": precision,
             "torch": "2.13", "date": "2026-01-01"}
            for model, twin, seconds, where in (("eegnet", "eegnet", 1.0, device),
                                                ("mirepnet", "mirepnet_scratch", 10.0, device),
                                                ("csp_lda", "csp_lda", 0.1, "cpu"))]
    jobs = [{"jobs": n, "units": 36, "models": "eegnet", "dataset": "SynFullBNCI2014001",
             "wall_s": 1.0, "units_per_s": 1.0, "steady_units_per_s": speedup,
             "speedup": speedup, "startup_s": startup, "device": device, "device_name": GPU,
             "precision": precision, "torch": "2.13", "date": "2026-01-01"}
            for n, speedup, startup in ((1, 1.0, 0.0), (2, 1.8, 5.0), (4, 3.0, 10.0))]
    return write_figures(rows, jobs, tmp_path / "perf" / "gpu.csv")


def _dry_run(tmp_path, device, jobs=1, models="eegnet,mirepnet,csp_lda",
             dataset="BNCI2014001"):
    cfg = RunConfig(pipelines=select_pipelines(models, discover_pipelines()),
                    datasets=[get_dataset_spec(dataset)], protocol=get_protocol("paper"),
                    seeds=[0], out=str(tmp_path / "res"), subjects=[1, 2], jobs=jobs,
                    cache_dir=str(tmp_path / "cache"), device=device)
    return describe_dry_run(cfg)


@pytest.fixture
def one_gpu(monkeypatch):
    """torch says one CUDA device is here."""
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 1)


def _cost_rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("estimated cost"))
    return {line.split()[0]: line.split() for line in lines[start + 2:start + 5]}


def test_dry_run_on_cuda_takes_perf_gpus_figures_and_says_so(tmp_path, monkeypatch, one_gpu):
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path)))
    text = _dry_run(tmp_path, "cuda", jobs=4)
    header = next(line for line in text.splitlines() if line.startswith("estimated cost"))
    assert header.startswith("estimated cost on cuda (seconds per fold: a paper-protocol unit "
                             "on each dataset's demo-full twin, measured by perf gpu (")
    assert "CPU cores" not in header
    rows = _cost_rows(text)
    assert rows["eegnet"][4] == "1.00" and " ".join(rows["eegnet"][5:]).startswith(
        f"measured on {GPU} by perf gpu")
    assert rows["mirepnet"][4] == "10.00" and "as mirepnet_scratch" in " ".join(rows["mirepnet"])
    assert rows["csp_lda"][4] == "0.10" and "measured on x86_64 by perf gpu" in text
    # 2 subjects x (1 + 10 + 0.1) s + 2 subjects to load x 3 s = 28.2 s; --jobs 4 measured
    # 3.0x with 10 s of start-up: 28.2 / 3 + 10 = 19.4 s
    assert "total: ~28 s of compute, ~19 s with --jobs 4 (3.0x: perf gpu measured 3.0x for " \
           "--jobs 4 on one GPU" in text
    assert "~9 s with --jobs 3" not in _dry_run(tmp_path, "cuda", jobs=3)  # not linear
    assert "measured 1.8x for --jobs 2" in _dry_run(tmp_path, "cuda", jobs=3)  # nearest
    # two GPUs: two workers on each, 2 x 1.8x; 28.2 / 3.6 + 5 = 12.8 s
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 2)
    assert "~13 s with --jobs 4 (3.6x: perf gpu measured 1.8x for --jobs 2 on one GPU, times " \
           "2 GPUs; plus 5 s starting the workers)" in _dry_run(tmp_path, "cuda", jobs=4)
    # no jobs file beside the figures: --jobs N is taken as N times faster
    (tmp_path / "perf" / "gpu_jobs.csv").unlink()
    assert GpuCosts.read(tmp_path / "perf" / "gpu.csv").scaling() is None
    assert "total: ~28 s of compute, ~7 s with --jobs 4 (a rough" in _dry_run(tmp_path, "cuda",
                                                                              jobs=4)


def test_a_demo_full_set_matches_its_own_figures(tmp_path, monkeypatch, one_gpu):
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path)))
    rows = _cost_rows(_dry_run(tmp_path, "cuda", dataset="SynFullBNCI2014001"))
    assert rows["eegnet"][4] == "1.00"
    text = _dry_run(tmp_path, "cuda", dataset="SynBNCI2014001")  # a small demo set: no twin
    assert "prior (deep)" in text and "on 2 CPU cores, not a GPU figure" in text


def test_dry_run_on_the_cpu_ignores_the_gpu_figures(tmp_path, monkeypatch, one_gpu):
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path)))
    text = _dry_run(tmp_path, "cpu", jobs=4)
    assert "perf gpu" not in text and "prior (heavy)" in text
    assert "or a prior for a demo-sized subject on 2 CPU cores" in text
    assert "with --jobs 4" in text and "measured" not in text.splitlines()[-1]


def test_gpu_figures_that_do_not_fit_the_run_are_not_used(tmp_path, monkeypatch, one_gpu):
    monkeypatch.setenv(GPU_FIGURES_ENV, str(tmp_path / "none.csv"))
    assert "no perf gpu figures in" in _dry_run(tmp_path, "cuda")
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path / "b", precision="bf16")))
    text = _dry_run(tmp_path, "cuda")
    assert "are for --precision bf16, the run's is fp32: not used" in text
    assert "by perf gpu" not in " ".join(_cost_rows(text)["eegnet"])
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path / "c", device="cpu")))
    assert "were not measured on a GPU: not used" in _dry_run(tmp_path, "cuda")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    monkeypatch.setenv(GPU_FIGURES_ENV, str(tmp_path / "bad.csv"))
    with pytest.raises(UserError, match="not a perf gpu figures file"):
        _dry_run(tmp_path, "cuda")


def test_rows_of_the_folder_made_on_a_gpu_win_over_the_gpu_figures(tmp_path):
    costs = GpuCosts.read(_gpu_figures(tmp_path))
    cfg = RunConfig(pipelines=select_pipelines("eegnet", discover_pipelines()),
                    datasets=[get_dataset_spec("BNCI2014001")], protocol=get_protocol("paper"),
                    seeds=[0], out=str(tmp_path / "res"), subjects=[1, 2])
    units = plan_units(cfg)
    rows = pd.DataFrame([{"dataset": "BNCI2014001", "model": "eegnet", "status": "ok",
                          "fit_time": 4.0, "predict_time": 1.0, "device": "cuda:0"}])
    cost = estimate_cost(units, units, cfg.protocol, rows, gpu=costs, device="cuda").iloc[0]
    assert cost["source"] == "measured here" and cost["s_per_fold"] == 5.0
    cost = estimate_cost(units, units, cfg.protocol, None, gpu=costs, device="cuda").iloc[0]
    assert cost["source"] == f"measured on {GPU} by perf gpu" and cost["seconds"] == 2.0
    # rows made on the CPU never price a GPU run, nor GPU rows a CPU run
    for made_on, run_on in (("cpu", "cuda"), ("", "cuda:1"), ("cuda:0", "cpu")):
        cost = estimate_cost(units, units, cfg.protocol, rows.assign(device=made_on),
                             gpu=costs if run_on != "cpu" else None, device=run_on).iloc[0]
        assert cost["source"] != "measured here", (made_on, run_on)
    cost = estimate_cost(units, units, cfg.protocol, rows.assign(device=""), device="cpu")
    assert cost.iloc[0]["source"] == "measured here"  # an older folder's rows: the CPU's


def test_a_gpu_run_can_be_planned_on_a_machine_without_one(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 0)
    monkeypatch.setenv(GPU_FIGURES_ENV, str(_gpu_figures(tmp_path)))
    text = _dry_run(tmp_path, "cuda", jobs=4)
    assert "estimated cost on cuda" in text and f"measured on {GPU} by perf gpu" in text


def test_dry_run_of_every_moabb_left_right_dataset(tmp_path):
    """The grid of moabb-lr from MOABB's facts alone (nothing loaded, no network): its
    subjects, and the folds its sessions give; cross-session names the one-session sets."""
    from benchmark.datasets import resolve_datasets
    from benchmark.datasets.moabb_index import suite_members

    pipes = select_pipelines("csp_lda,ts_lr,mdm", discover_pipelines())
    specs = resolve_datasets("moabb-lr")
    cfg = RunConfig(pipelines=pipes, datasets=specs, protocol=get_protocol("within-session"),
                    seeds=[0], out=str(tmp_path / "out"), use_cache=False)
    text = describe_dry_run(cfg)
    subjects = sum(s.n_subjects for s in specs)
    assert f"{3 * subjects} unit(s) in the grid" in text
    grid = text.split("units to run (dataset x model):")[1]
    for name in suite_members("moabb-lr"):
        assert f"\n{name} " in grid, name
    stieger = get_dataset_spec("Stieger2021")  # 62 subjects x 11 sessions x 5 folds
    units = plan_units(RunConfig(pipelines=pipes[:1], datasets=[stieger],
                                 protocol=get_protocol("within-session"), seeds=[0],
                                 out=str(tmp_path / "s")))
    assert estimate_cost(units, units, cfg.protocol, None).iloc[0]["folds"] == 62 * 11 * 5
    cross = RunConfig(pipelines=pipes, datasets=specs, protocol=get_protocol("cross-session"),
                      seeds=[0], out=str(tmp_path / "x"), use_cache=False)
    lines = describe_dry_run(cross).splitlines()
    single = [s.name for s in specs if s.n_sessions == 1]
    assert single and [ln for ln in lines if ln.startswith("not runnable: ")] == [
        f"not runnable: dataset {n} has one session per subject; cross-session needs two or "
        "more: use a dataset with several sessions or --protocol paper" for n in single]
    assert "\nSchirrmeister2017 " not in describe_dry_run(cross).split("units to run")[1]
