"""``perf gpu``: what the deep models cost on one GPU, and what the full grid would take.

Three figures, each measured through the suite's engine
(:func:`~benchmark.engine.run_benchmark`, in fresh results folders, the epoch cache kept),
so what is timed is what a user runs:

* **seconds per paper-protocol unit** (:func:`measure_units`) of every pipeline of
  ``--models all`` on one subject of each ``demo-full`` set (synthetic stand-ins with the
  real shapes of the five downstream sets: 40 to 288 trials per subject), protocol
  ``paper``, seed 0, ``--jobs 1``, and the peak GPU memory the unit allocated.  A
  pretrained model runs as its ``*_scratch`` twin (the same network with random weights:
  no download, and the training cost does not depend on the starting weights); its
  figure stands for both (loading the pretrained weights, once per unit, is not in it).
  Classical pipelines run too (on the CPU, where they always run), so the grid's
  estimate has every model.
* **``--jobs`` scaling** (:func:`measure_jobs`): the throughput of a fixed grid (by
  default four deep models of different sizes over the 9 subjects of
  ``SynFullBNCI2014001``, seed 0) with ``--jobs 1, 2, 4, 8`` whose worker processes share
  one GPU, and its speed-up over ``--jobs 1``.
* **the estimate** (:func:`grid_estimate`) of ``--models all --datasets five --seeds
  0,1,2`` (and of one seed): for each pipeline and dataset, the seconds per unit on the
  dataset's ``demo-full`` twin times its subjects times the seeds, divided by the best
  measured speed-up, plus that run's worker start-up.

How a unit is timed: the seconds from the engine's start of the unit's run (after
planning) to the moment the unit's result is stored (a :class:`~benchmark.progress.Progress`
that reads the clock, :class:`Stopwatch`): reading the subject from the warm epoch cache,
preprocessing, building, ``fit``, scoring and storing the unit, which is what every unit
of a grid pays.  The run's planning and its ``results.csv`` (once per run, not per unit)
are left out; so are the data: every subject is generated into the epoch cache before the
clock starts, and each model first runs one untimed unit on the smallest set (importing
it, starting CUDA, choosing kernels), the cost a worker pays once per model.  The rows'
``fit_time`` and ``predict_time`` are kept beside it (``fit_s``, ``predict_s``).  A unit
on a GPU returns its score as a number, so its kernels have finished when it is stored.

Throughput of ``--jobs N``: finished units per second once each worker has finished its
first unit (from the N-th stored unit to the last), so that starting N processes (each
importing torch and creating a CUDA context, paid once per run) does not count as
throughput; the start-up is reported apart (``startup_s``) and added once to the estimate.

The figures go to a CSV (:data:`~benchmark.estimate.UNIT_COLUMNS`, default
``results/perf/gpu.csv`` or ``$BENCHMARK_GPU_FIGURES``) and the jobs figures to a second
one beside it (``gpu_jobs.csv``, :data:`~benchmark.estimate.JOBS_COLUMNS`); ``run
--dry-run`` on CUDA reads both (:class:`~benchmark.estimate.GpuCosts`).

The functions take the device (default ``cuda``), so the tests run them on the CPU with a
small model and dataset; the command line measures only where CUDA is
(:data:`NO_CUDA` otherwise): GPU figures are never estimated from CPU ones.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from benchmark.errors import UserError
from benchmark.estimate import (
    JOBS_COLUMNS,
    UNIT_COLUMNS,
    GpuCosts,
    JobsScaling,
    gpu_figures_path,
    jobs_figures_path,
)
from benchmark.progress import Progress

__all__ = ["GpuPerf", "GridEstimate", "Stopwatch", "NO_CUDA", "JOBS", "JOBS_MODELS",
           "JOBS_DATASET", "measured_pipelines", "measure_units", "measure_jobs",
           "grid_estimate", "gpu_figures", "write_figures"]

logger = logging.getLogger(__name__)

#: The one line ``perf gpu`` prints where torch sees no CUDA device.
NO_CUDA = ("perf gpu: no CUDA device here (torch.cuda.is_available() is False), so nothing was "
           "measured; GPU figures are never estimated from CPU ones: run it on a machine with "
           "a GPU")
#: ``--jobs`` values of the scaling figure.
JOBS = (1, 2, 4, 8)
#: The grid of the scaling figure: deep models from a few thousand parameters to a
#: foundation model, over every subject of :data:`JOBS_DATASET`.
JOBS_MODELS = ("eegnet", "deepconvnet", "eegconformer", "mirepnet_scratch")
JOBS_DATASET = "SynFullBNCI2014001"


@dataclass(frozen=True)
class GridEstimate:
    """The estimated time of one grid of paper-protocol units from perf gpu's figures.

    Attributes
    ----------
    models : str
        The grid's ``--models`` (``"all"``).
    n_models : int
        Its pipelines.
    datasets : str
        Its ``--datasets`` (``"five"``).
    seeds : int
        Seeds of the grid.
    grid_units : int
        Its units (one per pipeline, subject and seed).
    units : int
        Those with a measured figure (the sums are over them).
    serial_s : float
        Their seconds one after the other (``--jobs 1``).
    scaling : JobsScaling
        The ``--jobs`` value assumed (the best measured; ``--jobs 1`` when none was).
    seconds : float
        ``serial_s / scaling.speedup + scaling.startup_s``.
    unmeasured : tuple of str
        Pipelines of the grid without a figure for some dataset (left out of the sums).
    twins : tuple of str
        Pipelines whose figure is their ``*_scratch`` twin's.
    """

    models: str
    n_models: int
    datasets: str
    seeds: int
    grid_units: int
    units: int
    serial_s: float
    scaling: JobsScaling
    seconds: float
    unmeasured: tuple[str, ...] = ()
    twins: tuple[str, ...] = ()


@dataclass(frozen=True)
class GpuPerf:
    """What ``perf gpu`` measured and estimated.

    Attributes
    ----------
    device, device_name, precision, torch : str
        Where and how the deep models ran (the device name from the rows).
    units : tuple of dict
        One per (pipeline, dataset), with the columns of
        :data:`~benchmark.estimate.UNIT_COLUMNS`.
    jobs : tuple of dict
        One per ``--jobs`` value, with :data:`~benchmark.estimate.JOBS_COLUMNS`.
    estimates : tuple of GridEstimate
        ``--models all --datasets five`` with one seed and with three.
    csv : Path or None
        Where the figures were written (the jobs file is beside it).
    """

    device: str
    device_name: str
    precision: str
    torch: str
    units: tuple[dict, ...]
    jobs: tuple[dict, ...]
    estimates: tuple[GridEstimate, ...]
    csv: Path | None = None


class Stopwatch(Progress):
    """A silent progress that reads the clock when the run starts and at each stored unit.

    Attributes
    ----------
    done : list of float
        Seconds from the start of the run's units to each stored unit, in order.
    """

    def __init__(self):
        super().__init__(log=lambda line: None, verbose=False)
        self.done: list[float] = []
        self._start = time.perf_counter()

    def start(self, total: int) -> None:
        super().start(total)
        self._start, self.done = time.perf_counter(), []

    def unit_done(self, label: str, text: str = "") -> None:
        super().unit_done(label, text)
        self.done.append(time.perf_counter() - self._start)


def _torch_version() -> str:
    import torch

    return str(torch.__version__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _pretrained(pipe) -> bool:
    from benchmark.models import get_model_entry

    return any(get_model_entry(m).pretrained for m in pipe.model_names)


def measured_pipelines(models: str | Sequence[str] | None = None,
                       catalogue: dict | None = None) -> dict[str, str]:
    """Each pipeline that gets figures -> the pipeline that runs for it.

    Parameters
    ----------
    models : str or sequence of str, optional
        As ``--models`` takes them (default ``all``): names, globs, tags.
    catalogue : dict, optional
        Pipeline name -> PipelineSpec to choose from (default: every pipeline).

    Returns
    -------
    dict
        A pretrained pipeline maps to its ``*_scratch`` twin (the same network, random
        weights), any other to itself.  Every pretrained pipeline of the catalogue whose
        twin runs gets the twin's figures too.  A pretrained pipeline without a twin is
        left out (logged).
    """
    from benchmark.pipelines import discover_pipelines, select_pipelines

    catalogue = catalogue if catalogue is not None else discover_pipelines()
    plan: dict[str, str] = {}
    for pipe in select_pipelines(models or "all", catalogue):
        twin = f"{pipe.name}_scratch" if _pretrained(pipe) else pipe.name
        if twin in catalogue:
            plan[pipe.name] = twin
        else:
            logger.warning("perf gpu: %s needs pretrained weights and has no %s pipeline: "
                           "not measured", pipe.name, twin)
    for name, pipe in catalogue.items():
        if name not in plan and _pretrained(pipe) and f"{name}_scratch" in plan.values():
            plan[name] = f"{name}_scratch"
    return plan


def _warm_cache(specs, subjects: Sequence[int], cache: str | None) -> dict[str, int]:
    """Generate (or read) each subject into the epoch cache as the measured runs load it;
    the trials of each dataset's first subject, by name."""
    from benchmark.datasets.cache import EpochCache
    from benchmark.engine import dataset_loading

    store, trials = EpochCache(cache), {}
    for spec in specs:
        cfg = _run_config([], spec, subjects, Path("unused"), "cpu", "fp32", cache)
        for subject in subjects:
            data = cfg.protocol.select(store.load(spec, subject, dataset_loading(spec, cfg)),
                                       spec.session)
            trials.setdefault(spec.name, len(data.y))
    return trials


def _run_config(pipes, spec, subjects, out: Path, device: str, precision: str,
                cache: str | None, jobs: int = 1):
    from benchmark.engine import RunConfig
    from benchmark.protocols import PaperSplit

    return RunConfig(pipelines=list(pipes), datasets=[spec], protocol=PaperSplit(), seeds=[0],
                     out=str(out), subjects=list(subjects), jobs=jobs, cache_dir=cache,
                     device=device, precision=precision)


def _one_unit(pipe, spec, subject: int, out: Path, device: str, precision: str,
              cache: str | None) -> dict:
    """Run one paper-protocol unit through the engine; its seconds, memory and row facts."""
    from benchmark.devices import device_name, uses_cuda
    from benchmark.engine import run_benchmark
    from benchmark.results import ResultStore

    on_gpu = uses_cuda(device) and bool(pipe.accepts("device"))
    if on_gpu:
        import torch

        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    watch = Stopwatch()
    run_benchmark(_run_config([pipe], spec, [subject], out, device, precision, cache),
                  progress=watch)
    peak = None
    if on_gpu:
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    rows = ResultStore(out).rows()
    row = rows.iloc[0] if len(rows) else None
    status = "no row stored" if row is None else str(row["status"])
    if row is not None and status != "ok":
        status = f"{status}: {row.get('error', '')}"[:200]
    return {
        "status": status,
        "s_per_unit": watch.done[0] if watch.done and status == "ok" else math.nan,
        "fit_s": float(row["fit_time"]) if status == "ok" else math.nan,
        "predict_s": float(row["predict_time"]) if status == "ok" else math.nan,
        "peak_mem_mb": peak,
        "device": str(row["device"]) if row is not None and "device" in row else device,
        "device_name": (str(row["device_name"]) if row is not None and "device_name" in row
                        else device_name(device)),
    }


def measure_units(models: str | Sequence[str] | None = None, datasets: str = "demo-full",
                  subject: int = 1, device: str = "cuda", precision: str = "fp32",
                  cache: str | None = None, warmup: bool = True,
                  catalogue: dict | None = None) -> list[dict]:
    """Seconds of one paper-protocol unit and peak GPU memory of each model on each dataset.

    Parameters
    ----------
    models : str or sequence of str, optional
        ``--models`` selection (default ``all``; pretrained ones run as their twin, see
        :func:`measured_pipelines`).
    datasets : str
        ``--datasets`` selection (default the ``demo-full`` suite).
    subject : int
        The subject of every dataset.
    device : str
        ``--device`` of the runs (``cuda``; ``cpu`` in the tests).
    precision : str
        ``--precision`` of the runs.
    cache : str, optional
        Epoch cache folder (default: the suite's, kept between calls).
    warmup : bool
        Run each model once, untimed, on the smallest dataset first.
    catalogue : dict, optional
        Pipelines to choose from (default: every pipeline).

    Returns
    -------
    list of dict
        One per (pipeline, dataset), with :data:`~benchmark.estimate.UNIT_COLUMNS`;
        ``peak_mem_mb`` is ``None`` off CUDA and for pipelines without a network.
    """
    from benchmark.datasets import resolve_datasets
    from benchmark.pipelines import discover_pipelines

    catalogue = catalogue if catalogue is not None else discover_pipelines()
    plan = measured_pipelines(models, catalogue)
    specs = resolve_datasets(datasets)
    trials = _warm_cache(specs, [subject], cache)
    smallest = min(specs, key=lambda s: trials[s.name])
    figures: dict[tuple[str, str], dict] = {}
    torch_version, date = _torch_version(), _now()
    with tempfile.TemporaryDirectory(prefix="perf-gpu-") as tmp:
        for i, name in enumerate(dict.fromkeys(plan.values())):
            pipe = catalogue[name]
            if warmup:
                _one_unit(pipe, smallest, subject, Path(tmp) / f"warm{i}", device, precision,
                          cache)
            for j, spec in enumerate(specs):
                figures[name, spec.name] = _one_unit(pipe, spec, subject,
                                                     Path(tmp) / f"u{i}-{j}", device,
                                                     precision, cache)
                logger.info("perf gpu: %s on %s: %s", name, spec.name,
                            figures[name, spec.name]["s_per_unit"])
    return [{"model": model, "measured_as": twin, "dataset": spec.name,
             "mimics": spec.mimics or spec.name, "subject": subject,
             "n_trials": trials[spec.name], **figures[twin, spec.name],
             "precision": precision, "torch": torch_version, "date": date}
            for model, twin in plan.items() for spec in specs]


def _steady_rate(done: list[float], jobs: int) -> float | None:
    """Units per second after the first ``jobs`` stored units (each worker's first);
    ``None`` when no unit is left after them."""
    done = sorted(done)
    first = min(jobs, len(done))
    if len(done) <= first or done[-1] <= done[first - 1]:
        return None
    return (len(done) - first) / (done[-1] - done[first - 1])


def measure_jobs(jobs: Sequence[int] = JOBS, models: Sequence[str] = JOBS_MODELS,
                 dataset: str = JOBS_DATASET, subjects: Sequence[int] | None = None,
                 device: str = "cuda", precision: str = "fp32", cache: str | None = None,
                 catalogue: dict | None = None) -> list[dict]:
    """Throughput of one grid of paper-protocol units with each ``--jobs`` on one device.

    Parameters
    ----------
    jobs : sequence of int
        Numbers of worker processes, each run on a fresh results folder.
    models : sequence of str
        Pipelines of the grid.
    dataset : str
        Its dataset.
    subjects : sequence of int, optional
        Its subjects (default: every one).
    device : str
        ``cuda`` means the first GPU (every worker shares it); ``cpu`` in the tests.
    precision, cache, catalogue
        As :func:`measure_units`.

    Returns
    -------
    list of dict
        One per ``--jobs`` value, with :data:`~benchmark.estimate.JOBS_COLUMNS`;
        ``speedup`` is relative to the fewest jobs measured (``--jobs 1`` by default).
    """
    from benchmark.datasets import get_dataset_spec
    from benchmark.devices import device_name
    from benchmark.engine import run_benchmark
    from benchmark.pipelines import discover_pipelines
    from benchmark.results import ResultStore

    if not jobs or min(jobs) < 1:
        raise UserError(f"perf gpu --jobs values must be at least 1, got {list(jobs)}; e.g. "
                        "--jobs 1,2,4,8")
    catalogue = catalogue if catalogue is not None else discover_pipelines()
    pipes = [catalogue[m] for m in models]
    spec = get_dataset_spec(dataset)
    subjects = list(subjects or range(1, spec.n_subjects + 1))
    one_gpu = "cuda:0" if device == "cuda" else device
    _warm_cache([spec], subjects, cache)
    rows, torch_version, date = [], _torch_version(), _now()
    with tempfile.TemporaryDirectory(prefix="perf-gpu-jobs-") as tmp:
        for n in sorted(set(jobs)):
            out = Path(tmp) / f"jobs{n}"
            watch = Stopwatch()
            start = time.perf_counter()
            summary = run_benchmark(_run_config(pipes, spec, subjects, out, one_gpu, precision,
                                                cache, jobs=n), progress=watch)
            wall = time.perf_counter() - start
            stored = ResultStore(out).rows()
            units = len(watch.done)
            steady = _steady_rate(watch.done, n)
            rate = steady or units / wall
            if summary.failed:  # a unit that fails fast (out of memory) would look fast
                logger.warning("perf gpu: %d unit(s) of --jobs %d failed (e.g. %s); its "
                               "speed-up is not measured", len(summary.failed), n,
                               summary.failed[0])
                rate = steady = math.nan
            rows.append({"jobs": n, "units": units, "models": "+".join(models),
                         "dataset": spec.name, "wall_s": wall, "units_per_s": units / wall,
                         "steady_units_per_s": steady,
                         "startup_s": max(0.0, wall - units / rate),
                         "device": (str(stored["device"].iloc[0])
                                    if "device" in stored and len(stored) else one_gpu),
                         "device_name": (str(stored["device_name"].iloc[0])
                                         if "device_name" in stored and len(stored)
                                         else device_name(one_gpu)),
                         "precision": precision, "torch": torch_version, "date": date,
                         "_rate": rate})
    for row in rows:
        row["speedup"] = row.pop("_rate") / (rows[0]["steady_units_per_s"]
                                             or rows[0]["units_per_s"])
    return rows


def write_figures(units: Sequence[dict], jobs: Sequence[dict],
                  csv: str | Path | None = None) -> Path:
    """Write the unit figures to ``csv`` and the jobs figures beside it; the path.

    ``csv`` defaults to :func:`~benchmark.estimate.gpu_figures_path` (where ``run
    --dry-run`` reads them); the jobs file is
    :func:`~benchmark.estimate.jobs_figures_path` of it.
    """
    import pandas as pd

    from benchmark.files import atomic_write_text

    path = gpu_figures_path(csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, pd.DataFrame(list(units), columns=list(UNIT_COLUMNS))
                      .to_csv(index=False))
    atomic_write_text(jobs_figures_path(path),
                      pd.DataFrame(list(jobs), columns=list(JOBS_COLUMNS)).to_csv(index=False))
    return path


def grid_estimate(costs: GpuCosts, seeds: int = 3, models: str = "all",
                  datasets: str = "five", catalogue: dict | None = None) -> GridEstimate:
    """The time of ``--models MODELS --datasets DATASETS`` with ``seeds`` seeds, paper protocol.

    Parameters
    ----------
    costs : GpuCosts
        perf gpu's figures (:meth:`GpuCosts.seconds` per pipeline and dataset,
        :meth:`GpuCosts.scaling` for the best ``--jobs``).
    seeds : int
        Seeds of the grid (one unit per subject, seed and pipeline).
    models, datasets : str
        The grid, as the command line takes them.
    catalogue : dict, optional
        Pipelines to choose from (default: every pipeline).

    Returns
    -------
    GridEstimate
        Seconds per unit x subjects x seeds, summed over pipelines and datasets with a
        figure, divided by the best measured speed-up, plus its workers' start-up.
    """
    from benchmark.datasets import resolve_datasets
    from benchmark.pipelines import discover_pipelines, select_pipelines

    catalogue = catalogue if catalogue is not None else discover_pipelines()
    specs = resolve_datasets(datasets)
    serial, units, grid, unmeasured, twins = 0.0, 0, 0, [], []
    pipes = select_pipelines(models, catalogue)
    for pipe in pipes:
        for spec in specs:
            grid += spec.n_subjects * seeds
            figure = costs.seconds(pipe.name, spec.name)
            if figure is None:
                unmeasured.append(pipe.name)
                continue
            if " as " in figure[1]:
                twins.append(pipe.name)
            serial += figure[0] * spec.n_subjects * seeds
            units += spec.n_subjects * seeds
    scaling = costs.scaling() or JobsScaling(jobs=1, speedup=1.0, startup_s=0.0)
    return GridEstimate(models=models, n_models=len(pipes),
                        datasets=datasets, seeds=seeds, grid_units=grid, units=units,
                        serial_s=serial, scaling=scaling,
                        seconds=serial / scaling.speedup + scaling.startup_s,
                        unmeasured=tuple(dict.fromkeys(unmeasured)),
                        twins=tuple(dict.fromkeys(twins)))


def gpu_figures(models: str | Sequence[str] | None = None, datasets: str = "demo-full",
                jobs: Sequence[int] = JOBS, jobs_models: Sequence[str] = JOBS_MODELS,
                jobs_dataset: str = JOBS_DATASET, jobs_subjects: Sequence[int] | None = None,
                device: str = "cuda", precision: str = "fp32", csv: str | Path | None = None,
                cache: str | None = None, catalogue: dict | None = None) -> GpuPerf:
    """Everything ``perf gpu`` measures, written to ``csv``, with the grid's estimates.

    Parameters
    ----------
    models, datasets, device, precision, cache, catalogue
        As :func:`measure_units`.
    jobs, jobs_models, jobs_dataset, jobs_subjects
        As :func:`measure_jobs`'s ``jobs``, ``models``, ``dataset`` and ``subjects`` (no
        ``jobs``: no scaling figure, ``--jobs 1`` assumed).
        Where ``models`` leaves some of ``jobs_models`` out, the grid has the others; where
        it leaves them all out, up to four of the deep pipelines measured.
    csv : str or Path, optional
        The figures file (default ``$BENCHMARK_GPU_FIGURES`` or ``results/perf/gpu.csv``).

    Returns
    -------
    GpuPerf
        The figures and the estimates of ``--models all --datasets five`` with 1 and 3
        seeds.
    """
    from benchmark.pipelines import discover_pipelines

    catalogue = catalogue if catalogue is not None else discover_pipelines()
    units = measure_units(models, datasets, device=device, precision=precision, cache=cache,
                          catalogue=catalogue)
    ran = list(dict.fromkeys(u["measured_as"] for u in units))
    deep = [m for m in ran if catalogue[m].accepts("device")]
    grid = [m for m in jobs_models if m in ran] or deep[:4]
    scaling = (measure_jobs(jobs, grid, jobs_dataset, jobs_subjects, device=device,
                            precision=precision, cache=cache, catalogue=catalogue)
               if jobs and grid else [])
    path = write_figures(units, scaling, csv)
    costs = GpuCosts.read(path)
    deep = [u for u in units if str(u["device"]).startswith("cuda")] or units
    return GpuPerf(device=str(deep[0]["device"]), device_name=str(deep[0]["device_name"]),
                   precision=precision, torch=str(deep[0]["torch"]), units=tuple(units),
                   jobs=tuple(scaling),
                   estimates=tuple(grid_estimate(costs, seeds=n, catalogue=catalogue)
                                   for n in (1, 3)),
                   csv=path)
