"""The worker: one model per training set within a unit, and nothing shared beyond it."""

import pandas as pd

from benchmark.datasets import get_dataset_spec
from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results


def test_loso_on_every_session_fits_one_model_per_target_and_scores_each_session(
        tmp_path, monkeypatch):
    """loso with --preset moabb scores one model on each target session (MOABB's
    CrossSubjectEvaluation); the worker fits it once, but units whose training sets differ
    (other targets, other k) are fitted apart and give other models."""
    (pipe,) = select_pipelines("csp_lda", discover_pipelines())
    built = []
    original = type(pipe).build

    def counting_build(self, *args, **kwargs):
        model = original(self, *args, **kwargs)
        built.append(model)
        return model

    monkeypatch.setattr(type(pipe), "build", counting_build)
    cfg = RunConfig(pipelines=[pipe], datasets=[get_dataset_spec("FakeDataset")],
                    protocol=get_protocol("loso", shots=(3,)), seeds=[0], subjects=[1, 2],
                    out=str(tmp_path), preset="moabb")
    assert cfg.protocol.sessions == "all"
    run_benchmark(cfg, log=lambda m: None)
    rows = read_results(tmp_path)
    assert (rows["status"] == "ok").all() and len(rows) == 2 * 4  # 2 targets x (k 0, 3) x 2
    assert len(built) == 2 * 2  # a model per (target, k), each scored on both sessions
    per_model = rows.groupby(["subject", "shots"])
    assert (per_model["session"].apply(sorted) == pd.Series([["0", "1"]] * 4, index=per_model
                                                            .size().index)).all()
    assert (per_model["fit_time"].nunique() == 1).all()  # that one fit's time, on both rows
    assert rows.groupby(["subject", "shots"])["n_train"].nunique().eq(1).all()
    # the models of different training sets differ (not one model reused across them)
    coefs = {tuple(m.steps[-1][1].coef_.ravel().round(12)) for m in built}
    assert len(coefs) == 4


def test_a_montage_the_template_cannot_place_is_not_runnable_and_the_run_goes_on(
        tmp_path, monkeypatch):
    """A dataset whose channel names have no position (EXG1...) cannot be mapped onto the
    template: that model's units are recorded not runnable with the fix, the others run."""
    import dataclasses

    import benchmark.worker
    from benchmark.datasets.loading import load_subject

    def renamed(*args, **kwargs):
        data = load_subject(*args, **kwargs)
        return dataclasses.replace(data, ch_names=[f"EXG{i}" for i in range(len(data.ch_names))])

    monkeypatch.setattr(benchmark.worker, "load_subject", renamed)
    (own,) = select_pipelines("csp_lda", discover_pipelines())
    mapped = dataclasses.replace(own, name="csp_lda_template",
                                 preprocessing={"alignment": "ea", "template": "idw"})
    cfg = RunConfig(pipelines=[own, mapped], datasets=[get_dataset_spec("FakeDataset")],
                    protocol=get_protocol("paper"), seeds=[0], subjects=[1],
                    out=str(tmp_path), use_cache=False)
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 1 and len(summary.not_runnable) == 1 and not summary.failed
    rows = read_results(tmp_path).set_index("model")
    assert rows.loc["csp_lda", "status"] == "ok"
    assert rows.loc["csp_lda_template", "status"] == "not_runnable"
    assert "--template spline" in rows.loc["csp_lda_template", "error"]
