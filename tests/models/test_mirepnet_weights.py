"""Checkpoint resolution (local, Hub cache, offline), explicit key mapping, loud failures."""

import numpy as np
import pytest
import torch

from benchmark.cli import main
from benchmark.errors import NotRunnable, UserError
from benchmark.models import create_model
from benchmark.models import CheckpointError, MIRepNetWeights
from tests.conftest import write_reference_checkpoint


def _build(checkpoint, n_outputs=2, **kw):
    est = create_model("mirepnet", n_chans=45, n_outputs=n_outputs, n_times=1000, sfreq=250.0,
                       checkpoint=checkpoint, **kw)
    est.initialize()
    return est


def test_hub_default_loads_from_the_offline_cache(tmp_path, hub_cache):
    state = write_reference_checkpoint(tmp_path / "MIRepNet.pth")
    cached = hub_cache(tmp_path / "MIRepNet.pth")
    est = _build("hub")
    assert est.init_weights.path == str(cached)  # found by huggingface_hub in its cache
    module = est.module_
    for key, value in module.state_dict().items():
        if key.startswith("clshead"):
            continue
        torch.testing.assert_close(value, state[key], rtol=0, atol=0, msg=key)
    info = est.model_info_
    assert info["loaded"] == len(module.state_dict()) - 2  # everything but the 2-class head
    assert info["skipped"] == {"pretraining only (mask token)": 1,
                               "pretraining only (reconstruction decoder)": 32,
                               "unused by the released forward pass": 1,
                               "head for 3 classes (the task has 2)": 2}
    assert info["new"] == ["clshead.weight", "clshead.bias"]
    assert len(info["sha256"]) == 64


def test_head_is_loaded_when_class_counts_match_unless_refused(mirepnet_checkpoint):
    state = torch.load(mirepnet_checkpoint, weights_only=True)
    est = _build(mirepnet_checkpoint, n_outputs=3)
    torch.testing.assert_close(est.module_.clshead.weight, state["clshead.weight"])
    assert est.model_info_["new"] == []
    fresh = _build(mirepnet_checkpoint, n_outputs=3, load_head=False)
    assert not torch.equal(fresh.module_.clshead.weight, state["clshead.weight"])
    with pytest.raises(CheckpointError, match="its head has 3 classes"):
        _build(mirepnet_checkpoint, n_outputs=2, load_head=True)


def test_offline_without_cached_weights_is_not_runnable_with_the_fix(hub_cache, no_network):
    with pytest.raises(NotRunnable) as exc:
        _build("hub")
    message = str(exc.value)
    assert no_network == []  # fast: offline, it did not even try the Hub
    assert "--checkpoint PATH" in message and "download --weights mirepnet" in message
    assert "\n" not in message


def test_missing_local_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist; fix --checkpoint"):
        _build(str(tmp_path / "nope.pth"))


def _variant(tmp_path, edit):
    state = write_reference_checkpoint(tmp_path / "ref.pth")
    state = edit(dict(state))
    path = tmp_path / "variant.pth"
    torch.save(state, path)
    return str(path)


@pytest.mark.parametrize("edit, message", [
    (lambda s: {"conv.weight": torch.zeros(8, 1, 3), "fc.bias": torch.zeros(2)},
     "is not a MIRepNet checkpoint"),
    (lambda s: s | {"embedding.conv2.weight": torch.zeros(128, 64, 22, 1)}, "does not fit"),
    (lambda s: {k: v for k, v in s.items() if not k.startswith("transformer.5.")}, "lacks"),
    (lambda s: s | {"encoder.extra.weight": torch.zeros(3)}, "unknown tensor"),
])
def test_wrong_files_fail_loudly(tmp_path, edit, message):
    with pytest.raises(CheckpointError, match=message):
        MIRepNetWeights.from_source(_variant(tmp_path, edit), n_outputs=2)


def test_truncated_and_pickled_files_fail_loudly(tmp_path, mirepnet_checkpoint):
    data = open(mirepnet_checkpoint, "rb").read()
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        MIRepNetWeights.from_source(str(truncated), n_outputs=2)
    pickled = tmp_path / "module.pth"
    torch.save(torch.nn.Linear(2, 2), pickled)  # a whole module, not a state_dict
    with pytest.raises(CheckpointError, match="weights_only"):
        MIRepNetWeights.from_source(str(pickled), n_outputs=2)


def test_wrapped_and_dataparallel_state_dicts_are_unwrapped(tmp_path):
    state = write_reference_checkpoint(tmp_path / "ref.pth")
    path = tmp_path / "wrapped.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, path)
    weights = MIRepNetWeights.from_source(str(path), n_outputs=2)
    assert weights.notes == ("unwrapped 'state_dict'", "stripped the 'module.' prefix")
    assert weights.plan["loaded"] == 107


def test_finetune_modes_freeze_what_they_say(mirepnet_checkpoint, rng):
    X = rng.normal(size=(12, 45, 200)).astype(np.float32)
    y = np.tile([0, 1], 6)
    for mode, trainable in [("linear_probe", {"clshead"}),
                            ("frozen_embedding", {"clshead", "transformer"})]:
        est = create_model("mirepnet", n_chans=45, n_outputs=2, n_times=200, sfreq=250.0,
                           checkpoint=mirepnet_checkpoint, finetune=mode, max_epochs=2)
        est.fit(X, y)
        state = torch.load(mirepnet_checkpoint, weights_only=True)
        if mode == "linear_probe":  # a pipeline: the frozen network, then its head
            network = est.steps[0][1].module_
            assert {n.split(".")[0] for n, p in network.named_parameters()
                    if p.requires_grad} == set()
            for key, value in network.state_dict().items():
                if not key.startswith("clshead") and "num_batches" not in key:
                    torch.testing.assert_close(value, state[key], rtol=0, atol=0)
            continue
        for key, value in est.module_.state_dict().items():
            top = key.split(".")[0]
            if top not in trainable and "num_batches" not in key:
                torch.testing.assert_close(value, state[key], msg=f"{mode}: {key} changed")
        grads = {n.split(".")[0] for n, p in est.module_.named_parameters() if p.requires_grad}
        assert grads == trainable
    with pytest.raises(UserError, match="unknown --finetune strategy 'half'"):
        create_model("mirepnet_scratch", n_chans=45, n_outputs=2, n_times=200, sfreq=250.0,
                     finetune="half")


def test_checkpoint_command_reports_the_mapping(mirepnet_checkpoint, capsys, tmp_path):
    assert main(["checkpoint", mirepnet_checkpoint, "--n-outputs", "4"]) == 0
    out = capsys.readouterr().out
    assert "loaded: 107 tensors" in out and "32 tensor(s), pretraining only (reconstruction" in out
    assert "initialised at random: clshead.weight, clshead.bias" in out
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    assert main(["checkpoint", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("error: bad.pth is not a readable PyTorch file")


def test_download_weights_offline_is_one_line(capsys, hub_cache, no_network):
    assert main(["download", "--weights", "mirepnet"]) == 1  # a network failure, not a mistake
    err = capsys.readouterr().err.strip()
    assert (err.startswith("mirepnet: cannot download starself/MIRepNet/MIRepNet.pth")
            and "\n" not in err)
