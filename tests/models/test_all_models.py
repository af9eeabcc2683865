"""Every registered model: builds for several montages, trains, predicts, clones."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from benchmark.engine import seed_everything
from benchmark.errors import NotRunnable
from benchmark.preprocessing import TEMPLATE_CHANNELS, chs_info
from benchmark.models import create_model, get_model_entry, list_models
from benchmark.models.foundation import FOUNDATION  # name -> (backbone class, ...)

MONTAGES = {3: ("C3", "Cz", "C4"), 22: TEMPLATE_CHANNELS[:22], 45: TEMPLATE_CHANNELS}
HEAVY = set(list_models(tags=["heavy"]))  # foundation models and large specialists


def _models(names) -> list:
    """Parameters of the model tests: the heavy models' are slow (up to 20 s each)."""
    return [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in names]


def _plain(value):
    """A parameter value in a form ``==`` compares by content (estimators by their params)."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value), _params(value)
    if isinstance(value, (list, tuple)):
        return type(value), [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.shape, value.dtype.str, value.tobytes()
    return value


def _params(est) -> dict:
    return {k: _plain(v) for k, v in est.get_params(deep=False).items()}


def _weights(name, request) -> dict:
    """Test weights for a pretrained model, or the assertion that it refuses to run without."""
    if get_model_entry(name).pretrained is None:
        return {}
    if name == "mirepnet":
        return {"checkpoint": request.getfixturevalue("mirepnet_checkpoint")}
    if name in FOUNDATION:
        return {"checkpoint": request.getfixturevalue("foundation_weights")[name]}
    with pytest.raises(NotRunnable):  # offline, empty cache: never random weights
        create_model(name, n_chans=22, n_outputs=2, n_times=500, sfreq=250.0,
                     chs_info=chs_info(MONTAGES[22]))
    pytest.skip(f"{name}: no offline test weights; checked that it is reported not runnable")


@pytest.mark.parametrize("name", _models(list_models()))
@pytest.mark.parametrize("n_chans", [3, 22, 45])
def test_model_fits_predicts_and_clones(name, n_chans, rng, request):
    entry = get_model_entry(name)
    if entry.n_chans is not None and entry.n_chans != n_chans:
        pytest.skip(f"{name} accepts {entry.n_chans} channels only")
    if n_chans < 4 and FOUNDATION.get(name.removesuffix("_scratch"), ("",))[0].startswith(
            "Interpolated"):
        with pytest.raises(NotRunnable, match="at least 4 channels"):
            create_model(name, n_chans=n_chans, n_outputs=2, n_times=500, sfreq=250.0,
                         chs_info=chs_info(MONTAGES[n_chans]))
        return
    heavy = "heavy" in entry.tags
    n_trials, n_times = (8, 500) if heavy else (16, 500)  # heavy: one optimiser step
    X = rng.normal(size=(n_trials, n_chans, n_times)).astype(np.float32)
    y = np.tile([0, 1], n_trials // 2)
    X[y == 1, 0] *= 3.0  # class information in channel 0's variance
    kwargs = {"max_epochs": 1 if heavy else 2} if "deep" in entry.tags else {}
    kwargs |= _weights(name, request)
    est = create_model(name, n_chans=n_chans, n_outputs=2, n_times=n_times, sfreq=250.0,
                       chs_info=chs_info(MONTAGES[n_chans]), **kwargs)
    twin = clone(est)
    assert twin is not est and _params(twin) == _params(est)
    seed_everything(0)
    est.fit(X, y)
    pred = np.asarray(est.predict(X))
    assert pred.shape == (n_trials,) and set(np.unique(pred)) <= {0, 1}
    with pytest.raises(NotFittedError):  # fitting the original did not fit its clone
        check_is_fitted(twin)
    fresh = clone(est)  # a clone of the fitted estimator: its parameters, not its fit
    assert _params(fresh) == _params(est)
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
    if "classical" in entry.tags:  # same data, same seed: the clone learns the same model
        seed_everything(0)
        np.testing.assert_array_equal(np.asarray(twin.fit(X, y).predict(X)), pred)


@pytest.mark.parametrize("name", _models(list_models(tags=["deep"])))
def test_deep_models_follow_braindecode_contract(name, rng, request):
    import torch

    n_chans = get_model_entry(name).n_chans or 22
    est = create_model(name, n_chans=n_chans, n_outputs=4, n_times=1000, sfreq=250.0, max_epochs=1,
                       chs_info=chs_info(MONTAGES[n_chans]), **_weights(name, request))
    est.initialize()
    module = est.module_
    assert ((module.n_chans, module.n_outputs, module.n_times, module.sfreq)
            == (n_chans, 4, 1000, 250.0))
    x = torch.randn(2, n_chans, 1000, requires_grad=True)
    out = module(x)
    assert out.shape == (2, 4)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
