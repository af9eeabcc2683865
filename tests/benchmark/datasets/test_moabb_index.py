"""Every MOABB motor-imagery dataset as a spec built from MOABB's own metadata (issue 24)."""

import numpy as np
import pytest

from benchmark.datasets import get_dataset_spec, resolve_datasets
from benchmark.datasets.moabb_index import (
    FAKE_KWARGS,
    default_classes,
    find_moabb_name,
    is_imagery_event,
    moabb_names,
    moabb_spec,
    suite_members,
)
from benchmark.errors import UserError


def _moabb_imagery():
    from moabb.datasets.utils import dataset_search

    return {type(d).__name__: d for d in dataset_search(paradigm="imagery")}


def test_every_moabb_imagery_dataset_has_a_spec_with_moabbs_facts():
    moabb = _moabb_imagery()
    assert set(moabb_names()) == set(moabb) and len(moabb) >= 60  # 64 in MOABB 1.7.2
    for name, dataset in moabb.items():
        spec = moabb_spec(name)
        if name == "FakeDataset":  # the suite's own arguments (below)
            dataset = spec.instantiate()
        assert spec.name == name and spec.moabb_class == f"moabb.datasets:{name}"
        assert spec.subject_ids == tuple(dataset.subject_list), name
        assert spec.n_sessions == dataset.n_sessions and spec.events == tuple(dataset.event_id)
        assert spec.interval == tuple(float(t) for t in dataset.interval), name
        assert set(spec.classes) <= set(spec.events) and spec.role == "moabb"
        assert spec.window == (0.0, 4.0) and spec.session is None  # the paper's, the first


def test_facts_against_the_papers():
    """Hand-checked facts: BCI IV 2a (Tangermann et al. 2012), the high-gamma set
    (Schirrmeister et al. 2017), Dreyer 2023's part B, and a name MOABB has retired."""
    bci = moabb_spec("BNCI2014_001")
    assert (bci.n_subjects, bci.n_sessions, bci.n_chans, bci.sfreq) == (9, 2, 22, 250.0)
    assert bci.interval == (2.0, 6.0) and bci.doi == "10.3389/fnins.2012.00055"
    assert bci.classes == ("left_hand", "right_hand")
    hgd = moabb_spec("Schirrmeister2017")
    assert (hgd.n_subjects, hgd.n_chans, hgd.sfreq) == (14, 128, 500.0)
    assert hgd.classes == ("left_hand", "right_hand") and "feet" in hgd.events
    assert moabb_spec("Dreyer2023B").subject_ids == tuple(range(61, 82))
    assert find_moabb_name("bnci2015004") == "BNCI2015_004"  # MOABB's deprecated alias
    assert find_moabb_name("NoSuchSet") is None


def test_default_classes_are_left_right_else_every_imagery_class():
    assert default_classes(("right_hand", "left_hand", "rest", "feet")) == (
        "left_hand", "right_hand")
    assert default_classes(("right_hand", "feet", "rest")) == ("right_hand", "feet")
    assert default_classes(("left_hand", "rest")) == ("left_hand",)
    assert default_classes(("math", "baseline", "idle_sitting")) == ("math",)
    assert not is_imagery_event("rest") and is_imagery_event("gait_imagery")
    assert moabb_spec("BNCI2015_004").classes == ("math", "letter", "rotation", "count")


def test_the_moabb_suites():
    mi, lr = suite_members("moabb-mi"), suite_members("moabb-lr")
    assert "FakeDataset" not in mi and set(mi) == set(moabb_names()) - {"FakeDataset"}
    assert set(lr) < set(mi) and "Schirrmeister2017" in lr and "BNCI2015_001" not in lr
    assert all({"left_hand", "right_hand"} <= set(moabb_spec(n).events) for n in lr)
    assert [n for n in mi if n not in lr and {"left_hand", "right_hand"} <= set(
        moabb_spec(n).events)] == []
    specs = resolve_datasets("moabb-lr")
    assert [s.name for s in specs] == list(lr)
    # a MOABB name the catalogue also has is the catalogue's entry, with its settings
    physionet = next(s for s in specs if s.name == "PhysionetMI")
    assert physionet.role == "pretrain" and physionet.kwargs == {"imagined": True,
                                                                 "executed": False}


def test_both_names_work_and_the_papers_keep_their_settings():
    paper, moabb = get_dataset_spec("BNCI2014001"), get_dataset_spec("bnci2014_001")
    assert paper.moabb_class == moabb.moabb_class and paper.name != moabb.name
    assert (paper.role, paper.session) == ("downstream", "0train")
    assert (moabb.role, moabb.session) == ("moabb", None)
    assert get_dataset_spec("BNCI2014004").session == "3test"
    with pytest.raises(UserError, match="did you mean Schirrmeister2017"):
        get_dataset_spec("Schirmeister2017")
    with pytest.raises(UserError, match="no dataset matches 'Schirr\\*' in the catalogue"):
        resolve_datasets("Schirr*")  # globs cover the catalogue's names only


def test_fake_dataset_is_seeded_so_loads_repeat(tmp_path):
    """Without a seed MOABB's FakeDataset draws new signals on every load; the entry fixes
    one, so two loads (and verify's re-derivation) see the same trials, and another seed
    gives other trials and another cache entry."""
    import dataclasses

    from benchmark.datasets.cache import EpochCache
    from benchmark.datasets.loading import load_subject
    from benchmark.preprocessing import PreprocessingConfig

    spec = get_dataset_spec("FakeDataset")
    assert spec.kwargs == FAKE_KWARGS and spec.kwargs["seed"] is not None and spec.is_synthetic
    assert (spec.n_subjects, spec.n_sessions, spec.n_chans, spec.sfreq) == (4, 2, 3, 128.0)
    config = PreprocessingConfig()
    first, again = load_subject(spec, 2, config), load_subject(spec, 2, config)
    assert np.array_equal(first.X, again.X) and list(first.y) == list(again.y)
    assert sorted(set(first.sessions)) == ["0", "1"] and set(first.y) == {"left_hand",
                                                                       "right_hand"}
    other = dataclasses.replace(spec, kwargs={**spec.kwargs, "seed": 1})
    assert not np.array_equal(load_subject(other, 2, config).X, first.X)
    cache = EpochCache(tmp_path)
    assert cache.path(spec, 2, config) != cache.path(other, 2, config)
