"""Throughput figures printed by ``python -m benchmark perf``.

Preprocessing: the suite's vectorised Euclidean alignment + template mapping against a
plain per-trial loop of the same maths (``np.cov`` per trial, a per-trial matrix
product), on 288 trials x 22 channels x 1000 samples (one BCI IV 2a session at 250 Hz).
"""

from __future__ import annotations

import time

import numpy as np

from benchmark.datasets.catalogue import BNCI2014001_CHANNELS as BCI2A_CHANNELS
from benchmark.preprocessing import (
    RELEASE_2D_POSITIONS,
    TEMPLATE_CHANNELS,
    PreprocessingConfig,
    apply_preprocessing,
    inv_sqrtm,
    normalise_channel_name,
    template_matrix,
)


def per_trial_reference(X: np.ndarray, ch_names) -> np.ndarray:
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


def release_style_reference(X: np.ndarray, ch_names) -> np.ndarray:
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


def vectorised(X: np.ndarray, ch_names) -> np.ndarray:
    """The suite's path: one batched Gram product, one fused operator."""
    return apply_preprocessing(X, ch_names, PreprocessingConfig(template="idw"))[0]


def _best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def preprocessing_throughput(n_trials=288, n_chans=22, n_times=1000, repeats=5):
    """Trials per second of the suite's path and of the two per-trial references.

    Returns a dict with ``vectorised``, ``per_trial``, ``release_style`` (trials/s) and
    ``max_abs_diff`` (largest difference between the suite's output and the references).
    """
    rng = np.random.default_rng(0)
    names = list(BCI2A_CHANNELS)[:n_chans]
    X = (rng.standard_normal((n_trials, n_chans, n_times)) * 10).astype(np.float32)
    out = vectorised(X, names)
    diff = max(float(np.max(np.abs(out - ref(X, names))))
               for ref in (per_trial_reference, release_style_reference))
    figures = {"max_abs_diff": diff}
    for key, fn, r in (("vectorised", vectorised, repeats), ("per_trial", per_trial_reference, repeats),
                       ("release_style", release_style_reference, 1)):
        figures[key] = n_trials / _best_of(lambda fn=fn: fn(X, names), r)
    return figures


def main() -> int:
    import os

    print(f"CPU cores: {os.cpu_count()}")
    f = preprocessing_throughput()
    print("preprocessing (EA + 45-channel template), 288 trials x 22 channels x 1000 samples, "
          f"float32 (outputs agree to {f['max_abs_diff']:.1e}):")
    print(f"  suite (batched, fused)        {f['vectorised']:>9,.0f} trials/s")
    print(f"  per-trial loop, BLAS per trial {f['per_trial']:>8,.0f} trials/s   "
          f"suite is {f['vectorised'] / f['per_trial']:.1f}x faster")
    print(f"  release-style per-channel loop {f['release_style']:>8,.0f} trials/s   "
          f"suite is {f['vectorised'] / f['release_style']:.0f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
