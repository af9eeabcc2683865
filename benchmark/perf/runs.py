"""Timed runs of the suite's engine, the unit of the ``classical`` and ``jobs`` figures."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from benchmark.perf.timer import timed_call

__all__ = ["CLASSICAL", "timed_suite_run"]

#: The classical pipelines both engine figures run.
CLASSICAL = ("csp_lda", "ts_lr", "mdm")


def timed_suite_run(specs: Sequence, models: Sequence[str], protocol, subjects: Sequence[int],
                    out: Path, cache: Path, jobs: int = 1, seeds: Sequence[int] = (0,),
                    **config) -> tuple:
    """Seconds and the finished rows of one engine run (its progress not shown).

    Parameters
    ----------
    specs : sequence of DatasetSpec
        The datasets.
    models : sequence of str
        Pipeline names.
    protocol : Protocol
        The evaluation protocol.
    subjects : sequence of int
        Subjects of every dataset.
    out, cache : Path
        The results folder (fresh for a full run) and the epoch cache.
    jobs : int
        Worker processes.
    seeds : sequence of int
        Seeds of the grid.
    **config
        More fields of :class:`benchmark.engine.RunConfig` (``finetune``,
        ``feature_cache``...).

    Returns
    -------
    seconds : float
        Wall-clock seconds of the run.
    rows : pandas.DataFrame
        The results table it wrote.

    Raises
    ------
    RuntimeError
        When a unit failed (the figure would time less work than it says).
    """
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.results import read_results

    cfg = RunConfig(pipelines=select_pipelines(",".join(models), discover_pipelines()),
                    datasets=list(specs), protocol=protocol, seeds=list(seeds), out=str(out),
                    subjects=list(subjects), jobs=jobs, cache_dir=str(cache), **config)
    seconds, summary = timed_call(lambda: run_benchmark(cfg, log=lambda line: None))
    if summary.failed:
        raise RuntimeError(f"perf run failed: {summary.failed[:3]}")
    return seconds, read_results(out)
