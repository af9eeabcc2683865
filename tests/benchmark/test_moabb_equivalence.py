"""The suite against MOABB itself: same folds, and the same scores.

Issue 13: ``--preset moabb --protocol within-session`` must give MOABB's
``WithinSessionEvaluation(paradigm=LeftRightImagery(), random_state=seed)`` scores.
Issue 24: ``--preset moabb --protocol cross-session`` must give MOABB's
``CrossSessionEvaluation`` and ``--protocol loso`` (no ``--shots``) its
``CrossSubjectEvaluation`` scores, to 1e-6, on MOABB's FakeDataset (left/right hand, 2
sessions, 4 subjects) with csp_lda and ts_lr and ROC-AUC; of the ``CrossSubjectMode``
presets, ``train`` (the default) and ``train_trialwise`` are tested equal to loso (the
others are compared in README.md, "MOABB's evaluations").
On the real PhysionetMI data of ../shared (one subject, one session) neither evaluation
can run: both refuse it.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchmark.datasets import get_dataset_spec
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


# -- cross-session and cross-subject on MOABB's FakeDataset (issue 24) ------------------------
MODELS = ("csp_lda", "ts_lr")


def _ours(protocol: str, out, cache) -> pd.DataFrame:
    """The suite's ROC-AUC and trial counts by (model, subject, session), --preset moabb."""
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.results import read_results

    cfg = RunConfig(pipelines=select_pipelines(",".join(MODELS), discover_pipelines()),
                    datasets=[get_dataset_spec("FakeDataset")],
                    protocol=get_protocol(protocol), seeds=[0], out=str(out), preset="moabb",
                    metric="roc_auc", cache_dir=str(cache))
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 2 * 4 and not summary.failed and not summary.not_runnable
    rows = read_results(out)
    assert (rows["status"] == "ok").all() and (rows["metric"] == "roc_auc").all()
    keys = [rows["model"], rows["subject"].astype(int), rows["session"].astype(str)]
    return rows.set_index(keys)[["score", "n_train", "n_test"]].rename_axis(
        ["model", "subject", "session"])


def _moabbs(evaluation, hdf5, **kw) -> pd.DataFrame:
    """MOABB's evaluation of the same pipelines on the same FakeDataset."""
    from moabb.paradigms import LeftRightImagery

    from benchmark.models import create_model

    ev = evaluation(paradigm=LeftRightImagery(), datasets=[get_dataset_spec(
        "FakeDataset").instantiate()], random_state=0, overwrite=True, hdf5_path=str(hdf5),
        **kw)
    res = ev.process({name: create_model(name) for name in MODELS})
    res = res.assign(subject=res["subject"].astype(int), session=res["session"].astype(str))
    return res.set_index(["pipeline", "subject", "session"]).rename_axis(
        ["model", "subject", "session"])


@pytest.fixture(scope="module")
def fake_scores(tmp_path_factory):
    """Ours and MOABB's scores of cross-session and loso (and MOABB's trialwise loso)."""
    from moabb.evaluations import CrossSessionEvaluation, CrossSubjectEvaluation
    from moabb.evaluations.protocols import CrossSubjectMode

    tmp = tmp_path_factory.mktemp("moabb_fake")
    loso = _ours("loso", tmp / "loso", tmp / "cache")
    trialwise = CrossSubjectMode.TRAIN_TRIALWISE
    return {"cross-session": (_ours("cross-session", tmp / "xs", tmp / "cache"),
                              _moabbs(CrossSessionEvaluation, tmp / "moabb_xs")),
            "loso": (loso, _moabbs(CrossSubjectEvaluation, tmp / "moabb_loso")),
            trialwise.value: (loso, _moabbs(CrossSubjectEvaluation, tmp / "moabb_trialwise",
                                            cs_mode=trialwise))}


@pytest.mark.slow  # five evaluations of 4 subjects, about 25 s on 2 cores
@pytest.mark.parametrize("evaluation", ["cross-session", "loso", "train_trialwise"])
def test_moabb_preset_equals_moabbs_evaluation_on_fake_data(fake_scores, evaluation):
    ours, theirs = fake_scores[evaluation]
    assert len(ours) == len(theirs) == len(MODELS) * 4 * 2  # models x subjects x sessions
    assert sorted(ours.index) == sorted(theirs.index)
    for key, score in theirs["score"].items():
        assert ours.loc[key, "score"] == pytest.approx(score, abs=1e-6), (evaluation, key)
    assert ours["score"].std() > 0.01  # scores differ by subject and session: not trivial
    # the same numbers of trials: the other session (40), or the other subjects' both (240)
    assert (ours["n_train"] == theirs.loc[ours.index, "samples"]).all()
    assert (ours["n_test"] == theirs.loc[ours.index, "samples_test"]).all()
    assert set(ours["n_train"]) == ({40} if evaluation == "cross-session" else {240})


@pytest.mark.realdata
def test_neither_evaluation_runs_on_physionet_subject_1(physionet_mne_data, tmp_path):
    """../shared has PhysionetMI's subject 1 only, in one session: MOABB's cross-session and
    cross-subject evaluations refuse it, and the suite reports both protocols not runnable
    with the reason, having read the real recordings for cross-session."""
    import dataclasses

    from moabb.datasets import PhysionetMI
    from moabb.evaluations import CrossSessionEvaluation, CrossSubjectEvaluation
    from moabb.paradigms import LeftRightImagery

    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.results import read_results

    for evaluation in (CrossSessionEvaluation, CrossSubjectEvaluation):
        dataset = PhysionetMI()
        dataset.subject_list = [1]
        with pytest.raises(Exception, match="No datasets left"):
            evaluation(paradigm=LeftRightImagery(), datasets=[dataset], random_state=0,
                       overwrite=True, hdf5_path=str(tmp_path / "moabb"))
    spec = get_dataset_spec("PhysionetMI")
    for protocol, used, reason in (("cross-session", spec, "has one session (0)"),
                                   ("loso", dataclasses.replace(spec, n_subjects=1),
                                    "has one subject; loso needs two or more")):
        cfg = RunConfig(pipelines=select_pipelines("csp_lda", discover_pipelines()),
                        datasets=[used], protocol=get_protocol(protocol), seeds=[0],
                        subjects=[1], out=str(tmp_path / protocol), preset="moabb",
                        metric="roc_auc", use_cache=False)
        summary = run_benchmark(cfg, log=lambda m: None)
        assert summary.done == 0 and len(summary.not_runnable) == 1
        (row,) = read_results(tmp_path / protocol).to_dict("records")
        assert row["status"] == "not_runnable" and reason in row["error"], row["error"]
