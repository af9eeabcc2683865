import numpy as np
import pytest
from sklearn.base import clone

from benchmark.errors import UserError
from benchmark.preprocessing import EuclideanAlignment


def _reference_ea(X):
    """The release's definition, trial by trial: R = mean np.cov(X_i); X_i <- R^-1/2 X_i."""
    R = np.mean([np.cov(x) for x in X], axis=0)
    w, v = np.linalg.eigh(R)
    P = v @ np.diag(w**-0.5) @ v.T
    return np.stack([P @ x for x in X]), R


def test_matches_per_trial_definition(rng):
    mixing = rng.normal(size=(5, 5))
    X = np.einsum("ij,njt->nit", mixing, rng.normal(size=(30, 5, 200)))
    expected, R = _reference_ea(X)
    ea = EuclideanAlignment().fit(X)
    np.testing.assert_allclose(ea.reference_, R, rtol=1e-10)
    np.testing.assert_allclose(ea.transform(X), expected, rtol=1e-8, atol=1e-10)


def test_mean_covariance_becomes_identity(rng):
    X = rng.normal(size=(40, 4, 300)) * np.array([1.0, 5.0, 0.2, 3.0])[None, :, None]
    Z = EuclideanAlignment().fit_transform(X)
    mean_cov = np.mean([np.cov(z) for z in Z], axis=0)
    np.testing.assert_allclose(mean_cov, np.eye(4), atol=1e-10)


def test_rank_deficient_reference_stays_finite(rng):
    X = rng.normal(size=(10, 4, 100))
    X -= X.mean(axis=1, keepdims=True)  # common average reference: rank 3
    Z = EuclideanAlignment().fit_transform(X)
    assert np.all(np.isfinite(Z))


def test_keeps_float32_and_clones(rng):
    X = rng.normal(size=(8, 3, 50)).astype(np.float32)
    ea = clone(EuclideanAlignment(rcond=1e-8))
    assert ea.fit_transform(X).dtype == np.float32


def test_rejects_nan_and_wrong_shape(rng):
    X = rng.normal(size=(5, 3, 40))
    X[2, 1, 7] = np.nan
    with pytest.raises(UserError, match="NaN or Inf values in 1 of 5 trials"):
        EuclideanAlignment().fit(X)
    with pytest.raises(UserError, match="shape"):
        EuclideanAlignment().fit(X[0])
    ea = EuclideanAlignment().fit(rng.normal(size=(5, 3, 40)))
    with pytest.raises(UserError, match="fitted on 3 channels"):
        ea.transform(rng.normal(size=(5, 4, 40)))
