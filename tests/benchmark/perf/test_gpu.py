"""`perf gpu`: refuses in one line without CUDA; its measuring runs on the CPU in tests
(a short EEGNet recipe on SynFullAlexMI subject 1); its estimate is plain arithmetic on the
CSV it writes."""

import math

import pandas as pd
import pytest

import benchmark.devices
from benchmark.cli import main
from benchmark.datasets import resolve_datasets
from benchmark.estimate import JOBS_COLUMNS, UNIT_COLUMNS, GpuCosts, jobs_figures_path
from benchmark.perf.gpu import (
    NO_CUDA,
    GpuPerf,
    gpu_figures,
    grid_estimate,
    measure_jobs,
    measure_units,
    measured_pipelines,
    write_figures,
)
from benchmark.perf.text import format_figures
from benchmark.pipelines import discover_pipelines

GPU = "NVIDIA H100 80GB HBM3"


@pytest.fixture
def short_recipes():
    """EEGNet for 1 epoch (a fraction of a second on a CPU) and CSP+LDA."""
    pipes = discover_pipelines()
    return {"eegnet": pipes["eegnet"].with_parameters(max_epochs=1), "csp_lda": pipes["csp_lda"]}


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    """One epoch cache for the module: SynFullAlexMI's subject 1 is generated once."""
    return str(tmp_path_factory.mktemp("cache"))


def test_without_cuda_perf_gpu_says_so_in_one_line_and_measures_nothing(monkeypatch, capsys,
                                                                         tmp_path):
    monkeypatch.setattr(benchmark.devices, "cuda_count", lambda: 0)
    csv = tmp_path / "gpu.csv"
    assert main(["perf", "gpu", "--csv", str(csv)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [NO_CUDA]
    assert "no CUDA device" in NO_CUDA and "never estimated from CPU" in NO_CUDA
    assert not csv.exists()


def test_pretrained_models_are_measured_as_their_scratch_twin():
    plan = measured_pipelines()
    assert len(plan) == 25 and len(set(plan.values())) == 19  # --models all; 6 twins
    assert plan["mirepnet"] == plan["mirepnet_scratch"] == "mirepnet_scratch"
    assert plan["eegnet"] == "eegnet" and plan["csp_lda"] == "csp_lda"
    assert measured_pipelines("labram_scratch") == {"labram_scratch": "labram_scratch",
                                                    "labram": "labram_scratch"}


def test_measuring_on_the_cpu_writes_the_figures(tmp_path, short_recipes, cache):
    units = measure_units(datasets="SynFullAlexMI", device="cpu", cache=cache, warmup=False,
                          catalogue=short_recipes)
    jobs = measure_jobs(jobs=(1,), models=("eegnet", "csp_lda"), dataset="SynFullAlexMI",
                        subjects=[1], device="cpu", cache=cache, catalogue=short_recipes)
    path = write_figures(units, jobs, tmp_path / "perf" / "gpu.csv")
    table = pd.read_csv(path)
    assert tuple(table.columns) == UNIT_COLUMNS
    assert list(table["model"]) == ["eegnet", "csp_lda"]  # the catalogue's order
    assert (table["status"] == "ok").all() and (table["s_per_unit"] > 0).all()
    # the unit's seconds hold its fit and its scoring, and more (loading, preprocessing)
    assert (table["s_per_unit"] >= table["fit_s"] + table["predict_s"]).all()
    assert table["peak_mem_mb"].isna().all()  # no GPU memory on the CPU
    assert set(table["device"]) == {"cpu"} and set(table["precision"]) == {"fp32"}
    assert set(table["dataset"]) == {"SynFullAlexMI"} and set(table["mimics"]) == {"AlexMI"}
    assert set(table["n_trials"]) == {40} and set(table["subject"]) == {1}
    scaling = pd.read_csv(jobs_figures_path(path))
    assert tuple(scaling.columns) == JOBS_COLUMNS and jobs_figures_path(path).name == "gpu_jobs.csv"
    (row,) = scaling.to_dict("records")
    assert row["units"] == 2 and row["speedup"] == 1.0 and row["wall_s"] > 0
    # measured on the CPU: run --dry-run on CUDA will not take these for GPU figures
    assert GpuCosts.read(path).gpu_name is None


def test_gpu_figures_measure_write_and_estimate(tmp_path, short_recipes, cache):
    figures = gpu_figures(datasets="SynFullAlexMI", jobs=(1,), jobs_dataset="SynFullAlexMI",
                          jobs_subjects=[1], device="cpu", csv=tmp_path / "gpu.csv",
                          cache=cache, catalogue=short_recipes)
    assert figures.csv == tmp_path / "gpu.csv" and figures.csv.exists()
    assert (tmp_path / "gpu_jobs.csv").exists()
    assert figures.device == "cpu" and figures.precision == "fp32"
    assert [u["model"] for u in figures.units] == ["eegnet", "csp_lda"]
    # of the default jobs grid, only the measured eegnet
    (jobs,) = figures.jobs
    assert jobs["models"] == "eegnet" and jobs["units"] == 1 and jobs["jobs"] == 1
    one, three = figures.estimates
    assert (one.seeds, three.seeds) == (1, 3) and math.isclose(three.serial_s, 3 * one.serial_s)
    assert one.units == 2 * 8  # eegnet and csp_lda on AlexMI's 8 subjects
    text = format_figures(figures)
    assert "estimate of --models all --datasets five --seeds 0,1,2" in text


def test_on_cuda_the_peak_memory_of_each_network_is_read(monkeypatch, short_recipes, cache):
    """The CUDA calls around a unit, with torch's CUDA functions stood in for (no GPU here)."""
    import torch

    calls = []
    monkeypatch.setattr(benchmark.devices, "uses_cuda", lambda device: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append("sync"))
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats",
                        lambda device=None: calls.append("reset"))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated",
                        lambda device=None: calls.append("peak") or 3 * 2**20)
    units = measure_units(datasets="SynFullAlexMI", device="cpu", cache=cache, warmup=False,
                          catalogue=short_recipes)
    assert {u["model"]: u["peak_mem_mb"] for u in units} == {"eegnet": 3.0, "csp_lda": None}
    assert calls == ["sync", "reset", "peak"]  # only around the network's unit


@pytest.mark.slow
@pytest.mark.integration
def test_jobs_runs_share_the_device_and_report_a_speedup(tmp_path, short_recipes):
    rows = measure_jobs(jobs=(1, 2), models=("eegnet",), dataset="SynFullAlexMI",
                        subjects=[1, 2, 3, 4], device="cpu", cache=str(tmp_path / "cache"),
                        catalogue=short_recipes)
    assert [r["jobs"] for r in rows] == [1, 2] and [r["units"] for r in rows] == [4, 4]
    assert rows[0]["speedup"] == 1.0 and rows[1]["speedup"] > 0
    assert all(r["startup_s"] >= 0 for r in rows)


def _hand_made(tmp_path, device="cuda:0"):
    """Figures for eegnet (1 s per unit on every set, 2 s on AlexMI's twin), mirepnet as its
    twin (10 s) and csp_lda (on the CPU, 0.1 s); --jobs 1, 2, 4."""
    rows = []
    for spec in resolve_datasets("demo-full"):
        for model, twin, seconds, where in (
                ("eegnet", "eegnet", 2.0 if spec.mimics == "AlexMI" else 1.0, device),
                ("mirepnet", "mirepnet_scratch", 10.0, device),
                ("mirepnet_scratch", "mirepnet_scratch", 10.0, device),
                ("csp_lda", "csp_lda", 0.1, "cpu")):
            rows.append({"model": model, "measured_as": twin, "dataset": spec.name,
                         "mimics": spec.mimics, "subject": 1, "n_trials": 100, "status": "ok",
                         "s_per_unit": seconds, "fit_s": seconds / 2, "predict_s": 0.01,
                         "peak_mem_mb": 100.0 if where != "cpu" else None, "device": where,
                         "device_name": GPU if where != "cpu" else "x86_64",
                         "precision": "fp32", "torch": "2.13", "date": "2026-01-01"})
    jobs = [{"jobs": n, "units": 36, "models": "eegnet", "dataset": "SynFullBNCI2014001",
             "wall_s": 36 / rate + startup, "units_per_s": 36 / (36 / rate + startup),
             "steady_units_per_s": rate, "speedup": rate, "startup_s": startup,
             "device": device, "device_name": GPU, "precision": "fp32", "torch": "2.13",
             "date": "2026-01-01"}
            for n, rate, startup in ((1, 1.0, 0.0), (2, 1.8, 5.0), (4, 3.0, 10.0))]
    return write_figures(rows, jobs, tmp_path / "gpu.csv")


def test_the_estimate_is_units_times_seconds_over_the_best_speedup(tmp_path):
    costs = GpuCosts.read(_hand_made(tmp_path))
    assert costs.gpu_name == GPU and costs.precision == "fp32"
    # a real dataset matches its demo-full twin's row, a demo-full set its own
    assert costs.seconds("eegnet", "AlexMI") == (2.0, f"measured on {GPU} by perf gpu")
    assert costs.seconds("eegnet", "SynFullBNCI2014001")[0] == 1.0
    assert costs.seconds("mirepnet", "BNCI2014001") == (
        10.0, f"measured on {GPU} by perf gpu as mirepnet_scratch")
    assert costs.seconds("eegnet", "SynBNCI2014001") is None  # the small demo set: no twin
    assert costs.seconds("labram", "BNCI2014001") is None
    # nearest measured --jobs (the fewer on a tie), the best one without a number
    assert [costs.scaling(n).jobs for n in (1, 2, 3, 8)] == [1, 2, 2, 4]
    assert costs.scaling() == costs.scaling(4) and costs.scaling(4).speedup == 3.0

    estimate = grid_estimate(costs, seeds=3, models="eegnet,mirepnet,csp_lda")
    subjects = {s.name: s.n_subjects for s in resolve_datasets("five")}
    assert subjects == {"BNCI2014001": 9, "BNCI2015001": 12, "BNCI2014004": 9, "AlexMI": 8,
                        "BNCI2014001-4": 9}
    eegnet = sum(n * (2.0 if name == "AlexMI" else 1.0) for name, n in subjects.items())
    serial = 3 * (eegnet + 10.0 * 47 + 0.1 * 47)
    assert estimate.units == estimate.grid_units == 3 * 3 * 47
    assert math.isclose(estimate.serial_s, serial)
    assert math.isclose(estimate.seconds, serial / 3.0 + 10.0)
    assert estimate.scaling.jobs == 4 and estimate.twins == ("mirepnet",)
    text = format_figures(estimate)
    assert "--datasets five --seeds 0,1,2" in text and "--jobs 4 on one GPU" in text
    assert "pretrained mirepnet: timed as the *_scratch pipeline" in text

    everything = grid_estimate(costs, seeds=1)  # --models all: most have no figure here
    assert everything.n_models == 25 and everything.units == 4 * 47  # mirepnet_scratch too
    assert everything.grid_units == 25 * 47 and "labram" in everything.unmeasured


def test_the_printed_figures_name_the_gpu_the_sets_and_the_twins(tmp_path):
    path = _hand_made(tmp_path)
    table = pd.read_csv(path)
    units = tuple(table.astype(object).where(table.notna(), None).to_dict("records"))
    jobs = tuple(pd.read_csv(jobs_figures_path(path)).to_dict("records"))
    costs = GpuCosts.read(path)
    figures = GpuPerf(device="cuda:0", device_name=GPU, precision="fp32", torch="2.13",
                      units=units, jobs=jobs,
                      estimates=(grid_estimate(costs, seeds=1), grid_estimate(costs, seeds=3)),
                      csv=path)
    lines = format_figures(figures).splitlines()
    assert lines[0].startswith("seconds per paper-protocol unit") and GPU in lines[0]
    assert lines[1].split()[:6] == ["model", "BNCI2014001", "BNCI2015001", "BNCI2014004",
                                    "AlexMI", "BNCI2014001-4"]
    mirepnet = next(line for line in lines if "mirepnet (as mirepnet_scratch)" in line)
    assert mirepnet.split()[-6:] == ["10.00"] * 5 + ["100"]
    csp = next(line for line in lines if line.strip().startswith("csp_lda"))
    assert csp.split()[-1] == "-"  # no GPU memory
    assert any(line.strip().startswith("--jobs 4") and "3.00x" in line for line in lines)
    assert sum(line.startswith("estimate of --models all") for line in lines) == 2
    assert lines[-1].startswith(f"figures written to {path}")
