"""The evaluation engine: the grid of units, shared data, fitting, scoring, storing.

Order of work: dataset → subject (loaded once) → seed (split once) → pipeline.  Data
preprocessed for a (seed, alignment, template) combination is reused by every pipeline
that asks for the same steps.  Every finished unit is stored at once (see
:mod:`benchmark.results`); a rerun skips stored units.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import SubjectData, load_subject
from benchmark.errors import NotRunnable, UserError
from benchmark.pipelines import PipelineSpec
from benchmark.preprocessing import PreprocessingConfig, apply_preprocessing, chs_info, digest
from benchmark.protocols import Protocol, split_digest
from benchmark.results import ResultStore, package_versions

__all__ = ["RunConfig", "run_benchmark", "seed_everything", "RunSummary"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (if imported) for one unit."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


@dataclass
class RunConfig:
    """Everything that defines a run."""

    pipelines: list[PipelineSpec]
    datasets: list[DatasetSpec]
    protocol: Protocol
    seeds: list[int]
    out: str
    subjects: list[int] | None = None
    preprocessing: PreprocessingConfig = field(default_factory=PreprocessingConfig)
    template: str | None = None  # run-wide override of the template method
    retry_failed: bool = False


@dataclass
class RunSummary:
    done: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    not_runnable: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # not-runnable model/dataset -> why
    seconds: float = 0.0


def pipeline_preprocessing(pipe: PipelineSpec, base: PreprocessingConfig, template: str | None):
    """The preprocessing a pipeline gets: base, its file's choices, the run's template."""
    cfg = base.with_overrides(**pipe.preprocessing)
    if template is not None and cfg.template != "none":
        cfg = cfg.with_overrides(template=template)
    return cfg


def _unit_key(spec, subject, session, pipe, pre, protocol, seed) -> dict:
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
    }


def _unit_session(protocol, spec) -> str | None:
    """The session a unit is about (``"all"`` where the protocol uses every session)."""
    return "all" if getattr(protocol, "uses_all_sessions", False) else spec.session


def run_benchmark(cfg: RunConfig, log: Callable[[str], None] = print) -> RunSummary:
    """Run every pending unit of the grid; return what happened."""
    store = ResultStore(cfg.out)
    versions = package_versions()
    summary = RunSummary()
    start = time.perf_counter()
    pre_of = {p.name: pipeline_preprocessing(p, cfg.preprocessing, cfg.template) for p in cfg.pipelines}
    scope = getattr(cfg.protocol, "scope", "subject")
    try:
        for spec in cfg.datasets:
            all_subjects = list(range(1, spec.n_subjects + 1))
            subjects = cfg.subjects or all_subjects
            bad = [s for s in subjects if s not in all_subjects]
            if bad:
                raise UserError(
                    f"dataset {spec.name} has subjects 1..{spec.n_subjects}; {bad} do not exist; "
                    "fix --subjects"
                )
            loaded = _DatasetLoader(cfg, spec, all_subjects if scope == "dataset" else None)
            for subject in subjects:
                units = []
                for seed in cfg.seeds:
                    for pipe in cfg.pipelines:
                        key = _unit_key(spec, subject, _unit_session(cfg.protocol, spec), pipe,
                                        pre_of[pipe.name], cfg.protocol, seed)
                        uid = digest(key)
                        status = store.status(uid)
                        if status == "ok" or (status is not None and not cfg.retry_failed):
                            summary.skipped += 1
                            continue
                        units.append((seed, pipe, key, uid))
                if not units:
                    continue
                data = loaded.get(subject)
                if loaded.unavailable is not None:
                    if f"dataset {spec.name}" not in summary.reasons:
                        summary.reasons[f"dataset {spec.name}"] = loaded.unavailable
                        log(f"not runnable: {loaded.unavailable}")
                    for seed, pipe, key, uid in units:
                        row = _row(key, pipe, cfg, versions, status="not_runnable",
                                   error=loaded.unavailable)
                        store.write(uid, "not_runnable", [row], loaded.unavailable)
                        summary.not_runnable.append(f"{spec.name}/{subject}/{pipe.name}")
                    continue
                _run_subject(cfg, store, data, spec, subject, units, pre_of, versions, summary,
                             log)
    finally:  # whatever stops the grid (Ctrl-C, a user error), the table is current
        summary.seconds = time.perf_counter() - start
        store.export_csv()
    return summary


class _DatasetLoader:
    """The trials a protocol needs for one target subject, loaded once.

    Subject scope: the subject's own trials (the protocol's session).  Dataset scope
    (``subjects`` given): every listed subject's trials, concatenated, loaded at the
    first request; a subject that cannot be loaded makes the whole dataset unavailable.
    """

    def __init__(self, cfg: RunConfig, spec: DatasetSpec, subjects: list[int] | None):
        self.cfg, self.spec, self.subjects = cfg, spec, subjects
        self.unavailable: str | None = None
        self._all: SubjectData | None = None

    def _load(self, subject: int) -> SubjectData:
        data = load_subject(self.spec, subject, self.cfg.preprocessing)
        return self.cfg.protocol.select(data, self.spec.session)

    def get(self, subject: int) -> SubjectData | None:
        if self.unavailable is not None:
            return None
        try:
            if self.subjects is None:
                return self._load(subject)
            if self._all is None:
                self._all = SubjectData.concatenate([self._load(s) for s in self.subjects])
            return self._all
        except NotRunnable as exc:
            self.unavailable = str(exc)
            return None


def _run_subject(cfg, store, data: SubjectData, spec, subject, units, pre_of, versions, summary,
                 log):
    classes = list(spec.classes)
    y_all = np.array([classes.index(c) for c in data.y])
    trial_ids = data.trial_ids()
    prepared: dict = {}
    folds_of: dict[int, list] = {}  # seed -> [(fold, its split hash)], shared by every model
    for seed, pipe, key, uid in units:
        label = f"{spec.name} s{subject} seed{seed} {pipe.name}"
        rows, errors = [], []
        try:
            if seed not in folds_of:
                folds_of[seed] = [(fold, split_digest(fold, trial_ids)) for fold in
                                  cfg.protocol.split(y_all, seed, meta=data, target=subject)]
            for fold, split in folds_of[seed]:
                try:
                    rows.append(_run_fold(cfg, data, fold, split, pipe, pre_of[pipe.name], key,
                                          seed, classes, y_all, prepared, versions, spec.sfreq))
                except (KeyboardInterrupt, SystemExit, UserError, NotRunnable):
                    raise
                except Exception as exc:  # this fold fails; the unit's other folds go on
                    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    errors.append(traceback.format_exc())
                    rows.append(_row(key, pipe, cfg, versions, status="failed", error=reason,
                                     fold=fold.fold, shots=fold.shots,
                                     session=fold.session or key["session"], split=split))
            ok = [r for r in rows if r["status"] == "ok"]
            if not ok:
                raise _UnitFailed(rows[0]["error"] if rows else "no folds", "\n".join(errors))
            store.write(uid, "ok", rows, "\n".join(errors))
            summary.done += 1
            mean = np.mean([r["score"] for r in ok])
            shots = f", {len(ok)} folds" if len(ok) > 1 else ""
            failed = f", {len(rows) - len(ok)} fold(s) failed" if len(ok) < len(rows) else ""
            log(f"[{summary.done + summary.skipped}] {label}: accuracy {mean:.3f}{shots}{failed} "
                f"(fit {sum(r['fit_time'] for r in ok):.1f} s)")
        except NotRunnable as exc:
            store.write(uid, "not_runnable", [_row(key, pipe, cfg, versions, status="not_runnable",
                                                   error=str(exc))], str(exc))
            summary.not_runnable.append(label)
            if pipe.name not in summary.reasons:
                log(f"not runnable: {label}: {exc}")
            summary.reasons.setdefault(pipe.name, str(exc))
        except (KeyboardInterrupt, SystemExit, UserError):
            raise  # a user mistake (e.g. a wrong checkpoint file) stops the run with one line
        except Exception as exc:  # a failing model must not stop the grid
            if isinstance(exc, _UnitFailed):
                reason, details = exc.args
            else:
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                details = traceback.format_exc()
            store.write(uid, "failed", rows or [_row(key, pipe, cfg, versions, status="failed",
                                                     error=reason)], details)
            summary.failed.append(f"{label}: {reason}")
            log(f"failed: {label}: {reason}")


class _UnitFailed(Exception):
    """Every fold of a unit failed: ``args = (first reason, tracebacks)``."""


def _run_fold(cfg, data, fold, split, pipe, pre, key, seed, classes, y_all, prepared, versions,
              spec_sfreq) -> dict:
    """Calibrate on ``fold.train``, score on ``fold.test``; the result row."""
    pkey = (seed, fold.fold, pre.alignment, pre.template)
    if pkey not in prepared:
        if len(prepared) >= 2 and getattr(cfg.protocol, "scope", "subject") == "dataset":
            prepared.clear()  # cross-subject training sets are large: keep the current ones
        Xtr, names = apply_preprocessing(data.X[fold.train], data.ch_names, pre,
                                         groups=fold.train_groups)
        Xte, _ = apply_preprocessing(data.X[fold.test], data.ch_names, pre,
                                     groups=fold.test_groups)
        prepared[pkey] = (Xtr, Xte, names)
    Xtr, Xte, names = prepared[pkey]
    ytr, yte = y_all[fold.train], y_all[fold.test]
    seed_everything(seed)
    model = pipe.build(n_chans=Xtr.shape[1], n_outputs=len(classes), n_times=Xtr.shape[2],
                       sfreq=data.sfreq, chs_info=chs_info(names))
    _set_random_state(model, seed)
    seed_everything(seed)  # again: building may have imported torch
    t0 = time.perf_counter()
    model.fit(Xtr, ytr)
    t1 = time.perf_counter()
    pred = np.asarray(model.predict(Xte))
    t2 = time.perf_counter()
    score = float(np.mean(pred == yte))
    if not np.isfinite(score):
        raise FloatingPointError("score is not finite")
    return _row(key, pipe, cfg, versions, status="ok", fold=fold.fold, shots=fold.shots,
                session=fold.session or key["session"], split=split,
                score=score, n_train=len(ytr), n_test=len(yte), n_classes=len(classes),
                n_chans=Xtr.shape[1], fit_time=t1 - t0, predict_time=t2 - t1, pre=pre,
                model_info=_model_info(model), n_params=_n_params(model),
                data=_data_facts(data, key["subject"], classes, spec_sfreq))


def _n_params(model) -> int | None:
    """Parameters of the fitted network (``None`` for pipelines that are not one)."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    module = getattr(final, "module_", None)
    if module is None or not hasattr(module, "parameters"):
        return None
    return int(sum(p.numel() for p in module.parameters()))


def _data_facts(data: SubjectData, subject: int, classes: list[str], native: float) -> dict:
    """What was loaded for the row's subject: montage, rates, trials, classes."""
    return {"data_chans": len(data.ch_names), "data_sfreq": float(data.sfreq),
            "data_native_sfreq": float(native),
            "data_trials": int(np.sum(data.subjects == subject)),
            "data_sessions": int(len(set(data.sessions[data.subjects == subject]))),
            "classes": ",".join(classes)}


def _model_info(model) -> str:
    """JSON of what the fitted model reports about itself (e.g. the checkpoint it loaded)."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    info = getattr(final, "model_info_", None)
    return json.dumps(info, sort_keys=True, default=str) if info else ""


def _set_random_state(model, seed: int) -> None:
    try:
        params = model.get_params(deep=True)
    except Exception:  # pragma: no cover - not a scikit-learn estimator
        return
    wanted = {k: seed for k, v in params.items() if k.endswith("random_state") and v is None}
    if wanted:
        model.set_params(**wanted)


def _row(key, pipe, cfg, versions, *, status, error="", fold=0, shots=None, session=None,
         split="", score=np.nan,
         n_train=None, n_test=None, n_classes=None, n_chans=None, fit_time=None,
         predict_time=None, pre=None, model_info="", n_params=None, data=None) -> dict:
    pre = pre or pipeline_preprocessing(pipe, cfg.preprocessing, cfg.template)
    return {
        "dataset": key["dataset"],
        "subject": key["subject"],
        "session": session or key["session"],
        "model": pipe.name,
        "protocol": cfg.protocol.name,
        "protocol_version": cfg.protocol.version,
        "shots": shots,
        "seed": key["seed"],
        "fold": fold,
        "status": status,
        "score": score,
        "metric": "accuracy",
        "n_train": n_train,
        "n_test": n_test,
        "n_classes": n_classes,
        "n_chans": n_chans,
        "fit_time": fit_time,
        "predict_time": predict_time,
        "n_params": n_params,
        **(data or dict.fromkeys(["data_chans", "data_sfreq", "data_native_sfreq", "data_trials",
                                  "data_sessions", "classes"])),
        "error": error,
        "split": split,
        "unit_id": digest(key),
        "config_digest": digest({"pipeline": pipe.to_dict(), "pre": pre.to_dict(),
                                 "protocol": cfg.protocol.to_dict()}),
        "preprocessing": json.dumps(pre.to_dict(), sort_keys=True),
        "pipeline": json.dumps(pipe.to_dict(), sort_keys=True, default=str),
        "protocol_config": json.dumps(cfg.protocol.to_dict(), sort_keys=True),
        "model_info": model_info,
        "versions": json.dumps(versions, sort_keys=True),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
