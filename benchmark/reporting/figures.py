"""The report's figures, each saved as PNG (to look at) and PDF (for the paper).

Every function takes the tidy results table (and what it needs besides), draws with
matplotlib/seaborn on the Agg backend and returns ``None`` when the results cannot make
that figure, with the reason, or the path stem it wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.reporting.statistics import ALPHA, duplicates_sentence, independent_datasets

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
    return (ok.groupby(["dataset", "model", *extra, "subject"], as_index=False)["accuracy (%)"]
            .mean())


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
    for color, (model, row) in zip(colors,
                                   grid.sort_values(datasets[0], ascending=False).iterrows()):
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


def cd_diagram(means: pd.DataFrame, stem: Path, alpha: float = ALPHA) -> tuple[Path | None, str]:
    """Critical-difference diagram over datasets (Demšar, JMLR 7, 2006).

    ``means`` is dataset x model mean accuracy.  Datasets that are the same recordings
    as another are left out first
    (:func:`benchmark.reporting.statistics.independent_datasets`:
    of ``BNCI2014001`` and ``BNCI2014001-4`` only ``BNCI2014001`` is a block), then only
    models with a result on every remaining dataset enter (a Friedman test needs
    complete blocks).  The Friedman test comes first; only where it rejects equal ranks
    at ``alpha`` are pairs tested with the Nemenyi post-hoc test
    (:func:`scikit_posthocs.posthoc_nemenyi_friedman`) and drawn with
    :func:`scikit_posthocs.critical_difference_diagram`, the Nemenyi critical
    difference above the axis.  Otherwise no post-hoc test is run: the figure is a
    plain bar chart of the average ranks whose title says that the Friedman test does
    not reject, and so does the returned sentence.

    Returns
    -------
    stem or None (too few datasets or models), and a sentence on what was compared and
    drawn (or why nothing was).
    """
    kept, same = independent_datasets(means.index)
    means = means.loc[kept]
    complete = means.dropna(axis=1, how="any")
    dropped = sorted(set(means.columns) - set(complete.columns))
    left_out = f"; left out (not on every dataset): {', '.join(dropped)}" if dropped else ""
    if same:
        left_out += "; " + duplicates_sentence(same, "the Friedman test and the diagram")
    if complete.shape[0] < 2 or complete.shape[1] < 3:
        return None, (f"no critical-difference diagram: it needs 2 or more datasets and 3 or "
                      f"more models with results on all of them; these results have "
                      f"{complete.shape[0]} dataset(s) and {complete.shape[1]} such model(s)"
                      + left_out)
    from scipy.stats import friedmanchisquare, studentized_range

    n, k = complete.shape
    with np.errstate(invalid="ignore", divide="ignore"):  # all tied: p is NaN, said below
        p_friedman = float(friedmanchisquare(*complete.to_numpy().T).pvalue)
    plt = _plt()
    ranks = complete.rank(axis=1, ascending=False).mean()
    if not p_friedman < alpha:  # also a NaN p (every dataset ties every model)
        _ranks_only(plt, ranks.sort_values(), n, p_friedman, alpha, stem)
        return stem, (f"no critical-difference diagram: the Friedman test over {k} models on "
                      f"{n} datasets does not reject equal mean ranks (p = {p_friedman:.3g}, "
                      f"alpha = {alpha}), so no Nemenyi post-hoc test is drawn; the figure "
                      f"shows the average ranks only" + left_out)
    import scikit_posthocs as sp

    sig = sp.posthoc_nemenyi_friedman(complete.to_numpy())
    sig.index = sig.columns = complete.columns
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    cd = q * np.sqrt(k * (k + 1) / (6.0 * n))
    fig, ax = plt.subplots(figsize=(8, 0.35 * k + 1.2))
    sp.critical_difference_diagram(ranks, sig, ax=ax, alpha=alpha, cd=cd,
                                   label_props={"fontsize": 8})
    ax.set_title(f"Average rank over {n} datasets (1 = best); Friedman p = {p_friedman:.3g} "
                 f"< α = {alpha}; bars join models the Nemenyi test does not separate; "
                 f"CD = {cd:.2f}", fontsize=9, pad=28)
    _save(fig, stem)
    note = (f"critical-difference diagram of {k} models on {n} datasets; the Friedman test "
            f"rejects equal mean ranks (p = {p_friedman:.3g} < alpha = {alpha}); Nemenyi "
            f"critical difference {cd:.2f} ranks" + left_out)
    return stem, note


def _ranks_only(plt, ranks: pd.Series, n: int, p_friedman: float, alpha: float,
                stem: Path) -> Path:
    """Average ranks as bars (no cliques, no CD): what is shown when Friedman does not reject."""
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(ranks) + 1.6))
    ax.barh(list(ranks.index), ranks.to_numpy(), color="lightgrey", edgecolor="grey")
    for y, r in enumerate(ranks.to_numpy()):
        ax.text(r, y, f" {r:.2f}", va="center", fontsize=8)
    ax.invert_yaxis()  # best (lowest) rank on top
    ax.set_xlim(0, len(ranks) + 0.5)
    ax.set_xlabel("average rank (1 = best)", fontsize=8)
    ax.tick_params(labelsize=8)
    p_text = f"p = {p_friedman:.3g} ≥ α = {alpha}" if np.isfinite(p_friedman) \
        else "no p: every model ties on every dataset"
    ax.set_title(f"Average rank over {n} datasets. The Friedman test does not reject equal "
                 f"ranks ({p_text}),\nso no Nemenyi post-hoc test and no critical-difference "
                 "diagram", fontsize=9)
    return _save(fig, stem)
