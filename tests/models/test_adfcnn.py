"""ADFCNN written from its paper: the dual-scale layout, sampling-rate scaling, max-norm."""

import pytest
import torch

from benchmark.models._adfcnn_arch import ADFCNN


@pytest.mark.parametrize("sfreq,n_times", [(250.0, 1000), (128.0, 512), (250.0, 500)])
def test_token_count_and_kernels_follow_the_sampling_rate(sfreq, n_times):
    m = ADFCNN(n_outputs=3, n_chans=22, n_times=n_times, sfreq=sfreq)
    long_kernel = m.long_branch[0].kernel_size[1]
    short_kernel = m.short_branch[0].kernel_size[1]
    assert long_kernel == round(125 * sfreq / 250) and short_kernel == round(30 * sfreq / 250)
    with torch.no_grad():
        x = torch.randn(2, 1, 22, n_times)
        n_tokens = m.long_branch(x).shape[-1] + m.short_branch(x).shape[-1]
    assert m.final_layer.in_features == 8 * n_tokens
    assert m(torch.randn(2, 22, n_times)).shape == (2, 3)


def test_short_branch_is_log_band_power():
    m = ADFCNN(n_outputs=2, n_chans=4, n_times=500, sfreq=250.0).eval()
    with torch.no_grad():
        quiet = m.short_branch(torch.zeros(1, 1, 4, 500))
        loud = m.short_branch(10 * torch.randn(1, 1, 4, 500))
    assert quiet.max() < loud.mean()  # squaring + pooling + log: power grows with amplitude


def test_convolutions_keep_max_norm_two_after_training():
    m = ADFCNN(n_outputs=2, n_chans=8, n_times=500, sfreq=250.0)
    opt = torch.optim.SGD(m.parameters(), lr=100.0)  # a huge step pushes weights past the bound
    loss = m(torch.randn(4, 8, 500)).pow(2).sum()
    loss.backward()
    opt.step()
    m(torch.randn(4, 8, 500))  # constrained convolutions renormalise in forward
    w = m.short_branch[2].weight
    assert w.flatten(1).norm(dim=1).max() <= 2.0 + 1e-4
