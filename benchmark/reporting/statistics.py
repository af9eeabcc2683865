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

Each p-value is one-sided: ``p_reference_better`` tests H1 "the reference scores
higher", ``p_model_better`` H1 "the model scores higher"; both are read at
``ALPHA = 0.05`` (no correction for the number of models).

Only subjects that every compared model finished enter a dataset's test, so the pairs
are real pairs.  Reference: Jayaram & Barachant, J. Neural Eng. 15, 2018 (MOABB).

Datasets that are the same recordings
-------------------------------------
A combination over datasets (Stouffer here, Friedman/Nemenyi in the critical-difference
diagram, the mean rank) treats datasets as independent.  Two catalogue entries built on
the same MOABB class with the same constructor arguments and the same session are the
same subjects' recordings, whatever classes each keeps: ``BNCI2014001`` (left/right hand)
and ``BNCI2014001-4`` (the same trials plus feet and tongue) are both BCI IV 2a, session
T, subjects 1-9.  :func:`independent_datasets` keeps one dataset of each such group —
the first in the catalogue's order among those present (``BNCI2014001``, the paper's
first dataset) — and leaves the others out of every combination; each is still tested
on its own.  MOABB's datasets run by their class names join the groups of the catalogue
entries they equal (``BNCI2014_001`` is ``BNCI2014001``'s recordings, ``Lee2019_MI``
is ``Lee2019``'s: the same class, arguments and first session), after them; and
MOABB's ``Dreyer2023A``, ``B`` and ``C`` are parts of ``Dreyer2023`` (its subjects 1-60,
61-81 and 82-87), so with ``Dreyer2023`` present they are left out.  The groups are
data shipped with this package (``same_recordings.csv``, in that order; a test keeps it
in step with :mod:`benchmark.datasets.catalogue` and MOABB's subject lists), looked up
by the dataset names in the result rows, so a report needs nothing but the results
table.  Datasets of the same subjects in other sessions or tasks (``BNCI2014004``'s
evaluation session and ``BNCI2014_004``'s first; ``GuttmannFlury2025_ME`` and ``_MI``)
are other recordings and count on their own.  The synthetic
``SynBNCI2014001`` and ``SynBNCI2014001-4`` mimic that pair's montage and classes but
are generated with different seeds (independent simulated subjects), so both enter; a
name the file does not list counts as its own recordings.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from benchmark.reporting.aggregation import subject_scores

__all__ = ["compare_to_reference", "average_ranks", "choose_reference",
           "independent_datasets", "duplicates_sentence", "ALPHA", "SAME_RECORDINGS_FILE"]

PERM_CUTOFF = 20
#: Significance level of every test in the report (one-sided paired tests, Friedman,
#: Nemenyi).
ALPHA = 0.05
#: the file, inside the package, naming the datasets that are the same recordings
SAME_RECORDINGS_FILE = "same_recordings.csv"


@cache
def _same_recordings() -> dict[str, list[str]]:
    """``{group (its recordings): member names (lower case), in the file's order}``."""
    text = resources.files(__package__).joinpath(SAME_RECORDINGS_FILE).read_text("utf-8")
    groups: dict[str, list[str]] = {}
    for r in csv.DictReader(text.splitlines()):
        groups.setdefault(r["recordings"], []).append(r["dataset"].lower())
    return groups


def independent_datasets(names) -> tuple[list[str], dict[str, str]]:
    """The datasets that enter a combination, and those left out as duplicates.

    In each group of ``same_recordings.csv`` the first of ``names`` in the file's order
    is kept and the others are left out (a dataset may be in several groups: Dreyer2023
    is in the group of each of its parts, which are apart from each other, so Dreyer2023A
    and Dreyer2023B both count when Dreyer2023 is absent).  A name the file does not
    list is its own recordings.

    Returns
    -------
    kept : list of str
        ``names`` without the duplicates, in their given order.
    left_out : dict
        ``{left-out dataset: the dataset kept in its place}``.
    """
    names = list(dict.fromkeys(names))
    by_lower = {str(n).lower(): n for n in names}
    left_out: dict[str, str] = {}
    for members in _same_recordings().values():
        present = [by_lower[m] for m in members if m in by_lower]
        for other in present[1:]:
            left_out.setdefault(other, present[0])
    return [n for n in names if n not in left_out], left_out


def duplicates_sentence(left_out: dict[str, str], where: str) -> str:
    """``"BNCI2014001-4 is left out of <where>: recorded from the subjects and session of
    BNCI2014001, which is kept"`` (a part of them, for Dreyer2023A)."""
    return "; ".join(f"{d} is left out of {where}: recorded from the subjects and session of "
                     f"{k}, which is kept" for d, k in sorted(left_out.items()))


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
        Which reference was used and why, the direction and sidedness of the tests,
        ``ALPHA``, and the datasets left out of the combination as the same recordings
        as another (:func:`independent_datasets`); a model's combination needs two
        datasets or more once those are left out.
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
    combined, left_out_any = [], {}
    for model, part in out.groupby("model"):
        kept, left_out = independent_datasets(part["dataset"])
        part = part[part["dataset"].isin(kept)]
        if len(part) < 2:
            continue
        left_out_any.update(left_out)
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
            "test": f"Stouffer over {len(part)} datasets"
            + (f" ({', '.join(sorted(left_out))} left out)" if left_out else ""),
        })
    if combined:
        out = pd.concat([out, pd.DataFrame(combined)], ignore_index=True)
    return out, _note(note, reference, left_out_any)


def _note(note: str, reference: str, left_out: dict[str, str]) -> str:
    """What the table shows: reference, direction, sidedness, alpha, what was combined."""
    text = (f"{note} ({reference} minus model). One-sided paired tests over subjects, "
            f"alpha = {ALPHA}: p (H1: ref. better) tests whether {reference} scores higher "
            f"than the model, p (H1: model better) whether the model scores higher than "
            f"{reference}; permutation test of the mean difference below {PERM_CUTOFF} "
            f"subjects, Wilcoxon signed-rank from {PERM_CUTOFF}; no correction for the number "
            f"of models. all (Stouffer): the datasets' one-sided p-values combined by "
            f"Stouffer's method weighted by sqrt(subjects)")
    if left_out:
        text += ". " + duplicates_sentence(left_out, "the combination") \
            + " (each is still tested on its own)"
    return text


def average_ranks(df: pd.DataFrame) -> pd.DataFrame:
    """Each model's rank per dataset (1 = best mean accuracy) and the mean over datasets.

    Every dataset has its column; a model's ``mean rank`` and ``datasets`` count only
    independent datasets among those it has results on (a dataset with the same
    recordings as a kept one is left out, as in the critical-difference diagram;
    :func:`independent_datasets`).
    """
    scores = subject_scores(df)
    means = scores.groupby(["dataset", "model"])["score"].mean().unstack("model")
    ranks = means.rank(axis=1, ascending=False, method="average")
    kept = {m: independent_datasets(ranks[m].dropna().index)[0] for m in ranks.columns}
    out = ranks.T
    out["mean rank"] = pd.Series({m: ranks.loc[d, m].mean() for m, d in kept.items()})
    out["datasets"] = pd.Series({m: len(d) for m, d in kept.items()})
    return out.sort_values("mean rank")
