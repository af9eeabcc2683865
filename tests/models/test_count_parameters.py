"""The zoo's one parameter count (the results' n_params and the model-sizes table use it)."""

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from benchmark.models import count_parameters, create_model


def _eegnet_size(n_chans: int, n_outputs: int) -> int:
    from braindecode.models import EEGNet

    net = EEGNet(n_chans=n_chans, n_outputs=n_outputs, n_times=500, sfreq=250.0)
    return int(sum(p.numel() for p in net.parameters()))


def test_a_network_is_counted_once_built():
    est = create_model("eegnet", n_chans=3, n_outputs=2, n_times=500, sfreq=250.0, device="cpu")
    assert count_parameters(est) is None  # not built yet: no network to count
    assert count_parameters(est, initialize=True) == _eegnet_size(3, 2)
    assert count_parameters(est) == _eegnet_size(3, 2)  # built now
    pipe = make_pipeline(FunctionTransformer(np.asarray), est)  # the last step is counted
    assert count_parameters(pipe) == _eegnet_size(3, 2)


def test_what_is_not_a_network_has_no_count():
    est = create_model("csp_lda", n_chans=3, n_outputs=2, n_times=500, sfreq=250.0)
    assert count_parameters(est) is None and count_parameters(est, initialize=True) is None

