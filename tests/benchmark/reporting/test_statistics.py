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
    assert "(mirepnet minus model). One-sided paired tests over subjects, alpha = 0.05" in note
    assert "p (H1: ref. better) tests whether mirepnet scores higher than the model" in note
    assert "p (H1: model better) whether the model scores higher than mirepnet" in note
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
    assert "| p (H1: ref. better) | p (H1: model better) |" in stats
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
