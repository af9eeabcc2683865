"""The scores a run or a report can give, computed from a fold's stored predictions.

Every score of the suite is a function of what a fitted model said about its test trials
(:class:`Predictions`: the true and predicted classes, the per-class probabilities and
the decision scores), never of the model itself: the worker scores a fold with
:func:`score_predictions` on the predictions it then stores, and ``verify`` and
``report --metric`` recompute any score from the stored ones with the same function.

Metrics (:data:`METRICS`), each through scikit-learn's function:

* ``accuracy`` (the MIRepNet paper's, the default), ``balanced_accuracy``, ``kappa``
  (Cohen's, as in the BCI competitions), ``f1_macro`` (the unweighted mean of the
  classes' F1 over the classes in the true and predicted labels, as scikit-learn's
  ``f1_macro`` scorer): from the predicted classes;
* ``roc_auc``: two classes, from the decision scores where the model has them, else the
  second class's probability (the order of scikit-learn's ``roc_auc`` scorer, and so of
  MOABB's scores); more classes, one-vs-rest and macro-averaged over the probabilities;
* ``log_loss`` (natural logarithm), ``brier`` (the multiclass Brier score
  ``mean_i sum_k (p_ik - [y_i = k])^2`` halved, so 0-1 for any number of classes) and
  ``ece``: from the probabilities; lower is better.

``ece`` is the expected calibration error of Guo et al. (ICML 2017) with 10 equal-width
confidence bins: ``sum_b n_b / n |acc_b - conf_b|``, the confidence of a trial being its
largest probability, its prediction the class of that probability, bin ``b`` holding the
confidences in ``((b-1)/10, b/10]``.  It is written here by hand because scikit-learn has
no ECE (its ``calibration_curve`` gives the bins' means but not their weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benchmark.errors import UserError, did_you_mean

__all__ = ["METRICS", "METRIC_TITLES", "MetricSpec", "Predictions", "score_predictions",
           "predictions_problem", "PROBABILITY_TOLERANCE", "bounded",
           "check_metric", "metric_of", "chance_level", "greater_is_better",
           "expected_calibration_error", "chance_threshold", "ECE_BINS", "CHANCE_ALPHA",
           "MetricUnavailable"]

#: bins of :func:`expected_calibration_error`
ECE_BINS = 10
#: significance level of the binomial chance threshold (Combrisson & Jerbi 2015)
CHANCE_ALPHA = 0.05


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: its title, direction and what it needs of the predictions."""

    title: str  # how tables name it (scores are shown x 100)
    greater_is_better: bool
    needs: str  # "labels", "scores" (decision or probabilities), "probabilities"


METRICS: dict[str, MetricSpec] = {
    "accuracy": MetricSpec("Accuracy (%)", True, "labels"),
    "balanced_accuracy": MetricSpec("Balanced accuracy (%)", True, "labels"),
    "kappa": MetricSpec("Cohen's kappa (x100)", True, "labels"),
    "f1_macro": MetricSpec("Macro F1 (x100)", True, "labels"),
    "roc_auc": MetricSpec("ROC-AUC (x100)", True, "scores"),
    "log_loss": MetricSpec("Log loss (nats x100, lower is better)", False, "probabilities"),
    "brier": MetricSpec("Brier score (x100, lower is better)", False, "probabilities"),
    "ece": MetricSpec(f"ECE ({ECE_BINS} bins, %, lower is better)", False, "probabilities"),
}

#: how tables name each metric (scores are shown x 100)
METRIC_TITLES = {name: spec.title for name, spec in METRICS.items()}


class MetricUnavailable(ValueError):
    """The predictions lack what the metric needs (e.g. probabilities for ``log_loss``)."""


@dataclass
class Predictions:
    """What a model said about one fold's test trials.

    Attributes
    ----------
    y_true, y_pred : ndarray of int
        Class indices (positions in the dataset's class list).
    n_classes : int
        Classes of the task.
    proba : ndarray of shape (n_trials, n_classes), optional
        ``predict_proba``, where the model has it.
    decision : ndarray, optional
        ``decision_function`` (one column for two classes), where the model has it.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    n_classes: int
    proba: np.ndarray | None = None
    decision: np.ndarray | None = None


def bounded(metric: str) -> bool:
    """Whether ``metric`` lies in [0, 1] (every metric but the log loss; kappa in
    [-1, 1])."""
    return metric != "log_loss"


def greater_is_better(metric: str) -> bool:
    """Whether a higher ``metric`` is a better model."""
    check_metric(metric)
    return METRICS[metric].greater_is_better


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray,
                               n_bins: int = ECE_BINS) -> float:
    """Expected calibration error with ``n_bins`` equal-width confidence bins (see the
    module's docstring)."""
    proba = np.asarray(proba, dtype=float)
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == np.asarray(y_true)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.digitize(confidence, edges[1:-1], right=True)  # ((b-1)/n, b/n] -> b - 1
    n = np.bincount(bins, minlength=n_bins)
    acc = np.bincount(bins, weights=correct, minlength=n_bins)
    conf = np.bincount(bins, weights=confidence, minlength=n_bins)
    filled = n > 0
    return float(np.sum(np.abs(acc[filled] - conf[filled])) / len(confidence))


#: how far a trial's probabilities may sum from 1
PROBABILITY_TOLERANCE = 1e-6


def predictions_problem(pred: Predictions) -> str:
    """Why ``pred`` is not a valid set of predictions (``""`` when it is): classes
    outside the task, probabilities of another shape, not finite, negative or not
    summing to 1 (to :data:`PROBABILITY_TOLERANCE`), NaN decision scores.  The worker
    fails a fold whose model says such things; ``verify`` applies the same rules."""
    n, k = len(pred.y_true), int(pred.n_classes)
    if len(pred.y_pred) != n:
        return f"{len(pred.y_pred)} predicted classes for {n} trials"
    if n and not (0 <= np.min(pred.y_pred) and np.max(pred.y_pred) < k):
        return f"predicted classes outside 0..{k - 1}"
    if pred.proba is not None:
        proba = np.asarray(pred.proba, dtype=float)
        if proba.shape != (n, k):
            return f"probabilities of shape {proba.shape}, not ({n}, {k})"
        if not np.isfinite(proba).all():
            return "probabilities that are not all finite"
        worst = float(np.max(np.abs(proba.sum(axis=1) - 1.0))) if n else 0.0
        if worst > PROBABILITY_TOLERANCE or (proba < 0).any():
            return f"probabilities that do not sum to 1 (off by {worst:.3g}) or are negative"
    if pred.decision is not None and np.isnan(np.asarray(pred.decision, dtype=float)).any():
        return "decision scores with NaN"
    return ""


def _probabilities(pred: Predictions, metric: str, normalise: bool = True) -> np.ndarray:
    """The probabilities in float64; for the losses and ECE each trial's normalised to
    sum to 1 exactly (they do to :data:`PROBABILITY_TOLERANCE` already; float32 softmax
    leaves a last-digit error that scikit-learn's losses warn about).  ROC-AUC ranks
    them as the model gave them, as scikit-learn's scorer does."""
    if pred.proba is None:
        raise MetricUnavailable(f"{metric} needs class probabilities, and this model gives "
                                "none (no predict_proba)")
    proba = np.asarray(pred.proba, dtype=float)
    return proba / proba.sum(axis=1, keepdims=True) if normalise else proba


def score_predictions(metric: str, pred: Predictions) -> float:
    """The ``metric`` of one fold's predictions (see the module's docstring).

    Raises
    ------
    MetricUnavailable
        The predictions lack what ``metric`` needs.
    """
    from sklearn import metrics as skm

    check_metric(metric)
    y, labels = np.asarray(pred.y_true), np.arange(pred.n_classes)
    if metric == "accuracy":
        return float(skm.accuracy_score(y, pred.y_pred))
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y, pred.y_pred))
    if metric == "kappa":
        return float(skm.cohen_kappa_score(y, pred.y_pred))
    if metric == "f1_macro":
        return float(skm.f1_score(y, pred.y_pred, average="macro"))
    if metric == "roc_auc":
        if pred.n_classes == 2:
            if pred.decision is not None:
                score = np.asarray(pred.decision, dtype=float)
                return float(skm.roc_auc_score(y, score if score.ndim == 1 else score[:, 1]))
            return float(skm.roc_auc_score(y, _probabilities(pred, metric, False)[:, 1]))
        return float(skm.roc_auc_score(y, _probabilities(pred, metric, False),
                                       multi_class="ovr", average="macro", labels=labels))
    proba = _probabilities(pred, metric)
    if metric == "log_loss":
        return float(skm.log_loss(y, proba, labels=labels))
    if metric == "brier":
        return float(skm.brier_score_loss(y, proba, labels=labels, scale_by_half=True))
    return expected_calibration_error(y, proba)


def metric_of(df) -> str:
    """The one metric of a results table's scored rows (``accuracy`` where none is).

    Raises
    ------
    UserError
        The rows were scored with several metrics: averaging them would mix scales.
    """
    if not len(df) or "metric" not in df:
        return "accuracy"  # tables from before the metric column
    scored = df.loc[df["status"] == "ok", "metric"].dropna()
    found = sorted(set(scored))
    if len(found) > 1:
        raise UserError(f"these results mix metrics ({', '.join(found)}); keep one --metric per "
                        "results folder: pass another --out")
    return found[0] if found else "accuracy"


def chance_level(metric: str, n_classes):
    """The expected score of guessing (uniformly, or the prior for the losses).

    1/classes for accuracy, balanced accuracy and macro F1 (balanced classes); 1/2 for
    ROC-AUC; 0 for kappa; ``ln(classes)`` for the log loss and ``(1 - 1/classes) / 2``
    for the halved Brier score of the uniform prediction; NaN for ECE (a uniform
    prediction is perfectly calibrated on balanced classes, which says nothing of skill).
    """
    k = np.asarray(n_classes, dtype=float)
    values = {"kappa": 0.0 * k, "roc_auc": 0.5 + 0.0 * k, "log_loss": np.log(k),
              "brier": (1.0 - 1.0 / k) / 2.0, "ece": np.nan * k}
    out = values.get(metric, 1.0 / k)
    return out if np.ndim(n_classes) else float(out)


def chance_threshold(n_trials, n_classes, alpha: float = CHANCE_ALPHA):
    """The accuracy a guesser exceeds with probability at most ``alpha``.

    Combrisson & Jerbi, J. Neurosci. Methods 250, 2015: the ``1 - alpha`` quantile of
    the binomial distribution of correct guesses among ``n_trials`` with probability
    1/classes, over ``n_trials`` (MOABB's :func:`moabb.analysis.chance_level.
    adjusted_chance_level`).  An accuracy strictly above it is above chance at
    ``alpha``: at least ``threshold * n + 1`` correct trials, which a guesser reaches
    with probability at most ``alpha``.  Vectorised over both arguments.
    """
    from moabb.analysis.chance_level import adjusted_chance_level

    return np.vectorize(lambda n, k: adjusted_chance_level(int(k), int(n), alpha)
                        if n > 0 and k > 0 else math.nan, otypes=[float])(n_trials, n_classes)


def check_metric(name: str, n_classes: dict[str, int] | None = None) -> None:
    """A one-line error for an unknown metric.

    Parameters
    ----------
    name : str
        The metric.
    n_classes : dict, optional
        Classes per dataset of the run (every metric takes any number of classes).
    """
    if name not in METRICS:
        hint = did_you_mean(name, METRICS, cutoff=0.4)
        raise UserError(f"unknown --metric {name!r}: {hint}choose one of {', '.join(METRICS)}")
