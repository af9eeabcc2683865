"""One table, three files: Markdown (to read), LaTeX (for the paper), CSV (for tools).

Cells may carry two marks, written as Markdown shows them: ``**x**`` (bold) and
``<u>x</u>`` (underlined; Markdown has no underline of its own, GitHub renders the HTML
tag).  Markdown is written by hand (``DataFrame.to_markdown`` needs ``tabulate`` and
cannot keep the marked cells apart from LaTeX's); LaTeX goes through pandas' Styler
(``jinja2``), with the marks turned into ``\\textbf{x}`` and ``\\underline{x}`` and
special characters escaped.  A table whose index has two levels (the paper table:
family, model) prints the outer level once per group: in Markdown on the group's first
row, in LaTeX as ``\\multirow`` (``\\usepackage{multirow}``) with a ``\\midrule``
between groups.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["to_markdown", "to_latex", "write_table", "bold", "underline", "split_mark"]

_MARKS = {"bold": re.compile(r"^\*\*(.*)\*\*$"), "underline": re.compile(r"^<u>(.*)</u>$")}
_LATEX = {"bold": "textbf", "underline": "underline"}


def bold(text: str) -> str:
    """``text`` marked bold (``**text**``)."""
    return f"**{text}**"


def underline(text: str) -> str:
    """``text`` marked underlined (``<u>text</u>``)."""
    return f"<u>{text}</u>"


def split_mark(text: str) -> tuple[str, str | None]:
    """``(text without its mark, "bold" or "underline" or None)``."""
    for mark, pattern in _MARKS.items():
        match = pattern.match(text)
        if match:
            return match.group(1), mark
    return text, None


def _index_cells(table: pd.DataFrame) -> list[list[str]]:
    """Each row's index values; an outer level is blank where it repeats the row above."""
    rows = [list(map(str, i)) if isinstance(i, tuple) else [str(i)] for i in table.index]
    shown = [list(r) for r in rows]
    for i in range(1, len(rows)):
        for level in range(len(rows[i]) - 1):  # the innermost level is always shown
            if rows[i][: level + 1] == rows[i - 1][: level + 1]:
                shown[i][level] = ""
    return shown


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; the index (each of its levels) comes first."""
    names = [n or "" for n in table.index.names]
    header = names + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, (_, row) in zip(_index_cells(table), table.iterrows()):
        lines.append("| " + " | ".join(idx + [str(v) for v in row]) + " |")
    return "\n".join(lines) + "\n"


def _latex_cell(value) -> str:
    text, mark = split_mark(str(value))
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                       ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
                       ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")):
        text = text.replace(char, repl)
    text = text.replace("±", r"$\pm$").replace("—", "--")
    return rf"\{_LATEX[mark]}{{{text}}}" if mark else text


def to_latex(table: pd.DataFrame, caption: str, label: str) -> str:
    """A ``table`` environment with booktabs rules (``\\usepackage{booktabs}``)."""
    shown = table.copy()
    names = [_latex_cell(n or "") for n in table.index.names]
    if table.index.nlevels > 1:
        shown.index = pd.MultiIndex.from_tuples(
            [tuple(_latex_cell(v) for v in i) for i in table.index], names=names)
    else:
        shown.index = [_latex_cell(i) for i in shown.index]
        shown.index.name = names[0]
    shown.columns = [_latex_cell(c) for c in shown.columns]
    shown = shown.map(_latex_cell)
    grouped = table.index.nlevels > 1
    tex = shown.style.to_latex(
        caption=_latex_cell(caption), label=f"tab:{label}", hrules=True, position="htbp",
        column_format="l" * table.index.nlevels + "r" * len(shown.columns),
        position_float="centering", multirow_align="t",
        clines="skip-last;data" if grouped else None)
    if grouped:  # Styler rules groups with \cline; booktabs wants \midrule, none at the end
        tex = re.sub(r"\\cline\{[^}]*\}\n\\bottomrule", r"\\bottomrule", tex)
        tex = re.sub(r"\\cline\{[^}]*\}", r"\\midrule", tex)
    return tex


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
