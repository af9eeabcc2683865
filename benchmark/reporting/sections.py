"""The parts of a report: each writes its tables and figures into the report folder and
returns the :class:`~benchmark.reporting.html_page.Section` objects ``index.html`` shows.

In the order of the page: the paper's main table; the dataset x model table with its
figures; the learning curves; the statistics (paired tests, ranks, critical-difference
diagram); the datasets, model sizes and the paper's reference scores.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.metrics import METRIC_TITLES, metric_of
from benchmark.reporting import figures
from benchmark.reporting.aggregation import (
    largest_shots,
    learning_curve_table,
    main_table,
    subject_scores,
)
from benchmark.reporting.formats import to_markdown, write_table
from benchmark.reporting.html_page import Section
from benchmark.reporting.paper_table import paper_table, paper_table_note
from benchmark.reporting.statistics import (
    ALPHA,
    average_ranks,
    choose_reference,
    compare_to_reference,
    duplicates_sentence,
    independent_datasets,
)
from benchmark.reporting.tables import (
    datasets_table,
    format_main_table,
    learning_curve_grid,
    model_sizes_table,
    reference_table,
    with_paper_sizes,
    with_status_cells,
)

__all__ = ["paper_table_sections", "main_table_sections", "learning_curve_sections",
           "statistics_sections", "about_sections", "files_of", "score_title"]

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
    grid = with_status_cells(format_main_table(table), df)
    note = ("Each subject's accuracy is averaged over seeds and folds first; best per dataset "
            "in bold; n/r: not runnable here.")
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
    if not table.empty:
        chance = table.groupby("dataset")["chance"].first()
        stem = figures.accuracy_bars(largest_shots(df), chance, out / "accuracy")
        sections.append(Section("Accuracy per dataset", figure=stem,
                                files=files_of("accuracy", True)))
        stem = figures.radar(table, out / "radar")
        sections.append(Section("Radar chart", figure=stem,
                                files=files_of("radar", True) if stem else (),
                                note="" if stem else "A radar chart needs 3 or more datasets "
                                "with results for the same models; these results have "
                                f"{table['dataset'].nunique()} dataset(s)."))
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
    used, _ = choose_reference(scores, reference)  # the model the tests below compare against
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
            "model acc.": table["model_mean"].map("{:.1f}".format),
            "difference": table["difference"].map(lambda v: f"{round(v, 1) + 0.0:+.1f}"),
            "SMD": table["smd"].map(lambda v: f"{round(v, 2) + 0.0:+.2f}"),
            "p (H1: ref. better)": table["p_reference_better"].map("{:.3g}".format),
            "p (H1: model better)": table["p_model_better"].map("{:.3g}".format),
            "test": table["test"]}).set_index("dataset")
        sections.append(table_section(shown, out, "statistics", title, note + ".", data=table))
    stem = figures.paired_scatter(largest_shots(df), used, out / "paired_scatter")
    if stem is not None:
        sections.append(Section(f"Per-subject accuracy: {used} against each model", figure=stem,
                                files=files_of("paired_scatter", True)))
    ranks = average_ranks(df).round(2)
    ranks["datasets"] = ranks["datasets"].astype(int).astype(str)
    ranks = ranks.astype(str).replace("nan", "—")
    ranks.index.name, ranks.columns.name = "model", None
    title = "Average rank over datasets (1 = best mean accuracy)"
    means = scores.groupby(["dataset", "model"])["score"].mean().unstack("model")
    kept, same = independent_datasets(means.index)
    stem, cd_note = figures.cd_diagram(means.loc[kept], out / "cd_diagram")
    rank_note = f"{cd_note}."
    if same:
        rank_note += f" {duplicates_sentence(same, 'the mean rank and the Friedman test')}."
    write_table(ranks, out, "ranks", title, note=rank_note)
    with open(out / "statistics.md", "a") as fh:
        fh.write(f"\n# {title}\n\n{rank_note}\n\n" + to_markdown(ranks))
    sections.append(Section(title, rank_note, ranks, stem,
                            files_of("ranks") + (files_of("cd_diagram", True) if stem else ())))
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
