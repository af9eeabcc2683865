"""The engine's ridge-probe rows against a plain loop (issue 22): frozen features taken from
the model's network by a hook on its head, scikit-learn's ridge on them, the same splits.

mirepnet_scratch and biot_scratch (the pipeline files' networks from random weights, the
same for a seed in both: the engine builds the probe's backbone where training would build
the whole network), on two demo sets, the paper protocol, subjects 1-2, seed 0.  The engine
runs with its feature cache; the loop has none.
"""

import pytest

from benchmark.datasets import get_dataset_spec
from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results
from tests import reference_evaluator as ref

DATASETS = ("SynBNCI2014004", "SynAlexMI")
MODELS = {"mirepnet_scratch": "clshead", "biot_scratch": "backbone.final_layer"}
SUBJECTS = [1, 2]

pytestmark = pytest.mark.slow


def test_ridge_probe_rows_equal_a_plain_loop(tmp_path):
    import numpy as np

    pipes = select_pipelines(",".join(MODELS), discover_pipelines())
    specs = [get_dataset_spec(d) for d in DATASETS]
    cfg = RunConfig(pipelines=pipes, datasets=specs, protocol=get_protocol("paper"), seeds=[0],
                    out=str(tmp_path / "engine"), subjects=SUBJECTS, device="cpu",
                    finetune=("ridge_probe",))
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == len(DATASETS) * len(SUBJECTS) * len(MODELS) and not summary.failed
    engine = read_results(tmp_path / "engine").set_index(["dataset", "subject", "model"])
    protocol = ref.ReferenceProtocol("paper")
    checked = 0
    for spec in specs:
        loading = ref.loading_config(spec)
        for subject in SUBJECTS:
            data = ref.unit_data(spec, subject, protocol, loading)
            classes = list(spec.classes)
            y = np.array([classes.index(c) for c in np.asarray(data.y).astype(str)])
            ids = data.trial_ids()
            (fold,) = ref.folds(protocol, y, data, 0, subject, spec.session)
            for pipe in pipes:
                row = engine.loc[(spec.name, subject, pipe.name)]
                assert row["finetune"] == "ridge_probe"
                assert row["split"] == ref.split_hash(fold.train, fold.test, ids)
                score = ref.ridge_probe_score(pipe, ref.pipeline_config(pipe, loading), data,
                                              y, fold, len(classes), 0, MODELS[pipe.name])
                assert abs(row["score"] - score) <= 1e-9, (spec.name, subject, pipe.name)
                checked += 1
    assert checked == 8
    assert engine["score"].nunique() > 1
