"""Preprocessing throughput: the suite's Euclidean alignment and template mapping, batched.

The suite's path (one batched Gram product, one fused operator) against a plain
per-trial loop of the same maths (``np.cov`` per trial, a per-trial matrix product) and
against the loop as the release's code is organised (per trial, per template channel),
by default on 288 trials x 22 channels x 1000 samples (one BCI IV 2a session at 250 Hz).
The two loops are written here by hand because they are the comparison: nothing else
computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from benchmark.datasets.catalogue import BNCI2014001_CHANNELS as BCI2A_CHANNELS
from benchmark.perf.timer import best_seconds
from benchmark.preprocessing import (
    RELEASE_2D_POSITIONS,
    TEMPLATE_CHANNELS,
    PreprocessingConfig,
    apply_preprocessing,
    inv_sqrtm,
    normalise_channel_name,
    template_matrix,
)

__all__ = ["PreprocessingThroughput", "per_trial_reference",
           "preprocessing_throughput", "release_style_reference", "vectorised"]


@dataclass(frozen=True)
class PreprocessingThroughput:
    """Trials per second of three implementations of the same preprocessing, on one input.

    Attributes
    ----------
    n_trials, n_chans, n_times : int
        Shape of the input the figures were measured on.
    n_template : int
        Channels of the output (the template the trials are mapped onto).
    dtype : str
        The input's element type.
    figures : dict
        ``vectorised``, ``per_trial``, ``release_style`` and ``write_floor`` (trials/s;
        the last only writes the output array, the memory floor of any implementation)
        and ``max_abs_diff`` (largest difference between the suite's output and the loops').
    """

    n_trials: int
    n_chans: int
    n_times: int
    n_template: int
    dtype: str
    figures: dict[str, float]


def per_trial_reference(X: np.ndarray, ch_names: Sequence[str]) -> np.ndarray:
    """Euclidean alignment and template mapping written trial by trial (BLAS per trial)."""
    R = np.zeros((X.shape[1], X.shape[1]))
    for x in X:
        R += np.cov(x)
    R /= len(X)
    P = inv_sqrtm(R)
    M = template_matrix(ch_names, "idw")
    out = np.empty((len(X), M.shape[0], X.shape[2]), dtype=X.dtype)
    for i, x in enumerate(X):
        out[i] = M @ (P @ x)
    return out


def release_style_reference(X: np.ndarray, ch_names: Sequence[str]) -> np.ndarray:
    """As the release's code is organised: per trial, per template channel, a copy or an
    inverse-distance mix computed from the 2-D coordinates."""
    R = np.mean([np.cov(x) for x in X], axis=0)
    P = inv_sqrtm(R)
    names = [normalise_channel_name(c) for c in ch_names]
    out = np.empty((len(X), len(TEMPLATE_CHANNELS), X.shape[2]), dtype=X.dtype)
    for i, x in enumerate(X):
        aligned = P @ x
        for r, target in enumerate(TEMPLATE_CHANNELS):
            if target in names:
                out[i, r] = aligned[names.index(target)]
                continue
            tx, ty = RELEASE_2D_POSITIONS[target]
            weights = []
            for name in names:
                sx, sy = RELEASE_2D_POSITIONS[name]
                weights.append(1.0 / (np.hypot(tx - sx, ty - sy) + 1e-6))
            weights = np.array(weights) / np.sum(weights)
            out[i, r] = weights @ aligned
    return out


def vectorised(X: np.ndarray, ch_names: Sequence[str]) -> np.ndarray:
    """The suite's path: one batched Gram product, one fused operator."""
    return apply_preprocessing(X, ch_names, PreprocessingConfig(template="idw"))[0]


def preprocessing_throughput(n_trials: int = 288, n_chans: int = 22, n_times: int = 1000,
                             repeats: int = 5) -> PreprocessingThroughput:
    """Trials per second of the suite's path and of the two per-trial references.

    Parameters
    ----------
    n_trials, n_chans, n_times : int
        Shape of the random input (float32, the first ``n_chans`` BCI IV 2a channels).
    repeats : int
        Timed calls of the suite's path and of the per-trial loop (the fastest counts);
        the release-style loop, much slower, is timed once.

    Returns
    -------
    PreprocessingThroughput
        The figures and the sizes of the input and output they were measured on.
    """
    rng = np.random.default_rng(0)
    names = list(BCI2A_CHANNELS)[:n_chans]
    X = (rng.standard_normal((n_trials, n_chans, n_times)) * 10).astype(np.float32)
    out = vectorised(X, names)
    diff = max(float(np.max(np.abs(out - ref(X, names))))
               for ref in (per_trial_reference, release_style_reference))
    figures = {"max_abs_diff": diff}
    for key, fn, r in (("vectorised", vectorised, repeats),
                       ("per_trial", per_trial_reference, repeats),
                       ("release_style", release_style_reference, 1)):
        figures[key] = len(X) / best_seconds(lambda fn=fn: fn(X, names), r)
    # The floor: allocating and writing an array of the output's shape, nothing else.
    figures["write_floor"] = len(X) / best_seconds(
        lambda: np.empty(out.shape, out.dtype).fill(1.0), repeats)
    n_trials, n_chans, n_times = X.shape
    return PreprocessingThroughput(n_trials=n_trials, n_chans=n_chans, n_times=n_times,
                                   n_template=out.shape[1], dtype=str(X.dtype), figures=figures)

