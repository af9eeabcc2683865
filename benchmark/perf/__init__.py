"""Figures of ``python -m benchmark perf [preprocessing|...|pretrain|precision|gpu|all]``.

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
  template mapping against per-trial loops;
* ``pretrain`` (:mod:`~benchmark.perf.pretrain`): trials/s of hybrid pretraining on a
  pool the size of pretrain7's (50,000 trials), ``--device``, ``--precision``, ``--workers``;
* ``precision`` (:mod:`~benchmark.perf.precision`): bf16 against fp32, paired over the
  units of a grid (not in ``all``: it trains hundreds of units);
* ``adaptation`` (:mod:`~benchmark.perf.adaptation`): backbone forward passes and wall time
  of the probes with and without the frozen-feature cache, seconds per unit and trained
  parameters of each strategy (not in ``all``);
* ``gpu`` (:mod:`~benchmark.perf.gpu`): seconds per paper-protocol unit and peak memory of
  every model on one GPU, ``--jobs`` sharing it, the full grid's estimated time; written to a
  CSV that ``run --dry-run`` reads.  Where no CUDA device is, it measures nothing and says
  so in one line (:data:`~benchmark.perf.gpu.NO_CUDA`; ``all`` goes on without it).

Every timing goes through :mod:`benchmark.perf.timer`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterator

from benchmark import devices
from benchmark.errors import UserError, did_you_mean
from benchmark.perf.adaptation import ADAPTATION_MODELS, FEWSHOT_SHOTS, adaptation_figures
from benchmark.perf.classical import classical_vs_moabb
from benchmark.perf.gpu import JOBS, NO_CUDA, gpu_figures
from benchmark.perf.jobs import jobs_figures
from benchmark.perf.mirepnet import available_devices, mirepnet_throughput
from benchmark.perf.precision import PRECISION_MODELS, precision_comparison
from benchmark.perf.preprocessing import (
    per_trial_reference,
    preprocessing_throughput,
    release_style_reference,
)
from benchmark.perf.pretrain import pretrain_throughput
from benchmark.perf.text import format_figures
from benchmark.perf.zoo import zoo_epoch_times

__all__ = ["BENCHMARKS", "NEEDS_CUDA", "PerfOptions", "Unmeasured", "main",
           "mirepnet_throughput", "per_trial_reference", "preprocessing_throughput",
           "release_style_reference", "zoo_epoch_times"]


@dataclass(frozen=True)
class PerfOptions:
    """The command line's options of ``perf``.

    Attributes
    ----------
    repeats : int
        Timed repetitions (only the MIRepNet figures use them: the others time whole runs
        once, or, for preprocessing, their own 5 repeats of short calls).
    csv : str, optional
        gpu: the figures file (default ``$BENCHMARK_GPU_FIGURES`` or ``results/perf/gpu.csv``).
    models : str, optional
        gpu: the models measured (default ``all``).
    jobs : tuple of int
        gpu: the ``--jobs`` values of the scaling figure.
    precision : str
        gpu, pretrain: the deep models' ``--precision``.
    device : str
        pretrain, precision: ``--device`` (``auto``: CUDA when present).
    workers : int
        pretrain: DataLoader worker processes.
    datasets, subjects, seeds, out
        precision: the grid run in fp32 and bf16, and the folder of its two results
        folders (kept: a rerun continues); adaptation: its demo set (``demo``: the
        default, SynBNCI2014004), subjects and seeds.
    shots, loso
        adaptation: the few-shot levels (default 1, 2, 5, 10, 20) and whether LOSO runs.
    """

    repeats: int = 3
    csv: str | None = None
    models: str | None = None
    jobs: tuple[int, ...] = JOBS
    precision: str = "fp32"
    device: str = "auto"
    workers: int = 0
    datasets: str = "demo"
    subjects: tuple[int, ...] | None = None
    seeds: tuple[int, ...] = (0, 1, 2)
    out: str = "results/perf/precision"
    shots: tuple[int, ...] | None = None
    loso: bool = True


class Unmeasured(str):
    """A block that says why a benchmark measured nothing (no CUDA device here)."""


#: Each benchmark by name (in the order ``all`` runs them): what it measures, given the
#: options of the command line.
BENCHMARKS: dict[str, Callable[[PerfOptions], object]] = {
    "zoo": lambda options: zoo_epoch_times(),
    "mirepnet": lambda options: [mirepnet_throughput(repeats=options.repeats, device=device)
                                 for device in available_devices()],
    "classical": lambda options: classical_vs_moabb(),
    "jobs": lambda options: jobs_figures(),
    "preprocessing": lambda options: preprocessing_throughput(),
    "pretrain": lambda options: pretrain_throughput(device=options.device,
                                                    precision=options.precision,
                                                    workers=options.workers),
    "gpu": lambda options: gpu_figures(models=options.models, jobs=options.jobs,
                                       precision=options.precision, csv=options.csv),
    "adaptation": lambda options: adaptation_figures(
        dataset="SynBNCI2014004" if options.datasets == "demo" else options.datasets,
        subjects=options.subjects, seeds=options.seeds, shots=options.shots or FEWSHOT_SHOTS,
        models=(options.models.split(",") if options.models else ADAPTATION_MODELS),
        loso=options.loso, device="cpu" if options.device == "auto" else options.device),
    "precision": lambda options: precision_comparison(
        out=options.out, models=(options.models.split(",") if options.models
                                 else PRECISION_MODELS),
        datasets=options.datasets, subjects=options.subjects, seeds=options.seeds,
        device=options.device),
}

#: Benchmarks ``all`` leaves out: ``precision`` and ``adaptation`` train hundreds of units
#: (hours on a CPU).
NOT_IN_ALL = ("precision", "adaptation")

#: The benchmarks that measure only on a CUDA device, and the line they give without one.
NEEDS_CUDA: dict[str, str] = {"gpu": NO_CUDA}


def main(what: str = "all", repeats: int = 3, options: PerfOptions | None = None
         ) -> Iterator[str]:
    """The text of the chosen figures, one block per benchmark, each measured when reached.

    Parameters
    ----------
    what : str
        A name of :data:`BENCHMARKS`, or ``all`` (every one but :data:`NOT_IN_ALL`, in
        that order).
    repeats : int
        Timed repetitions where a benchmark repeats its calls (when no ``options``).
    options : PerfOptions, optional
        Every option of the command line (``repeats`` included).

    Returns
    -------
    iterator of str
        The machine's core count, then each benchmark's lines (newline-separated); a
        benchmark runs when its block is asked for.  A benchmark of :data:`NEEDS_CUDA`
        gives an :class:`Unmeasured` line where torch sees no CUDA device (alone, when it
        is the one asked for).

    Raises
    ------
    UserError
        For an unknown ``what`` (at once, before anything is measured).
    """
    choices = [*BENCHMARKS, "all"]
    if what not in choices:
        raise UserError(f"unknown perf figures {what!r}; {did_you_mean(what, choices)}"
                        f"choose from {', '.join(choices)}")
    options = options or PerfOptions(repeats=repeats)
    if what in NEEDS_CUDA and not devices.cuda_count():
        return iter([Unmeasured(NEEDS_CUDA[what])])
    every = [name for name in BENCHMARKS if name not in NOT_IN_ALL]
    return _blocks(every if what == "all" else [what], options)


def _blocks(names: list[str], options: PerfOptions) -> Iterator[str]:
    yield f"CPU cores: {os.cpu_count()}"
    for name in names:
        if name in NEEDS_CUDA and not devices.cuda_count():
            yield Unmeasured(NEEDS_CUDA[name])
            continue
        yield format_figures(BENCHMARKS[name](options))
