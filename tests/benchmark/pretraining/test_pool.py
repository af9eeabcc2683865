"""The pretraining pool's classes: left hand, right hand, feet by default, or every class."""

import json

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.datasets import resolve_datasets
from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import load_subject
from benchmark.errors import UserError
from benchmark.preprocessing import PreprocessingConfig, apply_preprocessing
from benchmark.preprocessing.alignment import EuclideanAlignment
from benchmark.pretraining import (PRETRAIN_CLASSES, PretrainConfig, ScreeningRule, build_pool,
                                   pretrain)
from benchmark.pretraining import pool as pool_module
from benchmark.pretraining.screening import reject_trials

QUIET = lambda msg: None  # noqa: E731
PRE = PreprocessingConfig(sfreq=100.0, window_s=2.0)
RULE = ScreeningRule(min_labelled=10, min_accuracy_margin=None)


@pytest.fixture
def extra_spec():
    """Two synthetic subjects with the three pretraining classes plus tongue and rest."""
    classes = ("left_hand", "right_hand", "feet", "tongue", "rest")
    channels = ("FC3", "FC4", "C3", "Cz", "C4", "CP3", "CPz", "CP4", "C5", "C6", "T7", "T8")
    return DatasetSpec(
        name="TinyExtra", moabb_class="benchmark.datasets.synthetic:SyntheticMI",
        classes=classes[:3], session="0", role="demo-pretrain", n_subjects=2,
        n_chans=len(channels), sfreq=250.0, pretrain_classes=classes[:3],
        kwargs=dict(channels=channels, sfreq=250.0, classes=classes, n_subjects=2,
                    trials_per_class=8, seed=5, variant="tinyextra"))


def _reference_trials(spec, subject, pre=PRE, rule=RULE):
    """Independently: every class loaded, the three classes picked, rejection applied."""
    data = load_subject(spec, subject, pre, classes="all")
    three = np.isin(data.y.astype(str), PRETRAIN_CLASSES)
    X3 = data.X[three]
    return data, three, X3[reject_trials(X3, rule)]


@pytest.mark.slow
def test_default_pool_holds_only_the_three_classes(extra_spec, tmp_path):
    mi3 = build_pool([extra_spec], tmp_path / "mi3", PRE, RULE, log=QUIET)
    full = build_pool([extra_spec], tmp_path / "all", PRE, RULE, classes="all", log=QUIET)
    n_three = n_every = 0
    for subject in (1, 2):
        data, three, _ = _reference_trials(extra_spec, subject)
        assert set(data.y) == {"left_hand", "right_hand", "feet", "tongue", "rest"}
        n_three += int(three.sum())
        n_every += len(data.y)
    assert all(r["n_rejected"] == 0 and r["kept"] for r in mi3.records + full.records)
    assert len(mi3) == n_three == 2 * 3 * 8  # exactly the three classes' trials
    assert (mi3.y >= 0).all()  # every pooled trial feeds the classification head
    assert np.bincount(mi3.y).tolist() == [16, 16, 16]
    assert len(full) == n_every == 2 * 5 * 8 > len(mi3)
    assert int((full.y < 0).sum()) == 2 * 2 * 8  # tongue, rest: reconstruction only
    assert [r["n_trials"] for r in mi3.records] == [24, 24]
    assert [r["n_labelled"] for r in mi3.records] == [24, 24]  # screening saw the same trials
    assert [r["classes"] for r in mi3.records] == ["left_hand,right_hand,feet"] * 2
    assert [r["pool_classes"] for r in full.records] == ["all", "all"]


def test_ea_reference_is_computed_on_exactly_the_pooled_trials(extra_spec, tmp_path, monkeypatch):
    seen = []

    def spy(X, ch_names, config, groups=None):
        seen.append(np.array(X))
        return apply_preprocessing(X, ch_names, config, groups)

    monkeypatch.setattr(pool_module, "apply_preprocessing", spy)
    build_pool([extra_spec], tmp_path / "mi3", PRE, RULE, subjects=[1], log=QUIET)
    build_pool([extra_spec], tmp_path / "all", PRE, RULE, subjects=[1], classes="all", log=QUIET)
    data, three, pooled = _reference_trials(extra_spec, 1)
    stored = np.load(tmp_path / "mi3" / "TinyExtra" / "s001.npy")
    assert len(seen[0]) == len(pooled) == len(stored) == 24
    np.testing.assert_allclose(seen[0], pooled, rtol=1e-6, atol=1e-4)
    reference = EuclideanAlignment().fit(pooled).reference_
    np.testing.assert_allclose(EuclideanAlignment().fit(seen[0]).reference_, reference, rtol=1e-5)
    expected, _ = apply_preprocessing(pooled, data.ch_names, PRE)
    np.testing.assert_allclose(stored, expected, rtol=1e-4, atol=1e-4)
    # With every class, the reference also sees tongue and rest, and the three classes'
    # trials come out aligned differently.
    every = np.load(tmp_path / "all" / "TinyExtra" / "s001.npy")
    assert len(seen[1]) == len(every) == 40
    other = EuclideanAlignment().fit(seen[1]).reference_
    assert not np.allclose(other, reference, rtol=1e-2)
    assert not np.allclose(every[three], stored, rtol=1e-2, atol=1e-2)


@pytest.mark.slow
def test_the_two_settings_do_not_share_a_pool(extra_spec, tmp_path):
    root = tmp_path / "pool"
    lines = []
    assert len(build_pool([extra_spec], root, PRE, RULE, log=lines.append)) == 48
    assert sum("trials, kept" in m for m in lines) == 2
    lines.clear()
    assert len(build_pool([extra_spec], root, PRE, RULE, log=lines.append)) == 48
    assert lines == []  # same setting: reused
    assert len(build_pool([extra_spec], root, PRE, RULE, classes="all", log=lines.append)) == 80
    assert sum("40 trials, kept" in m for m in lines) == 2  # rebuilt, not reused
    lines.clear()
    assert len(build_pool([extra_spec], root, PRE, RULE, log=lines.append)) == 48
    assert sum("24 trials, kept" in m for m in lines) == 2
    record = json.loads((root / "TinyExtra" / "s001.json").read_text())
    assert record["pool_classes"] == "mi3" and len(record["labels"]) == 24
    with pytest.raises(UserError, match="--pretrain-classes"):
        build_pool([extra_spec], root, PRE, RULE, classes="hands", log=QUIET)


@pytest.mark.slow
def test_pretraining_run_records_the_classes_and_refuses_the_other_setting(extra_spec, tmp_path):
    base = dict(datasets=[extra_spec], out=str(tmp_path), epochs=1, batch_size=16, log_every=0,
                preprocessing=PRE, screening=RULE, subjects=[1])
    pretrain(PretrainConfig(**base), log=QUIET)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["pretrain_classes"] == "mi3"
    with pytest.raises(UserError, match="other settings"):
        pretrain(PretrainConfig(**base, pretrain_classes="all"), log=QUIET)
    lines = []
    pretrain(PretrainConfig(**base, pretrain_classes="all"), log=lines.append, restart=True)
    assert json.loads((tmp_path / "config.json").read_text())["pretrain_classes"] == "all"
    assert any("s1: 40 trials, kept" in m for m in lines)
    with pytest.raises(UserError, match="--pretrain-classes"):
        PretrainConfig(**base, pretrain_classes="three")


@pytest.mark.slow
@pytest.mark.parametrize("name, n_mi3, n_all", [("SynPhysionetMI", 60, 80),
                                                 ("SynWeibo2014", 60, 60)])
def test_synthetic_pretraining_sets(name, n_mi3, n_all, tmp_path):
    spec = resolve_datasets(name)[0]
    rule = ScreeningRule(min_accuracy_margin=None)
    mi3 = build_pool([spec], tmp_path / "mi3", PRE, rule, subjects=[1], log=QUIET)
    full = build_pool([spec], tmp_path / "all", PRE, rule, subjects=[1], classes="all", log=QUIET)
    data, three, _ = _reference_trials(spec, 1, rule=rule)
    assert mi3.records[0]["n_trials"] == int(three.sum()) == n_mi3
    assert full.records[0]["n_trials"] == len(data.y) == n_all
    assert (mi3.y >= 0).all()


@pytest.mark.slow
def test_pretrain_command_passes_the_classes_through(tmp_path, capsys):
    argv = ["pretrain", "--datasets", "SynPhysionetMI", "--subjects", "1", "--epochs", "1",
            "--batch-size", "16", "--out", str(tmp_path), "--no-screen-decoding",
            "--log-every", "0"]
    assert main(argv + ["--pretrain-classes", "all"]) == 0
    assert "(all classes)" in capsys.readouterr().out
    assert json.loads((tmp_path / "config.json").read_text())["pretrain_classes"] == "all"
    assert len(json.loads((tmp_path / "pool" / "SynPhysionetMI" / "s001.json").read_text())
               ["labels"]) == 80
    assert main(argv) == 2  # the default (mi3) is another run
    assert "other settings" in capsys.readouterr().err
