"""``--jobs`` speed-up: the same grid run with one worker and with more (warm epoch cache)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from benchmark.perf.runs import CLASSICAL, timed_suite_run

__all__ = ["JobsSpeedup", "JobsFigures", "jobs_speedup", "jobs_figures"]


@dataclass(frozen=True)
class JobsSpeedup:
    """Seconds of one grid for each number of jobs.

    Attributes
    ----------
    units : int
        Units of the grid (the first run's).
    seconds : dict
        Number of jobs -> wall-clock seconds of the run, in the order run.
    """

    units: int
    seconds: dict[int, float]


@dataclass(frozen=True)
class JobsFigures:
    """The speed-up of each grid of ``perf jobs``.

    Attributes
    ----------
    cores : int
        CPU cores of the machine.
    grids : dict
        The grid in words (``"classical, within-session"``) -> its :class:`JobsSpeedup`.
    """

    cores: int
    grids: dict[str, JobsSpeedup]


def jobs_speedup(datasets: str = "demo", subjects: Sequence[int] = (1, 2, 3, 4),
                 models: Sequence[str] = CLASSICAL, protocol=None,
                 jobs: Sequence[int] = (1, 2)) -> JobsSpeedup:
    """Seconds of one grid with each number of jobs (warm epoch cache, fresh results).

    Parameters
    ----------
    datasets : str
        Datasets as ``--datasets`` takes them.
    subjects : sequence of int
        Subjects of every dataset.
    models : sequence of str
        Pipeline names.
    protocol : Protocol, optional
        Default: within-session cross-validation.
    jobs : sequence of int
        Numbers of jobs to time, each on a fresh results folder.

    Returns
    -------
    JobsSpeedup
        The grid's size and the seconds of each run.
    """
    from benchmark.datasets import resolve_datasets
    from benchmark.protocols import WithinSessionCV

    specs = resolve_datasets(datasets)
    protocol = protocol or WithinSessionCV()
    seconds, units = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        timed_suite_run(specs, ("csp_lda",), protocol, subjects, tmp / "warm-up", tmp / "cache")
        for n in jobs:
            seconds[n], rows = timed_suite_run(specs, models, protocol, subjects, tmp / f"jobs{n}",
                                               tmp / "cache", jobs=n)
            units.append(rows["unit_id"].nunique())
    return JobsSpeedup(units=units[0], seconds=seconds)


def jobs_figures() -> JobsFigures:
    """The two grids of ``perf jobs``: classical pipelines within-session, EEGNet on the paper
    protocol (two demo datasets, two subjects)."""
    from benchmark.protocols import PaperSplit

    eegnet = {"models": ("eegnet",), "protocol": PaperSplit(),
              "datasets": "SynBNCI2014004,SynBNCI2014001", "subjects": (1, 2)}
    grids = {label: jobs_speedup(**kwargs)
             for label, kwargs in (("classical, within-session", {}),
                                   ("eegnet, paper protocol", eegnet))}
    return JobsFigures(cores=os.cpu_count() or 1, grids=grids)
