"""The paper's main table as the paper prints it: ``report/paper_table.{md,tex,csv}``.

A row per model, grouped by family (classical, specialist, foundation, then any other
model); a ``*_scratch`` model right after its pretrained twin; a column per dataset
(the paper's datasets in its order, then the others by name) and ``average``.  A cell
is ``mean ± std`` over subjects in percent, the numbers of ``main_table``; per column
the best value is bold and the second best underlined, ranked on the unrounded means as
``main_table`` picks its bold cell (an exact tie goes to the model first by name), so a
dataset's bold cell is the same model in both tables.  ``n/r``: the model was not
runnable on that dataset; ``—``: no result (it failed, or did not run).

A cell with fewer subjects than the dataset has in the results (the most any model has
there) carries a dagger, ``65.0 ± 4.8†``: it is neither ranked nor averaged.  ``average``
is the mean over datasets of the model's means, for a model with a complete cell on
every dataset, printed without ``±`` (the mean of the standard deviations is no
standard deviation); ``n/r`` for a model not runnable on any dataset, ``—`` otherwise.

The results table does not record a model's family (rows name the model, not its
tags), so the family comes from ``model_families.csv``, shipped with this package: our
registry names in the paper's order within each family (a test keeps it in step with
the registry's tags).  A ``*_scratch`` model has its twin's family; a model the file
does not list is ``other``, after the paper's families, by name.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from benchmark.metrics import greater_is_better, metric_of
from benchmark.reporting.aggregation import base_model, largest_shots, main_table
from benchmark.reporting.formats import bold, underline
from benchmark.reporting.paper_reference import PAPER_DATASETS
from benchmark.reporting.tables import mean_std_cell

__all__ = ["paper_table", "paper_table_note", "family_of", "row_order", "FAMILIES",
           "OTHER_FAMILY", "AVERAGE", "FAMILIES_FILE", "PAPER_TABLE_COLUMNS", "PARTIAL_MARK"]

#: the paper's families, in the order its table prints them
FAMILIES = ("classical", "specialist", "foundation")
#: the family of a model ``model_families.csv`` does not list
OTHER_FAMILY = "other"
#: the column averaging the datasets
AVERAGE = "average"
#: the file, inside the package, that maps models to families
FAMILIES_FILE = "model_families.csv"
#: the columns of the table's CSV (one row per model and column of the printed table)
PAPER_TABLE_COLUMNS = ["family", "model", "dataset", "mean_percent", "std_percent",
                       "n_subjects", "complete", "status", "rank", "mark"]
#: after a cell with fewer subjects than the dataset has in the results
PARTIAL_MARK = "†"
_SCRATCH = "_scratch"
_CELL = {"not_runnable": "n/r", "failed": "—", "missing": "—", "incomplete": "—"}


@cache
def _families() -> dict[str, tuple[str, int]]:
    """``{model: (family, position in the file)}``."""
    text = resources.files(__package__).joinpath(FAMILIES_FILE).read_text("utf-8")
    return {r["model"]: (r["family"], i) for i, r in enumerate(csv.DictReader(text.splitlines()))}


def family_of(model: str) -> str:
    """The family of ``model`` (a ``*_scratch`` model: its twin's; ``labram · lora``:
    labram's; unknown: ``other``)."""
    known = _families()
    model = base_model(model)
    base = model.removesuffix(_SCRATCH)
    return known.get(model, known.get(base, (OTHER_FAMILY, 0)))[0]


def row_order(models) -> list[tuple[str, str]]:
    """``(family, model)`` of each model, in the order of the paper's table."""
    known = _families()
    families = (*FAMILIES, OTHER_FAMILY)

    def key(label: str):
        model = base_model(label)
        base = model.removesuffix(_SCRATCH)
        position = known.get(model, known.get(base, ("", len(known))))[1]
        return families.index(family_of(model)), position, base, model != base, label

    return [(family_of(m), m) for m in sorted(set(models), key=key)]


def _dataset_order(datasets) -> list[str]:
    """The paper's datasets in its order, then the others by name."""
    datasets = set(datasets)
    return ([d for d in PAPER_DATASETS if d in datasets]
            + sorted(datasets - set(PAPER_DATASETS)))


def _status(df: pd.DataFrame, model: str, dataset: str) -> str:
    """Why a (model, dataset) has no finished result: not runnable, failed or missing."""
    statuses = set(df.loc[(df["model"] == model) & (df["dataset"] == dataset), "status"])
    return ("not_runnable" if "not_runnable" in statuses
            else "failed" if "failed" in statuses else "missing")


def _ranks(column: pd.DataFrame, higher_is_better: bool = True) -> pd.Series:
    """Rank of each complete cell of a column, 1 = best; the others NaN.

    On the unrounded means, as ``main_table`` picks its bold cell (``idxmax``, or
    ``idxmin`` for a loss, over its rows, which come by model name): the best first, an
    exact tie to the model first by name.
    """
    ranked = column[column["complete"]].sort_values(
        ["mean", "model"], ascending=[not higher_is_better, True], kind="stable")
    return pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index,
                     dtype=float).reindex(column.index)


def paper_table(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table as printed, and its numbers (the CSV).

    Parameters
    ----------
    df : DataFrame
        The tidy results table; every model and dataset in it gets its row and column.

    Returns
    -------
    grid : DataFrame
        Index ``(family, model)``, a column per dataset and ``average``; cells
        ``mean ± std`` (percent), ``x†`` for a cell with fewer subjects than the most any
        model has on that dataset (incomplete: neither ranked nor averaged), ``**x**``
        for the best of a column and ``<u>x</u>`` for the second best, when the column
        has two complete values or more (ranks are taken on the unrounded means, an exact
        tie going to the model first by name, as ``main_table`` picks its bold cell).
        ``average`` is the mean over datasets of the model's means, without ``±``, for a
        model with a complete cell on every dataset; ``n/r`` for a model not runnable on
        any dataset, ``—`` otherwise.
    data : DataFrame
        :data:`PAPER_TABLE_COLUMNS`, a row per cell in the grid's order (``dataset``:
        the column, ``average`` included): ``mean_percent`` and ``std_percent`` (percent,
        to 4 decimals; ``std_percent`` empty for ``average``), ``n_subjects`` (empty for
        ``average``), ``complete`` (a result for every subject of the dataset; for
        ``average``: an average was taken), ``status`` (``ok``, ``not_runnable``,
        ``failed``, ``missing``; for ``average``: ``ok``, ``not_runnable`` on no
        dataset runnable, else ``incomplete``), ``rank`` (1 = best, on the unrounded
        mean; empty for a cell not ranked) and ``mark`` (``best``: bold, ``second``:
        underlined, or empty).
    """
    if df.empty:
        return pd.DataFrame(), pd.DataFrame(columns=PAPER_TABLE_COLUMNS)
    table = main_table(largest_shots(df)).set_index(["model", "dataset"])
    subjects = table["n_subjects"].groupby(level="dataset").max()  # each dataset's N
    datasets = _dataset_order(df["dataset"].dropna().unique())
    rows = []
    for family, model in row_order(df["model"].dropna().unique()):
        cells = []
        for dataset in datasets:
            if (model, dataset) in table.index:
                r = table.loc[(model, dataset)]
                n = int(r["n_subjects"])
                cells.append((dataset, r["mean"], r["std"], n, n == subjects[dataset], "ok"))
            else:
                cells.append((dataset, np.nan, np.nan, None, False,
                              _status(df, model, dataset)))
        done = all(c[4] for c in cells)
        nothing_runs = all(c[5] == "not_runnable" for c in cells)
        cells.append((AVERAGE, np.mean([c[1] for c in cells]) if done else np.nan, np.nan,
                      None, done, "ok" if done else
                      "not_runnable" if nothing_runs else "incomplete"))
        rows += [dict(zip(("family", "model", "dataset", "mean", "std", "n_subjects",
                           "complete", "status"), (family, model, *c))) for c in cells]
    data = pd.DataFrame(rows)
    higher = greater_is_better(metric_of(df))
    rank = pd.concat([_ranks(column, higher)
                      for _, column in data.groupby("dataset", sort=False)])
    rank = rank.reindex(data.index)
    marked = rank.groupby(data["dataset"]).transform("count") >= 2  # one: nothing to mark
    data["rank"] = rank.astype("Int64")
    data["mark"] = np.where(marked & (rank == 1), "best",
                            np.where(marked & (rank == 2), "second", ""))
    shown = [_cell(r.mean, r.std, r.status, r.complete, r.mark, r.dataset == AVERAGE)
             for r in data.itertuples()]
    grid = (data.assign(cell=shown)
            .pivot(index=["family", "model"], columns="dataset", values="cell")
            .reindex(index=pd.MultiIndex.from_frame(data[["family", "model"]].drop_duplicates()),
                     columns=[*datasets, AVERAGE]))
    grid.columns.name = None
    data = data.assign(mean_percent=(100 * data["mean"]).round(4),
                       std_percent=(100 * data["std"]).round(4),
                       n_subjects=data["n_subjects"].astype("Int64"),
                       complete=data["complete"].astype(bool))
    return grid, data[PAPER_TABLE_COLUMNS]


def paper_table_note(data: pd.DataFrame) -> str:
    """The note under the table's title: how to read it, and which cells have a dagger.

    ``data`` is :func:`paper_table`'s second table (or its CSV, read back).
    """
    note = ("Models grouped by family, a *_scratch model after its pretrained twin; average: "
            "the mean over datasets of a model's means (no ±: the mean of the standard "
            "deviations would be no standard deviation), for models with a complete result "
            "on every dataset; per column the best in bold, the second best underlined, "
            "ranked on the unrounded means as in main_table; n/r: not runnable here; —: no "
            "result.")
    cells = data[data["dataset"] != AVERAGE]
    total = cells.groupby("dataset", sort=False)["n_subjects"].transform("max")
    partial = cells[(cells["status"] == "ok") & (cells["n_subjects"] < total)]
    if not partial.empty:
        which = "; ".join(f"{r.model} on {r.dataset}: {int(r.n_subjects)} of {int(n)}"
                          for r, n in zip(partial.itertuples(), total[partial.index]))
        note += (f" {PARTIAL_MARK} fewer subjects than the other models on this dataset "
                 f"({which}): neither ranked nor averaged.")
    return note


def _cell(mean: float, std: float, status: str, complete: bool, mark: str,
          average: bool) -> str:
    if status != "ok":
        return _CELL[status]
    if average:  # the mean of the means only: a mean of standard deviations is none
        text = f"{100 * mean:.1f}"
    else:
        text = mean_std_cell(mean, std) + ("" if complete else PARTIAL_MARK)
    return bold(text) if mark == "best" else underline(text) if mark == "second" else text
