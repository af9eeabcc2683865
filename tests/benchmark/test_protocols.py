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
