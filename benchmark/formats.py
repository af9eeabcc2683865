"""One table, three files: Markdown (to read), LaTeX (for the paper), CSV (for tools).

Markdown is written by hand (``DataFrame.to_markdown`` needs ``tabulate`` and cannot
keep ``**bold**`` cells apart from LaTeX's); LaTeX goes through pandas' Styler
(``jinja2``), with ``**x**`` cells turned into ``\\textbf{x}`` and special characters
escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["to_markdown", "to_latex", "write_table"]

_BOLD = re.compile(r"^\*\*(.*)\*\*$")


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; the index is the first column."""
    header = [table.index.name or ""] + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |")
    return "\n".join(lines) + "\n"


def _latex_cell(value) -> str:
    text = str(value)
    match = _BOLD.match(text)
    inner = match.group(1) if match else text
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                       ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
                       ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")):
        inner = inner.replace(char, repl)
    inner = inner.replace("±", r"$\pm$").replace("—", "--")
    return rf"\textbf{{{inner}}}" if match else inner


def to_latex(table: pd.DataFrame, caption: str, label: str) -> str:
    """A ``table`` environment with booktabs rules (``\\usepackage{booktabs}``)."""
    shown = table.copy()
    shown.index = [_latex_cell(i) for i in shown.index]
    shown.index.name = _latex_cell(table.index.name or "")
    shown.columns = [_latex_cell(c) for c in shown.columns]
    shown = shown.map(_latex_cell)
    return shown.style.to_latex(
        caption=_latex_cell(caption), label=f"tab:{label}", hrules=True, position="htbp",
        column_format="l" + "r" * len(shown.columns), position_float="centering")


def write_table(table: pd.DataFrame, folder: Path, stem: str, title: str,
                data: pd.DataFrame | None = None, note: str = "") -> str:
    """Write ``stem.md`` (title, note, table), ``stem.tex`` and ``stem.csv``.

    ``data`` is the numeric form for the CSV (default: ``table`` itself).  Returns the
    Markdown text.
    """
    md = f"# {title}\n\n" + (f"{note}\n\n" if note else "") + to_markdown(table)
    (folder / f"{stem}.md").write_text(md)
    (folder / f"{stem}.tex").write_text(to_latex(table, title, stem))
    (data if data is not None else table).to_csv(folder / f"{stem}.csv",
                                                 index=data is None)
    return md
