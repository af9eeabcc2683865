import numpy as np
import pytest

from benchmark.errors import NotRunnable, UserError
from benchmark.protocols import PaperSplit, get_protocol


def test_paper_split_is_seeded_30_70_and_disjoint():
    y = np.repeat([0, 1], 50)
    a = next(PaperSplit().split(y, seed=1))
    b = next(PaperSplit().split(y, seed=1))
    c = next(PaperSplit().split(y, seed=2))
    assert len(a.train) == 30 and len(a.test) == 70
    assert not set(a.train) & set(a.test) and len(set(a.train) | set(a.test)) == 100
    np.testing.assert_array_equal(a.train, b.train)
    assert not np.array_equal(a.train, c.train)


def test_stratified_option_keeps_proportions():
    y = np.repeat([0, 1, 2, 3], 25)  # 30 % of 100 trials: 30 for calibration, 7.5 per class
    spread = []
    for seed in range(5):
        fold = next(PaperSplit(stratify=True).split(y, seed=seed))
        counts = np.bincount(y[fold.train], minlength=4)
        assert sorted(counts.tolist()) == [7, 7, 8, 8]  # 7 or 8 of each class, 30 in all
        assert (np.bincount(y[fold.test], minlength=4) == 25 - counts).all()
        plain = next(PaperSplit().split(y, seed=seed))  # the release's unstratified draw
        assert len(plain.train) == 30
        spread.append(np.ptp(np.bincount(y[plain.train], minlength=4)))
    assert max(spread) > 1, spread  # without stratification the proportions drift


def test_too_few_trials_is_not_runnable_with_the_fix():
    with pytest.raises(NotRunnable, match="too few"):
        next(PaperSplit().split(np.array([0, 1, 0, 1, 0, 1]), seed=0))


def test_unknown_protocol():
    with pytest.raises(UserError, match="did you mean 'paper'"):
        get_protocol("papr")


def test_fewshot_scores_every_k_on_the_same_test_trials():
    y = np.repeat([0, 1, 2], [30, 24, 40])
    folds = list(get_protocol("fewshot", shots=(1, 2, 5, 10, 20, 30)).split(y, seed=3))
    assert [f.shots for f in folds] == [1, 2, 5, 10]  # the smallest class keeps 12 for calibration
    assert [f.fold for f in folds] == [0, 1, 2, 3]
    for f in folds:
        np.testing.assert_array_equal(f.test, folds[0].test)
        assert np.bincount(y[f.train]).tolist() == [f.shots] * 3
        assert not set(f.train) & set(f.test)
    for small, large in zip(folds, folds[1:]):
        assert set(small.train) <= set(large.train)  # nested calibration sets
    assert np.bincount(y[folds[0].test]).tolist() == [15, 12, 20]  # stratified half held out


def test_fewshot_is_seeded_and_refuses_impossible_requests():
    y = np.repeat([0, 1], 20)
    p = get_protocol("fewshot", shots=(2, 5))
    a, b, c = (list(p.split(y, s)) for s in (0, 0, 1))
    np.testing.assert_array_equal(a[1].train, b[1].train)
    assert not np.array_equal(a[1].train, c[1].train)
    with pytest.raises(NotRunnable, match="fewer than the smallest --shots 50"):
        next(get_protocol("fewshot", shots=(50,)).split(y, 0))
    with pytest.raises(UserError, match="positive"):
        get_protocol("fewshot", shots=(0, 2))


class _Meta:
    """What the engine hands a protocol: each trial's subject and session."""

    def __init__(self, subjects, sessions=None, dataset="D", subject=1):
        self.subjects = np.asarray(subjects)
        self.sessions = np.asarray(sessions if sessions is not None else ["0"] * len(subjects))
        self.dataset, self.subject = dataset, subject


def test_loso_trains_on_every_other_subject_aligned_per_subject():
    subjects = np.repeat([1, 2, 3], 20)
    y = np.tile(np.repeat([0, 1], 10), 3)
    (fold,) = get_protocol("loso").split(y, 0, meta=_Meta(subjects), target=2)
    assert set(subjects[fold.train]) == {1, 3} and set(subjects[fold.test]) == {2}
    assert len(fold.test) == 20 and fold.shots == 0
    assert fold.train_groups.tolist() == subjects[fold.train].astype(str).tolist()
    assert fold.test_groups is None  # the target is aligned by its own reference


def test_loso_with_shots_adds_nested_target_trials_and_keeps_the_test_set():
    subjects = np.repeat([1, 2, 3], 20)
    y = np.tile(np.repeat([0, 1], 10), 3)
    folds = list(get_protocol("loso", shots=(1, 2, 5)).split(y, 4, meta=_Meta(subjects), target=3))
    assert [f.shots for f in folds] == [0, 1, 2, 5]
    target = np.flatnonzero(subjects == 3)
    for f in folds:
        np.testing.assert_array_equal(f.test, folds[0].test)
        assert set(f.test) <= set(target) and not set(f.train) & set(f.test)
        calib = np.intersect1d(f.train, target)
        assert np.bincount(y[calib], minlength=2).tolist() == [f.shots] * 2
        assert set(f.train_groups[np.isin(f.train, target)]) <= {"3-calibration"}
    assert np.bincount(y[folds[0].test]).tolist() == [5, 5]
    for small, large in zip(folds, folds[1:]):
        assert set(small.train) <= set(large.train)
    with pytest.raises(NotRunnable, match="at least two subjects"):
        next(get_protocol("loso").split(y[:20], 0, meta=_Meta(subjects[:20]), target=1))


def test_cross_session_holds_out_each_session_in_turn():
    y = np.tile([0, 1], 30)
    sessions = np.repeat(["0train", "1test", "2extra"], 20)
    folds = list(get_protocol("cross-session").split(y, 0, meta=_Meta(np.ones(60), sessions)))
    assert [f.session for f in folds] == ["0train", "1test", "2extra"]
    for f in folds:
        assert set(sessions[f.test]) == {f.session} and f.session not in set(sessions[f.train])
        assert f.train_groups.tolist() == sessions[f.train].tolist()
    with pytest.raises(NotRunnable, match="D subject 1 has one session"):
        next(get_protocol("cross-session").split(y, 0, meta=_Meta(np.ones(60))))


def test_within_session_is_moabbs_stratified_kfold_per_session():
    from types import SimpleNamespace

    from sklearn.model_selection import StratifiedKFold

    y = np.tile(np.repeat([0, 1], 20), 2)
    sessions = np.repeat(["0", "1"], 40)
    meta = SimpleNamespace(sessions=sessions, dataset="D", subject=1)
    folds = list(get_protocol("within-session").split(y, seed=4, meta=meta))
    assert ([f.fold for f in folds] == list(range(10))
            and [f.session for f in folds] == ["0"] * 5 + ["1"] * 5)
    expected = [test for _, test in
                StratifiedKFold(5, shuffle=True, random_state=4).split(y[:40], y[:40])]
    for f, test in zip(folds[:5], expected):
        np.testing.assert_array_equal(np.sort(f.test), np.sort(test))  # MOABB's split exactly
    for f in folds:
        assert (sessions[f.train] == f.session).all() and (sessions[f.test] == f.session).all()
        assert not set(f.train) & set(f.test) and np.bincount(y[f.test]).tolist() == [4, 4]
    few = SimpleNamespace(sessions=np.array(["0"] * 8), dataset="D", subject=1)
    with pytest.raises(NotRunnable, match="fewer than the 5 folds"):
        next(get_protocol("within-session").split(np.repeat([0, 1], 4), seed=0, meta=few))


# -- the base class and the split identity --------------------------------------------------
def test_every_protocol_is_a_protocol_with_scope_and_n_splits():
    from benchmark.protocols import PROTOCOLS, Protocol

    for name, cls in PROTOCOLS.items():
        p = get_protocol(name, shots=(1, 2))
        assert isinstance(p, Protocol) and p.name == name
        assert p.scope in ("subject", "dataset") and p.n_splits() >= 1
        assert p.to_dict()["name"] == name and p.to_dict()["version"] == p.version
    assert get_protocol("loso").scope == "dataset" and get_protocol("paper").scope == "subject"
    assert get_protocol("fewshot", shots=(1, 2, 5)).n_splits() == 3
    assert get_protocol("loso", shots=(1, 2, 5)).n_splits() == 4  # k = 0 as well
    assert get_protocol("within-session").n_splits(n_sessions=2) == 10


def test_protocol_round_trips_through_its_recorded_config():
    from benchmark.protocols import protocol_from_dict

    for p in (get_protocol("paper", train_size=0.4, stratify=True),
              get_protocol("fewshot", shots=(1, 3)), get_protocol("loso", shots=(2,)),
              get_protocol("cross-session"), get_protocol("within-session")):
        assert protocol_from_dict(p.to_dict()) == p
    with pytest.raises(UserError, match="another version"):
        protocol_from_dict({**get_protocol("loso").to_dict(), "version": "1"})


def test_split_identity_differs_in_every_part_it_depends_on():
    from benchmark.protocols import split_identity

    paper = get_protocol("paper")
    base = dict(protocol=paper, dataset="D:abc", loading="L1", subject=1, session="0", seed=0)
    a = split_identity(**base)
    changed = [split_identity(**{**base, k: v}) for k, v in
               [("dataset", "E:abc"), ("loading", "L2"), ("subject", 2), ("session", "1"),
                ("seed", 1), ("protocol", get_protocol("paper", train_size=0.5))]]
    assert len({a, *changed}) == 7
    assert a.with_fold(0) != a.with_fold(1) != a
    # loso loads the whole dataset once for every target, but its folds are per target
    loso = {**base, "protocol": get_protocol("loso")}
    t1, t2 = split_identity(**loso), split_identity(**{**loso, "subject": 2})
    assert t1 != t2 and t1.data() == t2.data()
    assert a.data() != split_identity(**{**base, "subject": 2}).data()


def test_loso_targets_get_their_own_trials():
    y = np.tile([0, 1], 40)
    subjects = np.repeat([1, 2, 3, 4], 20)
    for target in (1, 2, 3, 4):
        for shots in ((), (2, 5)):
            for fold in get_protocol("loso", shots=shots).split(y, 0, meta=_Meta(subjects),
                                                                target=target):
                assert (subjects[fold.test] == target).all()
                assert (subjects[fold.train] != target).sum() == 60


# -- loso on every session (--preset moabb, MOABB's CrossSubjectEvaluation) ----------------
def test_loso_on_every_session_scores_one_training_set_on_each_target_session():
    subjects = np.repeat([1, 2, 3], 40)
    sessions = np.tile(np.repeat(["0", "1"], 20), 3)
    y = np.tile([0, 1], 60)
    protocol = get_protocol("loso").for_preset("moabb")
    assert protocol.sessions == "all" and protocol.all_sessions
    assert get_protocol("loso").sessions == "dataset" and not get_protocol("loso").all_sessions
    assert get_protocol("loso").for_preset("paper") == get_protocol("loso")
    folds = list(protocol.split(y, 0, meta=_Meta(subjects, sessions), target=2))
    assert [(f.fold, f.session, f.shots) for f in folds] == [(0, "0", 0), (1, "1", 0)]
    for f in folds:
        np.testing.assert_array_equal(f.train, folds[0].train)  # one model for the target
        assert set(subjects[f.train]) == {1, 3} and len(f.train) == 80  # both sessions
        assert (subjects[f.test] == 2).all() and (sessions[f.test] == f.session).all()
    assert protocol.n_splits(n_sessions=2) == 2 and get_protocol("loso").n_splits(2) == 1
    shots = list(get_protocol("loso", shots=(2,)).for_preset("moabb").split(
        y, 0, meta=_Meta(subjects, sessions), target=2))
    assert [(f.fold, f.session, f.shots) for f in shots] == [
        (0, "0", 0), (1, "1", 0), (2, "0", 2), (3, "1", 2)]
    held_out = np.concatenate([f.test for f in shots[:2]])
    assert len(held_out) == 20 and all(not set(f.train) & set(held_out) for f in shots)


def test_loso_sessions_are_recorded_only_where_they_are_not_the_default():
    """Rows and units of loso made before ``sessions`` existed keep their keys."""
    from benchmark.protocols import protocol_from_dict

    assert get_protocol("loso", shots=(2,)).to_dict() == {
        "shots": [2], "test_size": 0.5, "name": "loso", "version": "2"}
    every = get_protocol("loso").for_preset("moabb")
    assert every.to_dict()["sessions"] == "all" and protocol_from_dict(every.to_dict()) == every
    with pytest.raises(UserError, match="'dataset' or 'all'"):
        get_protocol("loso", sessions="some")


def test_what_a_dataset_spec_says_cannot_run():
    from benchmark.datasets import get_dataset_spec

    one_session = get_dataset_spec("Schirrmeister2017")  # MOABB: 1 session, 14 subjects
    assert "one session per subject" in get_protocol("cross-session").cannot_run(one_session)
    assert get_protocol("loso").cannot_run(one_session) is None
    assert get_protocol("cross-session").cannot_run(get_dataset_spec("FakeDataset")) is None
    assert get_protocol("cross-session").cannot_run(get_dataset_spec("BNCI2014001")) is None
    single = get_dataset_spec("Rozado2015")  # left hand and rest: one imagery class
    assert "fewer than two; choose two or more with --classes" in \
        get_protocol("paper").cannot_run(single)
    assert get_protocol("paper").cannot_run(single.with_classes(["left_hand", "rest"])) is None
