"""Evaluation protocols: which trials calibrate a model and which test it.

Splitters are plain objects with a scikit-learn-like ``split`` so every model of a run
sees exactly the same trials for a given (subject, seed).  A protocol's ``scope`` says
what the engine hands it: ``"subject"`` (one subject's trials: ``paper``, ``fewshot``,
``cross-session``) or ``"dataset"`` (every subject of the dataset: ``loso``).  Each
:class:`Fold` also says how Euclidean alignment groups its trials (``train_groups``,
``test_groups``): one reference per group, never across the calibration/test boundary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterator, Union

import numpy as np

from benchmark.datasets.loading import SubjectData
from benchmark.errors import NotRunnable, UserError

__all__ = ["PaperSplit", "FewShotSplit", "LeaveOneSubjectOut", "CrossSessionSplit",
           "WithinSessionCV",
           "PROTOCOLS", "get_protocol", "Fold", "split_digest"]


@dataclass(frozen=True)
class Fold:
    """One calibration/test split.

    ``train``/``test`` index the trials the protocol was given.  ``train_groups`` and
    ``test_groups`` (one label per trial, ``None``: the part is one group) are the
    alignment groups; ``session`` is the test session where the protocol picks it.
    """

    train: np.ndarray
    test: np.ndarray
    fold: int = 0
    shots: int | None = None  # calibration trials per class, where the protocol fixes it
    train_groups: np.ndarray | None = None
    test_groups: np.ndarray | None = None
    session: str | None = None


def split_digest(fold: Fold, trial_ids: np.ndarray) -> str:
    """A short hash of which trials calibrate and which test (recorded in every row)."""
    import hashlib

    h = hashlib.sha256()
    for part in (fold.train, fold.test):
        h.update(np.ascontiguousarray(np.asarray(trial_ids)[part]).astype("<U64").tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


def _holdout(y: np.ndarray, index: np.ndarray, test_size: float, rng) -> tuple[np.ndarray, list]:
    """Per class of ``y[index]``: a stratified ``test_size`` share held out, the rest shuffled."""
    test, pools = [], []
    for c in np.unique(y[index]):
        idx = rng.permutation(index[y[index] == c])
        n_test = max(1, int(np.ceil(test_size * len(idx))))
        test.append(idx[:n_test])
        pools.append(idx[n_test:])
    return np.sort(np.concatenate(test)), pools


@dataclass(frozen=True)
class PaperSplit:
    """The MIRepNet release's downstream protocol.

    Per subject: the dataset's session (:attr:`DatasetSpec.session`), a seeded random
    ``train_size`` share of its trials for calibration and the rest for testing,
    Euclidean alignment fitted separately on each part (done by the engine).  The
    release draws the split without stratification; ``stratify=True`` keeps class
    proportions instead.

    Parameters
    ----------
    train_size : float
        Calibration share (paper: 0.3).
    stratify : bool
        Stratify the split by class.
    """

    train_size: float = 0.3
    stratify: bool = False
    name: str = "paper"
    version: str = "1"
    scope = "subject"

    def to_dict(self) -> dict:
        return asdict(self)

    def select(self, data: SubjectData, session: str | None) -> SubjectData:
        """Keep the protocol's session (``None``: the first one)."""
        available = sorted(set(data.sessions))
        chosen = session if session is not None else available[0]
        if chosen not in available:
            raise UserError(
                f"dataset {data.dataset} subject {data.subject} has sessions {available}, "
                f"not {chosen!r}; fix the catalogue entry's session"
            )
        return data.select(data.sessions == chosen)

    def split(self, y: np.ndarray, seed: int, meta=None, target=None) -> Iterator[Fold]:
        """Yield the single calibration/test fold of the paper's protocol."""
        from sklearn.model_selection import train_test_split

        y = np.asarray(y)
        classes, counts = np.unique(y, return_counts=True)
        n_train = int(np.floor(self.train_size * len(y)))
        if n_train < 2 * len(classes) or len(y) - n_train < len(classes):
            raise NotRunnable(
                f"{len(y)} trials are too few for a {self.train_size:.0%} / "
                f"{1 - self.train_size:.0%} split of {len(classes)} classes (need at least "
                f"{int(np.ceil(2 * len(classes) / self.train_size))}); use a subject with more "
                "trials or another protocol"
            )
        idx = np.arange(len(y))
        train, test = train_test_split(
            idx,
            train_size=n_train,
            random_state=seed,
            shuffle=True,
            stratify=y if self.stratify else None,
        )
        missing = sorted(set(classes) - set(y[train]))
        if missing:
            raise NotRunnable(
                f"the random {self.train_size:.0%} calibration part of seed {seed} has no trial "
                f"of class {missing}; use another seed or the stratified split"
            )
        yield Fold(train=np.sort(train), test=np.sort(test), fold=0, shots=None)


@dataclass(frozen=True)
class _ShotsSplit:
    """What the protocols with ``--shots`` share: a stratified held-out part of each class,
    and nested calibration sets of ``k`` trials per class drawn from the rest."""

    shots: tuple[int, ...] = ()
    test_size: float = 0.5
    allow_no_shots = True  # class attribute: may ``shots`` be empty?

    def __post_init__(self):
        shots = tuple(sorted({int(k) for k in self.shots}))
        if (not shots and not self.allow_no_shots) or (shots and shots[0] < 1):
            raise UserError(f"--shots must be positive integers, got {self.shots}")
        if not 0.0 < self.test_size < 1.0:
            raise UserError(f"the held-out test share must be between 0 and 1, got {self.test_size}")
        object.__setattr__(self, "shots", shots)

    def to_dict(self) -> dict:
        return asdict(self) | {"shots": list(self.shots)}

    select = PaperSplit.select

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

    Per subject and seed: a stratified ``test_size`` share of each class is held out once
    and scores every ``k``; the remaining trials of each class are shuffled and the first
    ``k`` of each class calibrate (so the calibration sets are nested: the trials of
    ``k = 2`` include those of ``k = 1``).  Values of ``k`` larger than the smallest
    class's remaining trials are dropped; alignment is fitted on each part separately
    (done by the engine), as in :class:`PaperSplit`.

    Parameters
    ----------
    shots : tuple of int
        Calibration trials per class (default 1, 2, 5, 10, 20, 30).
    test_size : float
        Share of each class held out for testing.
    """

    shots: tuple[int, ...] = (1, 2, 5, 10, 20, 30)
    name: str = "fewshot"
    version: str = "1"
    scope = "subject"
    allow_no_shots = False

    def split(self, y: np.ndarray, seed: int, meta=None, target=None) -> Iterator[Fold]:
        """Yield one fold per usable ``k`` (``fold`` is its index), all on the same test set."""
        y = np.asarray(y)
        rng = np.random.default_rng(seed)
        test_idx, pools = _holdout(y, np.arange(len(y)), self.test_size, rng)
        for i, (k, train) in enumerate(self._calibration_sets(pools)):
            yield Fold(train=train, test=test_idx, fold=i, shots=k)


@dataclass(frozen=True)
class LeaveOneSubjectOut(_ShotsSplit):
    """Cross-subject transfer: train on every other subject of the dataset, test on one.

    Every subject other than the target (all of the dataset's subjects, whatever
    ``--subjects`` selects as targets) calibrates, each aligned by its own reference (EA
    per subject, as MIRepNet pretrains); the target's trials are aligned by themselves.
    With ``shots``, a stratified ``test_size`` share of the target is held out once, and
    ``k`` labelled target trials per class (nested sets, their own alignment group) join
    the training set for each ``k``; ``k = 0`` (no target trial) is scored on the same
    held-out trials, so the folds form a learning curve from zero.  Without ``shots``
    the single fold (``shots = 0``) tests on all of the target's trials.  The
    dataset's session of :class:`PaperSplit` is used for every subject.

    Parameters
    ----------
    shots : tuple of int
        Labelled target trials per class added to training (default: none).
    test_size : float
        Share of each target class held out for testing when ``shots`` is given.

    References
    ----------
    Jayaram & Barachant, "MOABB", J. Neural Eng. 15, 2018 (cross-subject evaluation);
    He & Wu, IEEE TBME 67(2), 2020 (alignment per subject).
    """

    name: str = "loso"
    version: str = "1"
    scope = "dataset"

    def split(self, y: np.ndarray, seed: int, meta=None, target=None) -> Iterator[Fold]:
        """Folds for one ``target`` subject; ``meta.subjects`` gives each trial's subject."""
        y = np.asarray(y)
        subjects = np.asarray(meta.subjects)
        is_target = subjects == target
        sources = np.flatnonzero(~is_target)
        if not is_target.any():
            raise NotRunnable(f"subject {target} has no trials in this dataset's session")
        if len(sources) == 0:
            raise NotRunnable("loso needs at least two subjects in the dataset; use the paper "
                              "or fewshot protocol")
        missing = sorted(set(y[is_target]) - set(y[sources]))
        if missing:
            raise NotRunnable(f"the other subjects have no trial of class {missing}")
        src_groups = subjects[sources].astype(str)
        target_idx = np.flatnonzero(is_target)
        if not self.shots:
            yield Fold(train=sources, test=target_idx, fold=0, shots=0, train_groups=src_groups)
            return
        rng = np.random.default_rng([seed, int(target)])
        test_idx, pools = _holdout(y, target_idx, self.test_size, rng)
        yield Fold(train=sources, test=test_idx, fold=0, shots=0, train_groups=src_groups)
        for i, (k, calib) in enumerate(self._calibration_sets(pools), start=1):
            groups = np.concatenate([src_groups, np.full(len(calib), f"{target}-calibration")])
            yield Fold(train=np.concatenate([sources, calib]), test=test_idx, fold=i, shots=k,
                       train_groups=groups)


@dataclass(frozen=True)
class CrossSessionSplit:
    """Across sessions of one subject: calibrate on the other sessions, test on one.

    One fold per session (MOABB's leave-one-session-out; with two sessions, train on
    each and test on the other), each session aligned by its own reference.  Subjects
    with a single session are not runnable under this protocol.
    """

    name: str = "cross-session"
    version: str = "1"
    scope = "subject"
    uses_all_sessions = True

    def to_dict(self) -> dict:
        return asdict(self)

    def select(self, data: SubjectData, session: str | None) -> SubjectData:
        """Every session."""
        return data

    def split(self, y: np.ndarray, seed: int, meta=None, target=None) -> Iterator[Fold]:
        sessions = np.asarray(meta.sessions).astype(str)
        names = sorted(set(sessions))
        if len(names) < 2:
            raise NotRunnable(
                f"{meta.dataset} subject {meta.subject} has one session ({names[0]}); "
                "cross-session needs two or more: use a dataset with several sessions or "
                "--protocol paper")
        y = np.asarray(y)
        for i, s in enumerate(names):
            train, test = np.flatnonzero(sessions != s), np.flatnonzero(sessions == s)
            missing = sorted(set(y[test]) - set(y[train]))
            if missing:
                raise NotRunnable(f"the sessions other than {s} have no trial of class {missing}")
            yield Fold(train=train, test=test, fold=i, train_groups=sessions[train], session=s)


@dataclass(frozen=True)
class WithinSessionCV:
    """MOABB's within-session evaluation: stratified k-fold cross-validation per session.

    As ``moabb.evaluations.WithinSessionEvaluation``: in every session of the subject,
    ``StratifiedKFold(n_folds, shuffle=True, random_state=seed)``; one fold per (session,
    split).  Alignment is fitted on each part, as in the other protocols.  Used to compare
    with MOABB's published within-session scores and by ``perf`` to time the engine against
    MOABB's own evaluation on the same work.
    """

    n_folds: int = 5
    name: str = "within-session"
    version: str = "1"
    scope = "subject"
    uses_all_sessions = True

    def __post_init__(self):
        if self.n_folds < 2:
            raise UserError(f"within-session needs at least 2 folds, got {self.n_folds}")

    def to_dict(self) -> dict:
        return asdict(self)

    def select(self, data: SubjectData, session: str | None) -> SubjectData:
        """Every session."""
        return data

    def split(self, y: np.ndarray, seed: int, meta=None, target=None) -> Iterator[Fold]:
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


Protocol = Union[PaperSplit, FewShotSplit, LeaveOneSubjectOut, CrossSessionSplit,
                 WithinSessionCV]

PROTOCOLS = {"paper": PaperSplit, "fewshot": FewShotSplit, "loso": LeaveOneSubjectOut,
             "cross-session": CrossSessionSplit, "within-session": WithinSessionCV}


def get_protocol(name: str, **kwargs):
    """A protocol by name, with "did you mean" on failure; ``kwargs`` it does not take are
    ignored (the CLI passes every protocol option)."""
    import inspect

    try:
        cls = PROTOCOLS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(PROTOCOLS), n=1, cutoff=0.4)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UserError(
            f"unknown protocol {name!r}: {hint}available: {', '.join(PROTOCOLS)}"
        ) from None
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in kwargs.items() if k in accepted and v is not None})
