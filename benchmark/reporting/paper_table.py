"""The paper's main table as the paper prints it: ``report/paper_table.{md,tex,csv}``.

A row per model, grouped by family (classical, specialist, foundation, then any other
model); a ``*_scratch`` model right after its pretrained twin; a column per dataset
(the paper's datasets in its order, then the others by name) and ``average``.  A cell
is ``mean ± std`` over subjects in percent, the numbers of ``main_table``; per column
the best value is bold and the second best underlined.  ``n/r``: the model was not
runnable on that dataset; ``—``: no result (it failed, or did not run).

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

from benchmark.reporting.aggregation import largest_shots, main_table
from benchmark.reporting.formats import bold, underline
from benchmark.reporting.paper_reference import PAPER_DATASETS
from benchmark.reporting.tables import mean_std_cell

__all__ = ["paper_table", "family_of", "row_order", "FAMILIES", "OTHER_FAMILY", "AVERAGE",
           "FAMILIES_FILE", "PAPER_TABLE_COLUMNS"]

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
                       "n_subjects", "status", "rank", "mark"]
_SCRATCH = "_scratch"
_CELL = {"not_runnable": "n/r", "failed": "—", "missing": "—", "incomplete": "—"}


@cache
def _families() -> dict[str, tuple[str, int]]:
    """``{model: (family, position in the file)}``."""
    text = resources.files(__package__).joinpath(FAMILIES_FILE).read_text("utf-8")
    return {r["model"]: (r["family"], i) for i, r in enumerate(csv.DictReader(text.splitlines()))}


def family_of(model: str) -> str:
    """The family of ``model`` (a ``*_scratch`` model: its twin's; unknown: ``other``)."""
    known = _families()
    base = model.removesuffix(_SCRATCH)
    return known.get(model, known.get(base, (OTHER_FAMILY, 0)))[0]


def row_order(models) -> list[tuple[str, str]]:
    """``(family, model)`` of each model, in the order of the paper's table."""
    known = _families()
    families = (*FAMILIES, OTHER_FAMILY)

    def key(model: str):
        base = model.removesuffix(_SCRATCH)
        position = known.get(model, known.get(base, ("", len(known))))[1]
        return families.index(family_of(model)), position, base, model != base

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


def _ranks(means: pd.Series) -> pd.Series:
    """Dense rank of each mean as shown (percent, one decimal), 1 = best; NaN stays NaN."""
    shown = means.map(lambda v: float(f"{100 * v:.1f}"), na_action="ignore")
    return shown.rank(method="dense", ascending=False)


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
        ``mean ± std`` (percent), ``**x**`` for the best of a column and ``<u>x</u>``
        for the second best, when the column has two values or more (ties share a
        mark; ranks are taken on the values as shown, so equal cells rank equal).
        ``average`` is the mean over datasets of the model's means ± the mean of its
        standard deviations, for a model with a result on every dataset.
    data : DataFrame
        :data:`PAPER_TABLE_COLUMNS`, a row per cell in the grid's order (``dataset``:
        the column, ``average`` included): ``mean_percent`` and ``std_percent`` (percent,
        to 4 decimals), ``n_subjects`` (empty for ``average``), ``status`` (``ok``,
        ``not_runnable``, ``failed``, ``missing``; ``incomplete`` for an average with a
        dataset missing), ``rank`` (dense, 1 = best, on the shown value) and ``mark``
        (``best``: bold, ``second``: underlined, or empty).
    """
    if df.empty:
        return pd.DataFrame(), pd.DataFrame(columns=PAPER_TABLE_COLUMNS)
    table = main_table(largest_shots(df)).set_index(["model", "dataset"])
    datasets = _dataset_order(df["dataset"].dropna().unique())
    rows = []
    for family, model in row_order(df["model"].dropna().unique()):
        cells = []
        for dataset in datasets:
            if (model, dataset) in table.index:
                r = table.loc[(model, dataset)]
                cells.append((dataset, r["mean"], r["std"], int(r["n_subjects"]), "ok"))
            else:
                cells.append((dataset, np.nan, np.nan, None, _status(df, model, dataset)))
        done = all(c[4] == "ok" for c in cells)
        cells.append((AVERAGE, np.mean([c[1] for c in cells]) if done else np.nan,
                      np.mean([c[2] for c in cells]) if done else np.nan, None,
                      "ok" if done else "incomplete"))
        rows += [dict(zip(("family", "model", "dataset", "mean", "std", "n_subjects", "status"),
                          (family, model, *c))) for c in cells]
    data = pd.DataFrame(rows)
    by_column = data.groupby("dataset", sort=False)["mean"]
    rank = by_column.transform(_ranks)
    marked = by_column.transform("count") >= 2  # one value in a column: nothing to mark
    data["rank"] = rank.astype("Int64")
    data["mark"] = np.where(marked & (rank == 1), "best",
                            np.where(marked & (rank == 2), "second", ""))
    shown = [_cell(r.mean, r.std, r.status, r.mark) for r in data.itertuples()]
    grid = (data.assign(cell=shown)
            .pivot(index=["family", "model"], columns="dataset", values="cell")
            .reindex(index=pd.MultiIndex.from_frame(data[["family", "model"]].drop_duplicates()),
                     columns=[*datasets, AVERAGE]))
    grid.columns.name = None
    data = data.assign(mean_percent=(100 * data["mean"]).round(4),
                       std_percent=(100 * data["std"]).round(4),
                       n_subjects=data["n_subjects"].astype("Int64"))
    return grid, data[PAPER_TABLE_COLUMNS]


def _cell(mean: float, std: float, status: str, mark: str) -> str:
    if status != "ok":
        return _CELL[status]
    text = mean_std_cell(mean, std)
    return bold(text) if mark == "best" else underline(text) if mark == "second" else text
