"""Tables and figures computed from the tidy results table alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.errors import UserError

__all__ = ["main_table", "format_main_table", "learning_curve_table", "write_report"]

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
    table["chance"] = 1.0 / table["n_classes"].astype(float)
    return table.drop(columns="n_classes")


def _largest_shots(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the paper-style protocols, and of few-shot runs only the largest ``k`` per dataset."""
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


def _curve_figure(df: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    ok = df[df["status"] == "ok"].copy()
    ok["shots"] = pd.to_numeric(ok["shots"], errors="coerce")
    ok = ok[ok["shots"].notna()]
    ok["accuracy (%)"] = 100 * ok["score"].astype(float)
    ok["trials per class"] = ok["shots"].astype(int)
    per_subject = ok.groupby(["dataset", "model", "trials per class", "subject"],
                             as_index=False)["accuracy (%)"].mean()
    datasets = sorted(per_subject["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 4), squeeze=False,
                             sharey=True)
    for ax, d in zip(axes[0], datasets):
        sub = per_subject[per_subject["dataset"] == d]
        sns.lineplot(data=sub, x="trials per class", y="accuracy (%)", hue="model",
                     hue_order=sorted(per_subject["model"].unique()), marker="o",
                     errorbar=("ci", 95), ax=ax, legend=ax is axes[0][-1])
        ax.set_xscale("log")
        ks = sorted(sub["trials per class"].unique())
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_title(d, fontsize=10)
        ax.set_ylim(0, 100)
    handles = axes[0][-1].get_legend()
    if handles is not None:
        axes[0][-1].legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.suptitle("Learning curves: accuracy vs calibration trials per class (mean over "
                 "subjects, 95 % CI band)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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
    header = [grid.index.name or "dataset"] + [str(c) for c in grid.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in grid.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |")
    return "\n".join(lines) + "\n"


def _figure(df: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    ok = df[df["status"] == "ok"].copy()
    ok["accuracy (%)"] = 100 * ok["score"].astype(float)
    per_subject = ok.groupby(["dataset", "model", "subject"], as_index=False)["accuracy (%)"].mean()
    datasets = sorted(per_subject["dataset"].unique())
    models = sorted(per_subject["model"].unique())
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(datasets) * max(1, len(models)) ** 0.5), 4.5))
    sns.barplot(data=per_subject, x="dataset", y="accuracy (%)", hue="model", order=datasets,
                hue_order=models, errorbar=("sd"), capsize=0.1, alpha=0.85, ax=ax)
    sns.stripplot(data=per_subject, x="dataset", y="accuracy (%)", hue="model", order=datasets,
                  hue_order=models, dodge=True, color="black", size=3, legend=False, ax=ax)
    chance = table.groupby("dataset")["chance"].first()
    for i, d in enumerate(datasets):
        ax.hlines(100 * chance[d], i - 0.45, i + 0.45, colors="red", linestyles="--", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_title("Accuracy per dataset (bars: mean ± sd over subjects; dots: subjects; "
                 "red: chance)", fontsize=9)
    ax.tick_params(axis="x", rotation=20)
    ax.legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(results_dir: str | Path, df: pd.DataFrame, reference: str = "mirepnet") -> Path:
    """Write ``DIR/report/``: main table (Markdown, CSV), failures, statistics, figures."""
    out = Path(results_dir) / "report"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write the report to {out} ({exc.strerror}); pass a writable folder")
    table = main_table(_largest_shots(df))
    grid = format_main_table(table)
    table.to_csv(out / "main_table.csv", index=False)
    problems = df[df["status"] != "ok"]
    if not grid.empty:  # every model of the run appears, also those that never ran
        for model in sorted(set(problems["model"]) - set(grid.columns)):
            grid[model] = STATUS_CELL.get(problems.loc[problems["model"] == model, "status"].iloc[0],
                                          "—")
    text = "# Accuracy (%), mean ± std over subjects\n\n"
    text += _markdown(grid) if not grid.empty else "No finished units.\n"
    if not problems.empty:
        text += ("\n## Units and folds that did not run\n\n(n/r: not runnable here; failed: an error "
                 "during the unit)\n\n")
        grouped = problems.groupby(["model", "status", "error"], dropna=False)["dataset"]
        for (m, st, err), datasets in grouped:
            names = ", ".join(sorted(set(datasets)))
            text += f"- {m}: {st} in {len(datasets)} result row(s) ({names}): {err}\n"
    curves = learning_curve_table(df)
    if not curves.empty:
        curves.to_csv(out / "learning_curves.csv", index=False)
        cells = curves.assign(cell=[f"{100 * m:.1f} ± {100 * s:.1f}"
                                    for m, s in zip(curves["mean"], curves["std"])])
        lc = cells.pivot(index=["dataset", "shots"], columns="model", values="cell").fillna("—")
        lc.index = [f"{d}, k={k}" for d, k in lc.index]
        (out / "learning_curves.md").write_text(
            "# Few-shot accuracy (%), mean ± std over subjects, by calibration trials per class\n\n"
            + _markdown(lc))
        _curve_figure(df, out / "learning_curves.png")
        text = text.replace("# Accuracy (%), mean ± std over subjects\n",
                            "# Accuracy (%), mean ± std over subjects\n\nFew-shot runs: the "
                            "largest k per dataset; every k is in learning_curves.md.\n", 1)
    (out / "main_table.md").write_text(text)
    _write_statistics(df, out, reference)
    if not table.empty:
        _figure(df, table, out / "accuracy.png")
    return out


def _write_statistics(df: pd.DataFrame, out: Path, reference: str) -> None:
    """``statistics.md``/``.csv``: paired tests against the reference, and average ranks."""
    from benchmark.statistics import average_ranks, compare_to_reference

    if (df["status"] == "ok").sum() == 0:
        return
    table, note = compare_to_reference(df, reference)
    table.to_csv(out / "statistics.csv", index=False)
    text = f"# Paired comparisons over subjects\n\n{note}.\n\n"
    if table.empty:
        text += "No dataset has two or more subjects finished by the reference and a model.\n"
    else:
        shown = pd.DataFrame({
            "dataset": table["dataset"], "model": table["model"], "subjects": table["n_subjects"],
            "reference": table["reference_mean"].map("{:.1f}".format),
            "model acc.": table["model_mean"].map("{:.1f}".format),
            "difference": table["difference"].map(lambda v: f"{round(v, 1) + 0.0:+.1f}"),
            "SMD": table["smd"].map(lambda v: f"{round(v, 2) + 0.0:+.2f}"),
            "p (ref. better)": table["p_reference_better"].map("{:.3g}".format),
            "p (model better)": table["p_model_better"].map("{:.3g}".format),
            "test": table["test"]}).set_index("dataset")
        text += _markdown(shown)
    ranks = average_ranks(df).round(2)
    ranks["datasets"] = ranks["datasets"].astype(int).astype(str)
    ranks.index.name, ranks.columns.name = "model", None
    text += "\n# Average rank over datasets (1 = best mean accuracy)\n\n"
    text += _markdown(ranks)
    (out / "statistics.md").write_text(text)
