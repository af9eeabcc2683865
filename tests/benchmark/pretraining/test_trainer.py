"""Hybrid pretraining end to end on tiny synthetic data and on PhysionetMI subject 1."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from benchmark.cli import main
from benchmark.datasets.catalogue import DatasetSpec
from benchmark.errors import UserError
from benchmark.preprocessing import PreprocessingConfig
from benchmark.pretraining import PretrainConfig, ScreeningRule, hybrid_loss, pretrain
from benchmark.models import MIRepNetWeights

QUIET = lambda msg: None  # noqa: E731


@pytest.fixture
def pretrain_spec():
    """Two small synthetic subjects with left hand, right hand, feet and rest."""
    classes = ("left_hand", "right_hand", "feet", "rest")
    return DatasetSpec(
        name="TinyPretrain", moabb_class="benchmark.datasets.synthetic:SyntheticMI",
        classes=classes[:3], session="0", role="demo-pretrain", n_subjects=2, n_chans=3,
        sfreq=250.0, pretrain_classes=classes[:3],
        kwargs=dict(channels=("C3", "Cz", "C4"), sfreq=250.0, classes=classes, n_subjects=2,
                    trials_per_class=6, seed=11, variant="tinypretrain"))


def _cfg(spec, out, **kw):
    base = dict(datasets=[spec], out=str(out), epochs=2, batch_size=8, log_every=0,
                preprocessing=PreprocessingConfig(sfreq=100.0, window_s=2.0),
                screening=ScreeningRule(min_labelled=10, min_accuracy_margin=None))
    return PretrainConfig(**(base | kw))


@pytest.mark.slow
def test_pretraining_writes_a_loadable_checkpoint_in_the_reference_layout(pretrain_spec, tmp_path):
    ckpt = pretrain(_cfg(pretrain_spec, tmp_path), log=QUIET)
    state = torch.load(ckpt, weights_only=True)
    assert tuple(state["mask_token"].shape) == (1, 1, 256)
    assert tuple(state["clshead.weight"].shape) == (3, 256)
    assert "decoder.transformer.1.1.fn.1.3.bias" in state
    weights = MIRepNetWeights.from_source(str(ckpt), n_outputs=2)
    assert (weights.plan["loaded"] == 107
            and weights.plan["new"] == ["clshead.weight", "clshead.bias"])
    history = pd.read_csv(tmp_path / "history.csv")
    assert history["epoch"].tolist() == [1, 2] and np.isfinite(history["loss"]).all()
    screening = pd.read_csv(tmp_path / "screening.csv")
    assert screening["n_trials"].tolist() == [18, 18] and screening["kept"].all()  # no rest
    assert screening["n_labelled"].tolist() == [18, 18]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["mask_ratio"] == 0.5 and config["datasets"] == ["TinyPretrain"]
    assert config["pretrain_classes"] == "mi3"


@pytest.mark.slow
def test_pretraining_on_every_class_keeps_rest_for_reconstruction(pretrain_spec, tmp_path):
    pretrain(_cfg(pretrain_spec, tmp_path, epochs=1, pretrain_classes="all"), log=QUIET)
    screening = pd.read_csv(tmp_path / "screening.csv")
    assert screening["n_trials"].tolist() == [24, 24]
    assert screening["n_labelled"].tolist() == [18, 18]  # rest: reconstruction only


@pytest.mark.slow
def test_interrupted_pretraining_resumes_to_the_same_weights(pretrain_spec, tmp_path):
    straight = torch.load(pretrain(_cfg(pretrain_spec, tmp_path / "a"), log=QUIET),
                          weights_only=True)

    def stop_after_first_epoch(msg):
        if msg.startswith("epoch 1/2"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pretrain(_cfg(pretrain_spec, tmp_path / "b"), log=stop_after_first_epoch)
    assert pd.read_csv(tmp_path / "b" / "history.csv")["epoch"].tolist() == [1]
    lines = []
    resumed = torch.load(pretrain(_cfg(pretrain_spec, tmp_path / "b"), log=lines.append),
                         weights_only=True)
    assert "resuming after epoch 1 of 2" in lines
    assert not any("trials, kept" in m for m in lines)  # the pool was reused, not rebuilt
    for key in straight:
        torch.testing.assert_close(resumed[key], straight[key], msg=key)
    with pytest.raises(UserError, match="other settings"):
        pretrain(_cfg(pretrain_spec, tmp_path / "b", mask_ratio=0.25), log=QUIET)


def test_hybrid_loss_ignores_unlabelled_trials_for_classification():
    torch.manual_seed(0)
    logits = torch.randn(4, 3)
    tokens, rec = torch.randn(4, 5, 256), torch.randn(4, 5, 256)
    mask = torch.zeros(4, 5, dtype=torch.bool)
    mask[:, :2] = True
    y = torch.tensor([0, -1, 2, -1])
    loss, rec_l, cls_l, n_lab, _ = hybrid_loss(logits, rec, tokens, mask, y, cls_weight=0.5)
    expected_cls = torch.nn.functional.cross_entropy(logits[[0, 2]], y[[0, 2]])
    target = torch.nn.functional.layer_norm(tokens, (256,))
    expected_rec = ((rec - target) ** 2).mean(-1)[mask].mean()
    torch.testing.assert_close(cls_l, expected_cls)
    torch.testing.assert_close(rec_l, expected_rec)
    torch.testing.assert_close(loss, expected_rec + 0.5 * expected_cls)
    assert n_lab == 2


@pytest.mark.slow
def test_pretrain_command_on_the_demo_sets(tmp_path, capsys):
    argv = ["pretrain", "--datasets", "SynBNCI2014004,SynBNCI2015001", "--max-subjects", "1",
            "--epochs", "1", "--batch-size", "16", "--out", str(tmp_path), "--no-screen-decoding"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "pool: 2 dataset(s), 2 subject(s) kept" in out and "epoch 1/1: loss" in out
    assert main(argv) == 0  # finished: nothing to do
    assert "already finished" in capsys.readouterr().out


def test_pretrain_on_missing_data_is_one_line(tmp_path, capsys):
    assert main(["pretrain", "--datasets", "BNCI2014002", "--subjects", "1", "--epochs", "1",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "download --datasets BNCI2014002" in err and "--skip-missing" in err and "\n" not in err


# ("all", 174) holds too (hands and rest added), measured once; the synthetic tests cover
# --pretrain-classes all, and a second 5 M-parameter epoch on CPU costs 30-60 s of CI.
@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("classes, n_trials", [("mi3", 69)])
def test_pretrain_on_physionet_subject_1(physionet_mne_data, tmp_path, capsys, classes, n_trials):
    assert main(["pretrain", "--datasets", "PhysionetMI", "--subjects", "1", "--epochs", "1",
                 "--batch-size", "32", "--out", str(tmp_path), "--pretrain-classes", classes]) == 0
    screening = pd.read_csv(tmp_path / "screening.csv")
    row = screening.iloc[0]
    # mi3: left, right (runs 4/8/12) and feet (6/10/14); all: also hands (6/10/14) and rest.
    assert row["n_trials"] == n_trials and row["n_chans"] == 64 and row["kept"]
    labels = np.array(
        json.loads((tmp_path / "pool" / "PhysionetMI" / "s001.json").read_text())["labels"])
    assert np.bincount(labels[labels >= 0]).tolist() == [23, 22, 24]  # left, right, feet
    assert row["n_labelled"] == 69  # all: hands, rest labelled -1
    assert len(labels) == n_trials - row["n_rejected"]
    assert (np.load(tmp_path / "pool" / "PhysionetMI" / "s001.npy", mmap_mode="r").shape[1:]
            == (45, 1000))
    weights = MIRepNetWeights.from_source(str(tmp_path / "MIRepNet.pth"), n_outputs=3)
    assert weights.plan["new"] == []  # 3-class head loads for a 3-class task
