import torch

from benchmark.models import N_TEMPLATE_CHANNELS, MIRepNet, get_model_entry
from benchmark.preprocessing import TEMPLATE_CHANNELS


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
        "transformer.5.0.fn.1.queries.weight": (256, 256),
        "transformer.0.1.fn.1.0.weight": (1024, 256),
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


def test_pretraining_model_has_the_checkpoint_layout():
    from benchmark.models import MIRepNetPretrain

    state = MIRepNetPretrain().state_dict()
    assert next(iter(state)) == "mask_token" and tuple(state["mask_token"].shape) == (1, 1, 256)
    assert tuple(state["clshead.weight"].shape) == (3, 256)
    for block in (0, 1):
        assert (tuple(state[f"decoder.transformer.{block}.0.fn.1.queries.weight"].shape)
                == (256, 256))
        assert tuple(state[f"decoder.transformer.{block}.1.fn.1.3.weight"].shape) == (256, 1024)
    assert not any(k.startswith("decoder.transformer.2.") for k in state)
    downstream = MIRepNet(n_chans=45, n_outputs=3, n_times=1000).state_dict()
    encoder = {k for k in state if not k.startswith("decoder.") and k != "mask_token"}
    assert encoder == set(downstream)


def test_masking_replaces_exactly_the_masked_tokens():
    from benchmark.models import MIRepNetPretrain

    torch.manual_seed(0)
    model = MIRepNetPretrain().eval()
    mask = model.random_mask(4, 61, 0.5, torch.Generator().manual_seed(1))
    assert mask.shape == (4, 61) and (mask.sum(dim=1) == 30).all()
    logits, rec, tokens, used = model(torch.randn(4, 45, 1000), mask)
    assert logits.shape == (4, 3) and rec.shape == tokens.shape == (4, 61, 256)
    assert torch.equal(used, mask)
    # Masked positions see the mask token: changing the input there changes nothing
    # in the encoder input, so the token sequence fed to the encoder depends on the mask.
    masked_input = torch.where(mask.unsqueeze(-1), model.mask_token, tokens)
    assert torch.equal(masked_input[mask], model.mask_token.expand(int(mask.sum()), 1, 256)[:, 0])


def test_release_recipe_is_the_default():
    from benchmark.models import create_model

    est = create_model("mirepnet_scratch", n_chans=45, n_outputs=2, n_times=1000, sfreq=250.0)
    assert est.optimizer is torch.optim.Adam
    assert (est.optimizer__lr, est.optimizer__weight_decay, est.batch_size, est.max_epochs) == (
        1e-3, 1e-6, 8, 10)
    (name, sched), = est.callbacks
    assert sched.policy == "CosineAnnealingLR" and sched.kwargs["T_max"] == 10


def test_seeded_fits_are_identical(rng):
    import numpy as np

    from benchmark.engine import seed_everything
    from benchmark.models import create_model

    X = rng.normal(size=(12, 45, 200)).astype(np.float32)
    y = np.tile([0, 1], 6)
    probas = []
    for _ in range(2):
        seed_everything(3)
        est = create_model("mirepnet_scratch", n_chans=45, n_outputs=2, n_times=200, sfreq=250.0,
                           max_epochs=2)
        probas.append(est.fit(X, y).predict_proba(X))
    np.testing.assert_array_equal(probas[0], probas[1])


def test_the_template_size_is_that_of_the_preprocessing_template():
    """The zoo's one count of template channels agrees with the preprocessing's list."""
    assert N_TEMPLATE_CHANNELS == len(TEMPLATE_CHANNELS) == 45
    from benchmark.models import MIRepNetPretrain

    assert (get_model_entry("mirepnet").n_chans == get_model_entry("mirepnet_scratch").n_chans
            == MIRepNetPretrain().embedding.conv2.weight.shape[2] == N_TEMPLATE_CHANNELS)
