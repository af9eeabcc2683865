"""braindecode foundation models: published weights (Hub cache or folder), checked loading."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from benchmark.cli import main
from benchmark.errors import NotRunnable, UserError
from benchmark.preprocessing import TEMPLATE_CHANNELS, chs_info
from benchmark.models import create_model, get_model_entry
from benchmark.models import CheckpointError
from benchmark.models.foundation import FOUNDATION
from tests.conftest import write_foundation_weights

SIGNAL = dict(n_chans=45, n_outputs=2, n_times=1000, sfreq=250.0,
              chs_info=chs_info(TEMPLATE_CHANNELS))


def _built(name, checkpoint, **kw):
    est = create_model(name, **SIGNAL, checkpoint=checkpoint, max_epochs=1, **kw)
    est.initialize()
    return est


def test_hub_default_loads_published_weights_from_the_offline_cache(tmp_path, hub_cache):
    published = write_foundation_weights(tmp_path / "cbramod", "cbramod", seed=3)
    snap = hub_cache(tmp_path / "cbramod", repo=FOUNDATION["cbramod"][1])
    est = _built("cbramod", "hub")
    assert Path(est.init_weights.path).parent == snap
    backbone, saved = est.module_.backbone.state_dict(), published.state_dict()
    for key, value in backbone.items():
        if not key.startswith("final_layer."):
            torch.testing.assert_close(value, saved[key], rtol=0, atol=0, msg=key)
    info = est.model_info_
    assert info["loaded"] == len(backbone) - 2 and info["new"] == ["final_layer.1.bias",
                                                                   "final_layer.1.weight"]
    assert info["skipped"] == {"classification head of the pretraining task": 2}
    assert len(info["sha256"]) == 64


def test_architecture_follows_the_published_config(foundation_weights):
    est = _built("biot", foundation_weights["biot"])
    scratch = create_model("biot_scratch", **SIGNAL)
    scratch.initialize()
    n_pre = sum(p.numel() for p in est.module_.parameters())
    n_scratch = sum(p.numel() for p in scratch.module_.parameters())
    assert n_pre < n_scratch  # the test weights are a 1-layer, 32-wide BIOT
    assert est.module_.backbone.__class__.__name__ == "InterpolatedBIOT"


def test_input_is_resampled_to_the_native_rate(foundation_weights):
    est = _built("eegpt", foundation_weights["eegpt"])
    module = est.module_
    assert ((module.native_sfreq, module.native_times, module.backbone.n_times)
            == (256.0, 1024, 1024))
    x = torch.randn(2, 45, 1000)
    assert module(x).shape == (2, 2)


def test_a_longer_pretraining_window_crops_the_positional_table(foundation_weights):
    est = _built("labram", foundation_weights["labram"])
    info = est.model_info_
    assert list(info["adapted"]) == ["temporal_embedding"]
    saved = json.loads((Path(foundation_weights["labram"]) / "config.json").read_text())
    from safetensors.torch import load_file

    table = load_file(
        str(Path(foundation_weights["labram"]) / "model.safetensors"))["temporal_embedding"]
    n = est.module_.backbone.temporal_embedding.shape[1]
    assert saved["n_times"] == 3000 and table.shape[1] > n
    torch.testing.assert_close(est.module_.backbone.temporal_embedding.detach(), table[:, :n])


@pytest.mark.parametrize("name", sorted(FOUNDATION))
def test_offline_without_weights_is_not_runnable_never_random(name):
    with pytest.raises(NotRunnable, match=rf"download --weights {name}"):
        create_model(name, **SIGNAL)
    assert get_model_entry(f"{name}_scratch").pretrained is None


def test_bad_weight_folders_are_one_line_errors(tmp_path, foundation_weights):
    with pytest.raises(UserError, match="does not hold config.json and model.safetensors"):
        create_model("labram", **SIGNAL, checkpoint=str(tmp_path))
    with pytest.raises(CheckpointError, match="config.json does not describe"):
        _built("labram", foundation_weights["biot"])  # BIOT's config for LaBraM
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "config.json").write_bytes(
        (Path(foundation_weights["cbramod"]) / "config.json").read_bytes())
    (mixed / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        _built("cbramod", str(mixed))
    (mixed / "model.safetensors").write_bytes(
        (Path(foundation_weights["biot"]) / "model.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match="holds none of this model's weights"):
        _built("cbramod", str(mixed))


def test_cli_runs_a_foundation_model_from_a_folder_and_reports_missing_ones(
        tmp_path, capsys, monkeypatch, foundation_weights):
    quick = tmp_path / "pipes"
    quick.mkdir()
    for name in ("cbramod", "biot"):
        (quick / f"{name}_quick.yml").write_text(
            f"name: {name}_quick\npreprocessing: {{alignment: ea, template: idw}}\n"
            f"pipeline:\n  - from: models\n    name: {name}\n    parameters: {{max_epochs: 1}}\n")
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(quick))
    out = tmp_path / "res"
    argv = ["run", "--datasets", "SynBNCI2014004", "--subjects", "1", "--models",
            "cbramod_quick,biot_quick", "--checkpoint",
            f"cbramod_quick={foundation_weights['cbramod']}",
            "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "cbramod_quick: weights" in text
    assert "not runnable: biot_quick: biot weights unavailable" in text
    df = pd.read_csv(out / "results.csv").set_index("model")
    assert (df.loc["cbramod_quick", "status"] == "ok"
            and df.loc["biot_quick", "status"] == "not_runnable")
    assert (df.loc["cbramod_quick", "n_chans"] == 45
            and np.isfinite(df.loc["cbramod_quick", "score"]))
    info = json.loads(df.loc["cbramod_quick", "model_info"])
    assert (info["new"] == ["final_layer.1.bias", "final_layer.1.weight"]
            and len(info["sha256"]) == 64)
    assert main(["report", str(out)]) == 0  # the report shows both, the missing one as n/r
    text = (out / "report" / "main_table.md").read_text()
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("| dataset"))
    header, _, row = lines[start:start + 3]
    cells = dict(zip(header.strip("|").split("|"), row.strip("|").split("|")))
    assert cells[" biot_quick "] == " n/r " and cells[" cbramod_quick "].strip()[0].isdigit()
    assert ("- biot_quick: not_runnable in 1 result row(s) (SynBNCI2014004): "
            "biot weights unavailable" in text)


def test_download_lists_every_model_with_weights(capsys, hub_cache):
    assert main(["download", "--weights", "eegnet"]) == 2
    err = capsys.readouterr().err
    assert "models with weights: bendr, biot, cbramod, eegpt, labram, mirepnet" in err
