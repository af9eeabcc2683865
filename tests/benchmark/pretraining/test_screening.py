import numpy as np
import pytest

from benchmark.errors import UserError
from benchmark.pretraining.screening import ScreeningRule, reject_trials, screen_subject


def _subject(rng, n=60, informative=True):
    """Two classes that differ (or not) in the variance of channel 0."""
    X = rng.normal(size=(n, 4, 200)) * 10.0
    y = np.tile([0, 1], n // 2)
    if informative:
        X[y == 1, 0] *= 3.0
    return X, y


def test_trials_with_artefacts_or_flat_channels_are_rejected(rng):
    X, _ = _subject(rng, n=10)
    X[1, 2, 50] = 500.0  # peak-to-peak above 400 µV
    X[3, 1] = 0.0  # flat channel
    X[5, 0, 0] = np.nan
    keep = reject_trials(X, ScreeningRule())
    assert keep.tolist() == [True, False, True, False, True, False, True, True, True, True]


def test_decodable_subject_is_kept_and_undecodable_dropped(rng):
    rule = ScreeningRule(min_accuracy_margin=0.1)
    keep, res = screen_subject(*_subject(rng), rule)
    assert res.kept and keep.all() and res.cv_accuracy > 0.8 and res.chance == 0.5
    _, res = screen_subject(*_subject(rng, informative=False), rule)
    assert not res.kept and "cross-validated accuracy" in res.reason


def test_too_few_labels_or_too_many_rejections_drop_a_subject(rng):
    X, y = _subject(rng, n=20)
    _, res = screen_subject(X, np.where(np.arange(20) < 15, -1, y), ScreeningRule())
    assert not res.kept and "labelled trials" in res.reason
    X[:10, 0, 0] = 1e4
    _, res = screen_subject(X, y, ScreeningRule(min_labelled=5))
    assert not res.kept and "trials rejected" in res.reason


def test_bad_rule_is_a_user_error():
    with pytest.raises(UserError):
        ScreeningRule(max_rejected=2.0)
