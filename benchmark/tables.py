"""The paper's other tables, computed from the tidy results table alone.

* :func:`datasets_table` — subjects, channels, rate, trials, classes, as loaded;
* :func:`model_sizes_table` — parameters of each fitted network, beside the paper's;
* :func:`reference_table` — the paper's reference accuracies beside ours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.paper_reference import PAPER_MODEL_SIZES, PAPER_PROTOCOL, REFERENCE_ACCURACY

__all__ = ["datasets_table", "model_sizes_table", "with_paper_sizes", "reference_table",
           "missing_summary"]


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
    from benchmark.report import main_table

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
