"""Is a difference real? Paired tests against a reference model, meta-analysis, ranks.

Per dataset, over subjects (each subject's score averaged over seeds and folds), every
model is compared with a reference:

* one-sided paired tests, in both directions: ``p_reference_better`` tests H1 "the
  reference is better", ``p_model_better`` H1 "the model is better" (better: higher, or
  lower for a loss such as ``log_loss``, :func:`benchmark.metrics.greater_is_better`).
  Below ``PERM_CUTOFF`` (20) subjects, MOABB's paired permutation test of the mean
  difference (:func:`moabb.analysis.meta_analysis.compute_pvals_perm`: every sign flip
  up to 13 subjects, 10,000 seeded random flips above); from 20 subjects on, the
  Wilcoxon signed-rank test computed from the rank sum by
  ``scipy.stats.wilcoxon(differences, alternative="greater")``, with scipy's exact
  distribution up to 50 subjects without zero or tied differences and its normal
  approximation (tie-corrected) otherwise; the ``test`` column says which.  MOABB
  1.7.2's ``compute_pvals_wilcoxon`` is *not* used: it halves the two-sided p and picks
  its tail by the sign of the *mean* difference, which can disagree with the rank sum
  the test is about (moabb#1176), so the table could say the opposite of the data;
* Holm's step-down adjustment (:func:`statsmodels.stats.multitest.multipletests`) of
  each direction's p-values over the models compared with the reference on that
  dataset (``*_holm`` columns, beside the raw ones);
* the standardised mean difference, reference minus model, over its sd
  (:func:`moabb.analysis.meta_analysis.compute_effect`), and the reference's wins;
* across datasets: Stouffer's method weighted by sqrt(subjects) for each direction's
  p-values (:func:`moabb.analysis.meta_analysis.combine_pvalues`) and the same weights
  for the effects (:func:`~moabb.analysis.meta_analysis.combine_effects`), Holm over
  the models for the combined p-values.

Every direction taken from a library is checked against a hand-computed case in
``tests/benchmark/reporting/test_statistics.py`` (tails of the permutation and Wilcoxon
tests, Holm, Stouffer's weights and signs, the SMD's sign, Friedman's and Nemenyi's
inputs).  :func:`friedman_nemenyi` gives the critical-difference diagram's numbers:
Friedman's test over datasets (blocks) and models (groups), Nemenyi only where it
rejects.  Everything is read at ``ALPHA = 0.05``.

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
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from benchmark.metrics import greater_is_better, metric_of
from benchmark.reporting.aggregation import STRATEGY_MARK, base_model, subject_scores

__all__ = ["compare_to_reference", "average_ranks", "choose_reference", "paired_pvalues",
           "holm", "friedman_nemenyi", "FriedmanNemenyi", "independent_datasets",
           "duplicates_sentence", "ALPHA", "PERM_CUTOFF", "SAME_RECORDINGS_FILE",
           "STATISTICS_COLUMNS"]

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


def choose_reference(scores: pd.DataFrame, wanted: str = "mirepnet",
                     higher_is_better: bool = True) -> tuple[str, str]:
    """The reference model and a sentence saying why (``wanted``, or the best on average)."""
    models = set(scores["model"])
    if wanted in models:
        return wanted, f"reference: {wanted}"
    labelled = sorted(m for m in models if base_model(m) == wanted)  # under strategies
    if labelled:
        chosen = next((m for m in labelled if m.endswith(f"{STRATEGY_MARK}full")), labelled[0])
        return chosen, f"reference: {chosen}"
    if scores.empty:
        return wanted, f"reference {wanted}: no finished units"
    means = scores.groupby("model")["score"].mean()
    best = means.idxmax() if higher_is_better else means.idxmin()
    return best, (f"reference: {best} (the best on average), because {wanted} has no finished "
                  f"units in these results; pass --reference to choose")


#: the p-value a one-sided test gives where every paired difference is zero: neither
#: direction has any evidence (MOABB's convention, which keeps Stouffer's method finite)
_NO_DIFFERENCE_P = 0.5
_P_FLOOR = np.nextafter(0.0, 1.0)
_P_CEIL = np.nextafter(1.0, 0.0)
#: the paired tests see scores on a grid of 1 / _GRID (see :func:`paired_pvalues`)
_GRID = 2.0 ** 20


def paired_pvalues(reference: np.ndarray, model: np.ndarray, seed: int = 0
                   ) -> tuple[float, float, str]:
    """One-sided paired p-values ``(reference better, model better, test name)``.

    ``reference`` and ``model`` are paired scores oriented so that higher is better.  Their
    differences are put on a grid of 2**-20 first (a change of at most 5e-7 each): on it
    the sums of sign-flipped differences and the absolute differences are exact, so
    mathematically equal ones tie (as floats such ties, common with accuracies, fell
    either side of ``>=`` at random and moved the exact p-value by a flip or more).
    Below :data:`PERM_CUTOFF` pairs: MOABB's permutation test of the mean difference
    (``p[i, j]`` of :func:`~moabb.analysis.meta_analysis.compute_pvals_perm` is small
    when column ``i`` scores higher than column ``j``); from :data:`PERM_CUTOFF` on:
    Wilcoxon's signed-rank test, each tail from scipy's rank sum (``alternative=
    "greater"`` on the differences and on their negation), never from the mean's sign.
    """
    from moabb.analysis.meta_analysis import compute_pvals_perm
    from scipy.stats import wilcoxon

    # Differences on a grid of 2**-20 (integers, exactly summed): a sign flip whose sum
    # equals the observed one, or two equal |differences|, then compare as equal.  Scores
    # are means of accuracies (multiples of 1/trials), so such ties are common, and as
    # floats they fell either side at random (MOABB compares sums of floats with >=).
    diffs = np.round((np.asarray(reference, dtype=float) - np.asarray(model, dtype=float))
                     * _GRID)
    n = len(diffs)
    if n < PERM_CUTOFF:  # MOABB's test of the differences, as the scores (diff, 0) give them
        table = pd.DataFrame({"reference": diffs, "model": np.zeros(n)})
        p = compute_pvals_perm(table, ["reference", "model"], seed=seed)
        name = "permutation (exact)" if n <= 13 else "permutation (10,000)"
        return float(p[0, 1]), float(p[1, 0]), name
    if not np.any(diffs != 0):
        return _NO_DIFFERENCE_P, _NO_DIFFERENCE_P, "Wilcoxon signed-rank"
    # scipy's exact distribution holds without zero or tied |differences| (up to 50
    # pairs); otherwise the normal approximation with its tie correction.  Chosen here,
    # so that the table says which one gave the p-value.
    size = np.abs(diffs)
    exact = n <= 50 and not np.any(diffs == 0) and len(np.unique(size)) == n
    method = "exact" if exact else "approx"
    better = float(wilcoxon(diffs, alternative="greater", method=method).pvalue)
    worse = float(wilcoxon(-diffs, alternative="greater", method=method).pvalue)
    name = "exact" if exact else "normal approximation"
    return better, worse, f"Wilcoxon signed-rank ({name})"


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (statsmodels' ``multipletests``,
    ``method="holm"``); NaN stays NaN and is not counted in the family."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        out[finite] = multipletests(p[finite], alpha=ALPHA, method="holm")[1]
    return out


#: the columns of :func:`compare_to_reference`'s table
STATISTICS_COLUMNS = ["dataset", "model", "n_subjects", "reference_mean", "model_mean",
                      "difference", "median_difference", "smd", "wins", "p_reference_better",
                      "p_reference_better_holm", "p_model_better", "p_model_better_holm",
                      "test"]


def _effect(reference: np.ndarray, model: np.ndarray) -> float:
    """MOABB's standardised mean difference, reference minus model."""
    from moabb.analysis.meta_analysis import compute_effect

    table = pd.DataFrame({"reference": reference, "model": model})
    return float(np.asarray(compute_effect(table, ["reference", "model"]))[0, 1])


def compare_to_reference(df: pd.DataFrame, reference: str = "mirepnet",
                         seed: int = 0) -> tuple[pd.DataFrame, str]:
    """Every model against ``reference``, per dataset and combined.

    Returns
    -------
    table : DataFrame
        :data:`STATISTICS_COLUMNS`: ``dataset, model, n_subjects, reference_mean,
        model_mean, difference`` (reference minus model, x 100: the mean, and the median
        in ``median_difference``, which the rank test follows more closely), ``smd``
        (standardised mean difference, reference minus model), ``wins`` (subjects where
        the reference is better), the one-sided ``p_reference_better``, ``p_model_better`` and their
        Holm adjustments over the models of the dataset, ``test``.  The dataset
        ``"all (Stouffer)"`` rows combine the datasets.
    note : str
        Which reference was used and why, the tests, their direction and sidedness,
        ``ALPHA``, the correction, and the datasets left out of the combination as the
        same recordings as another (:func:`independent_datasets`); a model's combination
        needs two datasets or more once those are left out.
    """
    from moabb.analysis.meta_analysis import combine_effects, combine_pvalues

    metric = metric_of(df)
    higher = greater_is_better(metric)
    sign = 1.0 if higher else -1.0
    scores = subject_scores(df)
    reference, note = choose_reference(scores, reference, higher)
    rows = []
    for dataset, part in scores.groupby("dataset"):
        table = part.pivot(index="subject", columns="model", values="score")
        if reference not in table:
            continue
        for model in table.columns.drop(reference):
            pair = table[[reference, model]].dropna()
            if len(pair) < 2:
                continue
            ref, other = pair[reference].to_numpy(), pair[model].to_numpy()
            p_ref, p_model, test = paired_pvalues(sign * ref, sign * other, seed)
            rows.append({
                "dataset": dataset, "model": model, "n_subjects": len(pair),
                "reference_mean": 100 * ref.mean(), "model_mean": 100 * other.mean(),
                "difference": 100 * (ref - other).mean(),
                "median_difference": 100 * float(np.median(ref - other)),
                "smd": _effect(ref, other),
                "wins": int(np.sum(sign * ref > sign * other)),
                "p_reference_better": p_ref, "p_model_better": p_model, "test": test,
            })
    out = pd.DataFrame(rows, columns=STATISTICS_COLUMNS)
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
        clip = dict(lower=_P_FLOOR, upper=_P_CEIL)  # 0 or 1 would make Stouffer's z infinite
        combined.append({
            "dataset": "all (Stouffer)", "model": model, "n_subjects": int(n.sum()),
            "reference_mean": float((w * part["reference_mean"]).sum()),
            "model_mean": float((w * part["model_mean"]).sum()),
            "difference": float((w * part["difference"]).sum()),
            "median_difference": np.nan,
            "smd": float(combine_effects(part["smd"][finite], n[finite])) if finite.any()
            else float(np.sign(part["difference"].sum()) * np.inf),
            "wins": int(part["wins"].sum()),
            "p_reference_better": float(combine_pvalues(
                part["p_reference_better"].clip(**clip), n)),
            "p_model_better": float(combine_pvalues(part["p_model_better"].clip(**clip), n)),
            "test": f"Stouffer over {len(part)} datasets"
            + (f" ({', '.join(sorted(left_out))} left out)" if left_out else ""),
        })
    if combined:
        out = pd.concat([out, pd.DataFrame(combined, columns=STATISTICS_COLUMNS)],
                        ignore_index=True)
    for direction in ("p_reference_better", "p_model_better"):
        out[f"{direction}_holm"] = (out.groupby("dataset")[direction].transform(holm)
                                    if not out.empty else pd.Series(dtype=float))
    out["wins"] = out["wins"].astype("Int64")
    return out[STATISTICS_COLUMNS], _note(note, reference, left_out_any, metric, higher)


def _note(note: str, reference: str, left_out: dict[str, str], metric: str,
          higher: bool) -> str:
    """What the table shows: reference, direction, tests, sidedness, alpha, correction."""
    better = "higher" if higher else "lower"
    text = (f"{note}; metric {metric} ({better} is better); difference and SMD: {reference} "
            f"minus model (mean, and median over subjects); wins: subjects where {reference} "
            f"is better. One-sided paired tests "
            f"over subjects, alpha = {ALPHA}: p (H1: ref. better) tests whether {reference} "
            f"is better than the model, p (H1: model better) whether the model is better "
            f"than {reference}; below {PERM_CUTOFF} subjects MOABB's paired permutation test "
            f"of the mean difference (exact up to 13 subjects, 10,000 seeded sign flips "
            f"above), from {PERM_CUTOFF} subjects the Wilcoxon signed-rank test from the "
            f"rank sum (scipy; its exact distribution up to 50 subjects without zero or "
            f"tied differences, otherwise the normal approximation with tie correction, as "
            f"the test column says). Holm: "
            f"each direction's p-values adjusted by Holm's step-down method over the models "
            f"compared with {reference} on the dataset (statsmodels); the raw p-values are "
            f"not corrected. all (Stouffer): the datasets' one-sided p-values combined by "
            f"Stouffer's method weighted by sqrt(subjects), Holm over the models")
    if left_out:
        text += ". " + duplicates_sentence(left_out, "the combination") \
            + " (each is still tested on its own)"
    return text


def average_ranks(df: pd.DataFrame) -> pd.DataFrame:
    """Each model's rank per dataset (1 = best mean score) and the mean over datasets.

    Every dataset has its column; a model's ``mean rank`` and ``datasets`` count only
    independent datasets among those it has results on (a dataset with the same
    recordings as a kept one is left out, as in the critical-difference diagram;
    :func:`independent_datasets`).  Best is the highest score, or the lowest for a loss.
    """
    scores = subject_scores(df)
    means = scores.groupby(["dataset", "model"])["score"].mean().unstack("model")
    higher = greater_is_better(metric_of(df))
    ranks = means.rank(axis=1, ascending=not higher, method="average")
    kept = {m: independent_datasets(ranks[m].dropna().index)[0] for m in ranks.columns}
    out = ranks.T
    out["mean rank"] = pd.Series({m: ranks.loc[d, m].mean() for m, d in kept.items()})
    out["datasets"] = pd.Series({m: len(d) for m, d in kept.items()})
    return out.sort_values("mean rank")


@dataclass
class FriedmanNemenyi:
    """The numbers of a critical-difference diagram (:func:`friedman_nemenyi`).

    ``complete``: dataset x model means that entered (independent datasets, models with
    a result on each); ``ranks``: each model's mean rank (1 = best); ``p_friedman``;
    ``nemenyi``: model x model p-values, ``None`` where Friedman does not reject;
    ``cd``: Nemenyi's critical difference of mean ranks at ``alpha``; ``dropped``:
    models left out (not on every dataset); ``same``: datasets left out as duplicates.
    """

    complete: pd.DataFrame
    ranks: pd.Series
    p_friedman: float
    nemenyi: pd.DataFrame | None
    cd: float
    dropped: list[str]
    same: dict[str, str]

    @property
    def rejects(self) -> bool:
        return bool(self.p_friedman < ALPHA)


def friedman_nemenyi(means: pd.DataFrame, higher_is_better: bool = True,
                     alpha: float = ALPHA) -> FriedmanNemenyi:
    """Friedman's test over datasets, then Nemenyi's where it rejects (Demšar, JMLR 2006).

    ``means`` is dataset x model mean scores.  Datasets that are the same recordings as
    another are left out, then models without a result on every remaining dataset
    (Friedman needs complete blocks).  The datasets are the blocks and the models the
    groups: :func:`scipy.stats.friedmanchisquare` gets one sample per model (its scores
    over the datasets), :func:`scikit_posthocs.posthoc_nemenyi_friedman` the blocks as
    rows.  The critical difference is ``q_alpha / sqrt(2) * sqrt(k (k + 1) / (6 n))``
    with ``q_alpha`` the studentized range's ``1 - alpha`` quantile for ``k`` models.
    Fewer than 2 datasets or 3 models give a NaN p-value.
    """
    from scipy.stats import friedmanchisquare, studentized_range

    kept, same = independent_datasets(means.index)
    means = means.loc[kept]
    complete = means.dropna(axis=1, how="any")
    dropped = sorted(set(means.columns) - set(complete.columns))
    n, k = complete.shape
    ranks = complete.rank(axis=1, ascending=not higher_is_better).mean()
    if n < 2 or k < 3:
        return FriedmanNemenyi(complete, ranks, float("nan"), None, float("nan"), dropped, same)
    with np.errstate(invalid="ignore", divide="ignore"):  # all tied: p is NaN
        p_friedman = float(friedmanchisquare(*complete.to_numpy().T).pvalue)
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    cd = float(q * np.sqrt(k * (k + 1) / (6.0 * n)))
    nemenyi = None
    if p_friedman < alpha:
        import scikit_posthocs as sp

        nemenyi = sp.posthoc_nemenyi_friedman(complete.to_numpy())
        nemenyi.index = nemenyi.columns = complete.columns
    return FriedmanNemenyi(complete, ranks, p_friedman, nemenyi, cd, dropped, same)


#: the suffix of a foundation model's twin from random weights
SCRATCH = "_scratch"
#: the columns of :func:`pretraining_gain`
GAIN_COLUMNS = ["dataset", "model", "finetune", "n_subjects", "pretrained_mean",
                "scratch_mean", "gain", "wins", "p_pretrained_better",
                "p_pretrained_better_holm", "p_scratch_better", "p_scratch_better_holm",
                "test"]


def pretraining_gain(df: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """What pretraining adds: each pretrained model against its ``*_scratch`` twin under
    the same strategy, per dataset, over the subjects both finished.

    ``df`` holds the rows with their ``finetune`` column (not the labelled models).
    ``gain`` is pretrained minus scratch (x 100; for a loss, lower is better and a
    negative gain is the pretrained model's advantage); the one-sided paired tests are
    :func:`paired_pvalues` (both directions, oriented by the metric), Holm over the
    (model, strategy) pairs of each dataset.
    """
    metric = metric_of(df)
    sign = 1.0 if greater_is_better(metric) else -1.0
    ok = df[df["status"] == "ok"]
    if "finetune" not in ok or ok.empty:
        return pd.DataFrame(columns=GAIN_COLUMNS), ""
    ok = ok.assign(model=ok["model"].astype(str) + "\t" + ok["finetune"].fillna("")
                   .astype(str))
    scores = subject_scores(ok)
    rows = []
    for dataset, part in scores.groupby("dataset"):
        table = part.pivot(index="subject", columns="model", values="score")
        for column in table.columns:
            model, strategy = column.split("\t")
            twin = f"{model}{SCRATCH}\t{strategy}"
            if model.endswith(SCRATCH) or twin not in table:
                continue
            pair = table[[column, twin]].dropna()
            if len(pair) < 2:
                continue
            pre, scr = pair[column].to_numpy(), pair[twin].to_numpy()
            p_pre, p_scr, test = paired_pvalues(sign * pre, sign * scr, seed)
            rows.append({"dataset": dataset, "model": model, "finetune": strategy,
                         "n_subjects": len(pair), "pretrained_mean": 100 * pre.mean(),
                         "scratch_mean": 100 * scr.mean(), "gain": 100 * (pre - scr).mean(),
                         "wins": int(np.sum(sign * pre > sign * scr)),
                         "p_pretrained_better": p_pre, "p_scratch_better": p_scr,
                         "test": test})
    out = pd.DataFrame(rows, columns=GAIN_COLUMNS)
    for direction in ("p_pretrained_better", "p_scratch_better"):
        out[f"{direction}_holm"] = (out.groupby("dataset")[direction].transform(holm)
                                    if not out.empty else pd.Series(dtype=float))
    note = (f"Each pretrained model against its *_scratch twin (the same network from random "
            f"weights) under the same adaptation strategy; metric {metric} "
            f"({'higher' if sign > 0 else 'lower'} is better); gain: pretrained minus "
            f"scratch, mean over subjects x 100; wins: subjects where the pretrained model is "
            f"better. One-sided paired tests over subjects at alpha = {ALPHA} (permutation "
            f"test below {PERM_CUTOFF} subjects, Wilcoxon signed-rank test from "
            f"{PERM_CUTOFF} subjects); Holm over the pairs compared on each dataset")
    return out[GAIN_COLUMNS], note
