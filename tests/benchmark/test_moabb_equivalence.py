"""The suite against MOABB itself: same folds, and on real data the same scores.

Issue 13: ``--preset moabb --protocol within-session`` must give MOABB's
``WithinSessionEvaluation(paradigm=LeftRightImagery(), random_state=seed)`` scores.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchmark.protocols import get_protocol


class _Meta:
    def __init__(self, sessions):
        self.sessions = np.asarray(sessions)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_within_session_folds_are_moabbs(seed):
    from moabb.evaluations.splitters import WithinSessionSplitter

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 90)
    y[:10], y[10:20] = 0, 1
    sessions = np.repeat(["0train", "1test"], 45)
    ours = {}
    for fold in get_protocol("within-session").split(y, seed, meta=_Meta(sessions)):
        ours.setdefault(fold.session, []).append(tuple(fold.test))
    meta = pd.DataFrame({"subject": 1, "session": sessions})
    theirs = {}
    for train, test in WithinSessionSplitter(n_folds=5, shuffle=True,
                                             random_state=seed).split(y, meta):
        theirs.setdefault(sessions[test[0]], []).append(tuple(np.sort(test)))
        assert not set(train) & set(test)
    assert {s: sorted(f) for s, f in ours.items()} == {s: sorted(f) for s, f in theirs.items()}


def test_moabb_preset_takes_moabbs_paradigm_defaults(tiny_spec, tmp_path):
    from benchmark.engine import RunConfig, plan_units
    from benchmark.pipelines import discover_pipelines, select_pipelines
    cfg = RunConfig(pipelines=select_pipelines("csp_lda,ts_lr,mdm", discover_pipelines()),
                    datasets=[tiny_spec], protocol=get_protocol("within-session"), seeds=[0],
                    out=str(tmp_path), preset="moabb")  # the preset alone sets everything
    for unit in plan_units(cfg):
        assert unit.pre.to_dict() == {"fmin": 8.0, "fmax": 32.0, "sfreq": None,
                                      "window_s": None, "tmin": 0.0, "alignment": "none",
                                      "template": "none", "preset": "moabb"}


@pytest.mark.realdata
def test_within_session_moabb_preset_equals_moabb_on_physionet(physionet_mne_data, tmp_path):
    """The issue's acceptance command on PhysionetMI subject 1 (CSP+LDA 0.810, TS+LR 0.900)."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "benchmark", "run", "--protocol", "within-session",
           "--preset", "moabb", "--metric", "roc_auc", "--datasets", "PhysionetMI",
           "--subjects", "1", "--models", "csp_lda,ts_lr", "--seeds", "0", "--out", str(out),
           "--no-cache", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = pd.read_csv(out / "results.csv", dtype={"session": str})
    assert (rows["metric"] == "roc_auc").all() and (rows["status"] == "ok").all()
    assert json.loads(rows["preprocessing"].iloc[0])["fmax"] == 32.0
    ours = rows.groupby(["model", "session"])["score"].mean()

    from moabb.datasets import PhysionetMI
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    from benchmark.models import create_model

    dataset = PhysionetMI()
    dataset.subject_list = [1]
    evaluation = WithinSessionEvaluation(paradigm=LeftRightImagery(), datasets=[dataset],
                                         random_state=0, overwrite=True,
                                         hdf5_path=str(tmp_path / "moabb"))
    theirs = evaluation.process({"csp_lda": create_model("csp_lda"),
                                 "ts_lr": create_model("ts_lr")})
    theirs = theirs.set_index(["pipeline", "session"])["score"]
    assert len(theirs) == len(ours) == 2
    for (model, session), score in theirs.items():
        assert ours[(model, str(session))] == pytest.approx(score, abs=1e-6)
    assert ours[("csp_lda", "0")] == pytest.approx(0.81, abs=1e-9)
    assert ours[("ts_lr", "0")] == pytest.approx(0.90, abs=1e-9)
