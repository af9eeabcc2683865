"""The parts of a report: each writes its tables and figures into the report folder and
returns the :class:`~benchmark.reporting.html_page.Section` objects ``index.html`` shows.

In the order of the page: the paper's main table; the dataset x model table with its
figures; the learning curves; the statistics (paired tests, ranks, critical-difference
diagram); the datasets, model sizes and the paper's reference scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.metrics import (
    CHANCE_ALPHA,
    ECE_BINS,
    METRIC_TITLES,
    chance_threshold,
    greater_is_better,
    metric_of,
)
from benchmark.reporting import figures
from benchmark.reporting.aggregation import (
    adaptation_rows,
    adaptation_table,
    chance_counts,
    largest_shots,
    learning_curve_table,
    main_table,
    subject_scores,
    summed_confusions,
)
from benchmark.reporting.formats import to_markdown, write_table
from benchmark.reporting.html_page import Section
from benchmark.reporting.paper_table import paper_table, paper_table_note
from benchmark.reporting.statistics import (
    ALPHA,
    pretraining_gain,
    average_ranks,
    choose_reference,
    compare_to_reference,
    duplicates_sentence,
    independent_datasets,
)
from benchmark.reporting.tables import (
    mean_std_cell,
    chance_grid,
    confusion_table,
    datasets_table,
    format_main_table,
    learning_curve_grid,
    model_sizes_table,
    reference_table,
    with_paper_sizes,
    with_status_cells,
)

__all__ = ["paper_table_sections", "main_table_sections", "learning_curve_sections",
           "statistics_sections", "confusion_sections", "adaptation_sections", "about_sections",
           "files_of",
           "score_title", "metric_note"]

_LARGEST_K = (" Protocols with several k: the largest k per dataset; every k is in "
              "learning_curves.")


def files_of(stem: str, figure: bool = False) -> tuple[str, ...]:
    """The files one table (``.md``, ``.tex``, ``.csv``) or figure (``.png``, ``.pdf``) makes."""
    return ((f"{stem}.png", f"{stem}.pdf") if figure
            else (f"{stem}.md", f"{stem}.tex", f"{stem}.csv"))


def table_section(table: pd.DataFrame, out: Path, stem: str, title: str, note: str = "",
                  data: pd.DataFrame | None = None) -> Section:
    """Write one table (``stem.md``, ``.tex``, ``.csv``; see :func:`write_table`) and
    return its section of the page, linked to those files."""
    write_table(table, out, stem, title, data=data, note=note)
    return Section(title, note, table, files=files_of(stem))


def score_title(df: pd.DataFrame) -> str:
    """How the tables name the results' metric (``"Accuracy (%)"``)."""
    return METRIC_TITLES[metric_of(df)]


def metric_note(df: pd.DataFrame) -> str:
    """What the scores are: the metric, its direction, and ECE's bins where it is shown."""
    metric = metric_of(df)
    text = f" Scores: {metric} x 100"
    if not greater_is_better(metric):
        text += ", lower is better (the best is the lowest)"
    if metric == "ece":
        text += (f"; ECE: expected calibration error with {ECE_BINS} equal-width bins of the "
                 "largest probability (Guo et al. 2017)")
    return text + "."


def _fewshot(df: pd.DataFrame) -> bool:
    return bool(pd.to_numeric(df["shots"], errors="coerce").notna().any())


def paper_table_sections(df: pd.DataFrame, out: Path) -> list[Section]:
    """``paper_table.*``: the paper's main table (:mod:`benchmark.reporting.paper_table`)."""
    grid, data = paper_table(df)
    if grid.empty:
        return []
    title = f"The paper's main table: {score_title(df)}, mean ± std over subjects"
    note = paper_table_note(data)
    if _fewshot(df):
        note += _LARGEST_K
    return [table_section(grid, out, "paper_table", title, note, data=data)]


def main_table_sections(df: pd.DataFrame, out: Path) -> list[Section]:
    """``main_table.*`` (dataset x model), the accuracy bars and the radar chart."""
    sections = []
    table = main_table(largest_shots(df))
    grid = with_status_cells(format_main_table(table, greater_is_better(metric_of(df))), df)
    note = ("Each subject's score is averaged over seeds and folds first; best per dataset "
            "in bold; n/r: not runnable here." + metric_note(df))
    counts = chance_counts(df)
    if not counts.empty:
        note += (" Subjects above the binomial chance threshold: see the table below "
                 "(chance is 1/classes; a subject needs more than the threshold).")
    if _fewshot(df):
        note += _LARGEST_K
    title = f"{score_title(df)}, mean ± std over subjects"
    if grid.empty:
        (out / "main_table.md").write_text(f"# {title}\n\nNo finished units.\n")
    else:
        sections.append(table_section(grid, out, "main_table", title, note, data=table))
    problems = df[df["status"] != "ok"]
    if not problems.empty:
        text = ("\n## Units and folds that did not run\n\n(n/r: not runnable here; failed: an "
                "error during the unit)\n\n")
        grouped = problems.groupby(["model", "status", "error"], dropna=False)["dataset"]
        for (m, st, err), datasets in grouped:
            names = ", ".join(sorted(set(datasets)))
            text += f"- {m}: {st} in {len(datasets)} result row(s) ({names}): {err}\n"
        with open(out / "main_table.md", "a") as fh:
            fh.write(text)
    if not counts.empty:
        sections.append(table_section(
            chance_grid(counts), out, "chance",
            f"Subjects above chance (binomial threshold, alpha = {CHANCE_ALPHA})",
            _chance_note(), data=counts))
    if not table.empty:
        chance = table.groupby("dataset")["chance"].first()
        stem = figures.accuracy_bars(largest_shots(df), chance, out / "accuracy",
                                     thresholds=counts)
        sections.append(Section(f"{score_title(df)} per dataset", figure=stem,
                                files=files_of("accuracy", True)))
        if greater_is_better(metric_of(df)):
            stem = figures.radar(table, out / "radar", score_title(df))
            sections.append(Section("Radar chart", figure=stem,
                                    files=files_of("radar", True) if stem else (),
                                    note="" if stem else "A radar chart needs 3 or more "
                                    "datasets with results for the same models; these results "
                                    f"have {table['dataset'].nunique()} dataset(s)."))
        else:
            sections.append(Section("Radar chart", note=f"No radar chart for "
                                    f"{metric_of(df)}: lower is better, so outward would "
                                    "mean worse."))
    return sections


def learning_curve_sections(df: pd.DataFrame, out: Path) -> list[Section]:
    """``learning_curves.*``: accuracy by labelled trials per class (few-shot runs)."""
    curves = learning_curve_table(df)
    if curves.empty:
        return []
    grid = learning_curve_grid(curves)
    title = f"{score_title(df)} by labelled trials per class, mean ± std over subjects"
    write_table(grid, out, "learning_curves", title, data=curves)
    stem = figures.learning_curves(df, out / "learning_curves")
    note = ("k = 0: trained on the other subjects only, no target trial."
            if (curves["shots"] == 0).any() else "")
    return [Section("Learning curves", note, grid, stem,
                    files_of("learning_curves", stem is not None))]


def statistics_sections(df: pd.DataFrame, out: Path, reference: str) -> list[Section]:
    """``statistics.*`` (paired tests against the reference), ``ranks.*``, the CD diagram."""
    if (df["status"] == "ok").sum() == 0:
        return []
    sections = []
    scores = subject_scores(df)
    higher = greater_is_better(metric_of(df))
    used, _ = choose_reference(scores, reference, higher)  # the model the tests compare with
    table, note = compare_to_reference(df, reference)
    title = f"Paired comparisons over subjects (one-sided tests, alpha = {ALPHA})"
    if table.empty:
        text = (f"# {title}\n\n{note}.\n\nNo dataset has two or more subjects finished by the "
                "reference and a model.\n")
        (out / "statistics.md").write_text(text)
        table.to_csv(out / "statistics.csv", index=False)
        sections.append(Section(title, note + ". No dataset has two or more subjects finished by "
                                "the reference and a model."))
    else:
        shown = pd.DataFrame({
            "dataset": table["dataset"], "model": table["model"], "subjects": table["n_subjects"],
            "reference": table["reference_mean"].map("{:.1f}".format),
            "model score": table["model_mean"].map("{:.1f}".format),
            "difference": table["difference"].map(lambda v: f"{round(v, 1) + 0.0:+.1f}"),
            "median diff.": table["median_difference"].map(
                lambda v: f"{round(v, 1) + 0.0:+.1f}" if np.isfinite(v) else "—"),
            "SMD": table["smd"].map(lambda v: f"{round(v, 2) + 0.0:+.2f}"),
            "ref. wins": [f"{w}/{n}" for w, n in zip(table["wins"], table["n_subjects"])],
            "p (H1: ref. better)": table["p_reference_better"].map("{:.3g}".format),
            "Holm p (ref. better)": table["p_reference_better_holm"].map("{:.3g}".format),
            "p (H1: model better)": table["p_model_better"].map("{:.3g}".format),
            "Holm p (model better)": table["p_model_better_holm"].map("{:.3g}".format),
            "test": table["test"]}).set_index("dataset")
        sections.append(table_section(shown, out, "statistics", title, note + ".", data=table))
    stem = figures.paired_scatter(largest_shots(df), used, out / "paired_scatter",
                                  thresholds=chance_counts(df))
    if stem is not None:
        sections.append(Section(f"Per-subject scores: {used} against each model", figure=stem,
                                files=files_of("paired_scatter", True)))
    ranks = average_ranks(df).round(2)
    ranks["datasets"] = ranks["datasets"].astype(int).astype(str)
    ranks = ranks.astype(str).replace("nan", "—")
    ranks.index.name, ranks.columns.name = "model", None
    title = "Average rank over datasets (1 = best mean score)"
    means = scores.groupby(["dataset", "model"])["score"].mean().unstack("model")
    kept, same = independent_datasets(means.index)
    stem, cd_note = figures.cd_diagram(means.loc[kept], out / "cd_diagram",
                                       higher_is_better=higher)
    rank_note = f"{cd_note}."
    if same:
        rank_note += f" {duplicates_sentence(same, 'the mean rank and the Friedman test')}."
    write_table(ranks, out, "ranks", title, note=rank_note)
    with open(out / "statistics.md", "a") as fh:
        fh.write(f"\n# {title}\n\n{rank_note}\n\n" + to_markdown(ranks))
    sections.append(Section(title, rank_note, ranks, stem,
                            files_of("ranks") + (files_of("cd_diagram", True) if stem else ())))
    return sections


def _chance_note() -> str:
    example = 100 * float(chance_threshold(28, 2))
    return (f"Per (dataset, model): subjects whose score is strictly above their binomial "
            f"chance threshold, of the subjects with a result. A threshold is the accuracy "
            f"a guesser (probability 1/classes per trial) exceeds with probability at most "
            f"alpha = {CHANCE_ALPHA} on that many test trials (Combrisson & Jerbi, J. "
            f"Neurosci. Methods 2015; MOABB's adjusted_chance_level); a subject's test "
            f"trials are those one seed tests (its folds together), so a subject scored on "
            f"28 trials of 2 classes needs more than {example:.1f} % (19 of 28 correct), not 50 %.")


def confusion_sections(df: pd.DataFrame, out: Path, confusions: dict) -> list[Section]:
    """``confusion.*``: a confusion matrix per (dataset, model) summed over subjects, and a
    figure per dataset with a panel per model (``confusion_<dataset>``)."""
    matrices = summed_confusions(df, confusions)
    if not matrices:
        return []
    table, data = confusion_table(matrices)
    without = sum(v[3] for v in matrices.values())
    note = ("Rows: the true class, columns: the predicted class; each cell the count of test "
            "trials summed over subjects, seeds and folds (the main table's rows), and its "
            "share of the true class's trials (row %).")
    if without:
        note += f" {without} row(s) without stored predictions are not counted."
    if _fewshot(df):
        note += _LARGEST_K
    sections = [table_section(table, out, "confusion", "Confusion matrices, summed over "
                              "subjects", note, data=data)]
    for dataset in sorted({d for d, _ in matrices}):
        stem_name = "confusion_" + "".join(c if c.isalnum() or c in "-_" else "-"
                                           for c in dataset)
        stem = figures.confusion_matrices(matrices, dataset, out / stem_name)
        if stem is not None:
            sections.append(Section(f"Confusion matrices: {dataset}", figure=stem,
                                    files=files_of(stem_name, True)))
    return sections


def adaptation_sections(df: pd.DataFrame, out: Path) -> list[Section]:
    """``adaptation.*``, ``pretraining_gain.*``, the strategies figure and one learning
    curve per strategy: where the results compare adaptation strategies.

    ``df`` is the results table with plain model names and the ``finetune`` column.
    """
    rows = adaptation_rows(df)
    if rows.empty:
        return []
    table = adaptation_table(rows)
    if table.empty:
        return []
    shown = table.assign(cell=[mean_std_cell(m, s) for m, s in zip(table["mean"], table["std"])])
    grid = shown.pivot(index=["dataset", "model"], columns="finetune", values="cell").fillna("—")
    order = sorted(grid.columns, key=lambda s: (s != "full", s))
    grid = grid[order]
    grid.columns.name = None
    trainable = table.dropna(subset=["n_trainable"]).groupby(["model", "finetune"])[
        "n_trainable"].max()
    note = ("Per dataset and foundation model, each adaptation strategy's score: mean ± std "
            "over subjects (seeds and folds averaged first); tables never average over "
            "strategies." + metric_note(df))
    if len(trainable):
        note += " Parameters trained: " + "; ".join(
            f"{m} · {s}: {int(n):,}" for (m, s), n in trainable.items()) + "."
    if _fewshot(df):
        note += _LARGEST_K
    sections = [table_section(grid, out, "adaptation", "Adaptation strategies", note,
                              data=table)]
    gain, gain_note = pretraining_gain(rows)
    if not gain.empty:
        cells = pd.DataFrame({
            "dataset": gain["dataset"], "model": gain["model"], "strategy": gain["finetune"],
            "subjects": gain["n_subjects"],
            "pretrained": gain["pretrained_mean"].map("{:.1f}".format),
            "scratch": gain["scratch_mean"].map("{:.1f}".format),
            "gain": gain["gain"].map(lambda v: f"{round(v, 1) + 0.0:+.1f}"),
            "wins": [f"{w}/{n}" for w, n in zip(gain["wins"], gain["n_subjects"])],
            "p (H1: pretrained better)": gain["p_pretrained_better"].map("{:.3g}".format),
            "Holm p (pretrained better)": gain["p_pretrained_better_holm"].map("{:.3g}".format),
            "p (H1: scratch better)": gain["p_scratch_better"].map("{:.3g}".format),
            "Holm p (scratch better)": gain["p_scratch_better_holm"].map("{:.3g}".format),
            "test": gain["test"]}).set_index("dataset")
        sections.append(table_section(cells, out, "pretraining_gain",
                                      "Pretraining gain: pretrained minus *_scratch, per "
                                      "strategy", gain_note + ".", data=gain))
    stem = figures.strategy_bars(largest_shots(rows), out / "adaptation")
    if stem is not None:
        sections.append(Section("Adaptation strategies side by side", figure=stem,
                                files=files_of("adaptation", True)))
    if _fewshot(rows):
        for strategy in sorted(rows["finetune"].dropna().unique(),
                               key=lambda s: (s != "full", s)):
            stem_name = f"learning_curves_{strategy}"
            stem = figures.learning_curves(rows[rows["finetune"] == strategy], out / stem_name)
            if stem is not None:
                sections.append(Section(f"Learning curves under {strategy}", figure=stem,
                                        files=files_of(stem_name, True)))
    return sections


def about_sections(df: pd.DataFrame, out: Path, sizes: pd.DataFrame | None) -> list[Section]:
    """``datasets.*``, ``model_sizes.*`` and ``reference_scores.*``.

    ``sizes`` is a parameter table rebuilt from the networks (models x datasets; the
    ``paper`` column is added here), or ``None`` to read the rows' ``n_params``.
    """
    sections = []
    ds = datasets_table(df)
    if not ds.empty:
        title = "Datasets as loaded"
        note = ("From the finished rows: trials sum the evaluated subjects' trials in the "
                "protocol's selection.")
        sections.append(table_section(ds, out, "datasets", title, note))
    sizes = model_sizes_table(df) if sizes is None else with_paper_sizes(sizes)
    if not sizes.empty:
        title = "Model sizes (parameters)"
        note = ("Per dataset, of the network as fitted (channels, classes and window set "
                "the count); paper: the MIRepNet paper's figure; —: not a neural network.")
        sections.append(table_section(sizes, out, "model_sizes", title, note))
    ref, ref_note = reference_table(df)
    title = "The paper's reference accuracies (%) beside ours"
    sections.append(table_section(ref, out, "reference_scores", title, ref_note))
    return sections
