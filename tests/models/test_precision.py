"""--precision in the deep models: autocast in training and inference, loss scaling in fp16."""

import numpy as np
import pytest
import torch

from benchmark.models import autocast, check_precision, create_model, grad_scaler

# the models of the paired bf16/fp32 comparison, with the shapes they see in a run
MODELS = {"eegnet": 22, "shallowconvnet": 22, "mirepnet_scratch": 45}


def _data(n_chans: int, n: int = 24, n_times: int = 500):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, n_chans, n_times)).astype("float32")
    y = np.arange(n) % 2
    X[y == 1, : n_chans // 2] *= 2.0  # something to learn
    return X, y


def _fitted(name: str, precision: str, n_chans: int):
    torch.manual_seed(0)
    X, y = _data(n_chans)
    model = create_model(name, n_chans=n_chans, n_outputs=2, n_times=X.shape[2], sfreq=250.0,
                         max_epochs=2, batch_size=8, device="cpu", precision=precision)
    return model.fit(X, y), X


@pytest.mark.parametrize("name", MODELS)
def test_bf16_trains_under_autocast_and_predicts_like_fp32(name):
    seen = []
    model, X = _fitted(name, "bf16", MODELS[name])
    assert model.precision == "bf16"
    losses = [h["train_loss"] for h in model.history]
    assert np.isfinite(losses).all()
    layers = [m for m in model.module_.modules()
              if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv1d, torch.nn.Linear))]
    handles = [m.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
               for m in layers]
    try:
        proba_bf16 = model.predict_proba(X)
        in_bf16, seen[:] = set(seen), []
        model.set_params(precision="fp32")
        proba_fp32 = model.predict_proba(X)
    finally:
        for handle in handles:
            handle.remove()
    assert in_bf16 == {torch.bfloat16} and set(seen) == {torch.float32}  # autocast on, off
    assert proba_bf16.dtype == proba_fp32.dtype == np.float32  # logits cast back
    # the same weights: bf16 rounding moves probabilities a little, not the decisions
    assert np.abs(proba_bf16 - proba_fp32).max() < 0.05
    assert (proba_bf16.argmax(1) == proba_fp32.argmax(1)).mean() >= 0.9


def test_fp16_scales_the_loss(monkeypatch):
    # fp16 is refused on the CPU (check_precision); let it through to run the scaler's path
    monkeypatch.setattr("benchmark.models._deep.check_precision", lambda *a: None)
    if not torch.amp.autocast_mode.is_autocast_available("cpu"):
        pytest.skip("no CPU autocast in this torch")
    model, _ = _fitted("eegnet", "fp16", 8)
    assert isinstance(model.grad_scaler_, torch.amp.GradScaler)
    assert model.grad_scaler_._scale is not None  # it scaled losses and stepped
    assert np.isfinite([h["train_loss"] for h in model.history]).all()


def test_precision_checks():
    check_precision("fp32", "cpu")
    check_precision("bf16", "cpu")
    with pytest.raises(ValueError, match="needs a CUDA device"):
        check_precision("fp16", "cpu")
    with pytest.raises(ValueError, match="unknown precision 'int8'"):
        check_precision("int8", "cpu")
    assert grad_scaler("cpu", "bf16") is None and grad_scaler("cpu", "fp32") is None
    with autocast("cpu", "fp32"):
        assert not torch.is_autocast_enabled("cpu")
    with autocast("cpu", "bf16"):
        assert torch.is_autocast_enabled("cpu")


def test_a_model_refuses_fp16_on_the_cpu_at_fit():
    X, y = _data(8)
    model = create_model("eegnet", n_chans=8, n_outputs=2, n_times=X.shape[2], sfreq=250.0,
                         max_epochs=1, device="cpu", precision="fp16")
    with pytest.raises(ValueError, match="fp16 needs a CUDA device"):
        model.fit(X, y)
