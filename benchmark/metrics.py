"""The scores a run can report, as scikit-learn scorers.

``accuracy`` (the MIRepNet paper's metric, the default), ``balanced_accuracy``,
``roc_auc`` (two classes only, as MOABB reports binary tasks) and ``kappa`` (Cohen's
kappa, as in the BCI competitions).  Every row records the metric that scored it.
"""

from __future__ import annotations

from typing import Callable

from benchmark.errors import UserError, did_you_mean

__all__ = ["METRICS", "METRIC_TITLES", "get_metric", "check_metric", "metric_of", "chance_level"]

#: metric name -> scikit-learn scorer name (``kappa`` has none: made from the function)
METRICS = {"accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy",
           "roc_auc": "roc_auc", "kappa": None}

#: how tables name each metric (scores are shown x 100)
METRIC_TITLES = {"accuracy": "Accuracy (%)", "balanced_accuracy": "Balanced accuracy (%)",
                 "roc_auc": "ROC-AUC (x100)", "kappa": "Cohen's kappa (x100)"}


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
    """The score of guessing: 1/classes for accuracy, 1/2 for ROC-AUC and balanced
    accuracy of two classes (1/classes in general), 0 for kappa."""
    if metric == "kappa":
        return 0.0 * n_classes
    if metric == "roc_auc":
        return 0.5 + 0.0 * n_classes
    return 1.0 / n_classes


def get_metric(name: str) -> Callable:
    """The scorer ``scorer(estimator, X, y) -> float`` of ``name``."""
    from sklearn.metrics import cohen_kappa_score, get_scorer, make_scorer

    check_metric(name)
    return make_scorer(cohen_kappa_score) if name == "kappa" else get_scorer(METRICS[name])


def check_metric(name: str, n_classes: dict[str, int] | None = None) -> None:
    """A one-line error for an unknown metric or ROC-AUC on a task of more than two classes.

    Parameters
    ----------
    name : str
        The metric.
    n_classes : dict, optional
        Classes per dataset of the run.
    """
    if name not in METRICS:
        hint = did_you_mean(name, METRICS, cutoff=0.4)
        raise UserError(f"unknown --metric {name!r}: {hint}choose one of {', '.join(METRICS)}")
    if name == "roc_auc":
        multi = sorted(d for d, n in (n_classes or {}).items() if n != 2)
        if multi:
            raise UserError(f"--metric roc_auc needs two classes, and {', '.join(multi)} "
                            "has more; drop those datasets or use --metric accuracy")
