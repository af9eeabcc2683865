"""Hybrid pretraining end to end on tiny synthetic data and on PhysionetMI subject 1."""

import json
import pickle
from contextlib import nullcontext

import numpy as np
import pandas as pd
import pytest
import torch

from benchmark.cli import main
from benchmark.datasets.catalogue import DatasetSpec
from benchmark.errors import UserError
from benchmark.preprocessing import PreprocessingConfig, digest
from benchmark.pretraining import Pool, PretrainConfig, ScreeningRule, hybrid_loss, pretrain
from benchmark.pretraining.trainer import EpochBatches
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


# -- --device, --precision, --workers -----------------------------------------------------

def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_fp16_on_the_cpu_is_one_line_before_any_work(pretrain_spec, tmp_path, capsys):
    with pytest.raises(UserError, match="fp16 needs a CUDA device.*bf16"):
        pretrain(_cfg(pretrain_spec, tmp_path / "out", device="cpu", precision="fp16"), log=QUIET)
    assert not (tmp_path / "out").exists()
    assert main(["pretrain", "--datasets", "demo-pretrain", "--out", str(tmp_path / "cli"),
                 "--device", "cpu", "--precision", "fp16"]) == 2
    assert "--precision bf16" in _one_line_error(capsys)
    assert not (tmp_path / "cli").exists()


def test_cuda_without_a_gpu_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("benchmark.devices.cuda_count", lambda: 0)
    assert main(["pretrain", "--datasets", "demo-pretrain", "--out", str(tmp_path / "cli"),
                 "--device", "cuda"]) == 2
    assert "no CUDA device here" in _one_line_error(capsys)
    assert not (tmp_path / "cli").exists()


@pytest.mark.parametrize("flag, value, says", [("--precision", "fp8", "unknown --precision"),
                                                ("--workers", "-1", "--workers must be"),
                                                ("--device", "gpu", "unknown --device")])
def test_bad_device_precision_or_workers_is_one_line(tmp_path, capsys, flag, value, says):
    assert main(["pretrain", "--datasets", "demo-pretrain", "--out", str(tmp_path), flag,
                 value]) == 2
    assert says in _one_line_error(capsys)


def test_precision_but_not_device_or_workers_is_part_of_the_identity():
    base = PretrainConfig(datasets="demo-pretrain", out="x")
    # The digest a default run had before --precision and --workers existed: such a run
    # in an --out folder must still resume.
    assert digest(base.identity()) == "4eb0f50402cb"
    assert "precision" not in base.identity() and "workers" not in base.identity()
    moved = PretrainConfig(datasets="demo-pretrain", out="y", device="cuda:1", workers=4)
    assert moved.identity() == base.identity()
    bf16 = PretrainConfig(datasets="demo-pretrain", out="x", precision="bf16")
    assert bf16.identity()["precision"] == "bf16"
    assert digest(bf16.identity()) != digest(base.identity())


def test_bf16_on_the_cpu_is_recorded_and_is_another_run(pretrain_spec, tmp_path):
    pretrain(_cfg(pretrain_spec, tmp_path, epochs=1, precision="bf16", device="cpu"), log=QUIET)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["precision"] == "bf16" and config["device"] == "cpu"
    assert config["workers"] == 0 and config["device_name"]
    history = pd.read_csv(tmp_path / "history.csv")
    assert history["precision"].tolist() == ["bf16"] and np.isfinite(history["loss"]).all()
    with pytest.raises(UserError, match="other settings"):
        pretrain(_cfg(pretrain_spec, tmp_path, epochs=1), log=QUIET)  # fp32: another run


def test_fp32_run_resumes_on_another_device_and_worker_count(pretrain_spec, tmp_path):
    pretrain(_cfg(pretrain_spec, tmp_path, epochs=1), log=QUIET)
    assert "precision" not in torch.load(tmp_path / "pretrain_state.pt", weights_only=True)
    lines = []
    pretrain(_cfg(pretrain_spec, tmp_path, epochs=1, device="cpu", workers=2), log=lines.append)
    assert any(m.startswith("pretraining already finished") for m in lines)


def test_workers_give_the_same_batches_and_weights(pretrain_spec, tmp_path):
    # Two epochs: the workers stay up in between, and the dropout of the second must not
    # depend on that.
    runs = {}
    for workers in (0, 2):
        out = tmp_path / f"w{workers}"
        ckpt = pretrain(_cfg(pretrain_spec, out, epochs=2, workers=workers), log=QUIET)
        runs[workers] = (torch.load(ckpt, weights_only=True), pd.read_csv(out / "history.csv"))
    (w0, h0), (w2, h2) = runs[0], runs[2]
    assert h2["workers"].tolist() == [2, 2] and h0["epoch"].tolist() == [1, 2]
    for column in ("loss", "reconstruction", "classification", "accuracy"):
        assert h0[column].tolist() == h2[column].tolist(), column
    assert w0.keys() == w2.keys()
    assert all(torch.equal(w0[k], w2[k]) for k in w0)


@pytest.mark.parametrize("n, steps, trials", [(16, 2, 16), (17, 2, 16), (18, 3, 18)])
def test_epoch_batches_drop_only_a_last_batch_of_one(n, steps, trials):
    batches = EpochBatches(lambda epoch: np.arange(n)[::-1] + 100 * epoch, n, 8)
    assert (len(batches), batches.n_trials) == (steps, trials)
    batches.set_epoch(1)
    got = list(batches)
    assert [len(b) for b in got] == [8] * (trials // 8) + ([trials % 8] if trials % 8 else [])
    assert np.concatenate(got).tolist() == (np.arange(n)[::-1] + 100)[:trials].tolist()


def test_memory_mapped_pool_pickles_by_file_name(tmp_path):
    arrays = []
    for s in range(2):
        np.save(tmp_path / f"s{s}.npy", np.full((50, 45, 100), s, dtype=np.float32))
        arrays.append(np.load(tmp_path / f"s{s}.npy", mmap_mode="r"))
    in_memory = np.ones((3, 45, 100), dtype=np.float32)
    pool = Pool(arrays=[*arrays, in_memory], labels=[np.zeros(50, np.int64)] * 2
                + [np.ones(3, np.int64)], datasets=["A", "A", "B"])
    data = pickle.dumps(pool)
    assert len(data) < 50 * 45 * 100 * 4  # the mapped files travel by name
    again = pickle.loads(data)
    assert isinstance(again.arrays[0], np.memmap)
    assert str(again.arrays[0].filename) == str(arrays[0].filename)
    index = np.array([99, 0, 50, 101, 7])
    for got, want in zip(again.batch(index), pool.batch(index)):
        np.testing.assert_array_equal(got, want)


class _Overflowing(torch.nn.Module):
    """A stand-in for MIRepNetPretrain whose reconstruction overflows for ``bad`` calls."""

    def __init__(self, bad: int):
        super().__init__()
        self.lin, self.bad = torch.nn.Linear(4, 4), bad

    @staticmethod
    def n_tokens(n_times):
        return 3

    @staticmethod
    def random_mask(batch, n_tokens, ratio, generator=None, device=None):
        return torch.ones(batch, n_tokens, dtype=torch.bool)

    def forward(self, x, mask):
        tokens = x[:, :3, :4]
        rec = self.lin(tokens)
        if self.bad > 0:
            self.bad -= 1
            rec = rec * float("inf")
        return rec.mean(dim=1)[:, :3], rec, tokens, mask


@pytest.mark.parametrize("bad, precision, stops", [(3, "fp16", False), (1, "fp32", True),
                                                    (25, "fp16", True)])
def test_an_fp16_overflow_is_skipped_by_the_scaler_not_fatal(bad, precision, stops):
    from benchmark.pretraining.trainer import MAX_SKIPPED_STEPS, HybridStep

    model = _Overflowing(bad)
    step = HybridStep(model, torch.optim.SGD(model.parameters(), lr=0.1), "cpu", precision,
                      0.5, 1.0, 100)
    x, y = torch.randn(4, 5, 6), torch.tensor([0, 1, 2, -1])
    before = model.lin.weight.detach().clone()
    outcomes = []
    with pytest.raises(FloatingPointError) if stops else nullcontext():
        for _ in range(MAX_SKIPPED_STEPS + 2 if stops else bad + 1):
            outcomes.append(np.isfinite(step(x, y, None)[0]))
    if not stops:
        assert outcomes == [False] * bad + [True]  # skipped, then trained
        assert step.scaler.get_scale() < 2.0 ** 16  # the scale was lowered at each skip
        assert not torch.equal(model.lin.weight, before)  # the last step updated
