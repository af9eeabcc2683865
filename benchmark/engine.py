"""The evaluation engine: the grid of units, where they run, storing what they give.

:func:`plan_units` lists the grid in the order dataset → subject → seed → model, so that
consecutive units share a subject's data.  :func:`run_benchmark` runs the units not yet
stored, in this process or on an executor (:mod:`benchmark.executors`), keeping a few
tasks in flight; for each one it first *claims* the unit in the results folder (so
concurrent runs on one folder split the work), then stores the result the moment it
comes back.  Units (:mod:`benchmark.units`) are evaluated by :mod:`benchmark.worker`,
the same code everywhere, so a parallel run gives the same rows as a serial one.

Data that are not here and cannot be downloaded (offline) are summed up per dataset in
:attr:`RunSummary.missing` (one line each, with the command that fetches them) instead
of a message per unit.  Once a dataset's download has failed for lack of network, the
units submitted after it carry that news, and workers load the dataset's other subjects
with the network refused: subjects on the machine still run, the others are not tried.
(Units already submitted to a pool when the failure comes back do not carry it; each
worker process still tries at most once per dataset.)  Their units are stored as not
runnable *to be rerun*, so the next run (with the data, or network) runs them without
``--retry-failed``.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from dataclasses import dataclass, field
from typing import Callable

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.devices import (
    check_device_name,
    check_run_precision,
    place_workers,
    resolve_device,
)
from benchmark.errors import UserError
from benchmark.executors import make_executor
from benchmark.pipelines import PipelineSpec
from benchmark.metrics import METRICS, check_metric
from benchmark.preprocessing import PreprocessingConfig, digest, resolve_preprocessing
from benchmark.preprocessing.config import preset_config
from benchmark.process import seed_everything
from benchmark.progress import Progress
from benchmark.protocols import Protocol
from benchmark.results import ResultStore, package_versions
from benchmark.units import (
    EvaluationSettings,
    OfflineKey,
    Unit,
    UnitResult,
    adaptation_version,
    config_digest,
    unit_row,
)
from benchmark.worker import evaluate_unit

__all__ = ["RunConfig", "RunSummary", "MissingDataset", "plan_units", "run_benchmark",
           "seed_everything", "dataset_loading", "wanted", "check_one_configuration",
           "run_pipelines", "strategy_pipelines", "run_device", "trains_networks",
           "row_strategies"]


@dataclass
class RunConfig:
    """Everything that defines a run (and, for the last fields, how it is executed)."""

    pipelines: list[PipelineSpec]
    datasets: list[DatasetSpec]
    protocol: Protocol
    seeds: list[int]
    out: str
    subjects: list[int] | None = None
    preprocessing: PreprocessingConfig | None = None  # None: the preset's
    template: str | None = None  # run-wide override of the template method
    retry_failed: bool = False
    jobs: int = 1
    scheduler: str | None = None
    cache_dir: str | None = None  # epoch cache folder; None: the default one
    use_cache: bool = True
    plugins: tuple[str, ...] = ()
    metric: str = "accuracy"  # benchmark.metrics.METRICS
    window: tuple[float, float] | None = None  # run-wide --window, over each dataset's own
    preset: str = "paper"  # "moabb": MOABB's paradigm defaults
    device: str = "auto"  # --device of the deep models: auto, cpu, cuda, cuda:N
    precision: str = "fp32"  # --precision of the deep models: fp32, bf16, fp16
    finetune: tuple[str, ...] | None = None  # --finetune: None, each pipeline's own strategy
    feature_cache: bool = True  # frozen backbones' features kept between folds and units

    def __post_init__(self):
        from benchmark.models import PRECISIONS, STRATEGIES, check_strategy

        if self.precision not in PRECISIONS:
            raise UserError(f"unknown --precision {self.precision!r}; choose one of "
                            f"{', '.join(PRECISIONS)}")
        check_metric(self.metric, {d.name: len(d.classes) for d in self.datasets})
        self.protocol = self.protocol.for_preset(self.preset)  # moabb: loso on every session
        if self.preprocessing is None:
            self.preprocessing = preset_config(self.preset)
        elif self.preprocessing.preset != self.preset:
            raise UserError(f"the preprocessing given is of preset {self.preprocessing.preset!r}, "
                            f"the run's is {self.preset!r}; pass one of them")
        if self.jobs < 1:
            raise UserError(f"--jobs must be at least 1, got {self.jobs}")
        if self.jobs > 1 and self.scheduler:
            raise UserError("--jobs and --scheduler exclude each other: the cluster's workers "
                            "set the parallelism; drop --jobs")
        if self.finetune is not None:
            if not [s for s in self.finetune if s]:
                raise UserError("--finetune names no strategy; give one or more of "
                                f"{', '.join(STRATEGIES)} (comma-separated)")
            self.finetune = tuple(dict.fromkeys(check_strategy(s, tuple(STRATEGIES))
                                                for s in self.finetune))
            if not any(s in (p.strategies() or ("full",)) for p in self.pipelines
                       for s in self.finetune):
                raise UserError(_no_model_takes(self.finetune, self.pipelines))
        if self.pipelines and not strategy_pipelines(self)[0]:  # all left out for the metric
            raise UserError(f"nothing left to run: {strategy_pipelines(self)[1][0]}; choose "
                            "another --metric or --finetune")


@dataclass
class MissingDataset:
    """A dataset whose data are (partly) not here and could not be downloaded.

    Attributes
    ----------
    dataset : str
        Its catalogue name.
    where : str
        MNE's data folder the recordings were looked for in.
    cause : str
        Why the download failed (the first attempt's reason).
    n_subjects : int
        Subjects the dataset has.
    whole : bool
        Whether each unit needs every subject (cross-subject protocols).
    subjects : set of int
        Subjects of the units not run for this reason (their targets, for cross-subject
        protocols).
    missing : set of int
        Subjects whose recordings were found missing (a cross-subject unit stops at the
        first one, so there may be more).
    tried : bool
        Whether ``cause`` is an attempt's (rather than a refusal that followed one).
    """

    dataset: str
    where: str
    cause: str
    n_subjects: int
    whole: bool = False
    subjects: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    tried: bool = False

    def fetch_command(self) -> str:
        """The command that downloads what is missing."""
        command = f"python -m benchmark download --datasets {self.dataset}"
        if not self.whole and len(self.subjects) < self.n_subjects:
            command += f" --subjects {_ranges(self.subjects)}"
        return command

    def line(self) -> str:
        """One line: the dataset, what was not run, where it was looked for, why, the fix."""
        if self.whole:  # every unit needs every subject: say which were found missing
            what = (f"subject(s) {_ranges(self.missing)} (at least) missing, so "
                    f"{len(self.subjects)} target(s) not run:")
        else:
            what = f"subject(s) {_ranges(self.subjects)} not run:"
        return (f"dataset {self.dataset}: {what} not in "
                f"the MOABB cache under {self.where} and not downloadable ({self.cause}); "
                f"run `{self.fetch_command()}` on a machine with network, or point MNE_DATA at "
                "a folder that holds the data")


def _ranges(numbers) -> str:
    """``1-3,5`` for {1, 2, 3, 5} (as ``--subjects`` takes them)."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and n == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ",".join(out)


@dataclass
class RunSummary:
    done: int = 0
    skipped: int = 0
    stored_ok: int = 0  # of the skipped units, those stored with a result (by earlier runs)
    busy: int = 0  # units another run on the same folder was running
    failed: list[str] = field(default_factory=list)
    not_runnable: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # not-runnable model/dataset -> why
    missing: dict[str, MissingDataset] = field(default_factory=dict)  # by dataset: no data
    seconds: float = 0.0

    def exit_status(self) -> int:
        """1 if a unit failed in this run, or if no unit of the grid has a result (run now
        or stored before; failures and not-runnable units stored by earlier runs count as
        none) and none is left to another run on the folder; 0 otherwise (what is missing
        is listed)."""
        grid = (self.done + self.skipped + self.busy + len(self.failed)
                + len(self.not_runnable))
        produced = self.done + self.stored_ok
        return 1 if self.failed or (grid and not produced and not self.busy) else 0


def _unit_key(spec, subject, session, pipe, pre, protocol, seed, metric) -> dict:
    return _base_unit_key(spec, subject, session, pipe, pre, protocol, seed, metric) \
        | adaptation_version(pipe)


def _base_unit_key(spec, subject, session, pipe, pre, protocol, seed, metric) -> dict:
    return {
        "dataset": spec.name,
        "dataset_config": digest({"cls": spec.moabb_class, "kwargs": spec.kwargs,
                                  "classes": spec.classes}),
        "subject": int(subject),
        "session": session,
        "model": pipe.name,
        "pipeline": pipe.digest(),
        "preprocessing": pre.digest(),
        "protocol": protocol.to_dict(),
        "seed": int(seed),
        "metric": metric,
    }


def dataset_loading(spec: DatasetSpec, cfg: RunConfig) -> PreprocessingConfig:
    """The band, rate and window a dataset is loaded with in this run.

    The run's ``--window`` if given; otherwise the catalogue's window of the dataset
    (the paper's 4 s), or, with the ``moabb`` preset, the dataset's own task interval.
    """
    if cfg.window is not None:
        return cfg.preprocessing.with_window(*cfg.window)
    if cfg.preprocessing.preset == "moabb":
        return cfg.preprocessing
    return cfg.preprocessing.with_window(*spec.window)


def plan_units(cfg: RunConfig) -> list[Unit]:
    """Every unit of the grid, dataset → subject → seed → model."""
    units = []
    for spec in cfg.datasets:
        all_subjects = list(spec.subject_ids)
        subjects = cfg.subjects or all_subjects
        bad = [s for s in subjects if s not in all_subjects]
        if bad:
            raise UserError(f"dataset {spec.name} has subjects {_ranges(all_subjects)}; {bad} do "
                            "not exist; fix --subjects")
        loading = dataset_loading(spec, cfg)
        session = cfg.protocol.unit_session(spec.session)
        for subject in subjects:
            for seed in cfg.seeds:
                for pipe in run_pipelines(cfg):
                    pre = resolve_preprocessing(loading, pipe.preprocessing, cfg.template)
                    key = _unit_key(spec, subject, session, pipe, pre, cfg.protocol, seed,
                                    cfg.metric)
                    units.append(Unit(spec, int(subject), int(seed), pipe, pre, key,
                                      digest(key), loading=loading))
    return units


def _no_model_takes(strategies: tuple[str, ...], pipelines) -> str:
    """The one-line error for a ``--finetune`` that none of the run's models takes:
    which registered models take each strategy asked for."""
    from benchmark.models import list_models, model_strategies

    names = ", ".join(p.name for p in pipelines)
    takers = []
    for strategy in strategies:
        models = [m for m in list_models() if strategy in model_strategies(m)]
        shown = ", ".join(models[:4]) + (", ..." if len(models) > 4 else "")
        takers.append(f"{strategy}: {shown}")
    hint = ("add --models foundation or drop --finetune" if set(strategies) - {"frozen_embedding"}
            else "add --models mirepnet,mirepnet_scratch or drop --finetune")
    return (f"none of the models asked for ({names}) takes --finetune {','.join(strategies)} "
            f"(taken by {'; '.join(takers)}); {hint}")


def strategy_pipelines(cfg: RunConfig) -> tuple[list[PipelineSpec], list[str]]:
    """The run's pipelines along its ``--finetune`` axis, and a line per model left out.

    Without ``--finetune`` every pipeline runs as it is (a foundation model with its
    file's strategy, ``full`` by default).  With it, each foundation model runs once per
    strategy it takes (:meth:`PipelineSpec.with_strategy`; ``full`` keeps the pipeline,
    and so its units' keys, unchanged); a model that trains from scratch (classical
    pipelines, specialists) runs where ``full`` is asked for; whatever does not apply is
    left out, never run under another strategy.
    """
    out, left = [], []
    if cfg.finetune is None:
        out = list(cfg.pipelines)
    else:
        for pipe in cfg.pipelines:
            takes = pipe.strategies() or ("full",)
            kept = [s for s in cfg.finetune if s in takes]
            out += [pipe.with_strategy(s) if pipe.strategies() else pipe for s in kept]
            missing = [s for s in cfg.finetune if s not in takes]
            if missing:
                why = ("trains from scratch: full only" if not pipe.strategies()
                       else f"takes {', '.join(takes)}")
                left.append(f"{pipe.name}: --finetune {', '.join(missing)} left out ({why})")
    if not _needs_probabilities(cfg):
        return out, left
    from benchmark.models import WITHOUT_PROBABILITIES

    scored = []
    for pipe in out:
        if pipe.strategy in WITHOUT_PROBABILITIES:
            left.append(f"{pipe.name}: --finetune {pipe.strategy} left out (--metric "
                        f"{cfg.metric} needs class probabilities here, and its classifier "
                        "gives decision scores only)")
        else:
            scored.append(pipe)
    return scored, left


def _needs_probabilities(cfg: RunConfig) -> bool:
    """Whether the run's metric needs class probabilities: the losses and ECE always,
    ROC-AUC on a dataset of more than two classes (one-vs-rest over probabilities; with
    two, the decision scores serve)."""
    needs = METRICS[cfg.metric].needs
    return needs == "probabilities" or (needs == "scores"
                                        and any(len(d.classes) > 2 for d in cfg.datasets))


def run_pipelines(cfg: RunConfig) -> list[PipelineSpec]:
    """The run's pipelines with its ``--precision`` given to the models that take it.

    A precision other than fp32 changes what a network computes, so it becomes a
    parameter of those models' pipeline steps: part of the pipeline's digest, hence of
    the unit's key and configuration (a bf16 run never resumes or joins an fp32 one).
    fp32 is every factory's default and is left out, so the units and folders of runs
    made before the option existed keep their keys.  Models without a network do not
    take it: their units are the same in every precision.
    """
    pipelines = strategy_pipelines(cfg)[0]
    if cfg.precision == "fp32":
        return pipelines
    return [p.with_parameters(precision=cfg.precision) if p.accepts("precision") else p
            for p in pipelines]


def trains_networks(pipelines: list[PipelineSpec]) -> bool:
    """Whether any of ``pipelines`` trains a network (takes ``--device``)."""
    return any(p.accepts("device") for p in pipelines)


def run_device(cfg: RunConfig) -> str:
    """The run's device (:func:`benchmark.devices.resolve_device`), checked with its
    precision; ``cpu`` without asking torch when no pipeline has a network.

    On a Dask cluster (``--scheduler``) the workers' machines decide: the value is only
    checked for its form here, and each worker resolves it (``auto``: its GPU if it has
    one) and uses its current GPU (start one Dask worker per GPU).
    """
    if not trains_networks(cfg.pipelines):
        return "cpu"
    if cfg.scheduler:
        return check_device_name(cfg.device)
    device = resolve_device(cfg.device)
    if cfg.precision != "fp32":
        check_run_precision(cfg.precision, device)
    return device


def check_one_configuration(units: list[Unit], store: ResultStore, cfg: RunConfig) -> None:
    """Refuse to add rows of another configuration to a folder's (dataset, model) rows.

    The tables average a model's rows per dataset and subject; rows of two windows,
    presets, metrics, protocol versions, pipeline settings or class choices
    (``--classes``) would be averaged together into a number that no configuration
    gives.  Extending a folder with more subjects, seeds or models of the same
    configuration is fine.
    """
    rows = store.rows()
    if rows.empty:
        return
    stored, classes = {}, {}
    strategies = row_strategies(rows)
    for r, strategy in zip(rows[["dataset", "model", "config_digest", "metric",
                                 "preprocessing", "protocol_config", "pipeline", "classes"]]
                           .itertuples(index=False), strategies):
        pair = (r.dataset, r.model, strategy)
        stored.setdefault(pair, r)
        if isinstance(r.classes, str) and r.classes:  # rows before every row had them: none
            classes.setdefault(pair, r.classes)
    checked = set()
    for unit in units:  # one configuration per (dataset, model, strategy): check each once
        pair = (unit.spec.name, unit.pipe.name, unit.pipe.strategy)
        old = stored.get(pair)
        if old is None or pair in checked:
            continue
        checked.add(pair)
        chosen = ",".join(unit.spec.classes)
        if classes.get(pair, chosen) != chosen:
            raise UserError(
                f"{store.root} holds {unit.pipe.name} on {unit.spec.name} evaluated on the "
                f"classes {classes[pair]}, not {chosen}; rows of two class choices would be "
                "averaged together: pass another --out (or the same --classes)")
        if (old.config_digest == config_digest(unit.pipe, unit.pre, cfg.protocol)
                and old.metric == cfg.metric):
            continue
        new = {"metric": cfg.metric,
               "preprocessing": json.dumps(unit.pre.to_dict(), sort_keys=True),
               "protocol_config": json.dumps(cfg.protocol.to_dict(), sort_keys=True),
               "pipeline": json.dumps(unit.pipe.to_dict(), sort_keys=True, default=str)}
        what = next((k for k in new if str(getattr(old, k)) != new[k]), "configuration")
        raise UserError(
            f"{store.root} holds {unit.pipe.name} on {unit.spec.name} made with another {what} "
            f"({getattr(old, what, '?')}); rows of two configurations would be averaged "
            "together: pass another --out (or remove that folder)")


def row_strategies(rows) -> list[str]:
    """Each stored row's adaptation strategy: its ``finetune`` column, or, for rows from
    before it, its pipeline's (the ``finetune`` parameter of its foundation model, else
    ``full`` for a foundation model and ``""`` for any other)."""
    out, known = [], {}
    finetune = rows["finetune"] if "finetune" in rows else [None] * len(rows)
    for value, pipeline in zip(finetune, rows["pipeline"]):
        if isinstance(value, str) and value:
            out.append(value)
            continue
        if pipeline not in known:
            try:
                spec = PipelineSpec(**{k: v for k, v in json.loads(pipeline).items()
                                       if k in ("name", "steps", "preprocessing")})
                known[pipeline] = spec.strategy
            except (TypeError, ValueError, KeyError, AttributeError, UserError):
                known[pipeline] = ""
        out.append(known[pipeline])
    return out


def wanted(status: str | None, retry_failed: bool) -> bool:
    """Whether a unit of this stored status is to run (``None``: not stored, or stored to
    be rerun, see :meth:`ResultStore.status`)."""
    return status is None or (retry_failed and status != "ok")


def run_benchmark(cfg: RunConfig, log: Callable[[str], None] | None = None,
                  progress: Progress | None = None) -> RunSummary:
    """Run every pending unit of the grid; return what happened.

    Whatever stops the run (Ctrl-C, SIGKILL, a user error), every unit that finished is
    stored, and ``results.csv`` is rewritten on the way out where the process can.

    Parameters
    ----------
    cfg : RunConfig
        The grid and how to run it.
    log : callable, optional
        Where the default progress (one line per unit) goes; ``None``: where
        :class:`~benchmark.progress.Progress` sends it.  Ignored with ``progress``.
    progress : Progress, optional
        How the run reports its progress (the CLI's bar or lines).
    """
    import time

    start = time.perf_counter()
    store = ResultStore(cfg.out)
    if progress is None:
        progress = Progress() if log is None else Progress(log)
    summary = RunSummary()
    units = plan_units(cfg)
    check_one_configuration(units, store, cfg)
    stored = {u.uid: store.status(u.uid) for u in units}
    pending = [u for u in units if wanted(stored[u.uid], cfg.retry_failed)]
    summary.skipped = len(units) - len(pending)
    summary.stored_ok = sum(status == "ok" for status in stored.values())
    if not pending:
        store.export_csv()
        return summary
    device = run_device(cfg)
    placement = place_workers(cfg.jobs, device) if cfg.jobs > 1 and not cfg.scheduler else None
    executor, capacity, threads = make_executor(cfg.jobs, cfg.scheduler, placement)
    cache_dir = None
    if cfg.use_cache:
        from benchmark.datasets.cache import default_cache_dir

        cache_dir = str(cfg.cache_dir or default_cache_dir())
    settings = EvaluationSettings(protocol=cfg.protocol, cache_dir=cache_dir,
                                  plugins=tuple(cfg.plugins), threads=threads,
                                  token=uuid.uuid4().hex, metric=cfg.metric, device=device,
                                  feature_cache=cfg.feature_cache)
    versions = package_versions()
    progress.start(len(pending))
    in_flight: dict = {}  # future -> (unit, lock)
    offline: dict[OfflineKey, str] = {}  # datasets whose download failed for lack of network
    queue = iter(pending)
    alone: list[Unit] = []  # units in flight when a worker process died: rerun one at a time
    fresh_pool = False  # start new worker processes once nothing is in flight
    clean = False
    try:
        while True:
            limit = 1 if alone else capacity
            if fresh_pool and not in_flight:  # before a lone retry after out of GPU memory:
                executor.shutdown(wait=True)  # idle workers hold cached GPU memory; end them
                executor, capacity, _ = make_executor(cfg.jobs, cfg.scheduler, placement)
                fresh_pool = False
            while len(in_flight) < limit:
                unit = alone.pop(0) if alone else next(queue, None)
                if unit is None:
                    break
                lock = store.claim(unit.uid)
                if lock is None:  # another run on this folder is running it
                    summary.busy += 1
                    progress.unit_done(unit.label, "running in another process")
                    continue
                status = store.status(unit.uid)
                if not wanted(status, cfg.retry_failed):
                    lock.release()  # stored by another run meanwhile
                    summary.skipped += 1
                    summary.stored_ok += int(status == "ok")
                    progress.unit_done(unit.label, "stored by another run")
                    continue
                unit.attempts += 1
                try:
                    future = executor.submit(evaluate_unit, settings, unit, dict(offline))
                except BaseException:  # Ctrl-C inside a serial unit
                    lock.release()
                    raise
                in_flight[future] = (unit, lock)
            if not in_flight:
                break
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                unit, lock = in_flight.pop(future)
                try:
                    result = _outcome(future, unit)
                    if result is _DIED:
                        if len(in_flight) + len(finished) > 1 and unit.attempts < 2:
                            alone.append(unit)  # maybe not the culprit: try it alone
                            continue
                        result = _died(unit)
                    elif result.status == "out_of_memory":
                        if capacity > 1 and unit.attempts < 2:
                            alone.append(unit)  # other units shared the GPU: retry alone
                            fresh_pool = not cfg.scheduler  # in fresh worker processes
                            progress.message(f"out of GPU memory: {unit.label}: "
                                             "retried alone")
                            continue
                        result = _out_of_memory_alone(unit, result)
                    _record(result, unit, store, summary, progress, settings, versions,
                            offline)
                finally:
                    lock.release()
            if getattr(executor, "broken", False):  # a worker died: a fresh pool goes on
                for unit, lock in in_flight.values():
                    lock.release()
                    alone.append(unit)
                in_flight.clear()
                executor.shutdown(wait=True)
                executor, capacity, _ = make_executor(cfg.jobs, cfg.scheduler, placement)
        clean = True
    finally:
        for unit, lock in in_flight.values():
            lock.release()
        if clean:
            executor.shutdown(wait=True)
        else:  # Ctrl-C or a user error: stop the workers now
            getattr(executor, "stop_now", lambda: executor.shutdown(wait=False))()
        progress.close()
        summary.seconds = time.perf_counter() - start
        store.export_csv()
    return summary


_DIED = UnitResult("", "died")


def _outcome(future, unit: Unit) -> UnitResult:
    """The result a future holds (``_DIED`` if the worker process ended under it)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except CancelledError:
        raise
    except BrokenProcessPool:
        return _DIED
    except Exception as exc:  # dask's KilledWorker (after its own retries), unpicklable results
        reason = (f"the worker running it failed ({type(exc).__name__}: {str(exc)[:200]}); "
                  "rerun with --retry-failed")
        return UnitResult(unit.uid, "failed", [], reason, reason)


def _died(unit: Unit) -> UnitResult:
    reason = ("the worker process ended while running it, alone (killed by the operating "
              "system, e.g. out of memory); rerun with fewer --jobs and --retry-failed")
    return UnitResult(unit.uid, "failed", [], reason, reason)


def _out_of_memory_alone(unit: Unit, result: UnitResult) -> UnitResult:
    reason = (f"{result.message} (run alone); lower batch_size in its pipeline file, or "
              "pass --precision bf16, then rerun with --retry-failed")
    return UnitResult(unit.uid, "failed", [], reason, reason)


def _record(result: UnitResult, unit: Unit, store: ResultStore, summary: RunSummary,
            progress: Progress, settings: EvaluationSettings, versions: dict,
            offline: dict[OfflineKey, str]) -> None:
    """Store a unit's result and report it (missing data: in ``summary.missing``)."""
    label = unit.label
    if result.status == "error":
        raise UserError(result.message)
    rows = result.rows or [unit_row(settings, versions, unit, status="failed",
                                    error=result.message)]  # the worker died
    missing = result.missing
    store.write(unit.uid, result.status, rows, result.details, rerun=missing is not None,
                predictions=result.predictions)
    if missing is not None:
        if missing["network"]:
            offline.setdefault((missing["dataset"], missing["host"], missing["where"]),
                               missing["refusal"])
        entry = summary.missing.setdefault(unit.spec.name, MissingDataset(
            unit.spec.name, missing["where"], missing["cause"], unit.spec.n_subjects,
            whole=settings.protocol.scope == "dataset"))
        if missing["tried"] and not entry.tried:  # an attempt's reason, not a refusal's
            entry.cause, entry.tried = missing["cause"], True
        entry.subjects.add(unit.subject)
        entry.missing.add(int(missing["subject"]))
        summary.not_runnable.append(label)
        progress.unit_done(label)
    elif result.status == "ok":
        summary.done += 1
        progress.unit_done(label, result.message)
    elif result.status == "not_runnable":
        summary.not_runnable.append(label)
        what = f"dataset {unit.spec.name}" if result.scope == "dataset" else unit.pipe.name
        if what not in summary.reasons:
            summary.reasons[what] = result.message
            progress.message(f"not runnable: {label}: {result.message}")
        progress.unit_done(label)
    else:
        summary.failed.append(f"{label}: {result.message}")
        progress.message(f"failed: {label}: {result.message}")
        progress.unit_done(label)
