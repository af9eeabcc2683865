"""The preprocessing figures: the suite's path and both loops agree; sizes read from the data."""

from benchmark.perf.preprocessing import preprocessing_throughput
from benchmark.perf.text import format_figures


def test_preprocessing_throughput_compares_equal_outputs():
    figures = preprocessing_throughput(n_trials=6, n_chans=22, n_times=250, repeats=1).figures
    assert set(figures) == {"vectorised", "per_trial", "release_style", "write_floor",
                            "max_abs_diff"}
    assert figures["max_abs_diff"] < 1e-3  # the suite's path equals both per-trial loops


def test_preprocessing_figures_state_the_sizes_measured():
    from benchmark.preprocessing import TEMPLATE_CHANNELS

    result = preprocessing_throughput(n_trials=5, n_chans=20, n_times=128, repeats=1)
    assert (result.n_trials, result.n_chans, result.n_times) == (5, 20, 128)
    assert result.n_template == len(TEMPLATE_CHANNELS) and result.dtype == "float32"
    header, *rows = format_figures(result).splitlines()
    assert header.startswith(f"preprocessing (EA + {len(TEMPLATE_CHANNELS)}-channel template), "
                             "5 trials x 20 channels x 128 samples, float32 (outputs agree to ")
    assert [r.split()[0] for r in rows] == ["suite", "per-trial", "release-style", "(only"]
