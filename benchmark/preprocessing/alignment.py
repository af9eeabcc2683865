"""Euclidean alignment (EA) of EEG trials.

He & Wu, "Transfer Learning for Brain-Computer Interfaces: A Euclidean Space Data
Alignment Approach", IEEE TBME 67(2), 2020.  MIRepNet (Liu et al., arXiv 2507.20254)
applies it per subject, and in its downstream protocol separately on the calibration
and on the test part of each subject.

pyriemann has no EA transformer for raw trials (its ``Whitening``/``TLCenter`` act on
covariance matrices, not on the signals a deep model needs), so it is written here.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from benchmark.errors import UserError

__all__ = ["EuclideanAlignment", "check_trials", "inv_sqrtm"]


def check_trials(X: np.ndarray, name: str = "X", finite: bool = True) -> np.ndarray:
    """Validate a trial array of shape ``(n_trials, n_chans, n_times)``.

    ``finite=False`` skips the pass over every sample (for callers that see a NaN or Inf
    in a reduced result anyway and then call again with ``finite=True``).

    Raises
    ------
    UserError
        On a wrong number of dimensions or non-finite values.
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise UserError(
            f"{name} must have shape (n_trials, n_chans, n_times), got {X.shape}; "
            "reshape the trials before preprocessing"
        )
    if finite and not np.all(np.isfinite(X)):
        n_bad = int(np.sum(~np.all(np.isfinite(X), axis=(1, 2))))
        raise UserError(
            f"{name} holds NaN or Inf values in {n_bad} of {len(X)} trials; "
            "drop or repair those trials (or their channels) before preprocessing"
        )
    return X


def inv_sqrtm(C: np.ndarray, rcond: float = 1e-10) -> np.ndarray:
    """Inverse square root of a symmetric positive semi-definite matrix.

    Eigenvalues below ``rcond * max(eigenvalue)`` are clipped to that floor, so a
    rank-deficient reference (for instance after common average referencing) gives a
    finite filter instead of infinities.
    """
    C = (C + C.T) / 2.0
    evals, evecs = np.linalg.eigh(C)
    floor = rcond * max(float(evals.max()), np.finfo(float).tiny)
    evals = np.clip(evals, floor, None)
    return (evecs * evals**-0.5) @ evecs.T


class EuclideanAlignment(TransformerMixin, BaseEstimator):
    """Whiten trials by the inverse square root of their mean covariance.

    ``fit`` computes the reference ``R = mean_i cov(X_i)`` with ``cov`` as
    :func:`numpy.cov` (per-channel mean removed, divided by ``n_times - 1``);
    ``transform`` returns ``R^(-1/2) X_i`` for every trial.  After ``fit_transform`` the
    mean covariance of the trials is the identity.

    Both steps are single batched matrix products over all trials (no Python loop over
    trials): the reference is the sum of the per-trial Gram matrices ``Xc Xcᵀ``.

    Parameters
    ----------
    rcond : float
        Relative floor on the reference's eigenvalues (see :func:`inv_sqrtm`).

    Attributes
    ----------
    reference_ : ndarray, shape (n_chans, n_chans)
        Mean covariance of the fitted trials.
    filter_ : ndarray, shape (n_chans, n_chans)
        ``reference_ ** -1/2``.
    """

    def __init__(self, rcond: float = 1e-10):
        self.rcond = rcond

    def fit(self, X: np.ndarray, y=None) -> "EuclideanAlignment":
        X = check_trials(X, finite=False)
        n_trials, _, n_times = X.shape
        if n_times < 2:
            raise UserError("Euclidean alignment needs at least 2 samples per trial")
        # One batched Gram product of the raw trials (BLAS per trial, no centred copy),
        # summed in float64, minus the per-trial means' part: sum_i (X_i X_iᵀ - T m_i m_iᵀ).
        gram = np.matmul(X, X.transpose(0, 2, 1)).sum(axis=0, dtype=np.float64)
        means = X.mean(axis=2, dtype=np.float64)
        gram -= n_times * (means.T @ means)
        if not np.all(np.isfinite(gram)):  # a NaN or Inf somewhere: say where
            check_trials(X)
        self.reference_ = gram / (n_trials * (n_times - 1))
        self.filter_ = inv_sqrtm(self.reference_, self.rcond)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = check_trials(X)
        if X.shape[1] != self.filter_.shape[0]:
            raise UserError(
                f"EuclideanAlignment was fitted on {self.filter_.shape[0]} channels, "
                f"got {X.shape[1]}; fit it on trials of the same montage"
            )
        return np.matmul(self.filter_.astype(X.dtype, copy=False), X)
