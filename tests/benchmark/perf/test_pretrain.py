"""The pretraining throughput figures: sizes and rates consistent (timings not checked)."""

import pytest

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.errors import UserError
from benchmark.perf.pretrain import pretrain_throughput
from benchmark.preprocessing import PreprocessingConfig

SHORT = PreprocessingConfig(sfreq=100.0, window_s=2.0)  # 200 samples: quick steps


@pytest.fixture
def tiny_spec():
    """One small synthetic subject with the three pretraining classes."""
    classes = ("left_hand", "right_hand", "feet")
    return DatasetSpec(
        name="TinyPerfPretrain", moabb_class="benchmark.datasets.synthetic:SyntheticMI",
        classes=classes, session="0", role="demo-pretrain", n_subjects=1, n_chans=3,
        sfreq=250.0, pretrain_classes=classes,
        kwargs=dict(channels=("C3", "Cz", "C4"), sfreq=250.0, classes=classes, n_subjects=1,
                    trials_per_class=10, seed=3, variant="tinyperfpretrain"))


def test_pretrain_throughput_on_the_cpu_with_workers(tiny_spec):
    result = pretrain_throughput(n_trials=100, device="cpu", workers=2, batch_size=8, steps=3,
                                 warmup=1, datasets=[tiny_spec], preprocessing=SHORT)
    assert (result.device, result.precision, result.workers) == ("cpu", "fp32", 2)
    assert result.device_name and result.threads >= 1
    assert (result.pool_trials, result.n_chans, result.n_times) == (100, 45, 200)
    assert result.source_subjects == 1 and result.pool_subjects == 4  # 30 + 30 + 30 + 10 trials
    assert (result.batch_size, result.steps, result.warmup) == (8, 3, 1)
    assert result.trials == 8 * 3  # full batches only: 4 steps of an epoch of 13
    assert result.seconds > 0 and result.trials_per_s > 0
    assert result.trials_per_s == pytest.approx(result.batch_size * result.steps / result.seconds)
    assert result.peak_memory_bytes is None
    lines = result.lines()
    assert lines[0].startswith("MIRepNet hybrid pretraining on cpu (")
    assert "fp32, 2 DataLoader worker(s)" in lines[0]
    assert "100 trials x 45 channels x 200 samples" in lines[1]
    assert f"{result.trials_per_s:,.1f} trials/s" in lines[2]
    assert lines[3] == "  peak GPU memory: n/a on the CPU"


def test_pretrain_throughput_in_bf16_on_the_cpu(tiny_spec):
    result = pretrain_throughput(n_trials=20, device="cpu", precision="bf16", batch_size=8,
                                 steps=2, warmup=0, datasets=[tiny_spec], preprocessing=SHORT)
    assert result.precision == "bf16" and result.trials == 16 and result.trials_per_s > 0


@pytest.mark.parametrize("kwargs, says", [(dict(precision="fp16"), "fp16 needs a CUDA device"),
                                          (dict(n_trials=1), "at least 2 trials"),
                                          (dict(steps=0), "steps >= 1")])
def test_pretrain_throughput_refuses_bad_settings_in_one_line(tiny_spec, kwargs, says):
    with pytest.raises(UserError, match=says):
        pretrain_throughput(**({"device": "cpu", "datasets": [tiny_spec],
                                "preprocessing": SHORT} | kwargs))
