import torch

from models._mirepnet_arch import MIRepNet


def test_parameter_count_and_tokens():
    model = MIRepNet(n_chans=45, n_outputs=2, n_times=1000, sfreq=250.0)
    n = sum(p.numel() for p in model.parameters())
    assert abs(n - 5.14e6) / 5.14e6 < 0.01, n
    assert MIRepNet.n_tokens(1000) == 61
    assert model.embedding(torch.randn(2, 45, 1000)).shape == (2, 61, 256)


def test_key_layout_matches_the_checkpoint():
    keys = MIRepNet(n_chans=45, n_outputs=3, n_times=1000).state_dict()
    for k, shape in {
        "embedding.conv1.weight": (64, 1, 1, 25), "embedding.conv2.weight": (128, 64, 45, 1),
        "embedding.projection.0.weight": (256, 128, 1, 1), "transformer.0.0.fn.0.weight": (256,),
        "transformer.5.0.fn.1.queries.weight": (256, 256), "transformer.0.1.fn.1.0.weight": (1024, 256),
        "transformer.0.1.fn.1.3.weight": (256, 1024), "clshead.weight": (3, 256),
    }.items():
        assert tuple(keys[k].shape) == shape, k


def test_fused_embedding_equals_the_two_convolutions():
    torch.manual_seed(0)
    model = MIRepNet(n_chans=45, n_outputs=2, n_times=400).eval()
    x = torch.randn(4, 45, 400)
    fused = model(x)
    model.embedding.fused = False
    torch.testing.assert_close(model(x), fused, rtol=1e-4, atol=1e-5)
