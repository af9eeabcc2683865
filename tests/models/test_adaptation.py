"""Adaptation strategies: frozen means frozen, n_trainable says what trained, peft agrees,
the frozen-feature cache is keyed by what features depend on."""

import numpy as np
import pytest
import torch

from benchmark.errors import UserError
from benchmark.models import (
    GENERIC_STRATEGIES,
    create_model,
    list_models,
    model_strategies,
    network_facts,
)
from benchmark.preprocessing import TEMPLATE_CHANNELS, chs_info

N_TIMES = 500  # 2 s at 250 Hz: every foundation model takes it, and it is cheap
SIGNAL = dict(n_chans=45, n_outputs=2, n_times=N_TIMES, sfreq=250.0,
              chs_info=chs_info(TEMPLATE_CHANNELS))
PRETRAINED = ("mirepnet", "biot", "bendr", "labram", "cbramod", "eegpt")
HEADS = {"mirepnet": "clshead"}


def _data(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 45, N_TIMES)).astype(np.float32), np.arange(n) % 2


def _checkpoint(name, mirepnet_checkpoint, foundation_weights):
    return mirepnet_checkpoint if name.startswith("mirepnet") else foundation_weights[name]


def _build(name, strategy, checkpoint=None, **kw):
    torch.manual_seed(0)
    extra = {"checkpoint": checkpoint} if checkpoint else {}
    epochs = 2 if strategy == "lp_ft" else 1  # one epoch of each stage
    return create_model(name, **SIGNAL, finetune=strategy, max_epochs=epochs, batch_size=4,
                        device="cpu", **extra, **kw)


def _head(name):
    return HEADS.get(name.removesuffix("_scratch"), "backbone.final_layer")


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same(a, b, skip=()):
    keys = [k for k in a if not any(k.startswith(s) for s in skip)]
    assert keys and all(torch.equal(a[k], b[k]) for k in keys), \
        [k for k in keys if not torch.equal(a[k], b[k])][:3]


def test_every_foundation_model_takes_every_strategy_and_the_others_full_only():
    foundation = set(list_models(tags=("foundation",)))
    assert {"mirepnet", "mirepnet_scratch", "labram", "cbramod_scratch"} <= foundation
    for name in list_models():
        takes = model_strategies(name)
        if name in foundation:
            assert set(GENERIC_STRATEGIES) <= set(takes), name
        else:
            assert takes == ("full",), name
    assert "frozen_embedding" in model_strategies("mirepnet")
    assert "frozen_embedding" not in model_strategies("labram")


@pytest.mark.parametrize("name", PRETRAINED)
def test_probes_and_lora_leave_the_loaded_backbone_bit_identical(
        name, mirepnet_checkpoint, foundation_weights, monkeypatch):
    """Weights and buffers (batch-norm statistics included) as loaded, after training."""
    X, y = _data()
    checkpoint = _checkpoint(name, mirepnet_checkpoint, foundation_weights)
    head = _head(name)
    for strategy in ("linear_probe", "ridge_probe"):
        probe = _build(name, strategy, checkpoint)
        module = probe.steps[0][1].module
        loaded = _state(module)
        probe.fit(X, y)
        _same(loaded, _state(module))
        assert not module.training
        facts = network_facts(probe)
        final = probe.steps[-1][1]
        expected = (sum(p.numel() for p in final.module_.parameters())
                    if strategy == "linear_probe" else final.coef_.size + final.intercept_.size)
        assert facts["n_trainable"] == expected > 0
        assert facts["n_params"] == sum(p.numel() for p in module.parameters())
    from benchmark.models._adaptation import PeftAdapter

    loaded, real = {}, PeftAdapter.wrap

    def wrap(self, module):  # the network as loaded, just before the adapters go in
        loaded.clear()
        loaded.update(_state(module))
        wrapped = real(self, module)
        loaded.update({k: v.detach().clone() for k, v in wrapped.get_base_model()
                       .state_dict().items() if "lora_" in k})
        return wrapped

    monkeypatch.setattr(PeftAdapter, "wrap", wrap)
    clf = _build(name, "lora", checkpoint)
    clf.fit(X, y)
    base = clf.module_.get_base_model()
    after = {k.replace(".base_layer", ""): v for k, v in _state(base).items()}
    frozen = {k: v for k, v in loaded.items() if "lora_" not in k}
    _same(frozen, after, skip=(head,))  # weights and buffers as loaded
    changed = [k for k, v in _state(base).items() if "lora_B" in k and not torch.equal(
        loaded[k], v)]
    assert changed  # the adapters did train
    trainable, _ = clf.module_.get_nb_trainable_parameters()  # what peft itself reports
    assert network_facts(clf)["n_trainable"] == trainable
    head_params = sum(p.numel() for p in base.get_submodule(head).parameters())
    adapters = sum(p.numel() for n, p in clf.module_.named_parameters() if "lora_" in n)
    assert trainable == adapters + head_params


@pytest.mark.parametrize("name", ["mirepnet_scratch", "cbramod_scratch"])
def test_n_trainable_matches_each_strategy(name):
    X, y = _data()
    sizes, params = {}, set()
    for strategy in model_strategies(name):
        clf = _build(name, strategy)
        clf.fit(X, y)
        facts = network_facts(clf)
        sizes[strategy] = facts["n_trainable"]
        params.add(facts["n_params"])  # the network's size, adapters not counted
        if strategy in ("lora", "dora", "ia3"):
            assert facts["n_trainable"] == clf.module_.get_nb_trainable_parameters()[0]
        if strategy == "full":  # every parameter the model itself lets train
            assert facts["n_trainable"] == sum(p.numel() for p in clf.module_.parameters()
                                               if p.requires_grad)
    assert len(params) == 1
    total = sizes["full"]
    assert sizes["lp_ft"] == total  # its second stage trains everything
    assert 0 < sizes["ridge_probe"] < sizes["linear_probe"] or name == "cbramod_scratch"
    assert sizes["linear_probe"] < sizes["ia3"] < sizes["lora"] < sizes["dora"] < total
    if "frozen_embedding" in sizes:
        assert sizes["linear_probe"] < sizes["frozen_embedding"] < total


def test_frozen_parts_train_in_eval_mode():
    X, y = _data()
    from benchmark.models._mirepnet_arch import MIRepNet

    modes, stats = [], []
    real = MIRepNet.forward

    def forward(self, x):
        modes.append((self.embedding.training, self.transformer.training, self.training))
        stats.append(self.embedding.bn.running_mean.clone())
        return real(self, x)

    clf = _build("mirepnet_scratch", "frozen_embedding")
    try:
        MIRepNet.forward = forward
        clf.fit(X, y)
    finally:
        MIRepNet.forward = real
    assert modes and all(m == (False, True, True) for m in modes)  # the embedding: eval
    assert all(torch.equal(s, stats[0]) for s in stats)  # its batch-norm statistics fixed
    assert torch.equal(stats[0], clf.module_.embedding.bn.running_mean)


def test_bad_strategies_and_options_are_one_line_errors():
    with pytest.raises(UserError, match="unknown --finetune strategy 'lora_probe' for "
                                        "mirepnet_scratch: did you mean"):
        _build("mirepnet_scratch", "lora_probe")
    with pytest.raises(UserError, match="does not apply for labram_scratch"):
        _build("labram_scratch", "frozen_embedding")
    with pytest.raises(UserError, match="lora_r belong to dora/lora, not to finetune "
                                        "'ridge_probe'"):
        _build("mirepnet_scratch", "ridge_probe", lora_r=8)
    with pytest.raises(UserError, match="lp_epochs must be between 1 and max_epochs - 1"):
        create_model("mirepnet_scratch", **SIGNAL, finetune="lp_ft", lp_epochs=3, max_epochs=3)
    for option, value, why in [("lora_r", 0, "a whole number of at least 1"),
                               ("lora_r", 2.5, "a whole number of at least 1"),
                               ("lora_dropout", 1.5, r"in \[0, 1\)"),
                               ("lora_alpha", -1, "a positive number")]:
        with pytest.raises(UserError, match=f"mirepnet_scratch: {option} = {value!r} must be "
                                            f"{why}; fix it in the pipeline file"):
            _build("mirepnet_scratch", "lora", **{option: value})
    for option in ("lp_lr", "ft_lr"):
        with pytest.raises(UserError, match=f"{option} = 0 must be a positive number"):
            _build("mirepnet_scratch", "lp_ft", **{option: 0})


@pytest.mark.parametrize("name, strategy", [("mirepnet_scratch", "lora"),
                                            ("mirepnet_scratch", "ia3"),
                                            ("cbramod_scratch", "full")])
def test_the_backbone_around_the_adapters_trains_without_dropout(name, strategy,
                                                                 monkeypatch):
    """Dropout inside a block that holds an adapter belongs to the frozen backbone: eval()
    during training; the adapters' own dropout and the head's train.  CBraMod keeps a
    frozen mask token under ``full``: all its dropout trains, as it did before."""
    X, y = _data()
    kw = {"lora_dropout": 0.2} if strategy == "lora" else {}
    clf = _build(name, strategy, **kw)
    modes, real = {}, torch.nn.Dropout.forward

    def forward(self, x):
        modes.setdefault(id(self), set()).add(self.training)
        return real(self, x)

    monkeypatch.setattr(torch.nn.Dropout, "forward", forward)
    clf.fit(X, y)
    seen = {n: modes[id(m)] for n, m in clf.module_.named_modules() if id(m) in modes}
    if strategy == "full":  # a network that freezes a part of itself, no adapter: as before
        assert seen and all(m == {True} for m in seen.values()), seen
        return
    backbone = {n: m for n, m in seen.items() if "lora_" not in n and ".clshead" not in n}
    assert backbone and all(m == {False} for m in backbone.values()), backbone
    adapters = {n: m for n, m in seen.items() if "lora_dropout" in n}
    assert bool(adapters) == (strategy == "lora")
    assert all(True in m for m in adapters.values())  # trained: dropout on


def test_the_cache_key_is_what_shapes_the_features_and_not_the_head():
    """The digest covers non-persistent buffers and the channels a network was built for,
    and leaves out the head (drawn per seed under a pretrained backbone)."""
    from benchmark.models._adaptation import weights_digest

    def labram(seed, chs):
        torch.manual_seed(seed)
        model = create_model("labram_scratch", **{**SIGNAL, "chs_info": chs}, device="cpu")
        model.initialize()
        return model.module_

    chs = chs_info(TEMPLATE_CHANNELS)
    a = labram(0, chs)
    head = _head("labram")
    assert any(n.startswith(head + ".") for n, _ in a.named_parameters())
    b = labram(0, chs)
    with torch.no_grad():
        for p in b.get_submodule(head).parameters():
            p.add_(1.0)  # another head
    assert weights_digest(a, skip=head) == weights_digest(b, skip=head)
    assert weights_digest(a) != weights_digest(b)
    c = labram(0, chs)
    hidden = {n for n, _ in c.named_buffers()} - set(c.state_dict())
    assert hidden == {"backbone.interpolation_layer.matrix"}  # built from chs_info
    with torch.no_grad():
        dict(c.named_buffers())["backbone.interpolation_layer.matrix"].add_(1)
    assert weights_digest(c, skip=head) != weights_digest(a, skip=head)  # though not saved
    d = labram(0, chs[::-1])  # the same weights, built for the channels in another order
    assert weights_digest(d, skip=head) != weights_digest(a, skip=head)


# -- the frozen-feature cache ---------------------------------------------------------------
def _features(cache, seed=0, precision="fp32", X=None):
    from benchmark.models._adaptation import FrozenBackbone, build_network
    from benchmark.models._mirepnet_arch import MIRepNet
    from benchmark.models import Signal

    torch.manual_seed(seed)
    module, _ = build_network(MIRepNet, Signal(45, 2, N_TIMES, 250.0), {})
    backbone = FrozenBackbone(module, "clshead", cache=cache, precision=precision).fit(X)
    return backbone.transform(X), backbone.stats_


def test_the_cache_is_keyed_by_weights_precision_and_each_input_trial():
    from benchmark.models import FeatureCache

    X, _ = _data(4)
    cache = FeatureCache()
    first, stats = _features(cache, X=X)
    assert stats == {"forwarded": 4, "reused": 0} and first.shape == (4, 256)  # the pooled token
    again, stats = _features(cache, X=X)  # the same backbone, the same trials
    assert stats == {"forwarded": 0, "reused": 4} and np.array_equal(first, again)
    other, stats = _features(cache, seed=1, X=X)  # other weights (another seed)
    assert stats["forwarded"] == 4 and not np.allclose(other, first)
    half, stats = _features(cache, precision="bf16", X=X)  # another precision
    assert stats["forwarded"] == 4 and not np.array_equal(half, first)
    aligned = X.copy()
    aligned[2] *= 1.5  # one trial aligned on another set (or another trial, subject...)
    mixed, stats = _features(cache, X=aligned)
    assert stats == {"forwarded": 1, "reused": 3}
    assert not np.allclose(mixed[2], first[2]) and np.array_equal(mixed[[0, 1, 3]],
                                                                  first[[0, 1, 3]])
    uncached = FeatureCache(enabled=False)
    plain, stats = _features(uncached, X=X)
    assert stats["forwarded"] == 4 and np.allclose(plain, first, atol=1e-6)
    plain, stats = _features(uncached, X=X)
    assert stats["forwarded"] == 4 and len(uncached) == 0


def test_a_network_that_freezes_a_part_of_itself_keeps_its_dropout_training():
    """Without adapters, a dropout beside a frozen parameter trains (full fine-tuning of a
    model with a fixed token, frozen_embedding); with an adapter in the block it is off."""
    from benchmark.models._freezing import freeze_frozen_parts

    class Block(torch.nn.Module):
        def __init__(self, adapter: bool):
            super().__init__()
            self.token = torch.nn.Parameter(torch.zeros(3), requires_grad=False)
            self.drop = torch.nn.Dropout(0.5)
            self.proj = torch.nn.Linear(3, 3)
            self.proj.requires_grad_(False)
            if adapter:
                self.lora_A = torch.nn.Linear(3, 1)  # an adapter's parameter name
            self.head = torch.nn.Linear(3, 2)

    for adapter in (False, True):
        block = Block(adapter).train()
        freeze_frozen_parts(block)
        assert block.training and block.head.training and not block.proj.training
        assert block.drop.training == (not adapter)
