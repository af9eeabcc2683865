"""The perf figures: their layout, and what they compare agreeing (timings are not checked)."""

import pytest

from benchmark.perf import mirepnet_throughput, preprocessing_throughput, zoo_epoch_times

KEYS = {"batch", "fused", "inference", "train_step", "inference_s", "embedding_s", "train_step_s",
        "max_abs_diff"}


def _n_params(module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


@pytest.mark.slow
def test_mirepnet_throughput_reports_both_embeddings_and_their_agreement():
    rows = mirepnet_throughput(batch_sizes=(2,), repeats=1, n_times=200)
    assert [(r["batch"], r["fused"]) for r in rows] == [(2, False), (2, True)]
    for r in rows:
        assert set(r) == KEYS
        # the rates are the batch over the timed seconds of that same row
        assert r["inference"] == pytest.approx(r["batch"] / r["inference_s"])
        assert r["train_step"] == pytest.approx(r["batch"] / r["train_step_s"])
        assert r["max_abs_diff"] < 1e-4  # fused and released embeddings give the same logits
    assert rows[0]["max_abs_diff"] == rows[1]["max_abs_diff"]  # one comparison, on both rows


def test_preprocessing_throughput_compares_equal_outputs():
    figures = preprocessing_throughput(n_trials=6, n_chans=22, n_times=250, repeats=1)
    assert set(figures) == {"vectorised", "per_trial", "release_style", "write_floor",
                            "max_abs_diff"}
    assert figures["max_abs_diff"] < 1e-3  # the suite's path equals both per-trial loops


@pytest.mark.slow
def test_zoo_epoch_times_report_parameters_of_the_trained_network():
    from braindecode.models import EEGNet

    from benchmark.datasets import get_dataset_spec
    from benchmark.model_sizes import input_shape
    from benchmark.pipelines import discover_pipelines

    (row,) = zoo_epoch_times(names=["eegnet"], epochs=1)
    assert set(row) == {"model", "params", "n_train", "s_per_epoch"}
    spec = get_dataset_spec("SynBNCI2014001")
    assert row["model"] == "eegnet" and row["n_train"] == 24  # 30 % of the demo session's 80 trials
    n_chans, n_times, sfreq = input_shape(discover_pipelines()["eegnet"], spec.n_chans)
    network = EEGNet(n_chans=n_chans, n_outputs=len(spec.classes), n_times=n_times, sfreq=sfreq)
    assert row["params"] == _n_params(network)  # braindecode's network for that input
    assert 1_000 < row["params"] < 10_000  # EEGNet-8,2: a few thousand (Lawhern et al. 2018)
