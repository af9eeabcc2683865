"""bf16 against fp32: the same grid in both precisions, compared pair by pair.

Each (dataset, subject, seed, model, fold) unit runs once in fp32 and once in bf16 mixed
precision (``--precision bf16``), through the engine, into two results folders under
``out`` (kept: a rerun continues where it stopped).  For each model the score
differences of the pairs are tested with the Wilcoxon signed-rank test
(``scipy.stats.wilcoxon``) and summed up by their mean and its 95 % t-interval.

"Within noise" is judged against what a seed alone changes: the mean over (dataset,
subject) of the standard deviation of the fp32 scores across seeds.  bf16 is within noise
of fp32 for a model when the 95 % interval of the mean difference lies inside ± that
seed-to-seed deviation (an equivalence test in the manner of two one-sided tests, Schuirmann
1987: a test that fails to reject equality is no evidence of it, so the Wilcoxon p-value is
reported, not used for the verdict).  The pairs of one subject over seeds are treated as
independent, which makes the interval somewhat narrow; the seeds' spread is the margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["PRECISION_MODELS", "PrecisionComparison", "paired_precision_table",
           "precision_comparison"]

#: The models of issue 16's paired comparison: two specialists and MIRepNet's architecture.
PRECISION_MODELS = ("eegnet", "shallowconvnet", "mirepnet_scratch")
_PAIR = ["dataset", "subject", "seed", "model", "fold"]


@dataclass(frozen=True)
class PrecisionComparison:
    """The paired comparison of bf16 with fp32.

    Attributes
    ----------
    table : DataFrame
        One row per model (:func:`paired_precision_table`).
    device : str
        Where the units ran, in words (the rows' ``device`` and ``device_name``).
    grid : str
        The datasets, subjects and seeds in words.
    """

    table: pd.DataFrame
    device: str
    grid: str

    def lines(self) -> list[str]:
        """The comparison as ``perf precision`` prints it."""
        out = [f"bf16 against fp32, {self.device}, paired over {self.grid}:"]
        for r in self.table.itertuples(index=False):
            verdict = "within noise" if r.within_noise else "NOT within noise"
            out.append(
                f"  {r.model}: {r.pairs} pairs, fp32 {100 * r.fp32:.1f} %, bf16 "
                f"{100 * r.bf16:.1f} %, difference {100 * r.mean_diff:+.2f} points (95 % CI "
                f"{100 * r.ci_low:+.2f} to {100 * r.ci_high:+.2f}), Wilcoxon p = "
                f"{r.wilcoxon_p:.2f}, seed-to-seed sd {100 * r.seed_sd:.2f} points: {verdict}")
        return out


def paired_precision_table(fp32: pd.DataFrame, bf16: pd.DataFrame) -> pd.DataFrame:
    """Per model: pairs, mean scores, mean difference (bf16 - fp32) with its 95 %
    t-interval, Wilcoxon p, the fp32 seed-to-seed deviation and the verdict.

    Parameters
    ----------
    fp32, bf16 : DataFrame
        Result rows (``read_results``) of the same grid in each precision; only rows with
        status ``ok`` in both are paired.
    """
    from scipy import stats

    ok = [d[d["status"] == "ok"][_PAIR + ["score"]] for d in (fp32, bf16)]
    pairs = ok[0].merge(ok[1], on=_PAIR, suffixes=("_fp32", "_bf16"))
    out = []
    for model, g in pairs.groupby("model", sort=False):
        diff = (g["score_bf16"] - g["score_fp32"]).to_numpy()
        n = len(diff)
        mean = float(diff.mean())
        half = (float(stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n))
                if n > 1 else np.inf)
        p = (float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0)
        per_unit = g.groupby(["dataset", "subject", "seed"])["score_fp32"].mean()
        spread = per_unit.groupby(level=["dataset", "subject"]).std(ddof=1)
        seed_sd = float(spread.mean()) if spread.notna().any() else np.nan
        within = bool(np.isfinite(seed_sd) and abs(mean) + half <= seed_sd)
        out.append({"model": model, "pairs": n, "fp32": float(g["score_fp32"].mean()),
                    "bf16": float(g["score_bf16"].mean()), "mean_diff": mean,
                    "ci_low": mean - half, "ci_high": mean + half, "wilcoxon_p": p,
                    "seed_sd": seed_sd, "within_noise": within})
    return pd.DataFrame(out)


def precision_comparison(out: str | Path = "results/perf/precision",
                         models: Sequence[str] = PRECISION_MODELS, datasets: str = "demo",
                         subjects: Sequence[int] | None = None,
                         seeds: Sequence[int] = (0, 1, 2), device: str = "auto",
                         jobs: int = 1) -> PrecisionComparison:
    """Run the grid in fp32 and in bf16 (paper protocol) and compare the pairs.

    Parameters
    ----------
    out : path
        Folder of the two results folders (``fp32/``, ``bf16/``); a rerun continues.
    models, datasets, subjects, seeds
        The grid, as ``run`` takes it (``subjects``: of every dataset; default all).
    device : str
        ``--device`` of the runs.
    jobs : int
        ``--jobs`` of the runs.
    """
    from benchmark.datasets import resolve_datasets
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.protocols import get_protocol
    from benchmark.results import read_results

    specs = resolve_datasets(datasets)
    models = list(models)
    pipes = select_pipelines(models, discover_pipelines())
    tables = {}
    for precision in ("fp32", "bf16"):
        folder = Path(out) / precision
        run_benchmark(RunConfig(pipelines=pipes, datasets=specs, protocol=get_protocol("paper"),
                                seeds=list(seeds), out=str(folder),
                                subjects=list(subjects) if subjects else None, device=device,
                                precision=precision, jobs=jobs))
        rows = read_results(folder)  # this grid's rows only: the folder may hold more
        keep = (rows["dataset"].isin([s.name for s in specs]) & rows["model"].isin(models)
                & rows["seed"].isin(list(seeds)))
        if subjects:
            keep &= rows["subject"].isin(list(subjects))
        tables[precision] = rows[keep]
    where = {p: ", ".join(sorted({f"{d} ({n})" for d, n in zip(
        t.loc[t["status"] == "ok", "device"].astype(str),
        t.loc[t["status"] == "ok", "device_name"].astype(str))})) for p, t in tables.items()}
    where = (f"both on {where['bf16'] or 'no finished unit'}" if where["bf16"] == where["fp32"]
             else f"fp32 on {where['fp32']} and bf16 on {where['bf16']} (not the same device)")
    who = f"subjects {','.join(map(str, subjects))}" if subjects else "all subjects"
    grid = (f"{', '.join(s.name for s in specs)}; {who}; seeds "
            f"{','.join(map(str, seeds))}; paper protocol")
    return PrecisionComparison(paired_precision_table(tables["fp32"], tables["bf16"]),
                               where, grid)
