"""``python -m benchmark report DIR``: the paper's tables and figures from the results alone.

Writes ``DIR/report/``: each table as Markdown, LaTeX and CSV (the paper's main table,
the dataset x model table, subjects above chance, learning curves, paired statistics,
average ranks, confusion matrices, datasets, model sizes, the paper's reference scores),
each figure as PNG and PDF (accuracy bars, radar chart, learning curves, per-subject
paired scatter, critical-difference diagram, confusion matrices per dataset) and
``index.html``, which shows them all with the run's configuration and says what is
missing.

The report reads the results only: the table, and the confusion matrices stored with the
units (:func:`benchmark.predictions.stored_confusions`; no predictions file is opened).
What needs the data, the networks or the stored predictions is done by the caller and
handed in: rows re-scored with another metric (:func:`benchmark.predictions.rescore_rows`),
the audit's verdict (:func:`benchmark.verify.verdict_for_report`) and parameter counts
rebuilt from the networks (:func:`benchmark.model_sizes.model_size_table`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.errors import UserError
from benchmark.predictions import stored_confusions
from benchmark.reporting.aggregation import with_strategy_labels
from benchmark.reporting.html_page import Section, write_index
from benchmark.reporting.sections import (
    about_sections,
    adaptation_sections,
    confusion_sections,
    learning_curve_sections,
    main_table_sections,
    paper_table_sections,
    statistics_sections,
)
from benchmark.reporting.tables import missing_summary

__all__ = ["write_report", "REPORT_FILES", "VERDICT_FILE"]

#: The tables a full report writes (each as .md, .tex and .csv).
REPORT_FILES = ("paper_table", "main_table", "chance", "learning_curves", "statistics",
                "ranks", "confusion", "datasets", "model_sizes", "reference_scores")
#: the tables a report comparing adaptation strategies adds
ADAPTATION_FILES = ("adaptation", "pretraining_gain")

#: the audit's lines, written next to the report's tables
VERDICT_FILE = "verify.txt"

#: what a report writes, so a regenerated report leaves no stale file behind
_WRITTEN = {".md", ".tex", ".csv", ".png", ".pdf", ".html", ".txt"}


def write_report(results_dir: str | Path, df: pd.DataFrame, reference: str = "mirepnet",
                 sizes: pd.DataFrame | None = None, verdict=None, folder: str = "report",
                 rescored: str = "") -> Path:
    """Write ``DIR/report/`` (tables, figures, ``index.html``) and return that folder.

    Parameters
    ----------
    results_dir : path
        The results folder; the report goes to its ``report/`` subfolder.
    df : DataFrame
        The tidy results table (:func:`benchmark.results.read_results`).
    reference : str
        Model the statistics compare every other against.
    sizes : DataFrame or None
        Parameter counts rebuilt by building each network for the datasets' shapes
        (models x datasets, :func:`benchmark.model_sizes.model_size_table`); ``None``
        reads the rows' ``n_params``.
    verdict : Verdict or None
        What the audit of the folder found (:func:`benchmark.verify.verdict_for_report`):
        shown at the top of ``index.html`` and written, with every problem and warning
        line, to ``report/verify.txt``; ``None``: not audited, no ``verify.txt``.
    folder : str
        The report's folder inside ``results_dir``.
    rescored : str
        Where ``df``'s scores were recomputed from the stored predictions
        (:func:`benchmark.predictions.rescore_rows`): the sentence saying so, shown at
        the top of ``index.html``.
    """
    out = Path(results_dir) / folder
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write the report to {out} ({exc.strerror}); "
                        "pass a writable folder")
    for old in out.glob("*"):  # a report is regenerated whole: no stale file survives
        if old.is_file() and old.suffix in _WRITTEN:
            old.unlink()
    if verdict is not None:
        (out / VERDICT_FILE).write_text("\n".join(verdict.lines()) + "\n")
    raw, df = df, with_strategy_labels(df)  # a foundation model under each strategy: a row
    missing = missing_summary(df) if not df.empty else ["no result rows"]
    confusions = stored_confusions(results_dir) if not df.empty else {}
    sections: list[Section] = [
        *paper_table_sections(df, out),
        *main_table_sections(df, out),
        *learning_curve_sections(df, out),
        *statistics_sections(df, out, reference),
        *confusion_sections(df, out, confusions),
        *adaptation_sections(raw, out),
        *about_sections(df, out, sizes),
    ]
    write_index(out, f"MIRepNet benchmark report: {Path(results_dir).resolve().name}", sections,
                df, missing, verdict=verdict, lead=rescored)
    return out
