"""Evaluation protocols: which trials calibrate a model and which test it.

Splitters are plain objects with a scikit-learn-like ``split`` so every model of a run
sees exactly the same trials for a given (subject, seed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterator

import numpy as np

from benchmark.datasets.loading import SubjectData
from benchmark.errors import NotRunnable, UserError

__all__ = ["PaperSplit", "FewShotSplit", "PROTOCOLS", "get_protocol", "Fold"]


@dataclass(frozen=True)
class Fold:
    """One calibration/test split of a subject."""

    train: np.ndarray
    test: np.ndarray
    fold: int = 0
    shots: int | None = None  # calibration trials per class, where the protocol fixes it


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

    def split(self, y: np.ndarray, seed: int) -> Iterator[Fold]:
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
class FewShotSplit:
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
    test_size: float = 0.5
    name: str = "fewshot"
    version: str = "1"

    def __post_init__(self):
        shots = tuple(sorted({int(k) for k in self.shots}))
        if not shots or shots[0] < 1:
            raise UserError(f"--shots must be positive integers, got {self.shots}")
        if not 0.0 < self.test_size < 1.0:
            raise UserError(f"the few-shot test share must be between 0 and 1, got {self.test_size}")
        object.__setattr__(self, "shots", shots)

    def to_dict(self) -> dict:
        return asdict(self) | {"shots": list(self.shots)}

    select = PaperSplit.select

    def split(self, y: np.ndarray, seed: int) -> Iterator[Fold]:
        """Yield one fold per usable ``k`` (``fold`` is its index), all on the same test set."""
        y = np.asarray(y)
        rng = np.random.default_rng(seed)
        classes = np.unique(y)
        test, pools = [], []
        for c in classes:
            idx = rng.permutation(np.flatnonzero(y == c))
            n_test = max(1, int(np.ceil(self.test_size * len(idx))))
            test.append(idx[:n_test])
            pools.append(idx[n_test:])
        available = min(len(p) for p in pools)
        usable = [k for k in self.shots if k <= available]
        if not usable:
            raise NotRunnable(
                f"after holding out {self.test_size:.0%} for testing, the smallest class has "
                f"{available} calibration trial(s), fewer than the smallest --shots "
                f"{self.shots[0]}; ask for fewer shots or a smaller test share")
        test_idx = np.sort(np.concatenate(test))
        for i, k in enumerate(usable):
            train = np.sort(np.concatenate([p[:k] for p in pools]))
            yield Fold(train=train, test=test_idx, fold=i, shots=k)


PROTOCOLS = {"paper": PaperSplit, "fewshot": FewShotSplit}


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
