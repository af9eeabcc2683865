"""EDPNet: braindecode's SST-DPN network plus the dual-prototype loss in training."""

import numpy as np
import torch

from benchmark.models import create_model
from benchmark.models._edpnet_arch import EDPNet


def test_auxiliary_loss_has_both_dpl_terms():
    m = EDPNet(n_outputs=2, n_chans=8, n_times=500, sfreq=250.0, compact_weight=1.0,
               norm_weight=0.0)
    m(torch.randn(4, 8, 500))
    y = torch.tensor([0, 1, 0, 1])
    target = m.proto_cpt[y]
    expected = torch.nn.functional.huber_loss(m._features, target, reduction="none",
                                              delta=1.0).sum(1).mean()
    torch.testing.assert_close(m.auxiliary_loss(y), expected)
    m.compact_weight, m.norm_weight = 0.0, 1.0
    torch.testing.assert_close(m.auxiliary_loss(y), -m.proto_cpt.norm(dim=1).mean())


def test_training_adds_the_prototype_loss_and_moves_the_prototypes(rng):
    X = rng.normal(size=(16, 8, 500)).astype(np.float32)
    y = np.tile([0, 1], 8)
    est = create_model("edpnet", n_chans=8, n_outputs=2, n_times=500, sfreq=250.0, max_epochs=2)
    est.initialize()
    before = est.module_.proto_cpt.detach().clone()
    est.module_(torch.as_tensor(X[:4]))
    y_pred = est.module_(torch.as_tensor(X[:4]))
    yt = torch.as_tensor(y[:4])
    plain = est.get_loss(y_pred, yt, training=False)
    with_dpl = est.get_loss(y_pred, yt, training=True)
    torch.testing.assert_close(with_dpl - plain, est.module_.auxiliary_loss(yt))
    est.fit(X, y)
    assert not torch.equal(before, est.module_.proto_cpt.detach())  # only the DPL loss reaches them
