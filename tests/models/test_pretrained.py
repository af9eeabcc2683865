"""Pretrained weights for a run: --checkpoint, the preflight, and the download (prefetch)."""

import pytest

from benchmark.errors import UserError
from benchmark.models import (
    CheckpointError,
    prefetch_weights,
    preflight_weights,
    pretrained_models,
    with_checkpoints,
)
from benchmark.pipelines import discover_pipelines
from benchmark.preprocessing import TEMPLATE_CHANNELS, chs_info

PIPES = discover_pipelines()


def _checkpoint_of(pipe):
    return next((s.get("parameters") or {}).get("checkpoint") for s in pipe.steps)


def test_pretrained_models_are_those_with_published_weights():
    assert pretrained_models() == ["bendr", "biot", "cbramod", "eegpt", "labram", "mirepnet"]


def test_a_checkpoint_goes_to_the_pipelines_that_take_one():
    chosen = [PIPES["csp_lda"], PIPES["mirepnet"], PIPES["cbramod"]]
    assert with_checkpoints(chosen, []) == chosen
    csp, mirepnet, cbramod = with_checkpoints(chosen, ["/w/a=b.pth"])  # '/': a path, not MODEL=
    assert csp == PIPES["csp_lda"]
    assert _checkpoint_of(mirepnet) == _checkpoint_of(cbramod) == "/w/a=b.pth"
    _, mirepnet, cbramod = with_checkpoints(chosen, ["x.pth", "MIRepNet=m.pth"])
    assert (_checkpoint_of(mirepnet), _checkpoint_of(cbramod)) == ("m.pth", "x.pth")


def test_a_checkpoint_nobody_takes_is_refused():
    with pytest.raises(UserError, match="none of the selected models takes weights "
                                        r"\(those that do: bendr, biot"):
        with_checkpoints([PIPES["csp_lda"]], ["x.pth"])
    with pytest.raises(UserError, match="names model 'mirepnet', which is not among --models"):
        with_checkpoints([PIPES["csp_lda"]], ["mirepnet=x.pth"])


def test_preflight_names_the_weights_or_what_is_missing(mirepnet_checkpoint, hub_cache):
    template = chs_info(TEMPLATE_CHANNELS)
    chosen = [PIPES["csp_lda"], PIPES["mirepnet_scratch"], PIPES["mirepnet"]]
    [line] = preflight_weights(chosen, template)  # offline, empty cache: only mirepnet's line
    assert line.startswith("note: mirepnet will be reported not runnable: MIRepNet weights "
                           "unavailable") and "--checkpoint PATH" in line
    [line] = preflight_weights(with_checkpoints(chosen, [mirepnet_checkpoint]), template)
    assert line.startswith(f"mirepnet: weights {mirepnet_checkpoint} (sha256 ")


def test_preflight_stops_at_a_bad_file(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.pth is not a readable PyTorch file"):
        list(preflight_weights(with_checkpoints([PIPES["mirepnet"]], [str(bad)]),
                               chs_info(TEMPLATE_CHANNELS)))


def test_preflight_lines_come_before_a_later_bad_file(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    chosen = with_checkpoints([PIPES["labram"], PIPES["mirepnet"]], [f"mirepnet={bad}"])
    lines = preflight_weights(chosen, chs_info(TEMPLATE_CHANNELS))
    assert next(lines).startswith("note: labram will be reported not runnable")
    with pytest.raises(CheckpointError, match="bad.pth"):
        next(lines)


def test_prefetch_fills_the_cache_model_after_model(tmp_path, hub_cache):
    """A fake Hub: the files are in the offline cache as a download leaves them."""
    (tmp_path / "MIRepNet.pth").write_bytes(b"weights")
    cached = hub_cache(tmp_path / "MIRepNet.pth")
    folder = tmp_path / "cbramod"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        (folder / name).write_text("{}")
    snapshot = hub_cache(folder, repo="braindecode/cbramod-pretrained")
    got = list(prefetch_weights("MIRepNet, cbramod,biot"))
    assert got[:2] == [("mirepnet", str(cached), None), ("cbramod", str(snapshot), None)]
    name, path, problem = got[2]  # not cached, and the Hub is offline: one line, the others ran
    assert (name, path) == ("biot", "")
    assert problem.startswith("cannot download braindecode/biot-pretrained-six-datasets-18chs (")
    assert problem.endswith("check the network, or copy its config.json and model.safetensors "
                            "into a folder and pass --checkpoint FOLDER")


def test_prefetch_all_and_a_model_without_weights(hub_cache):
    assert [name for name, _, _ in prefetch_weights("all")] == pretrained_models()
    done = []
    with pytest.raises(UserError, match="no downloadable weights for 'eegnet'; models with "
                                        "weights: bendr, biot, cbramod, eegpt, labram, mirepnet"):
        for name, _, problem in prefetch_weights("mirepnet,eegnet"):
            done.append((name, problem.split(" (")[0]))
    assert done == [("mirepnet", "cannot download starself/MIRepNet/MIRepNet.pth")]
