"""Is a difference real? Paired tests against a reference model, meta-analysis, ranks.

The tests are MOABB's (:mod:`moabb.analysis.meta_analysis`), applied per dataset to
subject scores (each subject's accuracy averaged over seeds and folds):

* one-sided paired permutation test of the mean difference, exact (every sign flip) up
  to 13 subjects and 10,000 seeded random flips up to ``perm_cutoff - 1``; Wilcoxon's
  signed-rank test from ``perm_cutoff`` subjects on;
* effect size: the standardised mean difference of the paired scores (mean / sd);
* across datasets: Stouffer's method weighted by sqrt(subjects) for p-values, and the
  same weights for effects (:func:`moabb.analysis.meta_analysis.combine_pvalues`,
  :func:`~moabb.analysis.meta_analysis.combine_effects`).

Only subjects that every compared model finished enter a dataset's test, so the pairs
are real pairs.  Reference: Jayaram & Barachant, J. Neural Eng. 15, 2018 (MOABB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["subject_scores", "compare_to_reference", "average_ranks", "choose_reference"]

PERM_CUTOFF = 20


def subject_scores(df: pd.DataFrame) -> pd.DataFrame:
    """One accuracy per (dataset, subject, model): the mean over seeds and folds of ok rows.

    Few-shot results enter at their largest ``k`` per dataset (as in the main table).
    """
    from benchmark.report import _largest_shots

    ok = _largest_shots(df[df["status"] == "ok"]).copy()
    ok["score"] = ok["score"].astype(float)
    return ok.groupby(["dataset", "subject", "model"], as_index=False)["score"].mean()


def choose_reference(scores: pd.DataFrame, wanted: str = "mirepnet") -> tuple[str, str]:
    """The reference model and a sentence saying why (``wanted``, or the best on average)."""
    models = set(scores["model"])
    if wanted in models:
        return wanted, f"reference: {wanted}"
    if scores.empty:
        return wanted, f"reference {wanted}: no finished units"
    best = scores.groupby("model")["score"].mean().idxmax()
    return best, (f"reference: {best} (the best on average), because {wanted} has no finished "
                  f"units in these results; pass --reference to choose")


def _pairwise(table: pd.DataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from moabb.analysis.meta_analysis import (
        compute_effect,
        compute_pvals_perm,
        compute_pvals_wilcoxon,
    )

    algs = table.columns.tolist()
    if table.shape[0] < PERM_CUTOFF:
        p = compute_pvals_perm(table, algs, seed=seed)
    else:
        p = compute_pvals_wilcoxon(table, algs)
    return np.asarray(p, dtype=float), np.asarray(compute_effect(table, algs), dtype=float)


def compare_to_reference(df: pd.DataFrame, reference: str = "mirepnet",
                         seed: int = 0) -> tuple[pd.DataFrame, str]:
    """Every model against ``reference``, per dataset and combined.

    Returns
    -------
    table : DataFrame
        ``dataset, model, n_subjects, reference_mean, model_mean, difference`` (reference
        minus model, in accuracy points), ``smd`` (standardised mean difference,
        reference minus model), ``p_reference_better``, ``p_model_better`` (one-sided),
        ``test``.  The dataset ``"all (Stouffer)"`` rows combine the datasets.
    note : str
        Which reference was used and why.
    """
    from moabb.analysis.meta_analysis import combine_effects, combine_pvalues

    scores = subject_scores(df)
    reference, note = choose_reference(scores, reference)
    rows = []
    for dataset, part in scores.groupby("dataset"):
        table = part.pivot(index="subject", columns="model", values="score")
        if reference not in table:
            continue
        for model in table.columns.drop(reference):
            pair = table[[reference, model]].dropna()
            if len(pair) < 2:
                continue
            p, smd = _pairwise(pair, seed)
            rows.append({
                "dataset": dataset, "model": model, "n_subjects": len(pair),
                "reference_mean": 100 * pair[reference].mean(),
                "model_mean": 100 * pair[model].mean(),
                "difference": 100 * (pair[reference] - pair[model]).mean(),
                "smd": smd[0, 1], "p_reference_better": p[0, 1], "p_model_better": p[1, 0],
                "test": ("permutation (exact)" if len(pair) <= 13 else "permutation (10,000)")
                if len(pair) < PERM_CUTOFF else "Wilcoxon",
            })
    out = pd.DataFrame(rows, columns=["dataset", "model", "n_subjects", "reference_mean",
                                      "model_mean", "difference", "smd", "p_reference_better",
                                      "p_model_better", "test"])
    combined = []
    for model, part in out.groupby("model"):
        if len(part) < 2:
            continue
        n = part["n_subjects"].astype(float)
        w = np.sqrt(n) / np.sqrt(n).sum()
        finite = np.isfinite(part["smd"])
        combined.append({
            "dataset": "all (Stouffer)", "model": model, "n_subjects": int(n.sum()),
            "reference_mean": float((w * part["reference_mean"]).sum()),
            "model_mean": float((w * part["model_mean"]).sum()),
            "difference": float((w * part["difference"]).sum()),
            "smd": float(combine_effects(part["smd"][finite], n[finite])) if finite.any()
            else float(np.sign(part["difference"].sum()) * np.inf),
            "p_reference_better": float(combine_pvalues(part["p_reference_better"], n)),
            "p_model_better": float(combine_pvalues(part["p_model_better"], n)),
            "test": f"Stouffer over {len(part)} datasets",
        })
    if combined:
        out = pd.concat([out, pd.DataFrame(combined)], ignore_index=True)
    return out, f"{note} ({reference} minus model; one-sided p-values)"


def average_ranks(df: pd.DataFrame) -> pd.DataFrame:
    """Each model's rank per dataset (1 = best mean accuracy) and the mean over datasets."""
    scores = subject_scores(df)
    means = scores.groupby(["dataset", "model"])["score"].mean().unstack("model")
    ranks = means.rank(axis=1, ascending=False, method="average")
    out = ranks.T
    out["mean rank"] = ranks.mean(axis=0)
    out["datasets"] = ranks.notna().sum(axis=0)
    return out.sort_values("mean rank")
