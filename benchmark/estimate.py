"""``run --dry-run``: the grid a command would run and a rough estimate of its cost.

The cost of a unit is its model's median seconds per fold (fitting and scoring) times
the protocol's folds per unit.  The seconds per fold come, first match wins:

1. from the rows already in the output folder for the same dataset and model
   (``measured here``);
2. when the run's deep models run on CUDA (``--device`` resolved to ``cuda`` or
   ``cuda:N``), from the figures ``python -m benchmark perf gpu`` wrote (:class:`GpuCosts`):
   the seconds of one paper-protocol unit of the model on the ``demo-full`` twin of the
   dataset (the synthetic set with its real shape: a real dataset matches the row whose
   ``mimics`` names it, a ``demo-full`` set its own rows; a pretrained model its
   ``*_scratch`` twin's figure, the same network).  The file is
   ``$BENCHMARK_GPU_FIGURES`` or ``results/perf/gpu.csv``; it is used only when it was
   measured on a GPU and in the run's ``--precision``.  With ``--jobs N`` the speed-up
   perf gpu measured for the nearest number of jobs (``gpu_jobs.csv`` beside it)
   divides the total, instead of ``N``;
3. otherwise from a prior by kind of model (``prior``): what a demo-sized subject (about
   100 calibration trials, 22 channels, 1000 samples) takes on 2 CPU cores with the
   pipeline files' recipes.

Loading a subject that is not in the epoch cache adds :data:`LOAD_SECONDS`.  These are
orders of magnitude for planning, not promises: real datasets have more trials than the
demo ones, and a GPU figure is for a paper-protocol fold (other protocols train on more or
fewer trials).  GPU figures are never derived from CPU ones.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.datasets.cache import EpochCache
from benchmark.devices import check_device_name, uses_cuda
from benchmark.engine import RunConfig, plan_units, run_device, trains_networks, wanted
from benchmark.errors import UserError
from benchmark.results import ResultStore

__all__ = ["describe_dry_run", "grid_table", "estimate_cost", "format_duration",
           "PRIOR_SECONDS_PER_FOLD", "LOAD_SECONDS", "GpuCosts", "JobsScaling",
           "gpu_figures_path", "jobs_figures_path", "GPU_FIGURES_ENV", "DEFAULT_GPU_FIGURES",
           "UNIT_COLUMNS", "JOBS_COLUMNS"]

#: seconds per fold by kind of model (first matching tag), 2 CPU cores, demo-sized subject
PRIOR_SECONDS_PER_FOLD = {"heavy": 300.0, "deep": 30.0, "classical": 0.3}
LOAD_SECONDS = 3.0

#: The environment variable naming perf gpu's figures file (default :data:`DEFAULT_GPU_FIGURES`).
GPU_FIGURES_ENV = "BENCHMARK_GPU_FIGURES"
DEFAULT_GPU_FIGURES = Path("results") / "perf" / "gpu.csv"

#: Columns of perf gpu's figures file, one row per (model, dataset): ``model`` (a pipeline
#: name), ``measured_as`` (the pipeline that ran: a pretrained one's ``*_scratch`` twin),
#: ``dataset`` (a ``demo-full`` set), ``mimics`` (the real set it stands in for),
#: ``subject``, ``n_trials`` (the subject's trials), ``status`` (``ok`` or why not),
#: ``s_per_unit`` (seconds of one paper-protocol unit), ``fit_s`` and ``predict_s`` (of it,
#: in the model's ``fit`` and scoring), ``peak_mem_mb`` (peak GPU memory the unit
#: allocated; empty off CUDA and for models without a network), ``device``,
#: ``device_name``, ``precision``, ``torch`` (its version) and ``date``.
UNIT_COLUMNS = ("model", "measured_as", "dataset", "mimics", "subject", "n_trials", "status",
                "s_per_unit", "fit_s", "predict_s", "peak_mem_mb", "device", "device_name",
                "precision", "torch", "date")

#: Columns of the jobs file beside it (``gpu_jobs.csv``), one row per ``--jobs`` value:
#: ``jobs``, ``units`` (of the grid), ``models`` (``+``-joined) and ``dataset`` of the grid,
#: ``wall_s`` (the run's wall-clock seconds), ``units_per_s`` (units / wall_s),
#: ``steady_units_per_s`` (once every worker has finished its first unit: start-up left
#: out), ``speedup`` (steady throughput over that of ``--jobs 1``), ``startup_s`` (what the
#: wall time holds beyond the steady rate: starting the workers), ``device``,
#: ``device_name``, ``precision``, ``torch`` and ``date``.
JOBS_COLUMNS = ("jobs", "units", "models", "dataset", "wall_s", "units_per_s",
                "steady_units_per_s", "speedup", "startup_s", "device", "device_name",
                "precision", "torch", "date")


def gpu_figures_path(path: str | os.PathLike | None = None) -> Path:
    """Where perf gpu's figures are: ``path``, else ``$BENCHMARK_GPU_FIGURES``, else
    ``results/perf/gpu.csv`` (relative to the working folder)."""
    return Path(path or os.environ.get(GPU_FIGURES_ENV) or DEFAULT_GPU_FIGURES)


def jobs_figures_path(path: str | os.PathLike) -> Path:
    """The jobs-scaling file beside a figures file: ``gpu.csv`` -> ``gpu_jobs.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_jobs{path.suffix or '.csv'}")


@dataclass(frozen=True)
class JobsScaling:
    """What ``--jobs`` gains on one GPU, as perf gpu measured it.

    Attributes
    ----------
    jobs : int
        The number of worker processes measured.
    speedup : float
        Their throughput over that of ``--jobs 1`` (units per second, start-up left out).
    startup_s : float
        Seconds the run spent starting its workers, paid once per run.
    """

    jobs: int
    speedup: float
    startup_s: float


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the perf gpu figures {path} ({exc}); rerun `python -m "
                        f"benchmark perf gpu` or set {GPU_FIGURES_ENV} to another file") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise UserError(f"{path} is not a perf gpu figures file (no column {missing[0]!r}); "
                        f"rerun `python -m benchmark perf gpu` or set {GPU_FIGURES_ENV} to "
                        "another file")
    return table


@dataclass(frozen=True, eq=False)
class GpuCosts:
    """Seconds per paper-protocol unit and ``--jobs`` speed-ups measured by ``perf gpu``.

    Attributes
    ----------
    units : DataFrame
        The figures file (:data:`UNIT_COLUMNS`).
    jobs : DataFrame
        The jobs file (:data:`JOBS_COLUMNS`; empty when there is none).
    path : Path
        Where the figures were read from.
    """

    units: pd.DataFrame
    jobs: pd.DataFrame
    path: Path

    @classmethod
    def read(cls, path: str | os.PathLike) -> "GpuCosts | None":
        """The figures in ``path`` and the jobs file beside it; ``None`` without ``path``.

        Raises
        ------
        UserError
            When the file is not perf gpu's (a column is missing).
        """
        path = Path(path)
        if not path.is_file():
            return None
        jobs_path = jobs_figures_path(path)
        jobs = (_read_csv(jobs_path, JOBS_COLUMNS) if jobs_path.is_file()
                else pd.DataFrame(columns=list(JOBS_COLUMNS)))
        return cls(units=_read_csv(path, UNIT_COLUMNS), jobs=jobs, path=path)

    def _on_gpu(self, column: str) -> str | None:
        """``column`` of the first row measured on CUDA (``None``: no row ran there)."""
        on_gpu = self.units[self.units["device"].astype(str).str.startswith("cuda")]
        return str(on_gpu[column].iloc[0]) if len(on_gpu) else None

    @property
    def gpu_name(self) -> str | None:
        """The GPU the deep models were measured on (``None``: no row ran on CUDA)."""
        return self._on_gpu("device_name")

    @property
    def precision(self) -> str | None:
        """The ``--precision`` of the measurement (of its rows on CUDA)."""
        return self._on_gpu("precision")

    def seconds(self, model: str, dataset: str) -> tuple[float, str] | None:
        """Seconds of one paper-protocol unit of ``model`` on ``dataset``, and their source.

        Parameters
        ----------
        model : str
            A pipeline name.
        dataset : str
            A catalogue name: a real dataset (matched by the rows' ``mimics``) or a
            ``demo-full`` one (matched by name).

        Returns
        -------
        (float, str) or None
            The median seconds of the matching rows measured without error, and what
            they were measured on (``"measured on NVIDIA H100 by perf gpu"``, with ``as
            <twin>`` when another pipeline ran); ``None`` when no row matches.
        """
        u = self.units
        rows = u[(u["model"] == model) & ((u["dataset"] == dataset) | (u["mimics"] == dataset))
                 & (u["status"] == "ok")]
        seconds = pd.to_numeric(rows["s_per_unit"], errors="coerce").dropna()
        if seconds.empty:
            return None
        first = rows.iloc[0]
        source = f"measured on {first['device_name']} by perf gpu"
        if str(first["measured_as"]) != model:
            source += f" as {first['measured_as']}"
        return float(seconds.median()), source

    def scaling(self, jobs: int | None = None) -> JobsScaling | None:
        """The measured speed-up nearest ``jobs`` (the fewer jobs on a tie); the best one
        measured when ``jobs`` is ``None``; ``None`` when nothing was measured."""
        table = self.jobs.assign(speedup=pd.to_numeric(self.jobs["speedup"], errors="coerce"))
        table = table[np.isfinite(table["speedup"])]
        if table.empty:
            return None
        if jobs is None:
            row = table.loc[table["speedup"].idxmax()]
        else:
            row = table.iloc[sorted(range(len(table)), key=lambda i: (
                abs(int(table["jobs"].iloc[i]) - jobs), int(table["jobs"].iloc[i])))[0]]
        startup = pd.to_numeric(pd.Series([row["startup_s"]]), errors="coerce").fillna(0.0)
        return JobsScaling(jobs=int(row["jobs"]), speedup=float(row["speedup"]),
                           startup_s=float(startup.iloc[0]))


def _prior(pipe) -> tuple[float, str]:
    for tag, seconds in PRIOR_SECONDS_PER_FOLD.items():
        if tag in pipe.tags:
            return seconds, f"prior ({tag})"
    return PRIOR_SECONDS_PER_FOLD["classical"], "prior"


def estimate_cost(units, pending, protocol, rows: pd.DataFrame | None,
                  cached_subjects: set | None = None, gpu: GpuCosts | None = None,
                  device: str = "cpu") -> pd.DataFrame:
    """One row per model: pending units, folds, seconds per fold and its source, total.

    Parameters
    ----------
    units, pending : list of Unit
        The whole grid and the units not stored yet.
    rows : DataFrame, optional
        Rows already stored in the output folder (measured times).
    cached_subjects : set of (dataset, subject), optional
        Subjects whose epochs are cached (no loading cost).
    gpu : GpuCosts, optional
        perf gpu's figures, for a run on CUDA: used where the folder has no rows.
    device : str
        The run's device: only rows made on the same kind of device (a GPU, or the CPU)
        count as measured; rows without a device (older folders) count for the CPU.
    """
    measured: dict = {}
    if rows is not None and len(rows):
        ok = rows[(rows["status"] == "ok") & _same_kind(rows, device)]
        per_fold = ok["fit_time"].astype(float) + ok["predict_time"].astype(float)
        measured = per_fold.groupby([ok["dataset"], ok["model"]]).median().to_dict()
    out = []
    total_units = Counter(u.pipe.name for u in units)
    for name in dict.fromkeys(u.pipe.name for u in units):
        mine = [u for u in pending if u.pipe.name == name]
        pipe = next(u.pipe for u in units if u.pipe.name == name)
        seconds, sources = 0.0, set()
        folds = 0
        for u in mine:
            # the sessions MOABB declares; the paper's catalogue has no counts (one
            # session, two for cross-session)
            n = (protocol.n_splits(u.spec.n_sessions) if u.spec.n_sessions
                 else protocol.n_splits())
            per = measured.get((u.spec.name, name))
            on_gpu = gpu.seconds(name, u.spec.name) if gpu is not None else None
            if per is not None and np.isfinite(per):
                seconds += n * float(per)
                sources.add("measured here")
            elif on_gpu is not None:
                seconds += n * on_gpu[0]
                sources.add(on_gpu[1])
            else:
                prior, source = _prior(pipe)
                seconds += n * prior
                sources.add(source)
            folds += n
        out.append({"model": name, "units": total_units[name], "pending": len(mine),
                    "folds": folds, "s_per_fold": seconds / folds if folds else 0.0,
                    "source": " + ".join(sorted(sources)), "seconds": seconds})
    table = pd.DataFrame(out)
    to_load = {(u.spec.name, u.subject) for u in pending} - (cached_subjects or set())
    table.attrs["load_seconds"] = len(to_load) * LOAD_SECONDS
    table.attrs["subjects_to_load"] = len(to_load)
    return table


def grid_table(pending) -> pd.DataFrame:
    """Pending units by dataset (rows) and model (columns)."""
    counts = Counter((u.spec.name, u.pipe.name) for u in pending)
    if not counts:
        return pd.DataFrame()
    df = pd.Series(counts).unstack(fill_value=0)
    df.index.name, df.columns.name = "dataset", "model"
    return df


def format_duration(seconds: float) -> str:
    """``"42 s"``, ``"12 min"``, ``"3.5 h"`` or ``"4.0 days"``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _pending(cfg: RunConfig) -> tuple[list, list, pd.DataFrame | None, set]:
    """The grid's units, those still to run, the rows stored in ``cfg.out`` (``None``: no
    folder yet) and the (dataset, subject) pairs of those units in the epoch cache."""
    units = plan_units(cfg)
    root = Path(cfg.out)
    store = ResultStore(root) if (root / "units").is_dir() else None
    pending = [u for u in units if store is None or wanted(store.status(u.uid), cfg.retry_failed)]
    rows = store.rows() if store is not None else None
    cached = set()
    if cfg.use_cache:
        cache = EpochCache(cfg.cache_dir)
        cached = {(u.spec.name, u.subject) for u in pending
                  if cache.path(u.spec, u.subject, u.loading).exists()}
    return units, pending, rows, cached


def _gpu_costs(cfg: RunConfig) -> tuple[GpuCosts | None, str | None]:
    """perf gpu's figures for a run on CUDA, or ``None`` and the line that says why not."""
    path = gpu_figures_path()
    costs = GpuCosts.read(path)
    if costs is None:
        return None, (f"no perf gpu figures in {path} (`python -m benchmark perf gpu` on the "
                      f"GPU machine writes them; ${GPU_FIGURES_ENV} names another file): "
                      "priors are used")
    if costs.gpu_name is None:
        return None, f"the figures in {path} were not measured on a GPU: not used"
    if costs.precision != cfg.precision:
        return None, (f"the perf gpu figures in {path} are for --precision {costs.precision}, "
                      f"the run's is {cfg.precision}: not used")
    return costs, None


def _cost_header(device: str, sources: set[str], gpu: GpuCosts | None) -> str:
    """The line above the cost table: where its seconds per fold come from."""
    if not uses_cuda(device):
        return ("estimated cost (seconds per fold: measured in this folder, or a prior for a "
                "demo-sized subject on 2 CPU cores):")
    parts = []
    if any(s.startswith("measured here") for s in sources):
        parts.append("measured in this folder")
    if gpu is not None and any(s.startswith("measured on") for s in sources):
        parts.append(f"a paper-protocol unit on each dataset's demo-full twin, measured by "
                     f"perf gpu ({gpu.path})")
    if any(s.startswith("prior") for s in sources):
        parts.append("a prior for a demo-sized subject on 2 CPU cores, not a GPU figure")
    return f"estimated cost on {device} (seconds per fold: {'; or '.join(parts)}):"


def _with_jobs(total: float, workers: int, device: str, gpu: GpuCosts | None) -> str:
    """``, ~T with --jobs N`` and, on CUDA with measured speed-ups, what T assumes."""
    from benchmark import devices

    gpus = min(workers, max(1, devices.cuda_count())) if device == "cuda" else 1
    scaling = gpu.scaling(max(1, round(workers / gpus))) if gpu is not None else None
    if scaling is None:
        return f", ~{format_duration(total / workers)} with --jobs {workers}"
    speedup = gpus * scaling.speedup
    times = f", times {gpus} GPUs" if gpus > 1 else ""
    return (f", ~{format_duration(total / speedup + scaling.startup_s)} with --jobs {workers} "
            f"({speedup:.1f}x: perf gpu measured {scaling.speedup:.1f}x for --jobs "
            f"{scaling.jobs} on one GPU{times}; plus {scaling.startup_s:.0f} s starting the "
            "workers)")


def _same_kind(rows: pd.DataFrame, device: str) -> pd.Series:
    """Which rows were made on the kind of device ``device`` is (a GPU, or the CPU)."""
    made_on = (rows["device"].fillna("").astype(str) if "device" in rows
               else pd.Series("", index=rows.index))
    return made_on.str.startswith("cuda") == uses_cuda(device)


def _planned_device(cfg: RunConfig) -> str:
    """The device the dry run prices: ``cuda``/``cuda:N`` as asked, even on a machine
    without one (planning a GPU run from a login node); otherwise the run's own."""
    asked = check_device_name(cfg.device)
    return asked if uses_cuda(asked) and trains_networks(cfg.pipelines) else run_device(cfg)


def describe_dry_run(cfg: RunConfig) -> str:
    """What ``run --dry-run`` prints: the grid, the units to run and their estimated cost.

    Reads the output folder, the epoch cache and, for a run on CUDA, perf gpu's figures
    (:func:`gpu_figures_path`); writes nothing.

    Parameters
    ----------
    cfg : RunConfig
        The run as the command line would start it.

    Returns
    -------
    str
        Lines, without a final newline.
    """
    units, pending, rows, cached = _pending(cfg)
    seeds = ",".join(map(str, cfg.seeds))
    lines = [f"dry run: protocol {cfg.protocol.name}, seeds {seeds}, results in {cfg.out}",
             f"{len(units)} unit(s) in the grid: {len(cfg.pipelines)} model(s) x "
             f"{len(cfg.datasets)} dataset(s) x their subjects x {len(cfg.seeds)} seed(s); "
             f"{len(units) - len(pending)} already stored, {len(pending)} to run"]
    blocked = {spec.name: reason for spec in cfg.datasets
               if (reason := cfg.protocol.cannot_run(spec)) is not None}
    if blocked:  # known from the datasets' specs: such units are stored as not runnable
        lines += [f"not runnable: {reason}" for reason in blocked.values()]
        pending = [u for u in pending if u.spec.name not in blocked]
    if not pending:
        return "\n".join(lines)
    device = _planned_device(cfg)
    gpu, why_not = _gpu_costs(cfg) if uses_cuda(device) else (None, None)
    cost = estimate_cost(units, pending, cfg.protocol, rows, cached, gpu=gpu, device=device)
    shown = cost.assign(s_per_fold=cost["s_per_fold"].map(lambda v: f"{v:.2f}"),
                        seconds=cost["seconds"].map(format_duration))
    total = float(cost["seconds"].sum()) + cost.attrs["load_seconds"]
    workers = cfg.jobs if not cfg.scheduler else None
    last = f"total: ~{format_duration(total)} of compute"
    if workers and workers > 1:
        last += _with_jobs(total, workers, device, gpu)
    sources = {part for s in cost["source"] for part in s.split(" + ")}
    lines += ["", "units to run (dataset x model):", grid_table(pending).to_string(),
              "", _cost_header(device, sources, gpu), shown.to_string(index=False),
              *([why_not] if why_not else []),
              "", f"loading {cost.attrs['subjects_to_load']} subject(s) not in the epoch "
              f"cache: ~{format_duration(cost.attrs['load_seconds'])}",
              last + " (a rough estimate)"]
    return "\n".join(lines)
