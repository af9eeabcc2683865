"""Subject screening for the pretraining pool.

The MIRepNet paper excludes "bad subjects" from its pretraining data without saying
how.  This suite's rule is explicit, configurable and recorded with the checkpoint
(``screening.csv`` lists every subject with its figures and the verdict):

1. **Trial rejection.**  A trial is rejected when any channel's peak-to-peak amplitude
   exceeds ``reject_uv`` µV (after the shared 8-30 Hz band-pass) or any channel is flat
   (standard deviation below ``flat_uv`` µV), or it holds non-finite values.
2. **Artefact-ridden subjects.**  A subject is dropped when more than ``max_rejected``
   of its trials were rejected.
3. **Too little labelled data.**  A subject is dropped with fewer than ``min_labelled``
   trials of the pretraining classes left.
4. **Not decodable** (``min_accuracy_margin`` not None).  A subject is dropped when the
   stratified ``cv_folds``-fold cross-validated accuracy of tangent-space + logistic
   regression (Barachant et al., IEEE TBME 59(4), 2012; pyriemann) on its labelled
   trials does not exceed chance (the majority-class share) by ``min_accuracy_margin``.
   This is the usual "BCI inefficiency" screen: data of subjects whose imagery no
   standard decoder can read teach the classification head noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from benchmark.errors import UserError

__all__ = ["ScreeningRule", "ScreeningResult", "reject_trials", "screen_subject"]


@dataclass(frozen=True)
class ScreeningRule:
    """Parameters of the screening rule (module docstring)."""

    reject_uv: float = 400.0
    flat_uv: float = 0.1
    max_rejected: float = 0.25
    min_labelled: int = 20
    min_accuracy_margin: float | None = 0.05
    cv_folds: int = 5

    def __post_init__(self):
        if self.reject_uv <= 0 or self.flat_uv < 0:
            raise UserError("screening thresholds must be positive")
        if not 0 <= self.max_rejected <= 1:
            raise UserError("--screen-max-rejected must be between 0 and 1")
        if self.cv_folds < 2:
            raise UserError("screening needs at least 2 cross-validation folds")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ScreeningResult:
    """Verdict and figures for one subject."""

    kept: bool
    reason: str
    n_trials: int
    n_rejected: int
    n_labelled: int
    cv_accuracy: float = float("nan")
    chance: float = float("nan")

    def to_dict(self) -> dict:
        return asdict(self)


def reject_trials(X: np.ndarray, rule: ScreeningRule) -> np.ndarray:
    """Boolean mask of the trials to keep (vectorised over trials and channels)."""
    finite = np.isfinite(X).all(axis=(1, 2))
    Xf = np.where(np.isfinite(X), X, 0.0)
    ptp = Xf.max(axis=2) - Xf.min(axis=2)
    std = Xf.std(axis=2)
    return finite & (ptp <= rule.reject_uv).all(axis=1) & (std >= rule.flat_uv).all(axis=1)


def _cv_accuracy(X: np.ndarray, labels: np.ndarray, folds: int, seed: int) -> float:
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(Covariances("oas"), TangentSpace(metric="riemann"),
                         LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(pipe, X.astype(np.float64), labels, cv=cv)))


def screen_subject(X: np.ndarray, labels: np.ndarray, rule: ScreeningRule,
                   seed: int = 0) -> tuple[np.ndarray, ScreeningResult]:
    """Apply the rule to one subject.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        Band-passed trials in µV, on the dataset's own channels.
    labels : ndarray of int
        Pretraining class per trial, -1 for trials used for reconstruction only.
    rule : ScreeningRule
    seed : int
        Seed of the cross-validation split.

    Returns
    -------
    keep : ndarray of bool
        Trials that survive rejection.
    result : ScreeningResult
    """
    keep = reject_trials(X, rule)
    n, n_rej = len(X), int((~keep).sum())
    labelled = keep & (labels >= 0)
    res = ScreeningResult(False, "", n, n_rej, int(labelled.sum()))
    if n == 0 or n_rej / n > rule.max_rejected:
        res.reason = f"{n_rej}/{n} trials rejected (limit {rule.max_rejected:.0%})"
        return keep, res
    if res.n_labelled < rule.min_labelled:
        res.reason = f"{res.n_labelled} labelled trials (minimum {rule.min_labelled})"
        return keep, res
    if rule.min_accuracy_margin is not None:
        y = labels[labelled]
        counts = np.bincount(y)
        counts = counts[counts > 0]
        res.chance = float(counts.max() / counts.sum())
        if len(counts) < 2:
            res.reason = "a single labelled class: decodability cannot be checked"
            return keep, res
        folds = int(min(rule.cv_folds, counts.min()))
        if folds < 2:
            res.reason = "fewer than 2 trials in a class: decodability cannot be checked"
            return keep, res
        res.cv_accuracy = _cv_accuracy(X[labelled], y, folds, seed)
        if res.cv_accuracy < res.chance + rule.min_accuracy_margin:
            res.reason = (f"cross-validated accuracy {res.cv_accuracy:.2f} < chance "
                          f"{res.chance:.2f} + {rule.min_accuracy_margin:.2f}")
            return keep, res
    res.kept, res.reason = True, "kept"
    return keep, res
