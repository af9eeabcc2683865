"""The report's figures, each saved as PNG (to look at) and PDF (for the paper).

Every function takes the tidy results table (and what it needs besides), draws with
matplotlib/seaborn on the Agg backend and returns ``None`` when the results cannot make
that figure, with the reason, or the path stem it wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.metrics import METRIC_TITLES, bounded, metric_of
from benchmark.reporting.statistics import ALPHA, duplicates_sentence, friedman_nemenyi

__all__ = ["accuracy_bars", "learning_curves", "radar", "paired_scatter", "cd_diagram",
           "confusion_matrices", "strategy_bars"]


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


#: the column of :func:`_per_subject`: a subject's score x 100
_SCORE = "score"


def _per_subject(df: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    ok = df[df["status"] == "ok"].copy()
    ok[_SCORE] = 100 * ok["score"].astype(float)
    return ok.groupby(["dataset", "model", *extra, "subject"], as_index=False)[_SCORE].mean()


def _metric(df: pd.DataFrame) -> tuple[str, str]:
    """The rows' metric and how figures name it (``"Accuracy (%)"``)."""
    name = metric_of(df)
    return name, METRIC_TITLES[name]


def _limits(metric: str, values) -> tuple[float, float]:
    """The score axis: 0-100 for the metrics bounded by 1 (kappa from its lowest value),
    from 0 to the largest value for the log loss."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    high = float(values.max()) if len(values) else 100.0
    if not bounded(metric):
        return 0.0, high * 1.05 + 1
    low = min(0.0, float(values.min()) - 5) if len(values) else 0.0
    return low, 100.0


def accuracy_bars(df: pd.DataFrame, chance: pd.Series, stem: Path,
                  thresholds: pd.DataFrame | None = None) -> Path:
    """Bars: mean ± sd over subjects per dataset and model; dots: subjects; red: chance.

    ``thresholds`` (``dataset, threshold_min, threshold_max``, fractions): the binomial
    chance threshold of each dataset's subjects, drawn as a black dotted line (a band
    where subjects' thresholds differ).
    """
    plt = _plt()
    import seaborn as sns

    per_subject = _per_subject(df)
    datasets = sorted(per_subject["dataset"].unique())
    models = sorted(per_subject["model"].unique())
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(datasets) * max(1, len(models)) ** 0.5), 4.5))
    metric, title = _metric(df)
    sns.barplot(data=per_subject, x="dataset", y=_SCORE, hue="model", order=datasets,
                hue_order=models, errorbar="sd", capsize=0.1, alpha=0.85, ax=ax)
    sns.stripplot(data=per_subject, x="dataset", y=_SCORE, hue="model", order=datasets,
                  hue_order=models, dodge=True, color="black", size=3, legend=False, ax=ax)
    for i, d in enumerate(datasets):
        if np.isfinite(chance[d]):
            ax.hlines(100 * chance[d], i - 0.45, i + 0.45, colors="red", linestyles="--",
                      linewidth=1)
    drawn = _draw_thresholds(ax, datasets, thresholds)
    ax.set_ylim(*_limits(metric, np.r_[per_subject[_SCORE], 100 * chance.to_numpy()]))
    ax.set_ylabel(title)
    ax.set_title(f"{title} per dataset (bars: mean ± sd over subjects; dots: subjects; red: chance"
                 + ("; black dotted: binomial chance threshold, α = 0.05)" if drawn else ")"),
                 fontsize=9)
    ax.tick_params(axis="x", rotation=20)
    ax.legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _save(fig, stem)


def _draw_thresholds(ax, datasets: list[str], thresholds: pd.DataFrame | None) -> bool:
    """The binomial chance threshold of each dataset's subjects (a band where they differ)."""
    if thresholds is None or thresholds.empty:
        return False
    by = thresholds.groupby("dataset").agg(threshold_min=("threshold_min", "min"),
                                           threshold_max=("threshold_max", "max"))
    for i, d in enumerate(datasets):
        if d not in by.index:
            continue
        low, high = 100 * by.loc[d, "threshold_min"], 100 * by.loc[d, "threshold_max"]
        ax.hlines(low, i - 0.45, i + 0.45, colors="black", linestyles=":", linewidth=1.2)
        if high > low:
            ax.fill_between([i - 0.45, i + 0.45], low, high, color="black", alpha=0.08)
    return True


def learning_curves(df: pd.DataFrame, stem: Path) -> Path | None:
    """The score vs calibration trials per class, one line per model, 95 % CI bands."""
    shots = pd.to_numeric(df["shots"], errors="coerce")
    part = df[shots.notna()].assign(**{"trials per class": shots[shots.notna()]})
    per_subject = _per_subject(part, ("trials per class",))
    if per_subject.empty or per_subject["trials per class"].nunique() < 2:
        return None
    plt = _plt()
    import seaborn as sns

    per_subject["trials per class"] = per_subject["trials per class"].astype(int)
    metric, title = _metric(df)
    datasets = sorted(per_subject["dataset"].unique())
    models = sorted(per_subject["model"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 4), squeeze=False,
                             sharey=True)
    for ax, d in zip(axes[0], datasets):
        sub = per_subject[per_subject["dataset"] == d]
        sns.lineplot(data=sub, x="trials per class", y=_SCORE, hue="model",
                     hue_order=models, marker="o", errorbar=("ci", 95), ax=ax,
                     legend=ax is axes[0][-1])
        ax.set_xscale("symlog", linthresh=1)  # k = 0 (cross-subject, no target trial) fits
        ks = sorted(sub["trials per class"].unique())
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_title(d, fontsize=10)
        ax.set_ylim(*_limits(metric, per_subject[_SCORE]))
        ax.set_ylabel(title)
    if axes[0][-1].get_legend() is not None:
        axes[0][-1].legend(title="model", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    protocols = ", ".join(sorted(part["protocol"].dropna().unique()))
    fig.suptitle(f"Learning curves ({protocols}): {title} vs labelled trials per class "
                 "(mean over subjects, 95 % CI band)", fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)


def radar(table: pd.DataFrame, stem: Path, title: str = METRIC_TITLES["accuracy"]
          ) -> Path | None:
    """The paper's radar chart: one axis per dataset, one polygon per model (mean score).

    Needs three datasets or more (fewer do not make a polygon); drawn for scores that
    lie in [0, 1] with higher better (the caller leaves the losses out: outward would
    mean worse).
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
    ax.set_title(f"{title} per dataset, mean over subjects", fontsize=10)
    ax.legend(fontsize=7, bbox_to_anchor=(1.1, 1), loc="upper left")
    return _save(fig, stem)


def paired_scatter(df: pd.DataFrame, reference: str, stem: Path,
                   thresholds: pd.DataFrame | None = None) -> Path | None:
    """Per subject: the reference model's score (y) against each other model's (x).

    Points above the diagonal are subjects where the reference scores higher.
    ``thresholds`` (``dataset, threshold_min``): each dataset's binomial chance
    threshold, drawn on both axes in the dataset's colour (dotted).
    """
    per_subject = _per_subject(df)
    metric, title = _metric(df)
    wide = per_subject.pivot_table(index=["dataset", "subject"], columns="model",
                                   values=_SCORE)
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
        low, high = _limits(metric, wide.to_numpy().ravel())
        ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--")
        if thresholds is not None and not thresholds.empty:
            palette = sns.color_palette(n_colors=len(datasets))
            for color, d in zip(palette, datasets):
                level = thresholds.loc[thresholds["dataset"] == d, "threshold_min"]
                if len(level):
                    ax.axvline(100 * level.min(), color=color, linestyle=":", linewidth=0.9)
                    ax.axhline(100 * level.min(), color=color, linestyle=":", linewidth=0.9)
        ax.set_xlim(low, high), ax.set_ylim(low, high)
        wins = int((pair[reference] > pair[model]).sum())
        ax.set_title(f"{reference} vs {model}: {wins}/{len(pair)} above", fontsize=8)
        ax.set_xlabel(f"{model} (x100)", fontsize=8)
        ax.set_ylabel(f"{reference} (x100)", fontsize=8)
    for ax in list(axes.flat)[len(others):]:
        ax.axis("off")
    if axes.flat[0].get_legend() is not None:
        axes.flat[0].legend(fontsize=6, title=None, loc="lower right")
    fig.suptitle(f"Per-subject {title}: {reference} (y) against each model (x)"
                 + ("; above the diagonal: the reference scores higher" if bounded(metric)
                    else ""), fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)


def cd_diagram(means: pd.DataFrame, stem: Path, alpha: float = ALPHA,
               higher_is_better: bool = True) -> tuple[Path | None, str]:
    """Critical-difference diagram over datasets (Demšar, JMLR 7, 2006).

    ``means`` is dataset x model mean scores; the numbers come from
    :func:`benchmark.reporting.statistics.friedman_nemenyi` (datasets that are the same
    recordings as another left out, then models without a result on every remaining
    dataset; Friedman first, Nemenyi only where it rejects at ``alpha``).  Where it
    rejects, the pairs are drawn with :func:`scikit_posthocs.critical_difference_diagram`,
    the Nemenyi critical difference above the axis.  Otherwise the figure is a plain bar
    chart of the average ranks whose title says that the Friedman test does not reject,
    and so does the returned sentence.

    Returns
    -------
    stem or None (too few datasets or models), and a sentence on what was compared and
    drawn (or why nothing was).
    """
    result = friedman_nemenyi(means, higher_is_better, alpha)
    complete, dropped, same = result.complete, result.dropped, result.same
    left_out = f"; left out (not on every dataset): {', '.join(dropped)}" if dropped else ""
    if same:
        left_out += "; " + duplicates_sentence(same, "the Friedman test and the diagram")
    if complete.shape[0] < 2 or complete.shape[1] < 3:
        return None, (f"no critical-difference diagram: it needs 2 or more datasets and 3 or "
                      f"more models with results on all of them; these results have "
                      f"{complete.shape[0]} dataset(s) and {complete.shape[1]} such model(s)"
                      + left_out)
    n, k = complete.shape
    p_friedman, ranks, cd = result.p_friedman, result.ranks, result.cd
    plt = _plt()
    if result.nemenyi is None:  # also a NaN p (every dataset ties every model)
        _ranks_only(plt, ranks.sort_values(), n, p_friedman, alpha, stem)
        return stem, (f"no critical-difference diagram: the Friedman test over {k} models on "
                      f"{n} datasets does not reject equal mean ranks (p = {p_friedman:.3g}, "
                      f"alpha = {alpha}), so no Nemenyi post-hoc test is drawn; the figure "
                      f"shows the average ranks only" + left_out)
    import scikit_posthocs as sp

    fig, ax = plt.subplots(figsize=(8, 0.35 * k + 1.2))
    sp.critical_difference_diagram(ranks, result.nemenyi, ax=ax, alpha=alpha, cd=cd,
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


def confusion_matrices(matrices: dict, dataset: str, stem: Path) -> Path | None:
    """One panel per model: the dataset's confusion matrix summed over subjects, coloured
    by row percentage, each cell annotated with its count and percentage.

    ``matrices`` is :func:`benchmark.reporting.aggregation.summed_confusions`.
    """
    mine = sorted((m, v) for (d, m), v in matrices.items() if d == dataset)
    if not mine:
        return None
    plt = _plt()
    n = len(mine)
    n_cols = min(4, n)
    n_rows = int(np.ceil(n / n_cols))
    size = max(2.6, 0.7 * len(mine[0][1][0]) + 1.2)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, size * n_rows),
                             squeeze=False)
    for ax, (model, (classes, counts, used, _)) in zip(axes.flat, mine):
        totals = counts.sum(axis=1, keepdims=True)
        share = np.divide(100.0 * counts, totals, out=np.zeros(counts.shape), where=totals > 0)
        ax.imshow(share, vmin=0, vmax=100, cmap="Blues")
        for i in range(len(classes)):
            for j in range(len(classes)):
                ax.text(j, i, f"{int(counts[i, j])}\n{share[i, j]:.0f} %", ha="center",
                        va="center", fontsize=7, color="white" if share[i, j] > 60 else "black")
        ax.set_xticks(range(len(classes)), classes, rotation=30, fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
        ax.set_title(f"{model} ({used} rows)", fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(f"{dataset}: confusion matrices summed over subjects (counts, row %)",
                 fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)


def strategy_bars(df: pd.DataFrame, stem: Path) -> Path | None:
    """Per dataset, each foundation model's strategies side by side: the mean over
    subjects with its 95 % confidence interval (seaborn's bootstrap), subjects as dots.

    ``df`` holds the rows of the models that have strategies (``finetune``)."""
    ok = df[df["status"] == "ok"]
    if ok.empty:
        return None
    per_subject = _per_subject(ok, ("finetune",))
    plt = _plt()
    import seaborn as sns

    metric, title = _metric(df)
    datasets = sorted(per_subject["dataset"].unique())
    strategies = list(dict.fromkeys(sorted(per_subject["finetune"].unique(),
                                           key=lambda s: (s != "full", s))))
    models = sorted(per_subject["model"].unique())
    fig, axes = plt.subplots(1, len(datasets), squeeze=False, sharey=True,
                             figsize=(max(4.5, 1.1 * len(models) * max(1, len(strategies)) ** 0.5)
                                      * len(datasets), 4.2))
    for ax, d in zip(axes[0], datasets):
        sub = per_subject[per_subject["dataset"] == d]
        sns.barplot(data=sub, x="model", y=_SCORE, hue="finetune", order=models,
                    hue_order=strategies, errorbar=("ci", 95), capsize=0.08, alpha=0.85,
                    ax=ax, legend=ax is axes[0][-1])
        sns.stripplot(data=sub, x="model", y=_SCORE, hue="finetune", order=models,
                      hue_order=strategies, dodge=True, color="black", size=2.5, legend=False,
                      ax=ax)
        ax.set_title(d, fontsize=10)
        ax.set_ylim(*_limits(metric, per_subject[_SCORE]))
        ax.set_ylabel(title)
        ax.tick_params(axis="x", rotation=30)
    if axes[0][-1].get_legend() is not None:
        axes[0][-1].legend(title="strategy", fontsize=8, bbox_to_anchor=(1.01, 1),
                           loc="upper left")
    fig.suptitle(f"Adaptation strategies: {title}, mean over subjects with 95 % CI; dots: "
                 "subjects", fontsize=10)
    fig.tight_layout()
    return _save(fig, stem)
