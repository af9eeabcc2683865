"""The zoo figures: parameters of the network actually trained, sizes of its input."""

import pytest

from benchmark.perf.text import format_figures
from benchmark.perf.zoo import zoo_epoch_times


def _n_params(module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


@pytest.mark.slow
def test_zoo_epoch_times_report_parameters_of_the_trained_network():
    from braindecode.models import EEGNet

    from benchmark.datasets import get_dataset_spec
    from benchmark.model_sizes import input_shape
    from benchmark.pipelines import discover_pipelines

    result = zoo_epoch_times(names=["eegnet"], epochs=1)
    (row,) = result.rows
    assert set(row) == {"model", "params", "n_train", "s_per_epoch"}
    spec = get_dataset_spec("SynBNCI2014001")
    assert row["model"] == "eegnet" and row["n_train"] == 24  # 30 % of the demo session's 80 trials
    n_chans, n_times, sfreq = input_shape(discover_pipelines()["eegnet"], spec.n_chans)
    network = EEGNet(n_chans=n_chans, n_outputs=len(spec.classes), n_times=n_times, sfreq=sfreq)
    assert row["params"] == _n_params(network)  # braindecode's network for that input
    assert 1_000 < row["params"] < 10_000  # EEGNet-8,2: a few thousand (Lawhern et al. 2018)
    # the header states the input the network trained on, not a literal
    assert result.inputs == {"eegnet": (n_chans, n_times)} and result.on_template
    header = format_figures(result).splitlines()[0]
    assert header.startswith(f"deep models on SynBNCI2014001 subject 1 (30 % calibration split, "
                             f"24 trials, {n_chans}-channel template, {n_times} samples), ")
