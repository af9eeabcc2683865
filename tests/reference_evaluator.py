"""A deliberately naive reference evaluator of the benchmark's protocols.

It re-implements every protocol from its written definition (README.md, "Usage", and
the docstrings of the protocol classes) with a plain loop: no epoch cache, no executor,
no memory between units; every unit loads its data (through the ``load`` it is given),
draws its folds, preprocesses each part and fits a fresh model.  The one thing computed
once is ``chs_info`` of a montage, a pure function of the channel names.
``tests/benchmark/test_differential.py`` runs the engine and this module on the same
grid and asserts that both give the same rows, so a bug in the engine's caches,
executors or protocol classes shows up as a disagreement.

It must stay independent of the code it checks: it never imports
:data:`FORBIDDEN_MODULES` (the test asserts it from this file's syntax tree).  It only
uses the data loading (``benchmark.datasets``), the shared preprocessing
(``benchmark.preprocessing``), the pipeline files (``benchmark.pipelines``), NumPy and
scikit-learn.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.model_selection import StratifiedKFold, train_test_split

from benchmark.datasets import DatasetSpec, SubjectData, load_subject
from benchmark.pipelines import PipelineSpec
from benchmark.preprocessing import PreprocessingConfig, apply_preprocessing, chs_info

__all__ = ["FORBIDDEN_MODULES", "ReferenceProtocol", "RefFold", "loading_config",
           "pipeline_config", "split_hash", "folds", "evaluate", "ridge_probe_score",
           "RIDGE_ALPHAS"]

#: the engine's modules, which the reference must not use
FORBIDDEN_MODULES = ("benchmark.protocols", "benchmark.worker", "benchmark.engine",
                     "benchmark.executors", "benchmark.results")

DEFAULT_FEWSHOT_SHOTS = (1, 2, 5, 10, 20, 30)


@dataclass(frozen=True)
class ReferenceProtocol:
    """A protocol by name and parameters (the same names and defaults as ``--protocol``)."""

    name: str  # paper, fewshot, loso, cross-session, within-session
    shots: tuple[int, ...] | None = None  # fewshot: default 1,2,5,10,20,30; loso: none
    test_size: float = 0.5
    train_size: float = 0.3
    n_folds: int = 5
    sessions: str = "dataset"  # loso: the dataset's session, or "all" (--preset moabb)

    @property
    def all_sessions(self) -> bool:
        return (self.name in ("cross-session", "within-session")
                or (self.name == "loso" and self.sessions == "all"))

    def shot_list(self) -> tuple[int, ...]:
        if self.shots is None:
            return DEFAULT_FEWSHOT_SHOTS if self.name == "fewshot" else ()
        return tuple(sorted({int(k) for k in self.shots}))


@dataclass
class RefFold:
    train: np.ndarray
    test: np.ndarray
    fold: int
    shots: int | None
    session: str | None
    train_groups: np.ndarray | None = None
    test_groups: np.ndarray | None = None


# -- configuration ------------------------------------------------------------------------
def loading_config(spec: DatasetSpec, base: PreprocessingConfig | None = None
                   ) -> PreprocessingConfig:
    """The run's preprocessing with the dataset's window (the default run: 0-4 s); with
    ``--preset moabb`` MOABB's paradigm defaults as they are (the task interval)."""
    base = base or PreprocessingConfig()
    return base if base.preset == "moabb" else base.with_window(*spec.window)


def pipeline_config(pipe: PipelineSpec, loading: PreprocessingConfig) -> PreprocessingConfig:
    """The loading configuration with the pipeline file's ``preprocessing`` choices (none
    with ``--preset moabb``: no alignment, no template, whatever the file says)."""
    if loading.preset == "moabb":
        return loading
    return loading.with_overrides(**pipe.preprocessing)


# -- data ---------------------------------------------------------------------------------
def _one_session(data: SubjectData, session: str | None) -> SubjectData:
    """The dataset's session (``None``: the subject's first in sorted order)."""
    chosen = session if session is not None else sorted(set(data.sessions.astype(str)))[0]
    return data.select(data.sessions.astype(str) == chosen)


def unit_data(spec: DatasetSpec, subject: int, protocol: ReferenceProtocol,
              loading: PreprocessingConfig, load: Callable = load_subject) -> SubjectData:
    """The trials a unit uses: one subject's (loso: every subject's, in subject order)."""
    if protocol.name == "loso":
        parts = [load(spec, s, loading) for s in spec.subject_ids]
        if not protocol.all_sessions:
            parts = [_one_session(p, spec.session) for p in parts]
        return SubjectData(
            dataset=spec.name, subject=parts[0].subject,
            X=np.concatenate([p.X for p in parts]),
            y=np.concatenate([np.asarray(p.y).astype(str) for p in parts]),
            sessions=np.concatenate([np.asarray(p.sessions).astype(str) for p in parts]),
            runs=np.concatenate([np.asarray(p.runs).astype(str) for p in parts]),
            ch_names=list(parts[0].ch_names), sfreq=parts[0].sfreq,
            subjects=np.concatenate([np.full(len(p.y), s)
                                     for s, p in zip(spec.subject_ids, parts)]))
    data = load(spec, subject, loading)
    return data if protocol.all_sessions else _one_session(data, spec.session)


# -- the folds ----------------------------------------------------------------------------
def split_hash(train: np.ndarray, test: np.ndarray, trial_ids: np.ndarray) -> str:
    """sha256(train ids ``<U64`` bytes, "|", test ids ``<U64`` bytes, "|"), 16 hex digits."""
    h = hashlib.sha256()
    h.update(np.asarray(trial_ids)[train].astype("<U64").tobytes())
    h.update(b"|")
    h.update(np.asarray(trial_ids)[test].astype("<U64").tobytes())
    h.update(b"|")
    return h.hexdigest()[:16]


def _holdout(y, index, test_size, rng):
    """Per class in sorted order: permute its trials, hold out ceil(test_size * n) (>= 1)."""
    test_parts, pools = [], []
    for c in sorted(set(y[index].tolist())):
        idx = rng.permutation(index[y[index] == c])
        n_test = max(1, math.ceil(test_size * len(idx)))
        test_parts.append(idx[:n_test])
        pools.append(idx[n_test:])
    return np.sort(np.concatenate(test_parts)), pools


def folds(protocol: ReferenceProtocol, y: np.ndarray, data: SubjectData, seed: int,
          target: int, spec_session: str | None) -> list[RefFold]:
    """Every fold of one unit, from the protocol's definition."""
    n = len(y)
    if protocol.name == "paper":
        train, test = train_test_split(np.arange(n), train_size=math.floor(protocol.train_size * n),
                                       random_state=seed, shuffle=True, stratify=None)
        return [RefFold(np.sort(train), np.sort(test), 0, None, spec_session)]

    if protocol.name == "fewshot":
        rng = np.random.default_rng(seed)
        test, pools = _holdout(y, np.arange(n), protocol.test_size, rng)
        smallest = min(len(p) for p in pools)
        usable = [k for k in protocol.shot_list() if k <= smallest]
        return [RefFold(np.sort(np.concatenate([p[:k] for p in pools])), test, i, k, spec_session)
                for i, k in enumerate(usable)]

    if protocol.name == "loso":
        subjects = np.asarray(data.subjects).astype(int)
        trial_sessions = np.asarray(data.sessions).astype(str)
        sources = np.flatnonzero(subjects != target)
        target_idx = np.flatnonzero(subjects == target)
        src_groups = np.array([str(s) for s in subjects[sources]])

        def by_session(test):
            """One test part (the dataset's session), or one per target session ("all")."""
            if protocol.sessions != "all":
                return [(spec_session, test)]
            return [(s, test[trial_sessions[test] == s])
                    for s in sorted(set(trial_sessions[test].tolist()))]

        trainings = [(0, sources, src_groups)]  # (k, training trials, alignment groups)
        test = target_idx
        if protocol.shot_list():
            rng = np.random.default_rng([seed, target])
            test, pools = _holdout(y, target_idx, protocol.test_size, rng)
            smallest = min(len(p) for p in pools)
            for k in [k for k in protocol.shot_list() if k <= smallest]:
                calib = np.sort(np.concatenate([p[:k] for p in pools]))
                groups = np.array(list(src_groups) + [f"{target}-calibration"] * len(calib))
                trainings.append((k, np.concatenate([sources, calib]), groups))
        out = []
        for k, train, groups in trainings:
            for session, part in by_session(test):
                out.append(RefFold(train, part, len(out), k, session, groups))
        return out

    sessions = np.asarray(data.sessions).astype(str)
    if protocol.name == "cross-session":
        out = []
        for i, s in enumerate(sorted(set(sessions.tolist()))):
            train = np.flatnonzero(sessions != s)
            out.append(RefFold(train, np.flatnonzero(sessions == s), i, None, s,
                               train_groups=sessions[train]))
        return out

    if protocol.name == "within-session":
        out = []
        for s in sorted(set(sessions.tolist())):
            index = np.flatnonzero(sessions == s)
            cv = StratifiedKFold(protocol.n_folds, shuffle=True, random_state=seed)
            for train, test in cv.split(np.zeros(len(index)), y[index]):
                out.append(RefFold(index[train], index[test], len(out), None, s))
        return out

    raise ValueError(f"unknown protocol {protocol.name!r}")


# -- one fold -----------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _montage(names: tuple[str, ...]) -> tuple[dict, ...]:
    return tuple(chs_info(list(names)))


def _chs_info(names: tuple[str, ...]) -> list[dict]:
    """``chs_info(names)``: a pure function of the names, computed once per montage (it
    builds an MNE montage, about 20 ms, as long as fitting a classical model); every call
    gets its own copies."""
    return [dict(ch) for ch in _montage(names)]


def _seed(seed: int) -> None:
    import sys

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:  # a deep model's random initialisation
        sys.modules["torch"].manual_seed(seed)


#: the ridge probe's penalties, from its definition (README: 1e-8 ... 1e8, log grid)
RIDGE_ALPHAS = tuple(10.0 ** np.arange(-8, 9))


def ridge_probe_score(pipe: PipelineSpec, pre: PreprocessingConfig, data: SubjectData, y, fold,
                      n_classes: int, seed: int, head: str) -> float:
    """The ridge probe from its definition: the model's network (its full fine-tuning
    pipeline builds it), frozen in ``eval()`` mode; the input of its head ``head`` (a
    path) as each trial's features, flattened; scikit-learn's ``RidgeClassifierCV`` with
    class-balanced weights and the penalty chosen by leave-one-out on the calibration
    trials; accuracy on the test trials."""
    import torch
    from sklearn.linear_model import RidgeClassifierCV

    Xtr, names = apply_preprocessing(data.X[fold.train], data.ch_names, pre,
                                     groups=fold.train_groups)
    Xte, _ = apply_preprocessing(data.X[fold.test], data.ch_names, pre, groups=fold.test_groups)
    _seed(seed)
    clf = pipe.build(n_chans=Xtr.shape[1], n_outputs=n_classes, n_times=Xtr.shape[2],
                     sfreq=data.sfreq, chs_info=_chs_info(tuple(names)), device="cpu")
    clf.initialize()  # builds the network as training would, without training it
    network = clf.module_.train(False)  # eval mode
    seen = []
    network.get_submodule(head).register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach().reshape(len(args[0]), -1)))

    def features(X):
        seen.clear()
        with torch.no_grad():
            for start in range(0, len(X), 64):
                network(torch.as_tensor(X[start:start + 64], dtype=torch.float32))
        return torch.cat(seen).numpy()

    ridge = RidgeClassifierCV(alphas=RIDGE_ALPHAS, class_weight="balanced")
    ridge.fit(features(Xtr), y[fold.train])
    return float(np.mean(ridge.predict(features(Xte)) == y[fold.test]))


#: the run's --metric -> scikit-learn's scorer of the fitted model, and its sign
SCORERS = {"accuracy": ("accuracy", 1), "balanced_accuracy": ("balanced_accuracy", 1),
           "f1_macro": ("f1_macro", 1), "roc_auc": ("roc_auc", 1),
           "log_loss": ("neg_log_loss", -1), "kappa": (None, 1)}


def _scorer(metric: str):
    from sklearn.metrics import cohen_kappa_score, make_scorer

    name, sign = SCORERS[metric]
    scorer = make_scorer(cohen_kappa_score) if name is None else get_scorer(name)
    return lambda model, X, y: sign * scorer(model, X, y)


def fit_and_score(pipe: PipelineSpec, pre: PreprocessingConfig, data: SubjectData, y, fold,
                  n_classes: int, seed: int, metric: str = "accuracy") -> float:
    """Preprocess each part (its own alignment groups), build, seed, fit, score with
    scikit-learn's scorer of ``metric`` (:data:`SCORERS`)."""
    Xtr, names = apply_preprocessing(data.X[fold.train], data.ch_names, pre,
                                     groups=fold.train_groups)
    Xte, _ = apply_preprocessing(data.X[fold.test], data.ch_names, pre, groups=fold.test_groups)
    _seed(seed)
    model = pipe.build(n_chans=Xtr.shape[1], n_outputs=n_classes, n_times=Xtr.shape[2],
                       sfreq=data.sfreq, chs_info=_chs_info(tuple(names)))
    params = model.get_params(deep=True)
    unset = {k: seed for k, v in params.items() if k.endswith("random_state") and v is None}
    if unset:
        model.set_params(**unset)
    _seed(seed)
    model.fit(Xtr, y[fold.train])
    return float(_scorer(metric)(model, Xte, y[fold.test]))


# -- the grid -----------------------------------------------------------------------------
def evaluate(specs: list[DatasetSpec], protocol: ReferenceProtocol, subjects: list[int],
             seeds: list[int], pipes: list[PipelineSpec], load: Callable = load_subject,
             base: PreprocessingConfig | None = None, metric: str = "accuracy"
             ) -> list[dict]:
    """One row per fold of every (dataset, subject, seed, model) unit, in a plain loop.

    ``load(spec, subject, loading)`` loads a subject (default
    :func:`benchmark.datasets.load_subject`); a test may pass a memoised one.
    Rows hold ``dataset, subject, model, seed, fold, shots, session, status, score,
    n_train, n_test, split`` (``status`` ``failed`` where fitting or scoring raised).
    """
    rows = []
    for spec in specs:
        loading = loading_config(spec, base)
        for subject in subjects:
            for seed in seeds:
                for pipe in pipes:
                    data = unit_data(spec, subject, protocol, loading, load)
                    classes = list(spec.classes)
                    y = np.array([classes.index(c) for c in np.asarray(data.y).astype(str)])
                    ids = data.trial_ids()
                    pre = pipeline_config(pipe, loading)
                    for fold in folds(protocol, y, data, seed, subject, spec.session):
                        row = {"dataset": spec.name, "subject": subject, "model": pipe.name,
                               "seed": seed, "fold": fold.fold, "shots": fold.shots,
                               "session": fold.session,
                               "split": split_hash(fold.train, fold.test, ids),
                               "n_train": len(fold.train), "n_test": len(fold.test)}
                        try:
                            score = fit_and_score(pipe, pre, data, y, fold, len(classes), seed,
                                                  metric)
                        except Exception as exc:  # the engine records such a fold as failed
                            row.update(status="failed", score=float("nan"),
                                       error=f"{type(exc).__name__}: {exc}")
                        else:
                            row.update(status="ok", score=score, error="")
                        rows.append(row)
    return rows
