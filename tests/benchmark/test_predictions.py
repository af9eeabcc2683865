"""Every unit keeps its test trials' predictions; any metric is recomputed from them."""

import json

import numpy as np
import pytest

from benchmark.engine import RunConfig, run_benchmark
from benchmark.metrics import METRICS
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.predictions import (
    FoldPredictions,
    PredictionsError,
    read_unit_predictions,
    rescore_rows,
    write_predictions,
)
from benchmark.protocols import PaperSplit
from benchmark.results import read_results


@pytest.fixture
def tiny4_spec(tiny_spec):
    """``tiny_spec`` with four classes."""
    from dataclasses import replace

    classes = ("left_hand", "right_hand", "feet", "tongue")
    return replace(tiny_spec, name="TinySyn4", classes=classes,
                   kwargs={**tiny_spec.kwargs, "classes": classes, "variant": "tiny4"})


def _run(specs, out, metric="accuracy", models="csp_lda,mdm", extra=None):
    from benchmark.pipelines import builtin_pipeline_dir

    dirs = [builtin_pipeline_dir()] + ([extra] if extra else [])
    cfg = RunConfig(pipelines=select_pipelines(models, discover_pipelines(dirs)),
                    datasets=list(specs), protocol=PaperSplit(), seeds=[0], out=str(out),
                    metric=metric)
    summary = run_benchmark(cfg, log=lambda m: None)
    assert not summary.failed
    return read_results(out)


def test_round_trip_and_checksum(tmp_path):
    folds = [FoldPredictions(0, np.array(["1/0/0#3", "1/0/0#1"]), np.array([1, 0]),
                             np.array([1, 1]), 2, np.array([[0.2, 0.8], [0.4, 0.6]]),
                             np.array([1.5, 0.3])),
             FoldPredictions(3, np.array(["1/0/1#0"]), np.array([0]), np.array([0]), 2)]
    record = write_predictions(tmp_path, "u1", folds)
    assert record["file"] == "u1.npz" and record["bytes"] == (tmp_path / "u1.npz").stat().st_size
    assert record["confusion"] == {"0": [[0, 1], [0, 1]], "3": [[1, 0], [0, 0]]}
    back = read_unit_predictions(tmp_path, record)
    assert sorted(back) == [0, 3] and back[3].proba is None and back[3].decision is None
    np.testing.assert_array_equal(back[0].trial_ids, folds[0].trial_ids)
    np.testing.assert_array_equal(back[0].proba, folds[0].proba)
    (tmp_path / "u1.npz").write_bytes((tmp_path / "u1.npz").read_bytes()[:-3])
    with pytest.raises(PredictionsError, match="truncated, damaged or replaced"):
        read_unit_predictions(tmp_path, record)


def test_the_predictions_are_written_before_the_unit(tiny_spec, tmp_path, monkeypatch):
    import benchmark.results as results

    def crash(path, text):  # the process dies between the two files
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "atomic_write_text", crash)
    with pytest.raises(KeyboardInterrupt):
        _run([tiny_spec], tmp_path, models="csp_lda")
    assert list((tmp_path / "units").glob("*.npz")) and not list((tmp_path / "units").glob(
        "*.json"))  # no unit without its predictions; the unit is not stored
    monkeypatch.undo()
    df = _run([tiny_spec], tmp_path, models="csp_lda")  # the rerun stores it whole
    assert len(df) == 2 and (df["status"] == "ok").all()
    for path in (tmp_path / "units").glob("*.json"):
        record = json.loads(path.read_text())["predictions"]
        assert read_unit_predictions(tmp_path / "units", record)


@pytest.mark.slow
def test_report_rescoring_equals_a_run_with_that_metric(tiny_spec, tiny4_spec, tmp_path):
    """For every metric a run can take: 2 and 4 classes, a model with decision scores
    (CSP+LDA) and one with probabilities only (MDM)."""
    key = ["dataset", "subject", "model", "seed", "fold"]
    base = _run([tiny_spec, tiny4_spec], tmp_path / "accuracy")
    for metric in METRICS:
        ran = _run([tiny_spec, tiny4_spec], tmp_path / metric, metric=metric)
        rescored, counts = rescore_rows(base, tmp_path / "accuracy", metric)
        assert counts == {"rescored": len(base), "without": 0, "unreadable": 0,
                          "unavailable": 0}
        both = ran.merge(rescored, on=key, suffixes=("_run", "_report"))
        assert len(both) == len(base) == 8
        assert (both["metric_run"] == metric).all() and (both["metric_report"] == metric).all()
        assert np.abs(both["score_run"] - both["score_report"]).max() <= 1e-12, metric
        assert both["score_run"].nunique() > 1  # not one number everywhere


SVM = """name: ts_svm_no_proba
paradigms: [LeftRightImagery]
preprocessing: {alignment: ea, template: none}
pipeline:
  - {from: pyriemann.estimation, name: Covariances, parameters: {estimator: oas}}
  - {from: pyriemann.tangentspace, name: TangentSpace}
  - {from: sklearn.svm, name: SVC}
"""


def test_rescoring_leaves_out_what_it_cannot_score_and_says_why(tiny_spec, tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "ts_svm_no_proba.yml").write_text(SVM)  # decision scores only
    df = _run([tiny_spec], tmp_path / "out", models="csp_lda,ts_svm_no_proba",
              extra=tmp_path / "recipes")
    tmp_path = tmp_path / "out"
    out, counts = rescore_rows(df, tmp_path, "log_loss")
    assert counts == {"rescored": 2, "without": 0, "unreadable": 0, "unavailable": 2}
    svm = out[out["model"] == "ts_svm_no_proba"]
    assert (svm["status"] == "failed").all() and svm["score"].isna().all()
    assert svm["error"].str.contains("log_loss needs class probabilities").all()
    kappa, counts = rescore_rows(df, tmp_path, "kappa")
    assert counts["rescored"] == 4 and (kappa["status"] == "ok").all()
