"""The report's figures, each saved as PNG (to look at) and PDF (for the paper).

Every function takes the tidy results table (and what it needs besides), draws with
matplotlib/seaborn on the Agg backend and returns ``None`` when the results cannot make
that figure, with the reason, or the path stem it wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["accuracy_bars", "learning_curves", "radar", "paired_scatter", "cd_diagram"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, stem: Path) -> Path:
    fig.savefig(stem.with_suffix(".png"), dpi=120, bbox_inches="tight")
    fig.savefig(stem.with_suffix(".pdf"), bbox_inches="tight")
    _plt().close(fig)
    return stem


def _per_subject(df: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    ok = df[df["status"] == "ok"].copy()
    ok["accuracy (%)"] = 100 * ok["score"].astype(float)
    return ok.groupby(["dataset", "model", *extra, "subject"], as_index=False)["accuracy (%)"].mean()


def accuracy_bars(df: pd.DataFrame, chance: pd.Series, stem: Path) -> Path:
    """Bars: mean ± sd over subjects per dataset and model; dots: subjects; red: chance."""
    plt = _plt()
    import seaborn as sns

    per_subject = _per_subject(df)
    datasets = sorted(per_subject["dataset"].unique())
    models = sorted(per_subject["model"].unique())
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(datasets) * max(1, len(models)) ** 0.5), 4.5))
    sns.barplot(data=per_subject, x="dataset", y="accuracy (%)", hue="model", order=datasets,
                hue_order=models, errorbar="sd", capsize=0.1, alpha=0.85, ax=ax)
    sns.stripplot(data=per_subject, x="dataset", y="accuracy (%)", hue="model", order=datasets,
                  hue_order=models, dodge=True, color="black", size=3, legend=False, ax=ax)
    for i, d in enumerate(datasets):
        ax.hlines(100 * chance[d], i - 0.45, i + 0.45, colors="red", linestyles="--", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_title("Accuracy per dataset (bars: mean ± sd over subjects; dots: subjects; "
                 "red: chance)", fontsize=9)
    ax.tick_params(axis="x", rotation=20)
    ax.legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _save(fig, stem)


def learning_curves(df: pd.DataFrame, stem: Path) -> Path | None:
    """Accuracy vs calibration trials per class, one line per model, 95 % CI bands."""
    shots = pd.to_numeric(df["shots"], errors="coerce")
    part = df[shots.notna()].assign(**{"trials per class": shots[shots.notna()]})
    per_subject = _per_subject(part, ("trials per class",))
    if per_subject.empty or per_subject["trials per class"].nunique() < 2:
        return None
    plt = _plt()
    import seaborn as sns

    per_subject["trials per class"] = per_subject["trials per class"].astype(int)
    datasets = sorted(per_subject["dataset"].unique())
    models = sorted(per_subject["model"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 4), squeeze=False,
                             sharey=True)
    for ax, d in zip(axes[0], datasets):
        sub = per_subject[per_subject["dataset"] == d]
        sns.lineplot(data=sub, x="trials per class", y="accuracy (%)", hue="model",
                     hue_order=models, marker="o", errorbar=("ci", 95), ax=ax,
                     legend=ax is axes[0][-1])
        ax.set_xscale("symlog", linthresh=1)  # k = 0 (cross-subject, no target trial) fits
        ks = sorted(sub["trials per class"].unique())
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_title(d, fontsize=10)
        ax.set_ylim(0, 100)
    if axes[0][-1].get_legend() is not None:
        axes[0][-1].legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    protocols = ", ".join(sorted(part["protocol"].dropna().unique()))
    fig.suptitle(f"Learning curves ({protocols}): accuracy vs labelled trials per class "
                 "(mean over subjects, 95 % CI band)", fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)


def radar(table: pd.DataFrame, stem: Path) -> Path | None:
    """The paper's radar chart: one axis per dataset, one polygon per model (mean accuracy).

    Needs three datasets or more (fewer do not make a polygon).
    """
    grid = table.pivot(index="model", columns="dataset", values="mean") * 100
    grid = grid.dropna(axis=0, how="any")
    if grid.shape[1] < 3 or grid.empty:
        return None
    plt = _plt()
    datasets = list(grid.columns)
    angles = np.linspace(0, 2 * np.pi, len(datasets), endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    fig, ax = plt.subplots(figsize=(7, 6), subplot_kw={"projection": "polar"})
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(grid), 2)))
    for color, (model, row) in zip(colors, grid.sort_values(datasets[0], ascending=False).iterrows()):
        values = np.concatenate([row.to_numpy(), row.to_numpy()[:1]])
        ax.plot(closed, values, color=color, linewidth=1.5, label=model)
        ax.fill(closed, values, color=color, alpha=0.05)
    ax.set_xticks(angles, datasets, fontsize=8)
    low = max(0, np.floor(grid.to_numpy().min() / 10) * 10 - 10)
    ax.set_ylim(low, 100)
    ax.set_title("Accuracy (%) per dataset, mean over subjects", fontsize=10)
    ax.legend(fontsize=7, bbox_to_anchor=(1.1, 1), loc="upper left")
    return _save(fig, stem)


def paired_scatter(df: pd.DataFrame, reference: str, stem: Path) -> Path | None:
    """Per subject: the reference model's accuracy (y) against each other model's (x).

    Points above the diagonal are subjects where the reference wins.
    """
    per_subject = _per_subject(df)
    wide = per_subject.pivot_table(index=["dataset", "subject"], columns="model",
                                   values="accuracy (%)")
    if reference not in wide:
        return None
    others = [m for m in wide.columns if m != reference and wide[[reference, m]].dropna().shape[0]]
    if not others:
        return None
    plt = _plt()
    import seaborn as sns

    n_cols = min(5, len(others))
    n_rows = int(np.ceil(len(others) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3 * n_cols, 3 * n_rows), squeeze=False)
    datasets = sorted(per_subject["dataset"].unique())
    for ax, model in zip(axes.flat, others):
        pair = wide[[reference, model]].dropna().reset_index()
        sns.scatterplot(data=pair, x=model, y=reference, hue="dataset", hue_order=datasets,
                        s=18, ax=ax, legend=ax is axes.flat[0])
        ax.plot([0, 100], [0, 100], color="grey", linewidth=0.8, linestyle="--")
        ax.set_xlim(0, 100), ax.set_ylim(0, 100)
        wins = int((pair[reference] > pair[model]).sum())
        ax.set_title(f"{reference} vs {model}: {wins}/{len(pair)} above", fontsize=8)
        ax.set_xlabel(f"{model} (%)", fontsize=8)
        ax.set_ylabel(f"{reference} (%)", fontsize=8)
    for ax in list(axes.flat)[len(others):]:
        ax.axis("off")
    if axes.flat[0].get_legend() is not None:
        axes.flat[0].legend(fontsize=6, title=None, loc="lower right")
    fig.suptitle(f"Per-subject accuracy: {reference} (y) against each model (x)", fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)


def cd_diagram(means: pd.DataFrame, stem: Path, alpha: float = 0.05) -> tuple[Path | None, str]:
    """Critical-difference diagram over datasets (Demšar, JMLR 7, 2006).

    ``means`` is dataset x model mean accuracy.  Only models with a result on every
    dataset enter (a Friedman test needs complete blocks); ranks are averaged over the
    datasets, pairs are tested with the Nemenyi post-hoc test
    (:func:`scikit_posthocs.posthoc_nemenyi_friedman`) and drawn with
    :func:`scikit_posthocs.critical_difference_diagram`; the Nemenyi critical
    difference is drawn above the axis.

    Returns
    -------
    stem or None, and a sentence on what was compared (or why nothing was).
    """
    complete = means.dropna(axis=1, how="any")
    dropped = sorted(set(means.columns) - set(complete.columns))
    left_out = f"; left out (not on every dataset): {', '.join(dropped)}" if dropped else ""
    if complete.shape[0] < 2 or complete.shape[1] < 3:
        return None, (f"no critical-difference diagram: it needs 2 or more datasets and 3 or "
                      f"more models with results on all of them; these results have "
                      f"{complete.shape[0]} dataset(s) and {complete.shape[1]} such model(s)"
                      + left_out)
    import scikit_posthocs as sp
    from scipy.stats import friedmanchisquare, studentized_range

    plt = _plt()
    n, k = complete.shape
    ranks = complete.rank(axis=1, ascending=False).mean()
    sig = sp.posthoc_nemenyi_friedman(complete.to_numpy())
    sig.index = sig.columns = complete.columns
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    cd = q * np.sqrt(k * (k + 1) / (6.0 * n))
    fig, ax = plt.subplots(figsize=(8, 0.35 * k + 1.2))
    sp.critical_difference_diagram(ranks, sig, ax=ax, alpha=alpha, cd=cd,
                                   label_props={"fontsize": 8})
    p_friedman = friedmanchisquare(*complete.to_numpy().T).pvalue
    ax.set_title(f"Average rank over {n} datasets (1 = best); bars join models the Nemenyi "
                 f"test does not separate (α = {alpha}); CD = {cd:.2f}", fontsize=9, pad=28)
    _save(fig, stem)
    note = (f"{k} models on {n} datasets; Friedman p = {p_friedman:.3g}; Nemenyi critical "
            f"difference {cd:.2f} ranks" + left_out)
    return stem, note
