"""From result rows to numbers: subject scores, the main table, the learning curves.

Every table of the report starts here.  A subject's score is the mean over its seeds
and folds; a table's mean and standard deviation are taken across subjects.  Few-shot
results enter the main table, the statistics and the paper table at their largest
``k`` per dataset (:func:`largest_shots`), and the learning curves at every ``k``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.metrics import chance_level, metric_of

__all__ = ["largest_shots", "subject_scores", "main_table", "learning_curve_table",
           "MAIN_TABLE_COLUMNS"]

#: the columns of :func:`main_table`
MAIN_TABLE_COLUMNS = ["dataset", "model", "mean", "std", "n_subjects", "n_seeds", "chance"]


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
