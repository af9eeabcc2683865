"""Protocols with ``--shots``: within-subject learning curves and LOSO with target trials.

Both hold out a stratified share of each class once and calibrate on nested sets of
``k`` trials per class drawn from the rest.  This is the part no library provides:
scikit-learn's splitters draw independent sets per split, not nested ones on one fixed
test part.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Iterator

import numpy as np

from benchmark.errors import NotRunnable, UserError
from benchmark.protocols.base import Fold, Protocol

__all__ = ["FewShotSplit", "LeaveOneSubjectOut"]


def _holdout(y: np.ndarray, index: np.ndarray, test_size: float,
             rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per class of ``y[index]`` (in sorted order): ``rng.permutation`` of its trials, the
    first ``ceil(test_size * n)`` held out, the rest the class's calibration pool."""
    test, pools = [], []
    for c in np.unique(y[index]):
        idx = rng.permutation(index[y[index] == c])
        n_test = max(1, int(np.ceil(test_size * len(idx))))
        test.append(idx[:n_test])
        pools.append(idx[n_test:])
    return np.sort(np.concatenate(test)), pools


@dataclass(frozen=True)
class _ShotsSplit(Protocol):
    """What the protocols with ``--shots`` share: a stratified held-out part of each class,
    and nested calibration sets of ``k`` trials per class drawn from the rest."""

    shots: tuple[int, ...] = ()
    test_size: float = 0.5
    allow_no_shots: ClassVar[bool] = True  # may ``shots`` be empty?

    def __post_init__(self):
        shots = tuple(sorted({int(k) for k in self.shots}))
        if (not shots and not self.allow_no_shots) or (shots and shots[0] < 1):
            raise UserError(f"--shots must be positive integers, got {self.shots}")
        if not 0.0 < self.test_size < 1.0:
            raise UserError(
                f"the held-out test share must be between 0 and 1, got {self.test_size}")
        object.__setattr__(self, "shots", shots)

    def to_dict(self) -> dict:
        return super().to_dict() | {"shots": list(self.shots)}

    def _calibration_sets(self, pools: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        """``(k, the first k trials of every class pool)`` for each ``k`` the pools allow."""
        available = min(len(p) for p in pools)
        usable = [k for k in self.shots if k <= available]
        if not usable:
            raise NotRunnable(
                f"after holding out {self.test_size:.0%} for testing, the smallest class has "
                f"{available} calibration trial(s), fewer than the smallest --shots "
                f"{self.shots[0]}; ask for fewer shots or a smaller test share")
        for k in usable:
            yield k, np.sort(np.concatenate([p[:k] for p in pools]))


@dataclass(frozen=True)
class FewShotSplit(_ShotsSplit):
    """Within-subject learning curves: ``k`` calibration trials per class, fixed test part.

    Per subject and seed (``numpy.random.default_rng(seed)``): a stratified ``test_size``
    share of each class is held out once and scores every ``k``; the remaining trials of
    each class are shuffled and the first ``k`` of each class calibrate (so the
    calibration sets are nested: the trials of ``k = 2`` include those of ``k = 1``).
    Values of ``k`` larger than the smallest class's remaining trials are dropped;
    alignment is fitted on each part separately (done by the engine), as in
    :class:`~benchmark.protocols.PaperSplit`.

    Parameters
    ----------
    shots : tuple of int
        Calibration trials per class (default 1, 2, 5, 10, 20, 30).
    test_size : float
        Share of each class held out for testing.
    """

    shots: tuple[int, ...] = (1, 2, 5, 10, 20, 30)
    name = "fewshot"
    version = "1"
    allow_no_shots = False

    def n_splits(self, n_sessions: int = 1) -> int:
        return len(self.shots)

    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        """Yield one fold per usable ``k`` (``fold`` is its index), all on the same test set."""
        y = np.asarray(y)
        rng = np.random.default_rng(seed)
        test_idx, pools = _holdout(y, np.arange(len(y)), self.test_size, rng)
        for i, (k, train) in enumerate(self._calibration_sets(pools)):
            yield Fold(train=train, test=test_idx, fold=i, shots=k)


@dataclass(frozen=True)
class LeaveOneSubjectOut(_ShotsSplit):
    """Cross-subject transfer: train on every other subject of the dataset, test on one.

    The split is scikit-learn's ``LeaveOneGroupOut`` over subjects, taking the fold whose
    test group is the target.  Every subject other than the target (all of the dataset's
    subjects, whatever ``--subjects`` selects as targets) calibrates, each aligned by its
    own reference (EA per subject, as MIRepNet pretrains); the target's trials are
    aligned by themselves.  With ``shots``, a stratified ``test_size`` share of the
    target is held out once (``numpy.random.default_rng([seed, target])``), and ``k``
    labelled target trials per class (nested sets, their own alignment group) join the
    training set for each ``k``; ``k = 0`` (no target trial) is scored on the same
    held-out trials, so the folds form a learning curve from zero.  Without ``shots``
    the single fold (``shots = 0``) tests on all of the target's trials.

    ``sessions`` says which sessions a unit uses: ``"dataset"`` (the default), the
    dataset's session of :class:`~benchmark.protocols.PaperSplit` for every subject;
    ``"all"``, every session of every subject, as MOABB's ``CrossSubjectEvaluation``,
    with one fold per session of the target (the same training set, so one model,
    scored on each of the target's sessions in turn).  ``--preset moabb`` takes
    ``"all"`` (:meth:`for_preset`).

    Parameters
    ----------
    shots : tuple of int
        Labelled target trials per class added to training (default: none).
    test_size : float
        Share of each target class held out for testing when ``shots`` is given.
    sessions : {"dataset", "all"}
        The dataset's protocol session, or every session (one fold per target session).

    References
    ----------
    Jayaram & Barachant, "MOABB", J. Neural Eng. 15, 2018 (cross-subject evaluation);
    He & Wu, IEEE TBME 67(2), 2020 (alignment per subject).
    """

    sessions: str = "dataset"
    name = "loso"
    version = "2"  # 1 had every target after the first reuse the first target's split
    scope = "dataset"

    def __post_init__(self):
        super().__post_init__()
        if self.sessions not in ("dataset", "all"):
            raise UserError(f"loso's sessions must be 'dataset' or 'all', got {self.sessions!r}")

    @property
    def all_sessions(self) -> bool:  # a parameter here, not a property of the class
        return self.sessions == "all"

    def to_dict(self) -> dict:
        """As before ``sessions`` existed where it is the default ``"dataset"`` (so the
        units and rows of earlier runs keep their keys)."""
        out = super().to_dict()
        if self.sessions == "dataset":
            del out["sessions"]
        return out

    def for_preset(self, preset: str) -> "LeaveOneSubjectOut":
        """With ``moabb``, every session (MOABB's ``CrossSubjectEvaluation``)."""
        return replace(self, sessions="all") if preset == "moabb" else self

    def n_splits(self, n_sessions: int = 1) -> int:
        per_k = n_sessions if self.all_sessions else 1
        return (len(self.shots) + 1) * per_k  # k = 0 and every k, per target session

    def cannot_run(self, spec) -> str | None:
        """Also a dataset of one subject."""
        if spec.n_subjects < 2:
            return (f"dataset {spec.name} has one subject; loso needs two or more: use the "
                    "paper or fewshot protocol")
        return super().cannot_run(spec)

    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        """Folds for one ``target`` subject; ``meta.subjects`` gives each trial's subject
        (and ``meta.sessions`` its session, with ``sessions="all"``)."""
        from sklearn.model_selection import LeaveOneGroupOut

        if meta is None or target is None:
            raise TypeError("loso splits need meta (the trials' subjects) and the target")
        y = np.asarray(y)
        subjects = np.asarray(meta.subjects).astype(int)
        if not np.any(subjects == int(target)):
            raise NotRunnable(f"subject {target} has no trials in this dataset's session")
        if len(np.unique(subjects)) < 2:
            raise NotRunnable("loso needs at least two subjects in the dataset; use the paper "
                              "or fewshot protocol")
        sources, target_idx = next(
            (train, test) for train, test in LeaveOneGroupOut().split(y, y, subjects)
            if subjects[test[0]] == int(target))
        missing = sorted(set(y[target_idx]) - set(y[sources]))
        if missing:
            raise NotRunnable(f"the other subjects have no trial of class {missing}")
        src_groups = subjects[sources].astype(str)
        sessions = np.asarray(meta.sessions).astype(str) if self.all_sessions else None

        def by_session(test: np.ndarray) -> Iterator[tuple[str | None, np.ndarray]]:
            """The test part, or (``sessions="all"``) its part in each target session."""
            if sessions is None:
                yield None, test
                return
            for s in sorted(set(sessions[test])):
                yield s, test[sessions[test] == s]

        if not self.shots:
            for i, (s, test) in enumerate(by_session(target_idx)):
                yield Fold(train=sources, test=test, fold=i, shots=0, train_groups=src_groups,
                           session=s)
            return
        rng = np.random.default_rng([seed, int(target)])
        test_idx, pools = _holdout(y, target_idx, self.test_size, rng)
        fold = 0
        for s, test in by_session(test_idx):
            yield Fold(train=sources, test=test, fold=fold, shots=0, train_groups=src_groups,
                       session=s)
            fold += 1
        for k, calib in self._calibration_sets(pools):
            groups = np.concatenate([src_groups, np.full(len(calib), f"{target}-calibration")])
            train = np.concatenate([sources, calib])
            for s, test in by_session(test_idx):
                yield Fold(train=train, test=test, fold=fold, shots=k, train_groups=groups,
                           session=s)
                fold += 1
