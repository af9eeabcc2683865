"""Paired tests against a reference model, Stouffer combination, average ranks."""

import numpy as np
import pandas as pd
import pytest

from benchmark.reporting.statistics import average_ranks, compare_to_reference


def _results(scores: dict) -> pd.DataFrame:
    """Tidy rows from ``{(dataset, model): [subject scores]}`` (two seeds, same score)."""
    rows = []
    for (dataset, model), values in scores.items():
        for subject, v in enumerate(values, start=1):
            for seed in (0, 1):
                rows.append({"dataset": dataset, "subject": subject, "model": model,
                             "seed": seed, "fold": 0, "shots": np.nan, "status": "ok",
                             "score": v, "n_classes": 2})
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


# -- datasets that are the same recordings, Friedman before Nemenyi, sidedness and alpha --


def test_the_catalogue_tells_which_datasets_are_the_same_recordings():
    from benchmark.reporting.statistics import independent_datasets

    # BCI IV 2a, session T, both: the 2-class set is kept whatever the order.
    for names in (["BNCI2014001", "BNCI2014001-4"], ["BNCI2014001-4", "BNCI2014001"]):
        kept, left_out = independent_datasets(names + ["AlexMI", "BNCI2014004", "Other"])
        assert sorted(kept) == ["AlexMI", "BNCI2014001", "BNCI2014004", "Other"]
        assert left_out == {"BNCI2014001-4": "BNCI2014001"}
    # Alone, the 4-class set is no duplicate of anything.
    assert independent_datasets(["BNCI2014001-4", "AlexMI"]) == (["BNCI2014001-4", "AlexMI"], {})
    # The demo pair are drawn with different seeds: different simulated subjects.
    assert independent_datasets(["SynBNCI2014001", "SynBNCI2014001-4"])[1] == {}


def test_stouffer_leaves_the_same_recordings_out_and_says_so():
    from moabb.analysis.meta_analysis import combine_pvalues

    rng = np.random.default_rng(2)
    scores = {}
    for dataset, n in (("AlexMI", 8), ("BNCI2014001", 9), ("BNCI2014001-4", 9)):
        base = rng.uniform(0.4, 0.8, n)
        scores[(dataset, "mirepnet")] = base + 0.03 + rng.uniform(-0.02, 0.02, n)
        scores[(dataset, "csp_lda")] = base
    table, note = compare_to_reference(_results(scores))
    per = table.set_index("dataset")
    assert per.loc["BNCI2014001-4", "n_subjects"] == 9  # still tested on its own
    combined = per.loc["all (Stouffer)"]
    assert combined["n_subjects"] == 17  # 8 + 9, not 8 + 9 + 9
    assert combined["test"] == "Stouffer over 2 datasets (BNCI2014001-4 left out)"
    kept = per.loc[["AlexMI", "BNCI2014001"]]
    assert combined["p_reference_better"] == pytest.approx(
        combine_pvalues(kept["p_reference_better"], kept["n_subjects"].astype(float)))
    assert combined["reference_mean"] == pytest.approx(  # weights sqrt(8), sqrt(9)
        (np.sqrt(8) * kept.loc["AlexMI", "reference_mean"]
         + 3 * kept.loc["BNCI2014001", "reference_mean"]) / (np.sqrt(8) + 3))
    assert ("BNCI2014001-4 is left out of the combination: recorded from the subjects and "
            "session of BNCI2014001, which is kept") in note


def test_a_model_with_only_the_duplicate_pair_gets_no_combination():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.5, 0.8, 9), rng.uniform(0.5, 0.8, 9)
    df = _results({("BNCI2014001", "mirepnet"): a + 0.03, ("BNCI2014001", "eegnet"): a,
                   ("BNCI2014001-4", "mirepnet"): b + 0.03, ("BNCI2014001-4", "eegnet"): b})
    table, _ = compare_to_reference(df)
    assert sorted(table["dataset"]) == ["BNCI2014001", "BNCI2014001-4"]  # no Stouffer row


def test_the_note_states_sidedness_direction_and_alpha():
    df = _results({("A", "mirepnet"): [0.9, 0.8, 0.85], ("A", "csp_lda"): [0.7, 0.6, 0.65]})
    _, note = compare_to_reference(df)
    assert "metric accuracy (higher is better); difference and SMD: mirepnet minus model" in note
    assert "One-sided paired tests over subjects, alpha = 0.05" in note
    assert "p (H1: ref. better) tests whether mirepnet is better than the model" in note
    assert "p (H1: model better) whether the model is better than mirepnet" in note
    assert "Wilcoxon signed-rank test from the rank sum" in note
    assert "Holm's step-down method over the models compared with mirepnet" in note
    assert "left out" not in note


def test_mean_rank_counts_the_same_recordings_once():
    df = _results({("BNCI2014001", "x"): [0.9, 0.9], ("BNCI2014001", "y"): [0.8, 0.8],
                   ("BNCI2014001-4", "x"): [0.9, 0.9], ("BNCI2014001-4", "y"): [0.8, 0.8],
                   ("AlexMI", "x"): [0.6, 0.6], ("AlexMI", "y"): [0.7, 0.7],
                   ("BNCI2014001-4", "z"): [0.5, 0.5]})
    ranks = average_ranks(df)
    assert ranks.loc["x", "mean rank"] == pytest.approx(1.5)  # not (1 + 1 + 2) / 3
    assert ranks.loc["x", "datasets"] == 2 and ranks.loc["x", "BNCI2014001-4"] == 1
    assert ranks.loc["z", "mean rank"] == 3 and ranks.loc["z", "datasets"] == 1  # its only one


def _means(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(rows, index=["m1", "m2", "m3"]).T


def test_nemenyi_is_drawn_only_where_friedman_rejects(tmp_path, monkeypatch):
    import scikit_posthocs as sp

    from benchmark.reporting.figures import cd_diagram

    calls = []
    for name in ("posthoc_nemenyi_friedman", "critical_difference_diagram"):
        real = getattr(sp, name)
        monkeypatch.setattr(sp, name, lambda *a, _real=real, _name=name, **k:
                            calls.append(_name) or _real(*a, **k))
    same_order = [0.9, 0.8, 0.7]
    # Three blocks that agree: Friedman p = exp(-3) = 0.0498 < 0.05, Nemenyi drawn.
    stem, note = cd_diagram(_means({"A": same_order, "B": same_order, "C": same_order}),
                            tmp_path / "drawn")
    assert stem == tmp_path / "drawn" and (tmp_path / "drawn.png").exists()
    assert "on 3 datasets; the Friedman test rejects equal mean ranks (p = 0.0498 < alpha" in note
    assert calls == ["posthoc_nemenyi_friedman", "critical_difference_diagram"]
    # Two agreeing blocks (p = 0.135), disagreeing blocks, all tied: no Nemenyi, and why.
    for means in (_means({"A": same_order, "B": same_order}),
                  _means({"A": same_order, "B": [0.7, 0.8, 0.9], "C": [0.8, 0.9, 0.7]}),
                  _means({"A": [0.8] * 3, "B": [0.7] * 3})):
        calls.clear()
        stem, note = cd_diagram(means, tmp_path / "ranks_only")
        assert calls == []  # no post-hoc test, no diagram
        assert (tmp_path / "ranks_only.png").exists()  # the average ranks, said so on top
        assert note.startswith("no critical-difference diagram: the Friedman test over 3 "
                               "models on")
        assert "does not reject equal mean ranks" in note and "no Nemenyi post-hoc test" in note


def test_the_cd_diagram_counts_the_same_recordings_once(tmp_path):
    from benchmark.reporting.figures import cd_diagram

    same_order = [0.9, 0.8, 0.7]
    # As three blocks these would reject (p = 0.0498); as two (p = 0.135) they do not.
    means = _means({"AlexMI": same_order, "BNCI2014001": same_order,
                    "BNCI2014001-4": same_order})
    _, note = cd_diagram(means, tmp_path / "cd")
    assert "does not reject" in note and "3 models on 2 datasets" in note and "p = 0.135" in note
    assert ("BNCI2014001-4 is left out of the Friedman test and the diagram: recorded from "
            "the subjects and session of BNCI2014001, which is kept") in note
    means.loc["BNCI2015001"] = same_order  # a third independent set: now it rejects
    _, note = cd_diagram(means, tmp_path / "cd")
    assert "of 3 models on 3 datasets; the Friedman test rejects" in note


def test_report_statistics_name_the_left_out_dataset_and_the_test(tmp_path):
    from benchmark.reporting.sections import statistics_sections

    rng = np.random.default_rng(4)
    scores = {}
    for dataset in ("AlexMI", "BNCI2014001", "BNCI2014001-4"):
        base = rng.uniform(0.5, 0.7, 5)
        for model, shift in (("mirepnet", 0.1), ("csp_lda", 0.05), ("mdm", 0.0)):
            scores[(dataset, model)] = base + shift
    sections = statistics_sections(_results(scores), tmp_path, "mirepnet")
    stats = (tmp_path / "statistics.md").read_text()
    assert "# Paired comparisons over subjects (one-sided tests, alpha = 0.05)" in stats
    assert ("| p (H1: ref. better) | Holm p (ref. better) | p (H1: model better) | "
            "Holm p (model better) |") in stats
    assert "Stouffer over 2 datasets (BNCI2014001-4 left out)" in stats
    assert "BNCI2014001-4 is left out of the combination" in stats
    # Two independent blocks that agree: Friedman does not reject, nothing is drawn.
    assert "does not reject equal mean ranks" in stats
    assert stats.count("BNCI2014001-4 is left out of the mean rank and the Friedman test") == 1
    ranks = [s for s in sections if s.title.startswith("Average rank")][0]
    assert "no Nemenyi post-hoc test is drawn; the figure shows the average ranks only" \
        in ranks.note
    tex = (tmp_path / "statistics.tex").read_text()
    assert "one-sided tests, alpha = 0.05" in tex and "H1: ref. better" in tex


def test_the_same_recordings_file_agrees_with_the_catalogue():
    """``same_recordings.csv`` lists, in catalogue order, the entries built on the same MOABB
    class, arguments and session (the report cannot read the catalogue itself)."""
    import csv
    import json
    from collections import defaultdict
    from importlib import resources

    from benchmark.datasets.catalogue import DATASETS
    from benchmark.reporting.statistics import SAME_RECORDINGS_FILE

    groups = defaultdict(list)
    for name, spec in DATASETS.items():
        groups[(spec.moabb_class, json.dumps(spec.kwargs, sort_keys=True, default=str),
                spec.session)].append(name)
    expected = [n for names in groups.values() if len(names) > 1 for n in names]
    text = resources.files("benchmark.reporting").joinpath(SAME_RECORDINGS_FILE).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    catalogue = [r["dataset"] for r in rows if r["dataset"] in DATASETS]
    assert sorted(catalogue, key=list(DATASETS).index) == catalogue
    shipped = defaultdict(list)
    for r in rows:
        shipped[r["recordings"]].append(r["dataset"])
    in_catalogue = [[n for n in v if n in DATASETS] for v in shipped.values()]
    assert sorted(v for v in in_catalogue if len(v) > 1) == sorted(
        v for v in groups.values() if len(v) > 1)
    assert sorted(n for v in in_catalogue if len(v) > 1 for n in v) == sorted(expected)


# -- tests that cannot point the wrong way (issue: MOABB's Wilcoxon tail, moabb#1176) ------


def _wins_small_loses_big(n: int = 24, losses: int = 4):
    """The reference wins most subjects by a little and loses a few by a lot: the mean
    difference is negative, the rank sum favours the reference."""
    rng = np.random.default_rng(5)
    model = rng.uniform(0.55, 0.75, n)
    diff = np.r_[np.linspace(0.01, 0.03, n - losses), -np.linspace(0.15, 0.25, losses)]
    return model + diff, model


def test_wilcoxon_follows_the_rank_sum_where_the_mean_disagrees():
    from moabb.analysis.meta_analysis import compute_pvals_wilcoxon
    from scipy.stats import wilcoxon

    ref, model = _wins_small_loses_big()
    diff = ref - model
    assert diff.mean() < 0 and (diff > 0).sum() == 20  # the mean and the ranks disagree
    df = _results({("A", "mirepnet"): ref, ("A", "eegnet"): model})
    row = compare_to_reference(df)[0].iloc[0]
    assert row["test"] == "Wilcoxon signed-rank (exact)" and row["n_subjects"] == 24
    # By hand: positive ranks 1..20 (the small wins), negative 21..24: W+ = 210 of 300.
    assert np.sum(np.argsort(np.argsort(np.abs(diff)))[diff > 0] + 1) == 210
    assert row["p_reference_better"] == pytest.approx(
        wilcoxon(diff, alternative="greater").pvalue, abs=1e-15)
    assert row["p_model_better"] == pytest.approx(
        wilcoxon(diff, alternative="less").pvalue, abs=1e-15)
    assert row["p_reference_better"] < 0.05 < 0.5 < row["p_model_better"]
    assert row["wins"] == 20 and row["difference"] < 0
    # MOABB 1.7.2 flips the tail by the mean and says the opposite (why it is not used).
    moabb = compute_pvals_wilcoxon(pd.DataFrame({"r": ref, "m": model}), ["r", "m"])
    assert moabb[0, 1] > 0.5 > moabb[1, 0]


def test_the_exact_permutation_test_has_the_right_tail_by_hand():
    import itertools

    diff = np.array([0.10, 0.20, -0.05, 0.15, 0.30, -0.25, 0.05])
    model = np.full(7, 0.6)
    df = _results({("A", "mirepnet"): model + diff, ("A", "eegnet"): model})
    row = compare_to_reference(df)[0].iloc[0]
    # Every sign flip of the differences; p = share of flips whose sum reaches the observed.
    # (In hundredths, exactly: 0.05 and -0.05 flipped together tie with the observed sum.)
    hundredths = np.round(diff * 100).astype(int)
    sums = np.array([np.dot(signs, hundredths)
                     for signs in itertools.product((-1, 1), repeat=7)])
    assert row["p_reference_better"] == pytest.approx(np.mean(sums >= hundredths.sum()))
    assert row["p_model_better"] == pytest.approx(np.mean(-sums >= -hundredths.sum()))
    assert row["p_reference_better"] == pytest.approx(24 / 128)
    assert row["p_reference_better"] < row["p_model_better"]  # the reference is ahead
    # Swapping the two models swaps the tails.
    swapped = compare_to_reference(df, "eegnet")[0].iloc[0]
    assert swapped["p_model_better"] == pytest.approx(row["p_reference_better"])


def test_the_random_permutation_test_has_the_right_tail():
    rng = np.random.default_rng(6)
    model = rng.uniform(0.5, 0.7, 16)
    df = _results({("A", "mirepnet"): model - 0.04 + rng.uniform(-0.01, 0.01, 16),
                   ("A", "eegnet"): model})
    row = compare_to_reference(df)[0].iloc[0]
    assert row["test"] == "permutation (10,000)"
    assert row["p_model_better"] < 0.01 and row["p_reference_better"] > 0.99


def test_no_difference_at_all_points_nowhere():
    from benchmark.reporting.statistics import paired_pvalues

    same = np.linspace(0.5, 0.9, 22)
    assert paired_pvalues(same, same) == (0.5, 0.5, "Wilcoxon signed-rank")


def test_tied_differences_take_the_normal_approximation_and_say_so():
    from scipy.stats import wilcoxon

    from benchmark.reporting.statistics import paired_pvalues

    model = np.full(22, 0.6)
    diff = np.r_[[1 / 28] * 12, [2 / 28] * 6, [-1 / 28] * 4]  # accuracies tie in steps of 1/28
    p_ref, p_model, test = paired_pvalues(model + diff, model)
    assert test == "Wilcoxon signed-rank (normal approximation)"
    grid = np.round(diff * 2 ** 20)  # what the test sees: the ties kept exactly
    assert p_ref == pytest.approx(wilcoxon(grid, alternative="greater", method="approx").pvalue)
    assert p_model == pytest.approx(wilcoxon(grid, alternative="less", method="approx").pvalue)
    assert p_ref < 0.01


def test_holm_columns_adjust_over_the_models_of_a_dataset_by_hand():
    from benchmark.reporting.statistics import holm

    # Hand: sorted 0.01, 0.03, 0.04 -> x3, x2, x1 = 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(holm([np.nan, 0.02])[0]) and holm([np.nan, 0.02])[1] == pytest.approx(0.02)
    rng = np.random.default_rng(7)
    base = rng.uniform(0.5, 0.7, 6)
    df = _results({("A", "mirepnet"): base + 0.1, ("A", "m1"): base + 0.05,
                   ("A", "m2"): base, ("A", "m3"): base + 0.09})
    table = compare_to_reference(df)[0].set_index("model")
    for direction in ("p_reference_better", "p_model_better"):
        assert table[f"{direction}_holm"].to_numpy() == pytest.approx(
            holm(table[direction].to_numpy()))
        assert (table[f"{direction}_holm"] >= table[direction] - 1e-15).all()


def test_stouffer_weights_and_signs_by_hand():
    from scipy.stats import norm

    rng = np.random.default_rng(8)
    scores = {}
    for dataset, n, shift in (("A", 6, 0.05), ("B", 9, 0.02), ("C", 4, -0.03)):
        base = rng.uniform(0.5, 0.7, n)
        scores[(dataset, "mirepnet")] = base + shift + rng.uniform(-0.01, 0.01, n)
        scores[(dataset, "csp_lda")] = base
    table = compare_to_reference(_results(scores))[0].set_index("dataset")
    per, combined = table.loc[["A", "B", "C"]], table.loc["all (Stouffer)"]
    w = np.sqrt(per["n_subjects"].astype(float).to_numpy())
    for direction in ("p_reference_better", "p_model_better"):
        z = norm.isf(per[direction].to_numpy())  # a small p is a large positive z
        assert combined[direction] == pytest.approx(norm.sf(np.dot(w, z) / np.sqrt(np.sum(w ** 2))))
    assert combined["p_reference_better"] < 0.5 < combined["p_model_better"]
    assert combined["smd"] == pytest.approx(np.dot(w / w.sum(), per["smd"].to_numpy()))


def test_the_smd_is_reference_minus_model_over_the_sd_by_hand():
    ref = np.array([0.80, 0.70, 0.90, 0.75])
    model = np.array([0.70, 0.72, 0.80, 0.65])
    row = compare_to_reference(_results({("A", "mirepnet"): ref, ("A", "x"): model}))[0].iloc[0]
    d = ref - model
    assert row["smd"] == pytest.approx(d.mean() / d.std(ddof=1)) and row["smd"] > 0
    assert row["difference"] == pytest.approx(100 * d.mean())


def test_friedman_and_nemenyi_get_datasets_as_blocks_by_hand():
    from scipy.stats import studentized_range

    from benchmark.reporting.statistics import friedman_nemenyi

    means = pd.DataFrame({"m1": [0.9, 0.8, 0.85, 0.7], "m2": [0.8, 0.7, 0.8, 0.6],
                          "m3": [0.7, 0.75, 0.6, 0.65]}, index=["A", "B", "C", "D"])
    result = friedman_nemenyi(means)
    n, k = 4, 3
    ranks = np.array([[1, 2, 3], [1, 3, 2], [1, 2, 3], [1, 3, 2]])  # 1 = best, by hand
    assert result.ranks.to_numpy() == pytest.approx(ranks.mean(axis=0))
    r = ranks.mean(axis=0)
    chi2 = 12 * n / (k * (k + 1)) * np.sum(r ** 2) - 3 * n * (k + 1)
    from scipy.stats import chi2 as chi2_dist
    assert result.p_friedman == pytest.approx(chi2_dist.sf(chi2, k - 1))
    assert result.rejects and result.nemenyi is not None
    q = abs(r[0] - r[2]) / np.sqrt(k * (k + 1) / (6 * n))
    assert result.nemenyi.loc["m1", "m3"] == pytest.approx(
        studentized_range.sf(q * np.sqrt(2), k, np.inf), rel=1e-6)
    # A loss ranks the lowest first.
    low = friedman_nemenyi(means, higher_is_better=False)
    assert low.ranks["m1"] == pytest.approx(3.0)


def test_a_loss_metric_tests_and_ranks_the_lowest_as_best(tmp_path):
    from benchmark.reporting import format_main_table, main_table

    rng = np.random.default_rng(9)
    base = rng.uniform(0.4, 0.7, 8)
    df = _results({("A", "mirepnet"): base - 0.1, ("A", "csp_lda"): base})
    df["metric"] = "log_loss"
    row = compare_to_reference(df)[0].iloc[0]
    assert row["p_reference_better"] < 0.01 < 0.99 < row["p_model_better"]
    assert row["wins"] == 8 and row["difference"] < 0
    assert average_ranks(df).index[0] == "mirepnet"
    grid = format_main_table(main_table(df), higher_is_better=False)
    assert grid.loc["A", "mirepnet"].startswith("**")
    assert not grid.loc["A", "csp_lda"].startswith("**")


def test_pretraining_gain_pairs_each_model_with_its_twin_under_one_strategy():
    from benchmark.reporting.statistics import pretraining_gain

    rng = np.random.default_rng(10)
    base = rng.uniform(0.5, 0.7, 8)
    rows = []
    for model, strategy, shift in (("mirepnet", "full", 0.10), ("mirepnet_scratch", "full", 0.0),
                                   ("mirepnet", "ridge_probe", -0.05),
                                   ("mirepnet_scratch", "ridge_probe", 0.0),
                                   ("labram", "full", 0.02)):  # no twin: not compared
        part = _results({("A", model): base + shift + rng.uniform(-0.005, 0.005, 8)})
        rows.append(part.assign(finetune=strategy))
    df = pd.concat(rows, ignore_index=True)
    gain, note = pretraining_gain(df)
    assert sorted(zip(gain["model"], gain["finetune"])) == [("mirepnet", "full"),
                                                            ("mirepnet", "ridge_probe")]
    full = gain.set_index("finetune").loc["full"]
    probe = gain.set_index("finetune").loc["ridge_probe"]
    assert full["gain"] > 9 and full["wins"] == 8
    assert full["p_pretrained_better"] == pytest.approx(1 / 256)  # exact: every sign flip
    assert probe["gain"] < -4 and probe["wins"] == 0 and probe["p_scratch_better"] < 0.01
    assert (gain["p_pretrained_better_holm"] >= gain["p_pretrained_better"]).all()
    assert "pretrained minus scratch" in note


def test_moabbs_names_join_the_groups_of_the_recordings_they_are():
    """A MOABB-named entry joins a catalogue entry's group where it loads the same
    recordings: the same class, no arguments, and the catalogue's session the first one
    (checked on the datasets' specs; MOABB names BNCI2014_001's first session 0train,
    BNCI2015_001's 0A); Dreyer2023A, B and C hold parts of Dreyer2023's subjects."""
    import csv
    from collections import defaultdict
    from importlib import resources

    from benchmark.datasets import get_dataset_spec
    from benchmark.reporting.statistics import SAME_RECORDINGS_FILE, independent_datasets

    text = resources.files("benchmark.reporting").joinpath(SAME_RECORDINGS_FILE).read_text()
    groups = defaultdict(list)
    for r in csv.DictReader(text.splitlines()):
        groups[r["recordings"]].append(r["dataset"])
    first_session = {"BNCI2014_001": "0train", "BNCI2015_001": "0A"}
    for members in groups.values():
        specs = [get_dataset_spec(n) for n in members]
        paper = [s for s in specs if s.role != "moabb"]
        for spec in (s for s in specs if s.role == "moabb"):
            parent = paper[0] if paper else specs[0]
            if spec.name.startswith("Dreyer2023") and spec.name != "Dreyer2023":
                assert set(spec.subject_ids) < set(parent.subject_ids)
                continue
            assert spec.moabb_class == parent.moabb_class and spec.kwargs == parent.kwargs == {}
            assert parent.session in (None, first_session.get(spec.name)), spec.name
            assert spec.subject_ids == parent.subject_ids
    parts = [get_dataset_spec(n).subject_ids for n in ("Dreyer2023A", "Dreyer2023B",
                                                        "Dreyer2023C")]
    assert sum(parts, ()) == get_dataset_spec("Dreyer2023").subject_ids
    kept, left_out = independent_datasets(["Dreyer2023B", "Dreyer2023", "BNCI2014_001",
                                           "BNCI2014001", "BNCI2014_004", "BNCI2014004"])
    assert kept == ["Dreyer2023", "BNCI2014001", "BNCI2014_004", "BNCI2014004"]
    assert left_out == {"Dreyer2023B": "Dreyer2023", "BNCI2014_001": "BNCI2014001"}
    # the parts are other subjects than each other: without Dreyer2023 both count
    assert independent_datasets(["Dreyer2023A", "Dreyer2023B"]) == (
        ["Dreyer2023A", "Dreyer2023B"], {})
