"""Every registered model: builds for several montages, trains, predicts, clones."""

import numpy as np
import pytest
from sklearn.base import clone

from benchmark.errors import NotRunnable
from models import create_model, get_model_entry, list_models

# Pretrained models whose test weights the suite can build offline (see conftest).
TEST_WEIGHTS = {"mirepnet": "mirepnet_checkpoint"}


def _weights(name, request) -> dict:
    """Test weights for a pretrained model, or the assertion that it refuses to run without."""
    if get_model_entry(name).pretrained is None:
        return {}
    if name in TEST_WEIGHTS:
        return {"checkpoint": request.getfixturevalue(TEST_WEIGHTS[name])}
    with pytest.raises(NotRunnable):  # offline, empty cache: never random weights
        create_model(name, n_chans=22, n_outputs=2, n_times=500, sfreq=250.0)
    pytest.skip(f"{name}: no offline test weights; checked that it is reported not runnable")


@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize("n_chans", [3, 22, 45])
def test_model_fits_predicts_and_clones(name, n_chans, rng, request):
    fixed = get_model_entry(name).n_chans
    if fixed is not None and fixed != n_chans:
        pytest.skip(f"{name} accepts {fixed} channels only")
    n_times = 500
    X = rng.normal(size=(16, n_chans, n_times)).astype(np.float32)
    y = np.tile([0, 1], 8)
    X[y == 1, 0] *= 3.0  # class information in channel 0's variance
    kwargs = {"max_epochs": 2} if "deep" in get_model_entry(name).tags else {}
    kwargs |= _weights(name, request)
    est = create_model(name, n_chans=n_chans, n_outputs=2, n_times=n_times, sfreq=250.0, **kwargs)
    twin = clone(est)
    assert type(twin) is type(est)
    est.fit(X, y)
    pred = np.asarray(est.predict(X))
    assert pred.shape == (16,) and set(np.unique(pred)) <= {0, 1}


@pytest.mark.parametrize("name", list_models(tags=["deep"]))
def test_deep_models_follow_braindecode_contract(name, rng, request):
    import torch

    n_chans = get_model_entry(name).n_chans or 22
    est = create_model(name, n_chans=n_chans, n_outputs=4, n_times=1000, sfreq=250.0, max_epochs=1,
                       **_weights(name, request))
    est.initialize()
    module = est.module_
    assert (module.n_chans, module.n_outputs, module.n_times, module.sfreq) == (n_chans, 4, 1000, 250.0)
    x = torch.randn(2, n_chans, 1000, requires_grad=True)
    out = module(x)
    assert out.shape == (2, 4)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
