"""The MIRepNet release's downstream protocol: a seeded 30 % / 70 % split per subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from benchmark.errors import NotRunnable
from benchmark.protocols.base import Fold, Protocol

__all__ = ["PaperSplit"]


@dataclass(frozen=True)
class PaperSplit(Protocol):
    """The MIRepNet release's downstream protocol.

    Per subject: the dataset's session (:attr:`DatasetSpec.session`), a seeded random
    ``train_size`` share of its trials for calibration and the rest for testing
    (``sklearn.model_selection.train_test_split(train_size=floor(train_size * n),
    shuffle=True, random_state=seed)``), Euclidean alignment fitted separately on each
    part (done by the engine).  The release draws the split without stratification;
    ``stratify=True`` keeps class proportions instead.

    Parameters
    ----------
    train_size : float
        Calibration share (paper: 0.3).
    stratify : bool
        Stratify the split by class.

    References
    ----------
    Liu et al., "MIRepNet", arXiv 2507.20254 (downstream protocol of the release).
    """

    train_size: float = 0.3
    stratify: bool = False
    name = "paper"
    version = "1"

    def n_splits(self, n_sessions: int = 1) -> int:
        return 1

    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        """Yield the single calibration/test fold of the paper's protocol."""
        from sklearn.model_selection import train_test_split

        y = np.asarray(y)
        classes = np.unique(y)
        n_train = int(np.floor(self.train_size * len(y)))
        if n_train < 2 * len(classes) or len(y) - n_train < len(classes):
            raise NotRunnable(
                f"{len(y)} trials are too few for a {self.train_size:.0%} / "
                f"{1 - self.train_size:.0%} split of {len(classes)} classes (need at least "
                f"{int(np.ceil(2 * len(classes) / self.train_size))}); use a subject with more "
                "trials or another protocol"
            )
        idx = np.arange(len(y))
        train, test = train_test_split(idx, train_size=n_train, random_state=seed, shuffle=True,
                                       stratify=y if self.stratify else None)
        missing = sorted(set(classes) - set(y[train]))
        if missing:
            raise NotRunnable(
                f"the random {self.train_size:.0%} calibration part of seed {seed} has no trial "
                f"of class {missing}; use another seed or the stratified split"
            )
        yield Fold(train=np.sort(train), test=np.sort(test), fold=0, shots=None)
