"""The report: tables, statistics and figures from the results alone.

Dependencies run one way inside the package, each layer importing only those above it:

1. :mod:`.paper_reference`, :mod:`.aggregation`, :mod:`.formats`;
2. :mod:`.statistics` (aggregation), :mod:`.tables` (aggregation, formats,
   paper_reference);
3. :mod:`.paper_table` (tables), :mod:`.figures` (statistics), :mod:`.html_page`
   (formats);
4. :mod:`.sections` (every module above);
5. :mod:`.writer` (sections, html_page, tables).

* :mod:`.aggregation` — subject scores, the main and learning-curve tables, the
  largest-``k`` choice, subjects above the binomial chance threshold, summed confusion
  matrices;
* :mod:`.statistics` — paired tests against a reference (both tails checked), Holm,
  Stouffer, average ranks, Friedman/Nemenyi;
* :mod:`.tables` — the tables as shown (main grid, datasets, sizes, reference scores,
  what is missing); :mod:`.paper_table` — the paper's main table, grouped by family;
* :mod:`.figures` — the figures; :mod:`.formats` — Markdown, LaTeX and CSV;
* :mod:`.html_page` — ``index.html``; :mod:`.sections` — each part of the report;
  :mod:`.writer` — :func:`write_report`;
* :mod:`.paper_reference` — the paper's numbers, read from ``paper_reference.json``.

Data files shipped with the package: ``paper_reference.json`` (the paper's scores,
model sizes and names), ``model_families.csv`` (each model's family, in the paper's
order) and ``same_recordings.csv`` (catalogue datasets that are the same recordings).
"""

from benchmark.reporting.aggregation import (
    largest_shots,
    learning_curve_table,
    main_table,
    subject_scores,
    with_strategy_labels,
)
from benchmark.reporting.formats import to_markdown
from benchmark.reporting.paper_table import paper_table
from benchmark.reporting.tables import format_main_table, missing_summary
from benchmark.reporting.writer import REPORT_FILES, VERDICT_FILE, write_report

__all__ = ["write_report", "REPORT_FILES", "VERDICT_FILE", "main_table", "format_main_table",
           "learning_curve_table", "largest_shots", "subject_scores", "missing_summary",
           "paper_table", "to_markdown", "with_strategy_labels"]
