"""Evaluating one unit: load (cached), split, preprocess, fit, score, make the rows.

This is the code that runs wherever a unit runs: in the main process (a serial run), in
a local worker process (``--jobs N``) or on a Dask worker (``--scheduler``).  It never
writes results: it returns a :class:`~benchmark.units.UnitResult` (its rows are
:class:`~benchmark.rows.ResultRow`) and the main process stores it, so every executor
gives the same rows and one process owns the output folder.  A process is set up for
units by :func:`benchmark.process.prepare_process` before its first one.

A process keeps the data of the subject it last worked on (epochs, splits, aligned
arrays), so consecutive units of one subject (the engine submits them in that order)
load and align once.

Offline, once a download of a dataset has failed for lack of network (here, or in
another process: the engine passes what it has learnt with each unit), the dataset's
other subjects load with the network refused (:mod:`benchmark.datasets.offline`): those
on this machine load, the others are not tried and come back as missing data.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import SubjectData, data_home, load_subject
from benchmark.datasets.offline import network_refused
from benchmark.errors import MissingData, NotRunnable, UserError
from benchmark.metrics import Predictions, predictions_problem, score_predictions
from benchmark.models import FeatureCache, network_facts
from benchmark.predictions import FoldPredictions
from benchmark.preprocessing import PreprocessingConfig, apply_preprocessing, chs_info
from benchmark.devices import device_name, resolve_device
from benchmark.process import placed_device, prepare_process, seed_everything
from benchmark.protocols import SplitIdentity, split_digest, split_identity
from benchmark.results import package_versions
from benchmark.rows import ResultRow
from benchmark.units import (
    EvaluationSettings,
    OfflineKey,
    Unit,
    UnitResult,
    missing_info,
    unit_row,
)

__all__ = ["Worker", "evaluate_unit"]


class Worker:
    """Per-process state: the data of the current subject and what was derived from it."""

    def __init__(self, settings: EvaluationSettings):
        self.settings = settings
        self.versions = package_versions()
        self._data_key = None
        self._data: SubjectData | NotRunnable | None = None
        self._labels: np.ndarray | None = None  # class indices of the current data's trials
        self._ids: np.ndarray | None = None  # trial ids of the current data's trials
        # frozen backbones' features, per (backbone weights, input trial): dropped with the data
        self._features = FeatureCache(enabled=settings.feature_cache)
        self._folds: dict[SplitIdentity, list] = {}
        self._prepared: dict = {}
        # (dataset, MNE data folder) -> why its downloads are not tried (no network)
        self._offline: dict[tuple[str, str], str] = {}
        self.device = _worker_device(settings.device)
        self._cache = None
        if settings.cache_dir is not None:
            from benchmark.datasets.cache import EpochCache

            self._cache = EpochCache(settings.cache_dir)

    # -- data ---------------------------------------------------------------------------
    def identity(self, unit: "Unit") -> SplitIdentity:
        """The unit's split identity: every cache below is keyed by it (or a part of it)."""
        return split_identity(self.settings.protocol,
                              dataset=f"{unit.spec.name}:{unit.key['dataset_config']}",
                              loading=unit.loading.loading_digest(), subject=unit.subject,
                              session=unit.key["session"], seed=unit.seed)

    def _load_one(self, spec: DatasetSpec, subject: int, loading: PreprocessingConfig
                  ) -> SubjectData:
        """One subject's trials; with the network refused where the dataset's downloads
        failed for lack of it (subjects on this machine load, the others fail at once)."""
        refused = self._offline.get((spec.name, data_home())) if self._offline else None
        try:
            with network_refused(refused) if refused else nullcontext():
                data = (self._cache.load(spec, subject, loading) if self._cache is not None
                        else load_subject(spec, subject, loading))
        except MissingData as exc:
            if exc.network:
                self._offline.setdefault((spec.name, exc.where), missing_info(exc)["refusal"])
            raise
        return self.settings.protocol.select(data, spec.session)

    def learn_offline(self, offline: dict[OfflineKey, str] | None) -> None:
        """Take in the datasets whose downloads failed for lack of network elsewhere in
        the run, where that was on this host and with this MNE data folder."""
        if not offline:
            return
        host, where = socket.gethostname(), data_home()
        for (dataset, their_host, their_where), reason in offline.items():
            if (their_host, their_where) == (host, where):
                self._offline.setdefault((dataset, where), reason)

    def data(self, unit: "Unit") -> SubjectData:
        """The trials the protocol needs for the unit (every subject's for loso).

        Kept while consecutive units share :meth:`SplitIdentity.data`; a new one drops
        everything derived from the previous data.
        """
        key = self.identity(unit).data()
        if key != self._data_key:
            self._data_key, self._labels, self._folds, self._prepared = key, None, {}, {}
            self._ids = None
            self._features.clear()
            spec = unit.spec
            try:
                reason = self.settings.protocol.cannot_run(spec)
                if reason is not None:  # known from the spec: nothing is loaded
                    raise NotRunnable(reason)
                if self.settings.protocol.scope == "dataset":
                    self._data = SubjectData.concatenate(
                        [self._load_one(spec, s, unit.loading) for s in spec.subject_ids])
                else:
                    self._data = self._load_one(spec, unit.subject, unit.loading)
            except NotRunnable as exc:
                self._data = exc
        if isinstance(self._data, NotRunnable):
            raise self._data
        return self._data

    def folds(self, unit: "Unit", data: SubjectData, y: np.ndarray) -> list:
        """``(fold, split hash)`` of every fold of the unit, computed once per identity."""
        ident = self.identity(unit)
        if ident not in self._folds:
            trial_ids = self.trial_ids(data)
            self._folds[ident] = [
                (fold, split_digest(fold, trial_ids)) for fold in
                self.settings.protocol.split(y, unit.seed, meta=data, target=unit.subject)]
        return self._folds[ident]

    def trial_ids(self, data: SubjectData) -> np.ndarray:
        """The ids of the current data's trials (computed once per :meth:`data`)."""
        if self._ids is None:
            self._ids = data.trial_ids()
        return self._ids

    # -- one unit -------------------------------------------------------------------------
    def evaluate(self, unit: Unit, offline: dict[OfflineKey, str] | None = None) -> UnitResult:
        """Evaluate ``unit``; never raises for a failing model or missing data.

        ``offline`` holds the datasets whose downloads failed for lack of network so far
        in the run (see :meth:`learn_offline`).
        """
        self.learn_offline(offline)
        try:
            data = self.data(unit)
        except NotRunnable as exc:
            return UnitResult(unit.uid, "not_runnable", [self._row(unit, status="not_runnable",
                                                                  error=str(exc))],
                              str(exc), str(exc), scope="dataset",
                              missing=missing_info(exc) if isinstance(exc, MissingData) else None)
        except UserError as exc:
            return UnitResult(unit.uid, "error", message=str(exc))
        rows, errors, predictions = [], [], []
        try:
            classes = list(unit.spec.classes)
            if self._labels is None:
                self._labels = np.array([classes.index(c) for c in data.y])
            y_all = self._labels
            out_of_memory = None
            fitted = _Fitted()  # the unit's model by its training trials (see _fit_fold)
            for fold, split in self.folds(unit, data, y_all):
                try:
                    row, fold_predictions = self._fit_fold(unit, data, fold, split, classes,
                                                           y_all, fitted)
                    rows.append(row)
                    predictions.append(fold_predictions)
                except (KeyboardInterrupt, SystemExit, UserError):
                    raise
                except Exception as exc:  # this fold fails; the unit's other folds go on
                    if _out_of_memory(exc):  # the whole unit goes back, to run alone
                        out_of_memory = f"out of memory on {self.device}: {_reason(exc)}"
                        break
                    errors.append(traceback.format_exc())
                    rows.append(self._row(unit, status="failed", error=_reason(exc),
                                          fold=fold.fold, shots=fold.shots,
                                          session=fold.session, split=split))
            if out_of_memory:  # here the failed fold's frames (its tensors) are gone
                _release_gpu_memory()
                return UnitResult(unit.uid, "out_of_memory", message=out_of_memory)
        except NotRunnable as exc:
            return UnitResult(unit.uid, "not_runnable",
                              [self._row(unit, status="not_runnable", error=str(exc))],
                              str(exc), str(exc))
        except UserError as exc:
            return UnitResult(unit.uid, "error", message=str(exc))
        except Exception as exc:  # the split itself failed
            rows = [self._row(unit, status="failed", error=_reason(exc))]
            return UnitResult(unit.uid, "failed", rows, traceback.format_exc(), _reason(exc))
        ok = [r for r in rows if r.status == "ok"]
        if not ok:
            reason = rows[0].error if rows else "the protocol gave no folds"
            if not rows:
                rows = [self._row(unit, status="failed", error=reason)]
            return UnitResult(unit.uid, "failed", rows, "\n".join(errors), reason)
        mean = np.mean([r.score for r in ok])
        folds = f", {len(ok)} folds" if len(ok) > 1 else ""
        failed = f", {len(rows) - len(ok)} fold(s) failed" if len(ok) < len(rows) else ""
        message = (f"{self.settings.metric} {mean:.3f}{folds}{failed} "
                   f"(fit {fitted.seconds:.1f} s)")
        return UnitResult(unit.uid, "ok", rows, "\n".join(errors), message,
                          predictions=predictions)

    def _part(self, unit: Unit, data: SubjectData, fold, part: str):
        """``(X, channel names)`` of a fold's calibration (``"train"``) or test part after
        the unit's preprocessing, kept for the next units of the same split."""
        key = (self.identity(unit).with_fold(fold.fold), unit.pre.digest(), part)
        if key not in self._prepared:
            if len(self._prepared) >= 4 and self.settings.protocol.scope == "dataset":
                self._prepared.clear()  # cross-subject training sets are large: keep few
            index, groups = ((fold.train, fold.train_groups) if part == "train"
                             else (fold.test, fold.test_groups))
            self._prepared[key] = apply_preprocessing(data.X[index], data.ch_names, unit.pre,
                                                      groups=groups)
        return self._prepared[key]

    def _fit_fold(self, unit: Unit, data: SubjectData, fold, split, classes, y_all,
                  fitted: "_Fitted") -> tuple[ResultRow, FoldPredictions]:
        """Calibrate on ``fold.train``, predict ``fold.test``; the result row and the
        predictions it was scored from.

        ``fitted`` holds the unit's last model with its training trials (their indices
        and alignment groups; the unit fixes the data, preprocessing, pipeline and seed):
        a fold with the same training trials as the one before (``loso`` on every
        session: one model scored on each target session) scores that model instead of
        fitting the same one again, and its row records that fit's time.
        """
        groups = (b"" if fold.train_groups is None
                  else np.asarray(fold.train_groups).astype(str).tobytes())
        train_key = (np.asarray(fold.train).tobytes(), groups)
        if train_key != fitted.key:
            fitted.key = fitted.model = None  # one model at a time (a network can be large)
            fitted.reported = {}
            Xtr, names = self._part(unit, data, fold, "train")
            seed_everything(unit.seed)
            model = unit.pipe.build(n_chans=Xtr.shape[1], n_outputs=len(classes),
                                    n_times=Xtr.shape[2], sfreq=data.sfreq,
                                    chs_info=chs_info(names), device=self.device,
                                    feature_cache=self._features)
            _set_random_state(model, unit.seed)
            seed_everything(unit.seed)  # again: building may have imported torch
            t0 = time.perf_counter()
            model.fit(Xtr, y_all[fold.train])
            fitted.fit_time = time.perf_counter() - t0
            fitted.seconds += fitted.fit_time
            fitted.key, fitted.model, fitted.n_chans = train_key, model, Xtr.shape[1]
        model, fit_time, n_chans = fitted.model, fitted.fit_time, fitted.n_chans
        Xte, _ = self._part(unit, data, fold, "test")
        yte = y_all[fold.test]
        with _inference_mode():
            said, predict_time = _predict(model, Xte, yte, len(classes))
        problem = predictions_problem(said)
        if problem:  # what verify would reject is never stored
            raise ValueError(f"the model gave {problem}")
        score = score_predictions(self.settings.metric, said)
        if not np.isfinite(score):
            raise FloatingPointError("score is not finite")
        kept = FoldPredictions(fold.fold, self.trial_ids(data)[fold.test], said.y_true,
                               said.y_pred, said.n_classes, said.proba, said.decision)
        return self._row(unit, status="ok", fold=fold.fold, shots=fold.shots,
                         session=fold.session, split=split, score=score,
                         n_train=len(fold.train), n_test=len(yte), n_classes=len(classes),
                         n_chans=n_chans, fit_time=fit_time, predict_time=predict_time,
                         **_network_columns(model, fitted.reported),
                         **_data_facts(data, unit.subject, classes, unit.spec.sfreq)), kept

    def _row(self, unit: Unit, **fields) -> ResultRow:
        """The unit's row; one that did not get as far as a model (failed, not runnable)
        records this process's device."""
        if "device" not in fields:
            fields.update(device=self.device, device_name=device_name(self.device))
        return unit_row(self.settings, self.versions, unit, **fields)


@dataclass
class _Fitted:
    """A unit's last fitted model, the training trials it was fitted on (``key``), its
    fitting time, its input channels, and the unit's fitting time so far."""

    key: tuple | None = None
    model: Any = None
    fit_time: float = 0.0
    n_chans: int = 0
    seconds: float = 0.0
    reported: dict = field(default_factory=dict)  # feature counts given to its rows so far


def _worker_device(device: str) -> str:
    """This process's device: the one it was placed on (``--jobs N``), else the run's,
    with ``cuda`` made explicit (``cuda:N``, the current GPU), which becomes the process's
    current GPU."""
    device = placed_device() or device
    if device == "auto":  # a Dask worker: its own machine decides
        device = resolve_device("auto")
    if device.startswith("cuda"):
        import torch

        if device == "cuda":
            device = f"cuda:{torch.cuda.current_device()}"
        torch.cuda.set_device(device)  # what a library allocates without a device goes there
    return device


#: How CUDA libraries word running out of GPU memory in a plain ``RuntimeError``.
_OUT_OF_MEMORY_WORDS = ("CUDA out of memory", "CUBLAS_STATUS_ALLOC_FAILED",
                        "CUDNN_STATUS_ALLOC_FAILED", "CUDA error: out of memory")


def _out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says the GPU ran out of memory: torch's ``OutOfMemoryError``, or a
    cuBLAS/cuDNN allocation failure."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    return isinstance(exc, torch.cuda.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and any(w in str(exc) for w in _OUT_OF_MEMORY_WORDS))


def _release_gpu_memory() -> None:
    """Give the cached blocks of a failed unit back to the GPU (other processes share it)."""
    import gc

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def _inference_mode():
    """``torch.inference_mode()`` where torch is in use (no autograd records in scoring)."""
    torch = sys.modules.get("torch")
    return torch.inference_mode() if torch is not None else nullcontext()


def _data_facts(data: SubjectData, subject: int, classes: list[str], native: float) -> dict:
    """What was loaded for the row's subject: montage, rates, trials, classes."""
    mine = data.subjects == subject
    return {"data_chans": len(data.ch_names), "data_sfreq": float(data.sfreq),
            "data_native_sfreq": float(native), "data_trials": int(np.sum(mine)),
            "data_sessions": int(len(set(data.sessions[mine]))), "classes": ",".join(classes)}


def _predict(model, X: np.ndarray, y: np.ndarray, n_classes: int
             ) -> tuple[Predictions, float]:
    """What ``model`` says about the trials ``X``: its ``predict``, and its
    ``predict_proba`` and ``decision_function`` where it has them; and the seconds
    ``predict`` took (the row's ``predict_time``, as before predictions were kept).

    A scikit-learn pipeline's transforms run once (``pipeline[:-1].transform``, exactly
    what each of its ``predict*`` methods would do); the final step gives the three.
    Probabilities and scores are kept as float64.
    """
    start = time.perf_counter()
    final, Xt = model, X
    if hasattr(model, "steps") and len(model.steps) > 1:
        final, Xt = model.steps[-1][1], model[:-1].transform(X)
    y_pred = np.asarray(final.predict(Xt))
    seconds = time.perf_counter() - start
    proba = decision = None
    if hasattr(final, "predict_proba"):
        proba = _all_classes(final, np.asarray(final.predict_proba(Xt), dtype=np.float64),
                             n_classes)
    if hasattr(final, "decision_function"):
        decision = np.asarray(final.decision_function(Xt), dtype=np.float64)
        if decision.ndim == 2:
            decision = _all_classes(final, decision, n_classes, fill=-np.inf)
    return Predictions(np.asarray(y, dtype=np.int64), y_pred.astype(np.int64), n_classes,
                       proba, decision), seconds


def _all_classes(final, values: np.ndarray, n_classes: int, fill: float = 0.0) -> np.ndarray:
    """Per-class columns for every class of the task: an estimator fitted without some
    class (``classes_`` shorter than the task's) gets ``fill`` in those columns."""
    classes = getattr(final, "classes_", None)
    if values.shape[1] == n_classes or classes is None or len(classes) != values.shape[1]:
        return values
    full = np.full((len(values), n_classes), fill)
    full[:, np.asarray(classes, dtype=int)] = values
    return full


def _network_columns(model, reported: dict | None = None) -> dict:
    """The row's columns on the fitted model's network (:func:`benchmark.models.
    network_facts`): its size, the parameters training changed, where it ran and in which
    precision, and what it reports about itself (the checkpoint it loaded, the frozen
    features it computed and reused).  A model without a network ran on the CPU; its
    sizes and precision are left empty.

    The feature counts a model reports are its totals since it was fitted; ``reported``
    holds those given to earlier rows of the same fitted model (a model scored on several
    folds), so that each row counts its own fold's work and the rows add up to what ran.
    """
    facts = network_facts(model)
    device = facts.get("device", "cpu")
    info = facts.get("model_info")
    if reported is not None and info and isinstance(info.get("features"), dict):
        totals = {k: int(v) for k, v in info["features"].items()}
        info = {**info, "features": {k: v - reported.get(k, 0) for k, v in totals.items()}}
        reported.clear()
        reported.update(totals)
    return {"n_params": facts.get("n_params"), "n_trainable": facts.get("n_trainable"),
            "device": device, "device_name": device_name(device),
            "precision": facts.get("precision", ""),
            "model_info": json.dumps(info, sort_keys=True, default=str) if info else ""}


def _set_random_state(model, seed: int) -> None:
    try:
        params = model.get_params(deep=True)
    except Exception:  # pragma: no cover - not a scikit-learn estimator
        return
    wanted = {k: seed for k, v in params.items() if k.endswith("random_state") and v is None}
    if wanted:
        model.set_params(**wanted)


# -- the entry point of worker processes ------------------------------------------------
_LOCAL = threading.local()  # one Worker per thread (Dask workers may run several threads)


def evaluate_unit(settings: EvaluationSettings, unit: Unit,
                  offline: dict[OfflineKey, str] | None = None) -> UnitResult:
    """Evaluate one unit in this process (the function executors run).

    The first call of a run in a thread loads the run's plug-ins and limits the
    process's BLAS and torch threads to ``settings.threads``.  ``offline``: the
    datasets whose downloads failed for lack of network so far in the run, by
    ``(dataset, host, MNE data folder)``, with the reason.
    """
    worker = getattr(_LOCAL, "worker", None)
    if worker is None or worker.settings.token != settings.token:
        prepare_process(settings.plugins, settings.threads)
        worker = _LOCAL.worker = Worker(settings)
    return worker.evaluate(unit, offline)
