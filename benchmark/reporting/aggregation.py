"""From result rows to numbers: subject scores, the main table, the learning curves.

Every table of the report starts here.  A subject's score is the mean over its seeds
and folds; a table's mean and standard deviation are taken across subjects.  Few-shot
results enter the main table, the statistics and the paper table at their largest
``k`` per dataset (:func:`largest_shots`), and the learning curves at every ``k``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.metrics import CHANCE_ALPHA, chance_level, chance_threshold, metric_of

__all__ = ["largest_shots", "subject_scores", "main_table", "learning_curve_table",
           "with_strategy_labels", "STRATEGY_MARK", "base_model", "adaptation_rows",
           "adaptation_table",
           "subject_chance", "chance_counts", "summed_confusions", "MAIN_TABLE_COLUMNS"]

#: the columns of :func:`main_table`
MAIN_TABLE_COLUMNS = ["dataset", "model", "mean", "std", "n_subjects", "n_seeds", "chance"]


#: between a model and its adaptation strategy in a label (``labram · ridge_probe``)
STRATEGY_MARK = " · "


def with_strategy_labels(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each foundation model's rows named with their strategy where the
    results hold any strategy but ``full`` (``labram · ridge_probe``), so that no table
    averages over strategies; results of ``full`` alone keep the plain names.  The
    ``finetune`` column is empty for models without strategies (classical pipelines,
    specialists): they keep their names."""
    if "finetune" not in df or df.empty:
        return df
    strategy = df["finetune"].fillna("").astype(str)
    if not ((strategy != "") & (strategy != "full")).any():
        return df
    out = df.copy()
    marked = strategy != ""
    out.loc[marked, "model"] = out.loc[marked, "model"].astype(str) + STRATEGY_MARK \
        + strategy[marked]
    return out


def base_model(label: str) -> str:
    """The model of a label (``labram`` of ``labram · ridge_probe``)."""
    return str(label).split(STRATEGY_MARK)[0]


def _std(values: pd.Series) -> float:
    """Sample standard deviation across subjects (0 for a single subject)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def largest_shots(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the paper-style protocols, and of few-shot runs only the largest ``k`` per
    dataset."""
    shots = pd.to_numeric(df["shots"], errors="coerce")
    if shots.isna().all():
        return df
    top = shots.groupby(df["dataset"]).transform("max")
    return df[shots.isna() | (shots == top)]


def subject_scores(df: pd.DataFrame) -> pd.DataFrame:
    """One accuracy per (dataset, subject, model): the mean over seeds and folds of ok rows.

    Few-shot results enter at their largest ``k`` per dataset (as in the main table).
    """
    ok = largest_shots(df[df["status"] == "ok"]).copy()
    ok["score"] = ok["score"].astype(float)
    return ok.groupby(["dataset", "subject", "model"], as_index=False)["score"].mean()


def main_table(df: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per (dataset, model): mean and std over subjects.

    Each subject's score is first averaged over seeds and folds, then the mean and the
    standard deviation are taken across subjects.  Columns: ``dataset, model, mean, std,
    n_subjects, n_seeds, chance``.
    """
    ok = df[df["status"] == "ok"].copy()
    if ok.empty:
        return pd.DataFrame(columns=MAIN_TABLE_COLUMNS)
    ok["score"] = ok["score"].astype(float)
    per_subject = ok.groupby(["dataset", "model", "subject"], as_index=False).agg(
        score=("score", "mean"), n_seeds=("seed", "nunique"), n_classes=("n_classes", "first"))
    table = per_subject.groupby(["dataset", "model"], as_index=False).agg(
        mean=("score", "mean"),
        std=("score", _std),
        n_subjects=("subject", "nunique"),
        n_seeds=("n_seeds", "max"),
        n_classes=("n_classes", "first"),
    )
    table["chance"] = chance_level(metric_of(ok), table["n_classes"].astype(float))
    return table.drop(columns="n_classes")


def learning_curve_table(df: pd.DataFrame) -> pd.DataFrame:
    """Few-shot accuracy per (dataset, model, shots): mean and std over subjects.

    A subject's score at ``k`` is averaged over seeds first.  Empty when the results
    hold no few-shot rows.
    """
    ok = df[(df["status"] == "ok")].copy()
    ok["shots"] = pd.to_numeric(ok["shots"], errors="coerce")
    ok = ok[ok["shots"].notna()]
    cols = ["dataset", "model", "shots", "mean", "std", "n_subjects", "n_seeds"]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    ok["score"] = ok["score"].astype(float)
    ok["shots"] = ok["shots"].astype(int)
    per_subject = ok.groupby(["dataset", "model", "shots", "subject"], as_index=False).agg(
        score=("score", "mean"), n_seeds=("seed", "nunique"))
    table = per_subject.groupby(["dataset", "model", "shots"], as_index=False).agg(
        mean=("score", "mean"), std=("score", _std),
        n_subjects=("subject", "nunique"), n_seeds=("n_seeds", "max"))
    return table[cols]


def subject_chance(df: pd.DataFrame, alpha: float = CHANCE_ALPHA) -> pd.DataFrame:
    """Each (dataset, model, subject)'s accuracy against its binomial chance threshold.

    A row's threshold comes from its ``n_test`` and ``n_classes``
    (:func:`benchmark.metrics.chance_threshold`, Combrisson & Jerbi 2015).  A subject's
    score is the mean over its seeds and folds (the main table's), so its threshold is
    that of the trials one seed tests: ``n_test`` summed over the seed's folds (folds of
    cross-validation and sessions test disjoint trials), averaged over seeds and rounded.
    Few-shot rows enter at the largest ``k``, as in the main table.  Empty unless the
    rows are scored as accuracy (the threshold is one of accuracy).

    Columns: ``dataset, model, subject, score, n_test, n_classes, threshold, above``
    (the score strictly above the threshold).
    """
    cols = ["dataset", "model", "subject", "score", "n_test", "n_classes", "threshold",
            "above"]
    ok = largest_shots(df[df["status"] == "ok"]).copy()
    if ok.empty or metric_of(ok) != "accuracy" or not {"n_test", "n_classes"} <= set(ok):
        return pd.DataFrame(columns=cols)
    ok["score"] = ok["score"].astype(float)
    ok["n_test"] = pd.to_numeric(ok["n_test"], errors="coerce")
    ok = ok[ok["n_test"].notna() & pd.to_numeric(ok["n_classes"], errors="coerce").notna()]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    per_seed = ok.groupby(["dataset", "model", "subject", "seed"], as_index=False).agg(
        n_test=("n_test", "sum"), n_classes=("n_classes", "first"))
    trials = per_seed.groupby(["dataset", "model", "subject"], as_index=False).agg(
        n_test=("n_test", "mean"), n_classes=("n_classes", "first"))
    scores = ok.groupby(["dataset", "model", "subject"], as_index=False)["score"].mean()
    out = scores.merge(trials, on=["dataset", "model", "subject"])
    out["n_test"] = out["n_test"].round().astype(int)
    out["threshold"] = chance_threshold(out["n_test"].to_numpy(),
                                        out["n_classes"].astype(float).to_numpy(), alpha)
    out["above"] = out["score"] > out["threshold"]
    return out[cols]


def chance_counts(df: pd.DataFrame, alpha: float = CHANCE_ALPHA) -> pd.DataFrame:
    """Per (dataset, model): subjects above their chance threshold, of how many, and the
    thresholds' range (:func:`subject_chance`).

    Columns: ``dataset, model, n_above, n_subjects, threshold_min, threshold_max``.
    """
    per = subject_chance(df, alpha)
    cols = ["dataset", "model", "n_above", "n_subjects", "threshold_min", "threshold_max"]
    if per.empty:
        return pd.DataFrame(columns=cols)
    out = per.groupby(["dataset", "model"], as_index=False).agg(
        n_above=("above", "sum"), n_subjects=("subject", "nunique"),
        threshold_min=("threshold", "min"), threshold_max=("threshold", "max"))
    out["n_above"] = out["n_above"].astype(int)
    return out[cols]


def summed_confusions(df: pd.DataFrame, confusions: dict) -> dict:
    """One confusion matrix per (dataset, model), summed over the main table's rows.

    Parameters
    ----------
    df : DataFrame
        The results table; its ok rows at the largest ``k`` (as the main table) enter,
        every subject, seed and fold (and, in a re-scored table, the rows whose metric
        could not be computed from their predictions: their classes were predicted).
    confusions : dict
        ``{(unit id, fold): counts}`` (rows: true class, columns: predicted), as stored
        with each unit's predictions.

    Returns
    -------
    dict
        ``{(dataset, model): (class names, summed counts, rows that entered, rows
        without a stored matrix)}``.
    """
    predicted = df["status"] == "ok"
    if "rescore_error" in df:  # re-scored rows the metric could not score were predicted
        predicted |= df["rescore_error"].fillna("").astype(str) != ""
    ok = largest_shots(df[predicted])
    out = {}
    for (dataset, model), part in ok.groupby(["dataset", "model"]):
        classes = str(part["classes"].dropna().iloc[0]).split(",") \
            if "classes" in part and part["classes"].notna().any() else None
        total, used, without = None, 0, 0
        for uid, fold in zip(part["unit_id"].astype(str), part["fold"]):
            counts = confusions.get((uid, int(fold)))
            if counts is None:
                without += 1
                continue
            counts = np.asarray(counts, dtype=np.int64)
            total = counts if total is None else total + counts
            used += 1
        if total is None:
            continue
        if classes is None or len(classes) != len(total):
            classes = [str(i) for i in range(len(total))]
        out[(dataset, model)] = (classes, total, used, without)
    return out


def adaptation_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of foundation models (those with an adaptation strategy), when the
    results compare strategies: more than one, or any but ``full``.  Empty otherwise."""
    if "finetune" not in df or df.empty:
        return df.iloc[:0]
    strategy = df["finetune"].fillna("").astype(str)
    mine = df[strategy != ""]
    used = set(strategy[strategy != ""])
    return mine if len(used) > 1 or used - {"full"} else df.iloc[:0]


def adaptation_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model, strategy): mean and std over subjects (each subject's score
    averaged over seeds and folds, few-shot rows at the largest ``k``).

    Columns: ``dataset, model, finetune, mean, std, n_subjects, n_trainable``.
    """
    cols = ["dataset", "model", "finetune", "mean", "std", "n_subjects", "n_trainable"]
    rows = adaptation_rows(df)
    ok = largest_shots(rows[rows["status"] == "ok"]).copy()
    if ok.empty:
        return pd.DataFrame(columns=cols)
    ok["score"] = ok["score"].astype(float)
    ok["n_trainable"] = pd.to_numeric(ok.get("n_trainable"), errors="coerce")
    per_subject = ok.groupby(["dataset", "model", "finetune", "subject"], as_index=False).agg(
        score=("score", "mean"), n_trainable=("n_trainable", "max"))
    table = per_subject.groupby(["dataset", "model", "finetune"], as_index=False).agg(
        mean=("score", "mean"), std=("score", _std), n_subjects=("subject", "nunique"),
        n_trainable=("n_trainable", "max"))
    return table[cols]
