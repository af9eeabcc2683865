"""Protocols over a subject's sessions: across sessions, and cross-validation within each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from benchmark.errors import NotRunnable, UserError
from benchmark.protocols.base import Fold, Protocol

__all__ = ["CrossSessionSplit", "WithinSessionCV"]


@dataclass(frozen=True)
class CrossSessionSplit(Protocol):
    """Across sessions of one subject: calibrate on the other sessions, test on one.

    scikit-learn's ``LeaveOneGroupOut`` over sessions (MOABB's cross-session evaluation;
    with two sessions, train on each and test on the other), one fold per session in
    sorted order, each session aligned by its own reference.  Subjects with a single
    session are not runnable under this protocol.
    """

    name = "cross-session"
    version = "1"
    all_sessions = True

    def n_splits(self, n_sessions: int = 2) -> int:
        return n_sessions

    def cannot_run(self, spec) -> str | None:
        """Also a dataset that MOABB declares with one session per subject."""
        if spec.n_sessions is not None and spec.n_sessions < 2:
            return (f"dataset {spec.name} has one session per subject; cross-session needs two "
                    "or more: use a dataset with several sessions or --protocol paper")
        return super().cannot_run(spec)

    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        from sklearn.model_selection import LeaveOneGroupOut

        sessions = np.asarray(meta.sessions).astype(str)
        names = sorted(set(sessions))
        if len(names) < 2:
            raise NotRunnable(
                f"{meta.dataset} subject {meta.subject} has one session ({names[0]}); "
                "cross-session needs two or more: use a dataset with several sessions or "
                "--protocol paper")
        y = np.asarray(y)
        # LeaveOneGroupOut yields the groups in sorted order
        for i, (train, test) in enumerate(LeaveOneGroupOut().split(y, y, sessions)):
            s = sessions[test[0]]
            missing = sorted(set(y[test]) - set(y[train]))
            if missing:
                raise NotRunnable(f"the sessions other than {s} have no trial of class {missing}")
            yield Fold(train=train, test=test, fold=i, train_groups=sessions[train], session=s)


@dataclass(frozen=True)
class WithinSessionCV(Protocol):
    """MOABB's within-session evaluation: stratified k-fold cross-validation per session.

    As ``moabb.evaluations.WithinSessionEvaluation``: in every session of the subject (in
    sorted order), ``StratifiedKFold(n_folds, shuffle=True, random_state=seed)`` over that
    session's trials; one fold per (session, split).  With the default preprocessing,
    alignment is fitted on each part, as in the other protocols; with ``--preset moabb``
    (MOABB's paradigm defaults, no alignment, no template) the folds and scores are
    MOABB's own for ``random_state=seed`` (``tests/benchmark/test_moabb_equivalence.py``),
    so they are comparable with MOABB's published within-session scores.
    """

    n_folds: int = 5
    name = "within-session"
    version = "1"
    all_sessions = True

    def __post_init__(self):
        if self.n_folds < 2:
            raise UserError(f"within-session needs at least 2 folds, got {self.n_folds}")

    def n_splits(self, n_sessions: int = 1) -> int:
        return self.n_folds * n_sessions

    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y)
        sessions = np.asarray(meta.sessions).astype(str)
        fold = 0
        for s in sorted(set(sessions)):
            index = np.flatnonzero(sessions == s)
            smallest = np.bincount(y[index]).min() if len(index) else 0
            if len(set(y[index])) < 2 or smallest < self.n_folds:
                raise NotRunnable(
                    f"session {s} has {smallest} trial(s) in its smallest class, fewer than the "
                    f"{self.n_folds} folds of within-session; use --protocol paper")
            cv = StratifiedKFold(self.n_folds, shuffle=True, random_state=seed)
            for train, test in cv.split(np.zeros(len(index)), y[index]):
                yield Fold(train=index[train], test=index[test], fold=fold, session=s)
                fold += 1
