"""Figures of ``python -m benchmark perf [preprocessing|classical|mirepnet|jobs|zoo|all]``.

One module per benchmark, each returning its figures (sizes included) and printing
nothing; :mod:`benchmark.perf.text` turns them into lines, :func:`main` chooses:

* ``zoo`` (:mod:`~benchmark.perf.zoo`): parameters and seconds per training epoch of
  every deep pipeline on one demo subject;
* ``mirepnet`` (:mod:`~benchmark.perf.mirepnet`): MIRepNet inference and training steps,
  embedding fused or as released, on the CPU and on a GPU where there is one;
* ``classical`` (:mod:`~benchmark.perf.classical`): the engine against MOABB's
  ``WithinSessionEvaluation`` on the same classical pipelines and subjects;
* ``jobs`` (:mod:`~benchmark.perf.jobs`): ``--jobs 1`` against ``--jobs 2``;
* ``preprocessing`` (:mod:`~benchmark.perf.preprocessing`): batched Euclidean alignment and
  template mapping against per-trial loops.

Every timing goes through :mod:`benchmark.perf.timer`.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator

from benchmark.errors import UserError, did_you_mean
from benchmark.perf.classical import classical_vs_moabb
from benchmark.perf.jobs import jobs_figures
from benchmark.perf.mirepnet import available_devices, mirepnet_throughput
from benchmark.perf.preprocessing import (
    per_trial_reference,
    preprocessing_throughput,
    release_style_reference,
)
from benchmark.perf.text import format_figures
from benchmark.perf.zoo import zoo_epoch_times

__all__ = ["BENCHMARKS", "main", "mirepnet_throughput", "per_trial_reference",
           "preprocessing_throughput", "release_style_reference", "zoo_epoch_times"]

#: Each benchmark by name (in the order ``all`` runs them): what it measures, given the
#: ``--repeats`` of the command line (which only the MIRepNet figures use: the others time
#: whole runs once, or, for preprocessing, their own 5 repeats of short calls).
BENCHMARKS: dict[str, Callable[[int], object]] = {
    "zoo": lambda repeats: zoo_epoch_times(),
    "mirepnet": lambda repeats: [mirepnet_throughput(repeats=repeats, device=device)
                                 for device in available_devices()],
    "classical": lambda repeats: classical_vs_moabb(),
    "jobs": lambda repeats: jobs_figures(),
    "preprocessing": lambda repeats: preprocessing_throughput(),
}


def main(what: str = "all", repeats: int = 3) -> Iterator[str]:
    """The text of the chosen figures, one block per benchmark, each measured when reached.

    Parameters
    ----------
    what : str
        A name of :data:`BENCHMARKS`, or ``all`` (every one, in that order).
    repeats : int
        Timed repetitions where a benchmark repeats its calls.

    Returns
    -------
    iterator of str
        The machine's core count, then each benchmark's lines (newline-separated); a
        benchmark runs when its block is asked for.

    Raises
    ------
    UserError
        For an unknown ``what`` (at once, before anything is measured).
    """
    choices = [*BENCHMARKS, "all"]
    if what not in choices:
        raise UserError(f"unknown perf figures {what!r}; {did_you_mean(what, choices)}"
                        f"choose from {', '.join(choices)}")
    return _blocks(list(BENCHMARKS) if what == "all" else [what], repeats)


def _blocks(names: list[str], repeats: int) -> Iterator[str]:
    yield f"CPU cores: {os.cpu_count()}"
    for name in names:
        yield format_figures(BENCHMARKS[name](repeats))
