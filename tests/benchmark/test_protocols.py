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
    y = np.repeat([0, 1, 2, 3], 25)
    fold = next(PaperSplit(stratify=True).split(y, seed=0))
    assert np.bincount(y[fold.train]).tolist() == [7, 7, 7, 7] or np.ptp(np.bincount(y[fold.train])) <= 1


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
