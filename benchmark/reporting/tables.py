"""The report's tables as shown, computed from the tidy results table alone.

* :func:`format_main_table` — dataset x model grid of ``mean ± std``, best in bold;
* :func:`learning_curve_grid` — the same per number of labelled trials per class;
* :func:`datasets_table` — subjects, channels, rate, trials, classes, as loaded;
* :func:`model_sizes_table` — parameters of each fitted network, beside the paper's;
* :func:`reference_table` — the paper's reference accuracies beside ours;
* :func:`missing_summary` — what has no finished result, and why.

(The paper's main table, grouped by family, is :mod:`benchmark.reporting.paper_table`.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.reporting.aggregation import main_table
from benchmark.reporting.formats import bold
from benchmark.reporting.paper_reference import (
    PAPER_MODEL_SIZES,
    PAPER_PROTOCOL,
    REFERENCE_ACCURACY,
)

__all__ = ["format_main_table", "learning_curve_grid", "mean_std_cell", "datasets_table",
           "model_sizes_table", "with_paper_sizes", "reference_table", "missing_summary",
           "STATUS_CELL", "with_status_cells", "chance_grid", "confusion_table"]

#: what a main-table cell shows for a model with no finished unit, by its rows' status
STATUS_CELL = {"not_runnable": "n/r", "failed": "failed"}


def mean_std_cell(mean: float, std: float) -> str:
    """``"82.1 ± 3.4"``: a mean and a standard deviation (fractions) in percent."""
    return f"{100 * mean:.1f} ± {100 * std:.1f}"


def format_main_table(table: pd.DataFrame, higher_is_better: bool = True) -> pd.DataFrame:
    """Dataset x model grid of ``mean ± std`` scores x 100, best per dataset in bold.

    ``table`` is :func:`benchmark.reporting.aggregation.main_table`; best is the highest
    mean, or the lowest with ``higher_is_better=False`` (a loss).
    """
    if table.empty:
        return pd.DataFrame()
    cells = table.assign(cell=[mean_std_cell(m, s) for m, s in zip(table["mean"], table["std"])])
    pick = "idxmax" if higher_is_better else "idxmin"
    best = table.loc[getattr(table.groupby("dataset")["mean"], pick)(), ["dataset", "model"]]
    best_pairs = set(map(tuple, best.to_numpy()))
    cells["cell"] = [
        bold(c) if (d, m) in best_pairs and table["model"].nunique() > 1 else c
        for d, m, c in zip(cells["dataset"], cells["model"], cells["cell"])
    ]
    grid = cells.pivot(index="dataset", columns="model", values="cell").fillna("—")
    chance = table.groupby("dataset")["chance"].first().map(
        lambda c: f"{100 * c:.0f}" if np.isfinite(c) else "—")
    grid.insert(0, "chance", chance)
    return grid


def with_status_cells(grid: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """``grid`` with a column for every model of ``df`` that has no finished unit: ``n/r``
    (not runnable), ``failed``, or ``—``."""
    problems = df[df["status"] != "ok"]
    if not grid.empty:  # every model of the run appears, also those that never ran
        for model in sorted(set(problems["model"]) - set(grid.columns)):
            grid[model] = STATUS_CELL.get(
                problems.loc[problems["model"] == model, "status"].iloc[0], "—")
    return grid


def learning_curve_grid(curves: pd.DataFrame) -> pd.DataFrame:
    """(dataset, k) x model grid of ``mean ± std``; ``curves`` is
    :func:`benchmark.reporting.aggregation.learning_curve_table`."""
    cells = curves.assign(cell=[mean_std_cell(m, s)
                                for m, s in zip(curves["mean"], curves["std"])])
    grid = cells.pivot(index=["dataset", "shots"], columns="model", values="cell").fillna("—")
    grid.index = [f"{d}, k={k}" for d, k in grid.index]
    grid.index.name, grid.columns.name = "dataset, trials per class", None
    return grid


def _ok(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["status"] == "ok"]


def datasets_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset: what the finished rows say was loaded.

    Columns ``subjects, sessions, channels, recorded at (Hz)`` (the catalogue's rate),
    ``evaluated at (Hz)`` (after the shared resampling), ``trials, classes``; ``trials``
    sums each evaluated subject's trials in the protocol's selection (its session, or
    every session for ``cross-session``).  Rows written before these facts were
    recorded give ``—``.
    """
    ok = _ok(df)
    if ok.empty:
        return pd.DataFrame()
    rows = []
    for dataset, part in ok.groupby("dataset"):
        facts = part.dropna(subset=["data_trials"]) if "data_trials" in part else part.iloc[:0]
        per_subject = facts.drop_duplicates("subject")

        def first(col, fmt):
            vals = per_subject[col].dropna() if col in per_subject else []
            return fmt(vals.iloc[0]) if len(vals) else "—"

        rows.append({
            "dataset": dataset,
            "subjects": str(part["subject"].nunique()),
            "sessions": first("data_sessions", lambda v: str(int(v))),
            "channels": first("data_chans", lambda v: str(int(v))),
            "recorded at (Hz)": first("data_native_sfreq", lambda v: f"{float(v):g}"),
            "evaluated at (Hz)": first("data_sfreq", lambda v: f"{float(v):g}"),
            "trials": str(int(per_subject["data_trials"].astype(float).sum()))
            if len(per_subject) else "—",
            "classes": first("classes", lambda v: str(v).replace(",", ", ")),
        })
    return pd.DataFrame(rows).set_index("dataset")


def _human(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} M"
    if n >= 1e3:
        return f"{n / 1e3:.1f} K"
    return f"{int(n)}"


def model_sizes_table(df: pd.DataFrame) -> pd.DataFrame:
    """Parameters of each model's fitted network per dataset, and the paper's figure.

    Counts depend on channels, classes and window, so they are per dataset; non-neural
    pipelines show ``—``.
    """
    ok = _ok(df)
    if ok.empty or "n_params" not in ok:
        return pd.DataFrame()
    counts = pd.to_numeric(ok["n_params"], errors="coerce")
    grid = counts.groupby([ok["model"], ok["dataset"]]).max().unstack("dataset")
    shown = grid.map(lambda v: f"{int(v):,}" if np.isfinite(v) else "—")
    shown.index.name, shown.columns.name = "model", None
    return with_paper_sizes(shown)


def with_paper_sizes(sizes: pd.DataFrame) -> pd.DataFrame:
    """``sizes`` (models as index) with a ``paper`` column: the paper's parameter count."""
    if not sizes.empty:
        sizes["paper"] = [_human(PAPER_MODEL_SIZES[m]) if m in PAPER_MODEL_SIZES else "—"
                          for m in sizes.index]
    return sizes


def reference_table(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The paper's reference accuracies beside ours, with the difference (ours - paper).

    Ours are the mean over subjects of the ``paper`` protocol's accuracy rows on the
    same dataset; a dataset or model absent from the results shows ``—``.  The returned note
    says which comparisons were possible.
    """
    ok = _ok(df)
    metric = ok["metric"].fillna("accuracy") if "metric" in ok else "accuracy"
    ok = ok[(ok["protocol"] == PAPER_PROTOCOL) & (metric == "accuracy")]  # the paper's
    ours = main_table(ok) if not ok.empty else pd.DataFrame()
    lookup = {(r.dataset, r.model): (100 * r.mean, r.n_subjects) for r in ours.itertuples()}
    rows = []
    for dataset, models in REFERENCE_ACCURACY.items():
        for model, paper in models.items():
            mine = lookup.get((dataset, model))
            rows.append({
                "dataset": dataset, "model": model, "paper": f"{paper:g}",
                "ours": f"{mine[0]:.1f}" if mine else "—",
                "difference": f"{mine[0] - paper:+.1f}" if mine else "—",
                "subjects": str(mine[1]) if mine else "—",
            })
    table = pd.DataFrame(rows).set_index("dataset")
    n = sum(1 for r in rows if r["ours"] != "—")
    if n:
        note = (f"{n} of {len(rows)} paper figures have a result of ours under the paper "
                "protocol; the paper's values are read off its radar charts (about ±1 point)")
    else:
        note = ("none of the paper's datasets has results under the paper protocol here (the "
                "demo datasets are synthetic and not comparable); run `python -m benchmark run "
                "--models mirepnet,eegconformer,csp_lda,biot,eegpt --datasets five` to fill it")
    return table, note


def missing_summary(df: pd.DataFrame) -> list[str]:
    """Sentences saying which (dataset, model) cells have no finished result, and why."""
    lines = []
    datasets = sorted(df["dataset"].dropna().unique())
    models = sorted(df["model"].dropna().unique())
    ok_pairs = set(map(tuple, _ok(df)[["dataset", "model"]].drop_duplicates().to_numpy()))
    for model in models:
        missing = [d for d in datasets if (d, model) not in ok_pairs]
        if not missing:
            continue
        part = df[(df["model"] == model) & df["dataset"].isin(missing) & (df["status"] != "ok")]
        reason = part["error"].dropna().astype(str)
        why = f": {part['status'].iloc[0].replace('_', ' ')}, {reason.iloc[0]}" if len(reason) \
            else ": not in these results"
        lines.append(f"{model} has no result on {', '.join(missing)}{why}")
    partial = df[(df["status"] == "failed")
                 & df.set_index(["dataset", "model"]).index.isin(ok_pairs)]
    for (model, error), part in partial.groupby(["model", "error"]):
        shots = pd.to_numeric(part["shots"], errors="coerce").dropna().astype(int).unique()
        at = f" at k = {', '.join(map(str, sorted(shots)))}" if len(shots) else ""
        lines.append(f"{model}: {len(part)} fold(s) failed{at} "
                     f"({', '.join(sorted(part['dataset'].unique()))}): {error}")
    all_ok = _ok(df)
    if not all_ok.empty:
        expected = all_ok.groupby("dataset")["subject"].nunique()
        for (dataset, model), n in (all_ok.groupby(["dataset", "model"])["subject"].nunique()
                                    .items()):
            if n < expected[dataset]:
                lines.append(f"{model} on {dataset}: {n} of {expected[dataset]} subjects finished")
    return lines


def chance_grid(counts: pd.DataFrame) -> pd.DataFrame:
    """Dataset x model grid of ``"7/9"`` (subjects above their binomial chance threshold)
    with a first column giving the thresholds in percent (a range where subjects' test
    sets differ); ``counts`` is :func:`benchmark.reporting.aggregation.chance_counts`."""
    if counts.empty:
        return pd.DataFrame()
    cells = counts.assign(cell=[f"{a}/{n}" for a, n in zip(counts["n_above"],
                                                         counts["n_subjects"])])
    grid = cells.pivot(index="dataset", columns="model", values="cell").fillna("—")
    low = counts.groupby("dataset")["threshold_min"].min()
    high = counts.groupby("dataset")["threshold_max"].max()
    grid.insert(0, "threshold (%)", [f"{100 * low[d]:.1f}" if np.isclose(low[d], high[d])
                                     else f"{100 * low[d]:.1f}-{100 * high[d]:.1f}"
                                     for d in grid.index])
    grid.columns.name = None
    return grid


def confusion_table(matrices: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summed confusion matrices as one table, and their numbers (long form).

    ``matrices`` is :func:`benchmark.reporting.aggregation.summed_confusions`.  The
    table's index is (dataset, model, true class), its columns the predicted classes
    (the union over datasets, in first-seen order; ``—`` where a dataset lacks one),
    each cell ``count (row %)``.  The numbers: ``dataset, model, true, predicted, count,
    row_percent``.
    """
    rows, data, predicted = [], [], []
    for (dataset, model), (classes, counts, _, _) in sorted(matrices.items()):
        totals = counts.sum(axis=1)
        for i, true in enumerate(classes):
            cells = {}
            for j, pred in enumerate(classes):
                share = 100.0 * counts[i, j] / totals[i] if totals[i] else float("nan")
                cells[pred] = f"{int(counts[i, j])} ({share:.1f} %)" if totals[i] \
                    else f"{int(counts[i, j])} (—)"
                data.append({"dataset": dataset, "model": model, "true": true,
                             "predicted": pred, "count": int(counts[i, j]),
                             "row_percent": round(share, 4)})
                if pred not in predicted:
                    predicted.append(pred)
            rows.append({"dataset": dataset, "model": model, "true class": true, **cells})
    if not rows:
        return pd.DataFrame(), pd.DataFrame(data)
    table = pd.DataFrame(rows).set_index(["dataset", "model", "true class"])
    table = table.reindex(columns=predicted).fillna("—")
    table.columns.name = "predicted"
    return table, pd.DataFrame(data)
