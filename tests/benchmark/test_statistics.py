"""Paired tests against a reference model, Stouffer combination, average ranks."""

import numpy as np
import pandas as pd
import pytest

from benchmark.statistics import average_ranks, compare_to_reference


def _results(scores: dict) -> pd.DataFrame:
    """Tidy rows from ``{(dataset, model): [subject scores]}`` (two seeds, same score)."""
    rows = []
    for (dataset, model), values in scores.items():
        for subject, v in enumerate(values, start=1):
            for seed in (0, 1):
                rows.append({"dataset": dataset, "subject": subject, "model": model,
                             "seed": seed, "fold": 0, "shots": np.nan, "status": "ok",
                             "score": v})
    return pd.DataFrame(rows)


def test_a_model_better_on_every_subject_gets_the_exact_permutation_p_value():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.5, 0.8, size=6)
    df = _results({("A", "mirepnet"): base + 0.05 + rng.uniform(0, 0.02, 6), ("A", "eegnet"): base})
    table, note = compare_to_reference(df)
    row = table.iloc[0]
    assert note.startswith("reference: mirepnet") and row["model"] == "eegnet"
    assert row["n_subjects"] == 6 and row["test"] == "permutation (exact)"
    assert row["p_reference_better"] == pytest.approx(1 / 64)  # only the observed signs reach it
    assert row["p_model_better"] == pytest.approx(63 / 64)  # MOABB keeps p < 1 for Stouffer
    assert row["difference"] > 5 and row["smd"] > 1


def test_datasets_combine_by_stouffer_and_missing_pairs_are_dropped():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 0.8, 8), rng.uniform(0.5, 0.8, 8)
    df = _results({("A", "mirepnet"): a + 0.04, ("A", "csp_lda"): a,
                   ("B", "mirepnet"): b + 0.03, ("B", "csp_lda"): b})
    df = df[~((df["dataset"] == "B") & (df["model"] == "csp_lda") & (df["subject"] == 8))]
    table, _ = compare_to_reference(df)
    per = table.set_index("dataset")
    assert per.loc["B", "n_subjects"] == 7  # subject 8 lacks csp_lda: not a pair
    combined = per.loc["all (Stouffer)"]
    assert combined["n_subjects"] == 15
    assert combined["p_reference_better"] < min(per.loc["A", "p_reference_better"],
                                                per.loc["B", "p_reference_better"])


def test_missing_reference_falls_back_to_the_best_model_and_says_so():
    df = _results({("A", "ts_lr"): [0.9, 0.8, 0.85], ("A", "csp_lda"): [0.7, 0.6, 0.65]})
    table, note = compare_to_reference(df, "mirepnet")
    assert "ts_lr (the best on average), because mirepnet has no finished units" in note
    assert table["model"].tolist() == ["csp_lda"]


def test_average_ranks():
    df = _results({("A", "x"): [0.9, 0.9], ("A", "y"): [0.8, 0.8], ("B", "x"): [0.6, 0.6],
                   ("B", "y"): [0.7, 0.7], ("B", "z"): [0.5, 0.5]})
    ranks = average_ranks(df)
    assert ranks.loc["x", "mean rank"] == pytest.approx(1.5) and ranks.loc["z", "datasets"] == 1
    assert ranks.index[-1] == "z"
