"""Every non-heavy model learns: above chance on a synthetic demo subject.

One subject, 60 trials per class, half for training and half (60 trials) for testing:
under chance (50 %) an accuracy of 70 % or more has a probability below 0.2 %.  Deep
models train for 30 epochs here instead of their pipeline's 100, to fit the test budget.
"""

import pytest

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import discover_pipelines
from benchmark.protocols import PaperSplit
from benchmark.models import list_models

HEAVY = set(list_models(tags=["heavy"]))
PIPELINES = discover_pipelines()


@pytest.fixture(scope="module")
def easy_spec():
    return DatasetSpec(
        name="EasySyn", moabb_class="benchmark.datasets.synthetic:SyntheticMI",
        classes=("left_hand", "right_hand"), session="0", role="demo", n_subjects=1, n_chans=3,
        sfreq=250.0,
        kwargs=dict(channels=("C3", "Cz", "C4"), sfreq=250.0, classes=("left_hand", "right_hand"),
                    n_subjects=1, trials_per_class=60, seed=7, variant="easy", difficulty=0.4))


@pytest.mark.parametrize("name", [  # deep models train 30 epochs: 10 to 50 s each
    pytest.param(n, marks=pytest.mark.slow) if "deep" in PIPELINES[n].tags else n
    for n in sorted(n for n, p in PIPELINES.items() if not HEAVY & set(p.model_names))])
def test_model_is_above_chance_on_a_demo_subject(name, easy_spec, tmp_path):
    pipe = PIPELINES[name]
    if "deep" in pipe.tags:
        pipe = pipe.with_parameters(max_epochs=30)
    cfg = RunConfig(pipelines=[pipe], datasets=[easy_spec], protocol=PaperSplit(train_size=0.5),
                    seeds=[0], out=str(tmp_path))
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 1, summary.failed
    import pandas as pd

    row = pd.read_csv(tmp_path / "results.csv").iloc[0]
    assert row["n_test"] == 60
    assert row["score"] >= 0.7, f"{name}: {row['score']:.3f}"
