"""Every metric from a fold's predictions, each checked against a hand-computed case."""

import math

import numpy as np
import pytest

from benchmark.errors import UserError
from benchmark.metrics import (
    METRICS,
    MetricUnavailable,
    Predictions,
    chance_level,
    chance_threshold,
    check_metric,
    expected_calibration_error,
    greater_is_better,
    score_predictions,
)

Y = np.array([0, 0, 0, 1, 1, 1, 1, 0])
PRED = np.array([0, 0, 1, 1, 1, 0, 1, 0])
PROBA = np.array([[0.9, 0.1], [0.65, 0.35], [0.45, 0.55], [0.2, 0.8], [0.05, 0.95],
                  [0.7, 0.3], [0.4, 0.6], [0.85, 0.15]])


def _two(decision=None):
    return Predictions(Y, PRED, 2, PROBA, decision)


def test_label_metrics_by_hand():
    assert score_predictions("accuracy", _two()) == pytest.approx(6 / 8)
    # per class recall: class 0 3/4, class 1 3/4
    assert score_predictions("balanced_accuracy", _two()) == pytest.approx(0.75)
    # kappa: po = 6/8; pe = (4/8 * 4/8) + (4/8 * 4/8) = 0.5
    assert score_predictions("kappa", _two()) == pytest.approx((0.75 - 0.5) / 0.5)
    # F1 per class: class 0 precision 3/4, recall 3/4 -> 0.75; class 1 the same
    assert score_predictions("f1_macro", _two()) == pytest.approx(0.75)


def test_roc_auc_takes_decision_scores_first_as_sklearns_scorer():
    def auc(scores):  # the share of (positive, negative) pairs ranked right, ties half
        pos, neg = scores[Y == 1], scores[Y == 0]
        return np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])

    # From the probabilities: positives' p1 (0.8, 0.95, 0.3, 0.6) against the negatives'
    # (0.1, 0.35, 0.55, 0.15): 14 of 16 pairs right
    assert score_predictions("roc_auc", _two()) == pytest.approx(auc(PROBA[:, 1])) == 14 / 16
    decision = np.array([-2, -1, 3, 1, 2, 0, 4, -3], dtype=float)  # the decision wins
    assert score_predictions("roc_auc", _two(decision)) == pytest.approx(auc(decision))
    assert auc(decision) != auc(PROBA[:, 1])


def test_roc_auc_of_more_classes_is_one_vs_rest_macro():
    y = np.array([0, 1, 2, 0, 1, 2])
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4],
                      [0.4, 0.4, 0.2], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    pred = proba.argmax(axis=1)

    def auc(scores, positive):
        pos, neg = scores[positive], scores[~positive]
        return np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])

    by_hand = np.mean([auc(proba[:, k], y == k) for k in range(3)])
    got = score_predictions("roc_auc", Predictions(y, pred, 3, proba))
    assert got == pytest.approx(by_hand)


def test_probability_metrics_by_hand():
    p_true = PROBA[np.arange(8), Y]
    assert score_predictions("log_loss", _two()) == pytest.approx(-np.mean(np.log(p_true)))
    onehot = np.eye(2)[Y]
    brier = np.mean(np.sum((PROBA - onehot) ** 2, axis=1)) / 2
    assert score_predictions("brier", _two()) == pytest.approx(brier)
    for name in ("log_loss", "brier", "ece"):
        assert not greater_is_better(name)
        with pytest.raises(MetricUnavailable, match="needs class probabilities"):
            score_predictions(name, Predictions(Y, PRED, 2))


def test_ece_by_hand_with_ten_equal_width_bins():
    # confidences 0.9, 0.65, 0.55, 0.8, 0.95, 0.7, 0.6, 0.85; argmax correct?
    conf = PROBA.max(axis=1)
    correct = PROBA.argmax(axis=1) == Y
    # bins (0.5, 0.6]: 0.55, 0.6 | (0.6, 0.7]: 0.65, 0.7 | (0.7, 0.8]: 0.8 | (0.8, 0.9]:
    # 0.9, 0.85 | (0.9, 1]: 0.95
    bins = [[2, 6], [1, 5], [3], [0, 7], [4]]
    by_hand = sum(len(b) / 8 * abs(correct[b].mean() - conf[b].mean()) for b in bins)
    assert expected_calibration_error(Y, PROBA) == pytest.approx(by_hand)
    assert score_predictions("ece", _two()) == pytest.approx(by_hand)
    # a confidence on a bin edge belongs to the bin below: 0.3 in (0.2, 0.3]
    edge = np.array([[0.3, 0.3, 0.4], [0.7, 0.2, 0.1]])
    assert expected_calibration_error(np.array([2, 0]), edge) == pytest.approx(
        (abs(1 - 0.4) + abs(1 - 0.7)) / 2)


def test_chance_levels_and_the_binomial_threshold_by_hand():
    assert chance_level("accuracy", 4) == 0.25 and chance_level("kappa", 2) == 0.0
    assert chance_level("roc_auc", 3) == 0.5
    assert chance_level("log_loss", 2) == pytest.approx(math.log(2))
    assert chance_level("brier", 2) == pytest.approx(0.25)
    assert np.isnan(chance_level("ece", 2))

    def by_hand(n, k, alpha=0.05):  # the smallest m with P(X > m) <= alpha, X ~ Bin(n, 1/k)
        p = 1 / k
        sf = lambda m: sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i)  # noqa: E731
                           for i in range(m + 1, n + 1))
        return next(m for m in range(n + 1) if sf(m) <= alpha) / n

    assert chance_threshold(28, 2) == pytest.approx(by_hand(28, 2)) == pytest.approx(18 / 28)
    for n, k in ((42, 2), (100, 4), (9, 2), (144, 4)):
        assert chance_threshold(n, k) == pytest.approx(by_hand(n, k))
    assert np.allclose(chance_threshold(np.array([28, 42]), np.array([2, 2])),
                       [by_hand(28, 2), by_hand(42, 2)])


def test_unknown_metric_is_a_one_line_error_with_a_suggestion():
    with pytest.raises(UserError, match="unknown --metric 'acuracy': did you mean 'accuracy'"):
        check_metric("acuracy")
    assert set(METRICS) == {"accuracy", "balanced_accuracy", "kappa", "f1_macro", "roc_auc",
                            "log_loss", "brier", "ece"}
