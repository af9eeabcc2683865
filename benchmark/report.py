"""``python -m benchmark report DIR``: the paper's tables and figures from the results alone.

Writes ``DIR/report/``: each table as Markdown, LaTeX and CSV (main accuracy table,
learning curves, paired statistics, average ranks, datasets, model sizes, the paper's
reference scores), each figure as PNG and PDF (accuracy bars, radar chart, learning
curves, per-subject paired scatter, critical-difference diagram) and ``index.html``,
which shows them all with the run's configuration and says what is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.errors import UserError
from benchmark.metrics import METRIC_TITLES, chance_level, metric_of

__all__ = ["main_table", "format_main_table", "learning_curve_table", "write_report",
           "REPORT_FILES"]

#: The tables a full report writes (each as .md, .tex and .csv).
REPORT_FILES = ("main_table", "learning_curves", "statistics", "ranks", "datasets",
                "model_sizes", "reference_scores")

STATUS_CELL = {"not_runnable": "n/r", "failed": "failed"}


def main_table(df: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per (dataset, model): mean and std over subjects.

    Each subject's score is first averaged over seeds and folds, then the mean and the
    standard deviation are taken across subjects.  Columns: ``dataset, model, mean, std,
    n_subjects, n_seeds, chance``.
    """
    ok = df[df["status"] == "ok"].copy()
    if ok.empty:
        return pd.DataFrame(columns=["dataset", "model", "mean", "std", "n_subjects", "n_seeds",
                                     "chance"])
    ok["score"] = ok["score"].astype(float)
    per_subject = ok.groupby(["dataset", "model", "subject"], as_index=False).agg(
        score=("score", "mean"), n_seeds=("seed", "nunique"), n_classes=("n_classes", "first"))
    table = per_subject.groupby(["dataset", "model"], as_index=False).agg(
        mean=("score", "mean"),
        std=("score", lambda s: float(np.std(s, ddof=1)) if len(s) > 1 else 0.0),
        n_subjects=("subject", "nunique"),
        n_seeds=("n_seeds", "max"),
        n_classes=("n_classes", "first"),
    )
    table["chance"] = chance_level(metric_of(ok), table["n_classes"].astype(float))
    return table.drop(columns="n_classes")


def _largest_shots(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the paper-style protocols, and of few-shot runs only the largest ``k`` per
    dataset."""
    shots = pd.to_numeric(df["shots"], errors="coerce")
    if shots.isna().all():
        return df
    top = shots.groupby(df["dataset"]).transform("max")
    return df[shots.isna() | (shots == top)]


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
        mean=("score", "mean"),
        std=("score", lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else 0.0),
        n_subjects=("subject", "nunique"), n_seeds=("n_seeds", "max"))
    return table[cols]


def format_main_table(table: pd.DataFrame) -> pd.DataFrame:
    """Dataset x model grid of ``mean ± std`` accuracies in percent, best per dataset in bold."""
    if table.empty:
        return pd.DataFrame()
    cells = table.assign(
        cell=[f"{100 * m:.1f} ± {100 * s:.1f}" for m, s in zip(table["mean"], table["std"])]
    )
    best = table.loc[table.groupby("dataset")["mean"].idxmax(), ["dataset", "model"]]
    best_pairs = set(map(tuple, best.to_numpy()))
    cells["cell"] = [
        f"**{c}**" if (d, m) in best_pairs and table["model"].nunique() > 1 else c
        for d, m, c in zip(cells["dataset"], cells["model"], cells["cell"])
    ]
    grid = cells.pivot(index="dataset", columns="model", values="cell").fillna("—")
    chance = table.groupby("dataset")["chance"].first().map(lambda c: f"{100 * c:.0f}")
    grid.insert(0, "chance", chance)
    return grid


def _markdown(grid: pd.DataFrame) -> str:
    from benchmark.formats import to_markdown

    return to_markdown(grid if grid.index.name else grid.rename_axis("dataset"))


def write_report(results_dir: str | Path, df: pd.DataFrame, reference: str = "mirepnet",
                 rebuild_sizes: bool = False, verify: bool = True, cache_dir: str | None = None,
                 use_cache: bool = True) -> Path:
    """Write ``DIR/report/`` (tables, figures, ``index.html``) and return that folder.

    Parameters
    ----------
    results_dir : path
        The results folder; the report goes to its ``report/`` subfolder.
    df : DataFrame
        The tidy results table (:func:`benchmark.results.read_results`).
    reference : str
        Model the statistics compare every other against.
    rebuild_sizes : bool
        Count parameters by building each network for the datasets' shapes (also for
        models without finished rows) instead of reading the rows' ``n_params``.
    verify : bool
        Audit the folder first (:func:`benchmark.verify.verify_results`): the verdict goes
        to the top of ``index.html`` and, with every problem and warning line, to
        ``report/verify.txt``.
    cache_dir, use_cache : str or None, bool
        The epoch cache the audit loads the trials through (the run's ``--cache``,
        ``--no-cache``).
    """
    from benchmark import figures, tables
    from benchmark.formats import write_table
    from benchmark.html_report import Section, write_index

    out = Path(results_dir) / "report"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write the report to {out} ({exc.strerror}); "
                        "pass a writable folder")
    for old in out.glob("*"):  # a report is regenerated whole: no stale file survives
        if old.is_file() and old.suffix in {".md", ".tex", ".csv", ".png", ".pdf", ".html",
                                            ".txt"}:
            old.unlink()
    verdict = (_verdict(results_dir, out, cache_dir=cache_dir, use_cache=use_cache) if verify
               else None)
    sections: list[Section] = []
    missing = tables.missing_summary(df) if not df.empty else ["no result rows"]

    # -- main table -------------------------------------------------------------------
    table = main_table(_largest_shots(df))
    grid = format_main_table(table)
    problems = df[df["status"] != "ok"]
    if not grid.empty:  # every model of the run appears, also those that never ran
        for model in sorted(set(problems["model"]) - set(grid.columns)):
            grid[model] = STATUS_CELL.get(
                problems.loc[problems["model"] == model, "status"].iloc[0], "—")
    fewshot = pd.to_numeric(df["shots"], errors="coerce").notna().any()
    note = ("Each subject's accuracy is averaged over seeds and folds first; best per dataset "
            "in bold; n/r: not runnable here.")
    if fewshot:
        note += (" Protocols with several k: the largest k per dataset; every k is in "
                 "learning_curves.")
    score_title = METRIC_TITLES[metric_of(df)]
    title = f"{score_title}, mean ± std over subjects"
    if grid.empty:
        (out / "main_table.md").write_text(f"# {title}\n\nNo finished units.\n")
    else:
        write_table(grid, out, "main_table", title, data=table, note=note)
        sections.append(Section(title, note, grid, files=_files("main_table")))
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
        stem = figures.accuracy_bars(_largest_shots(df), chance, out / "accuracy")
        sections.append(Section("Accuracy per dataset", figure=stem,
                                files=_files("accuracy", True)))
        stem = figures.radar(table, out / "radar")
        sections.append(Section("Radar chart", figure=stem,
                                files=_files("radar", True) if stem else (),
                                note="" if stem else "A radar chart needs 3 or more datasets "
                                "with results for the same models; these results have "
                                f"{table['dataset'].nunique()} dataset(s)."))

    # -- learning curves --------------------------------------------------------------
    curves = learning_curve_table(df)
    if not curves.empty:
        cells = curves.assign(cell=[f"{100 * m:.1f} ± {100 * s:.1f}"
                                    for m, s in zip(curves["mean"], curves["std"])])
        lc = cells.pivot(index=["dataset", "shots"], columns="model", values="cell").fillna("—")
        lc.index = [f"{d}, k={k}" for d, k in lc.index]
        lc.index.name, lc.columns.name = "dataset, trials per class", None
        title = f"{score_title} by labelled trials per class, mean ± std over subjects"
        write_table(lc, out, "learning_curves", title, data=curves)
        stem = figures.learning_curves(df, out / "learning_curves")
        note = ("k = 0: trained on the other subjects only, no target trial."
                if (curves["shots"] == 0).any() else "")
        sections.append(Section("Learning curves", note, lc, stem,
                                _files("learning_curves", stem is not None)))

    # -- statistics ---------------------------------------------------------------------
    sections += _write_statistics(df, out, reference)

    # -- datasets, sizes, paper reference ---------------------------------------------
    ds = tables.datasets_table(df)
    if not ds.empty:
        title = "Datasets as loaded"
        note = ("From the finished rows: trials sum the evaluated subjects' trials in the "
                "protocol's selection.")
        write_table(ds, out, "datasets", title, note=note)
        sections.append(Section(title, note, ds, files=_files("datasets")))
    sizes = _sizes(df, rebuild_sizes)
    if not sizes.empty:
        title = "Model sizes (parameters)"
        note = ("Per dataset, of the network as fitted (channels, classes and window set "
                "the count); paper: the MIRepNet paper's figure; —: not a neural network.")
        write_table(sizes, out, "model_sizes", title, note=note)
        sections.append(Section(title, note, sizes, files=_files("model_sizes")))
    ref, ref_note = tables.reference_table(df)
    title = "The paper's reference accuracies (%) beside ours"
    write_table(ref, out, "reference_scores", title, note=ref_note)
    sections.append(Section(title, ref_note, ref, files=_files("reference_scores")))

    write_index(out, f"MIRepNet benchmark report: {Path(results_dir).resolve().name}", sections,
                df, missing, verdict=verdict)
    return out


def _verdict(results_dir: str | Path, out: Path, **cache):
    """Verify the results folder; write ``out/verify.txt`` (``None``: nothing to verify)."""
    from benchmark.verify import VERDICT_FILE, verdict_for_report

    verdict = verdict_for_report(results_dir, **cache)
    path = out / VERDICT_FILE
    if verdict is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text("\n".join(verdict.lines()) + "\n")
    return verdict


def _files(stem: str, figure: bool = False) -> tuple[str, ...]:
    return ((f"{stem}.png", f"{stem}.pdf") if figure
            else (f"{stem}.md", f"{stem}.tex", f"{stem}.csv"))


def _sizes(df: pd.DataFrame, rebuild: bool) -> pd.DataFrame:
    from benchmark import tables

    if not rebuild:
        return tables.model_sizes_table(df)
    from benchmark.model_sizes import model_size_table

    return tables.with_paper_sizes(model_size_table(df))


def _write_statistics(df: pd.DataFrame, out: Path, reference: str) -> list:
    """``statistics.*`` (paired tests against the reference), ``ranks.*``, the CD diagram."""
    from benchmark import figures
    from benchmark.formats import write_table
    from benchmark.html_report import Section
    from benchmark.statistics import (
        ALPHA,
        average_ranks,
        choose_reference,
        compare_to_reference,
        duplicates_sentence,
        independent_datasets,
        subject_scores,
    )

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
        write_table(shown, out, "statistics", title, data=table, note=note + ".")
        sections.append(Section(title, note + ".", shown, files=_files("statistics")))
    stem = figures.paired_scatter(_largest_shots(df), used, out / "paired_scatter")
    if stem is not None:
        sections.append(Section(f"Per-subject accuracy: {used} against each model", figure=stem,
                                files=_files("paired_scatter", True)))
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
        fh.write(f"\n# {title}\n\n{rank_note}\n\n" + _markdown(ranks))
    sections.append(Section(title, rank_note, ranks, stem,
                            _files("ranks") + (_files("cd_diagram", True) if stem else ())))
    return sections
