import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from benchmark.engine import RunConfig, run_benchmark
from benchmark.pipelines import PipelineSpec, discover_pipelines, select_pipelines
from benchmark.protocols import PaperSplit
from benchmark.results import ResultStore, read_results


def _cfg(spec, out, models="csp_lda,ts_lr", seeds=(0, 1), **kw):
    return RunConfig(pipelines=select_pipelines(models, discover_pipelines()), datasets=[spec],
                     protocol=PaperSplit(), seeds=list(seeds), out=str(out), **kw)


def test_rows_are_tidy_complete_and_above_chance(tiny_spec, tmp_path):
    summary = run_benchmark(_cfg(tiny_spec, tmp_path), log=lambda m: None)
    assert summary.done == 2 * 2 * 2 and not summary.failed
    df = pd.read_csv(tmp_path / "results.csv")
    assert len(df) == 8
    assert not df.duplicated(["dataset", "subject", "session", "model", "protocol", "shots",
                              "seed", "fold"]).any()
    assert set(df["status"]) == {"ok"}
    assert (df["n_train"] == 18).all() and (df["n_test"] == 42).all()
    assert df["score"].mean() > 0.6
    pre = json.loads(df["preprocessing"].iloc[0])
    assert pre == {"fmin": 8.0, "fmax": 30.0, "sfreq": 250.0, "window_s": 4.0, "tmin": 0.0,
                   "preset": "paper", "alignment": "ea", "template": "none"}
    versions = json.loads(df["versions"].iloc[0])
    assert versions["moabb"] != "absent" and versions["numpy"] != "absent"


def test_rerun_skips_stored_units_and_changes_nothing(tiny_spec, tmp_path):
    run_benchmark(_cfg(tiny_spec, tmp_path), log=lambda m: None)
    first = pd.read_csv(tmp_path / "results.csv")
    again = run_benchmark(_cfg(tiny_spec, tmp_path), log=lambda m: None)
    assert again.done == 0 and again.skipped == 8
    pd.testing.assert_frame_equal(first, pd.read_csv(tmp_path / "results.csv"))


def test_same_seed_same_scores(tiny_spec, tmp_path):
    run_benchmark(_cfg(tiny_spec, tmp_path / "a"), log=lambda m: None)
    run_benchmark(_cfg(tiny_spec, tmp_path / "b"), log=lambda m: None)
    a, b = read_results(tmp_path / "a"), read_results(tmp_path / "b")
    key = ["subject", "model", "seed"]
    np.testing.assert_array_equal(a.sort_values(key)["score"], b.sort_values(key)["score"])


class _Interrupt(ClassifierMixin, BaseEstimator):
    """An estimator that stops the process on its n-th fit, like Ctrl-C."""

    calls = 0

    def __init__(self, at=3):
        self.at = at

    def get_params(self, deep=True):
        return {"at": self.at}

    def fit(self, X, y):
        type(self).calls += 1
        if type(self).calls == self.at:
            raise KeyboardInterrupt
        self.classes_, self.majority_ = np.unique(y), np.bincount(y).argmax()
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_interrupted_run_keeps_finished_units_and_resumes(tiny_spec, tmp_path, monkeypatch):
    import tests.benchmark.test_engine as me

    monkeypatch.setattr(me._Interrupt, "calls", 0)
    interrupting = PipelineSpec(name="interrupt", steps=[{"from": "tests.benchmark.test_engine",
                                                          "name": "_Interrupt", "parameters": {}}])
    cfg = _cfg(tiny_spec, tmp_path, models="csp_lda")
    cfg.pipelines.append(interrupting)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(cfg, log=lambda m: None)
    stored = list(ResultStore(tmp_path).iter_units())
    # subject 1: 4 units; subject 2: csp_lda seed 0, then the third _Interrupt fit stops the run
    assert len(stored) == 5 and {u["status"] for u in stored} == {"ok"}
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.skipped == 5 and summary.done == 3
    df = read_results(tmp_path)
    assert len(df) == 8 and not df.duplicated(["subject", "model", "seed"]).any()


def test_failing_model_is_recorded_and_the_run_goes_on(tiny_spec, tmp_path):
    broken = PipelineSpec(name="broken", steps=[{"from": "sklearn.linear_model",
                                                 "name": "LogisticRegression",
                                                 "parameters": {"C": -1.0}}])
    cfg = _cfg(tiny_spec, tmp_path, models="ts_lr", seeds=(0,))
    cfg.pipelines.append(broken)
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 2 and len(summary.failed) == 2
    df = read_results(tmp_path)
    failed = df[df["model"] == "broken"]
    assert (failed["status"] == "failed").all() and failed["error"].str.contains("C").all()
    # stored failures are not retried unless asked
    assert run_benchmark(cfg, log=lambda m: None).skipped == 4
    cfg.retry_failed = True
    assert len(run_benchmark(cfg, log=lambda m: None).failed) == 2


def test_missing_dataset_marks_units_not_runnable(tmp_path, monkeypatch, no_network):
    from benchmark.datasets import get_dataset_spec

    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "empty"))
    cfg = _cfg(get_dataset_spec("BNCI2014004"), tmp_path / "out", models="csp_lda", seeds=(0,),
               subjects=[1, 2])
    messages = []
    summary = run_benchmark(cfg, log=messages.append)
    assert summary.done == 0 and len(summary.not_runnable) == 2
    assert messages == []  # no line per unit: one per dataset in the summary
    line = summary.missing["BNCI2014004"].line()
    assert "download --datasets BNCI2014004 --subjects 1-2`" in line and "\n" not in line
    df = read_results(tmp_path / "out")
    assert set(df["status"]) == {"not_runnable"}


@pytest.mark.realdata
def test_physionet_subject1_through_the_engine(physionet_mne_data, tmp_path):
    """Real EEG (../shared/data) through loading, split, alignment, template and models."""
    from benchmark.datasets import get_dataset_spec

    cfg = _cfg(get_dataset_spec("PhysionetMI"), tmp_path, models="csp_lda,ts_lr", seeds=(0,),
               subjects=[1])
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 2 and not summary.failed
    df = read_results(tmp_path)
    assert (df["n_train"] == 13).all() and (df["n_test"] == 32).all()
    assert (df["n_chans"] == 64).all()
    assert df["score"].between(0, 1).all()


def _three_subjects(spec):
    import dataclasses

    return dataclasses.replace(spec, name="TinySyn3", n_subjects=3,
                               kwargs=spec.kwargs | {"n_subjects": 3, "n_sessions": 2})


@pytest.mark.parametrize("protocol", [pytest.param("paper", marks=pytest.mark.slow), "fewshot",
                                      pytest.param("loso", marks=pytest.mark.slow),
                                      "cross-session"])
def test_every_model_sees_the_same_trials(tiny_spec, tmp_path, protocol):
    from benchmark.protocols import get_protocol

    cfg = _cfg(_three_subjects(tiny_spec), tmp_path, models="csp_lda,ts_lr,mdm", seeds=(0, 1),
               subjects=[1, 3])
    cfg.protocol = get_protocol(protocol, shots=(2, 5))
    summary = run_benchmark(cfg, log=lambda m: None)
    assert summary.done == 2 * 2 * 3 and not summary.failed and not summary.not_runnable
    df = read_results(tmp_path)
    assert (df["protocol"] == protocol).all() and df["split"].str.len().eq(16).all()
    per_fold = df.groupby(["subject", "seed", "fold"])
    assert (per_fold["split"].nunique() == 1).all()  # one split per fold, shared by the 3 models
    assert (per_fold["model"].nunique() == 3).all()
    # the seed draws the split, except across sessions, where the sessions fix it
    expected = 1 if protocol == "cross-session" else 2
    assert (df.groupby(["subject", "fold"])["split"].nunique() == expected).all()


def test_loso_and_cross_session_rows(tiny_spec, tmp_path):
    from benchmark.protocols import get_protocol

    spec = _three_subjects(tiny_spec)
    cfg = _cfg(spec, tmp_path / "loso", models="ts_lr", seeds=(0,), subjects=[2])
    cfg.protocol = get_protocol("loso", shots=(3,))
    run_benchmark(cfg, log=lambda m: None)
    df = read_results(tmp_path / "loso").sort_values("fold")
    assert df["shots"].tolist() == [0, 3]
    assert df["n_train"].tolist() == [2 * 60, 2 * 60 + 6] and (df["n_test"] == 30).all()
    assert df["score"].min() > 0.6  # transfer from the other two subjects works here
    cfg = _cfg(spec, tmp_path / "xs", models="ts_lr", seeds=(0,), subjects=[1])
    cfg.protocol = get_protocol("cross-session")
    run_benchmark(cfg, log=lambda m: None)
    df = read_results(tmp_path / "xs").sort_values("fold")
    assert df["session"].tolist() == ["0", "1"] and (df["n_train"] == 60).all()
    assert df["score"].min() > 0.6


@pytest.mark.parametrize("shots", [None, (2, 5)])
@pytest.mark.slow
def test_loso_gives_every_target_its_own_split(tiny_spec, tmp_path, shots):
    """Issue 13: every LOSO target once reused target 1's trials, split and score."""
    import dataclasses

    from benchmark.datasets.loading import load_subject
    from benchmark.preprocessing import PreprocessingConfig
    from benchmark.protocols import get_protocol, split_digest

    spec = dataclasses.replace(tiny_spec, n_subjects=4,
                               kwargs={**tiny_spec.kwargs, "n_subjects": 4})
    protocol = get_protocol("loso", shots=shots)
    cfg = _cfg(spec, tmp_path, seeds=(0,))
    cfg.protocol = protocol
    run_benchmark(cfg, log=lambda m: None)
    df = read_results(tmp_path)
    assert set(df["status"]) == {"ok"} and sorted(set(df["subject"])) == [1, 2, 3, 4]
    # independently: each target's trials, from the loader and the protocol alone
    parts = [load_subject(spec, s, PreprocessingConfig()) for s in range(1, 5)]
    ids = np.concatenate([p.trial_ids() for p in parts])
    subjects = np.concatenate([p.subjects for p in parts])
    y = np.concatenate([[spec.classes.index(c) for c in p.y] for p in parts])

    class Meta:
        pass

    meta = Meta()
    meta.subjects = subjects
    for target in range(1, 5):
        mine = df[df["subject"] == target]
        assert mine["split"].nunique() == len(mine) // 2  # the two models share each split
        for fold in protocol.split(y, 0, meta=meta, target=target):
            assert set(ids[fold.test]) <= {i for i in ids if i.startswith(f"{target}/")}
            row = mine[mine["fold"] == fold.fold]
            assert (row["split"] == split_digest(fold, ids)).all()
            assert (row["n_test"] == len(fold.test)).all()
            assert (row["n_train"] == len(fold.train)).all()
    first = df[df["fold"] == 0].groupby("subject")["split"].first()
    assert first.nunique() == 4


def test_a_folder_keeps_one_configuration_per_dataset_and_model(tiny_spec, tmp_path):
    """Rows of two windows, metrics or protocols would be averaged into one cell."""
    from benchmark.errors import UserError
    from benchmark.protocols import get_protocol

    run_benchmark(_cfg(tiny_spec, tmp_path, seeds=(0,)), log=lambda m: None)
    for change in ({"window": (0.0, 3.0)}, {"metric": "kappa"}, {"preset": "moabb"}):
        with pytest.raises(UserError, match="pass another --out"):
            run_benchmark(_cfg(tiny_spec, tmp_path, seeds=(0,), **change), log=lambda m: None)
    cfg = _cfg(tiny_spec, tmp_path, seeds=(0,))
    cfg.protocol = get_protocol("fewshot", shots=(2,))
    with pytest.raises(UserError, match="another protocol_config"):
        run_benchmark(cfg, log=lambda m: None)
    # more seeds, subjects or models of the same configuration extend the folder
    summary = run_benchmark(_cfg(tiny_spec, tmp_path, seeds=(0, 1), models="csp_lda,ts_lr,mdm"),
                            log=lambda m: None)
    assert summary.skipped == 4 and summary.done == 8


# -- any MOABB dataset, --classes (issue 24) ------------------------------------------------
#: units planned by the commit before issue 24 (866fd75): the catalogue's keys must not move
BEFORE_ISSUE_24 = {
    ("paper", (), "paper", "BNCI2014001", "csp_lda"): "3e3122557950",
    ("paper", (), "paper", "BNCI2014001-4", "ts_lr"): "d13393ea355a",
    ("loso", (), "paper", "PhysionetMI", "csp_lda"): "880c09b864d2",
    ("loso", (1, 5), "paper", "Lee2019", "ts_lr"): "e0a914cff03f",
    ("cross-session", (), "paper", "SynBNCI2014001", "csp_lda"): "f39f07530333",
    ("within-session", (), "moabb", "PhysionetMI", "ts_lr"): "cfc0e9a53b1c",
    ("fewshot", (), "paper", "AlexMI", "csp_lda"): "a51642ce3210",
}


def test_the_catalogues_units_keep_their_keys(tmp_path):
    """Rows of existing results folders stay valid: the same grid plans the same unit ids
    as before any-MOABB datasets and --classes (all 204 units of five, pretrain7 and demo
    under six protocols were compared with that commit; these are a sample)."""
    from benchmark.datasets import get_dataset_spec
    from benchmark.engine import plan_units
    from benchmark.protocols import get_protocol

    for (protocol, shots, preset, dataset, model), uid in BEFORE_ISSUE_24.items():
        spec = get_dataset_spec(dataset)
        cfg = _cfg(spec, tmp_path, models=model, seeds=(0,), subjects=[1], preset=preset)
        cfg.protocol = get_protocol(protocol, shots=shots or None).for_preset(preset)
        (unit,) = plan_units(cfg)
        assert unit.uid == uid, (protocol, dataset, model)
        # the default --classes is the same choice, hence the same unit
        same = _cfg(spec.with_classes(list(spec.classes)), tmp_path, models=model, seeds=(0,),
                    subjects=[1], preset=preset)
        same.protocol = cfg.protocol
        assert plan_units(same)[0].uid == uid


def test_classes_are_in_every_row_and_the_key_and_one_per_folder(tmp_path):
    from benchmark.datasets import get_dataset_spec
    from benchmark.engine import plan_units
    from benchmark.errors import UserError

    spec = get_dataset_spec("FakeDataset")
    feet = spec.with_classes(["left_hand", "feet"])
    lr = _cfg(spec, tmp_path / "lr", models="csp_lda", seeds=(0,), subjects=[1])
    lf = _cfg(feet, tmp_path / "lf", models="csp_lda", seeds=(0,), subjects=[1])
    assert plan_units(lr)[0].uid != plan_units(lf)[0].uid
    run_benchmark(lr, log=lambda m: None)
    run_benchmark(lf, log=lambda m: None)
    a, b = read_results(tmp_path / "lr"), read_results(tmp_path / "lf")
    assert (a["classes"] == "left_hand,right_hand").all() and (b["classes"] == "left_hand,feet"
                                                               ).all()
    assert a["split"].iloc[0] != b["split"].iloc[0] and (a["status"] == "ok").all()
    assert a["score"].iloc[0] != b["score"].iloc[0]
    with pytest.raises(UserError, match="evaluated on the classes left_hand,right_hand, not "
                                        "left_hand,feet"):
        run_benchmark(_cfg(feet, tmp_path / "lr", models="csp_lda", seeds=(0,), subjects=[1]),
                      log=lambda m: None)
    # a row without a model's result records the choice too
    one = _cfg(get_dataset_spec("Rozado2015"), tmp_path / "one", models="csp_lda", seeds=(0,),
               subjects=[1])
    summary = run_benchmark(one, log=lambda m: None)
    assert len(summary.not_runnable) == 1 and summary.done == 0
    row = read_results(tmp_path / "one").iloc[0]
    assert row["status"] == "not_runnable" and row["classes"] == "left_hand"
    assert "fewer than two; choose two or more with --classes" in row["error"]
