"""Hybrid-pretraining throughput: trials/s of the training loop on a pretrain7-sized pool.

The steps timed are :func:`benchmark.pretraining.pretrain`'s own, set up by the same
:func:`~benchmark.pretraining.trainer.prepare_training`: batches drawn from the pool by its
:class:`~benchmark.pretraining.trainer.EpochBatches` through its DataLoader
(:func:`~benchmark.pretraining.trainer.pool_loader`, ``workers`` processes), each trained
on by its :class:`~benchmark.pretraining.trainer.HybridStep` (masking, MIRepNetPretrain's
forward pass, the hybrid loss, backward, clipping, AdamW) in the chosen precision.

The pool: a few synthetic subjects (the ``demo-pretrain`` sets by default) go through the
real pool code (:func:`~benchmark.pretraining.build_pool`: MOABB loading, Euclidean
alignment, 45-channel template, ``.npy`` files) into a temporary folder, and their files
are mapped again and again until the pool holds ``n_trials`` (50,000 by default, about
the size of pretrain7's pool), each repetition counting as one more subject.  Generating
50,000 distinct synthetic trials would take hours and writing them 9 GB, and the speed of
a training step does not depend on the values.  The repeated subjects come from the
same few files, so after the first reads they come from the page cache: the figure is a
run whose pool fits in memory (pretrain7's 9 GB does on a GPU machine), not a cold disk.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from benchmark.perf.timer import best_seconds, device_clock

__all__ = ["PretrainThroughput", "pretrain_throughput"]

logger = logging.getLogger(__name__)

#: Steps timed and warm-up steps before them, where ``steps``/``warmup`` are not given:
#: a CPU takes seconds per step of 64 trials, a GPU milliseconds.
DEFAULT_STEPS = {"cpu": (4, 1), "cuda": (200, 20)}


@dataclass(frozen=True)
class PretrainThroughput:
    """The speed of hybrid pretraining's training loop on one device.

    Attributes
    ----------
    device : str
        The torch device (``"cpu"``, ``"cuda:0"``).
    device_name : str
        The hardware behind it (the GPU's name, or the CPU's).
    threads : int
        torch's CPU threads in the main process.
    precision : str
        ``fp32``, ``bf16`` or ``fp16``.
    workers : int
        DataLoader worker processes.
    batch_size : int
        Trials per step.
    pool_trials : int
        Trials in the pool the batches were drawn from.
    pool_subjects : int
        Subjects in it (repetitions of ``source_subjects`` synthetic subjects).
    source_subjects : int
        Distinct synthetic subjects prepared through the pool code.
    n_chans, n_times : int
        Shape of one trial.
    warmup : int
        Steps run before the clock started.
    steps : int
        Steps timed.
    trials : int
        Trials trained on in the timed steps (``batch_size * steps`` unless an epoch's
        shorter last batch fell among them).
    seconds : float
        Time of the timed steps.
    trials_per_s : float
        ``trials / seconds``.
    peak_memory_bytes : int or None
        Most GPU memory torch held during the timed steps (None on the CPU).
    """

    device: str
    device_name: str
    threads: int
    precision: str
    workers: int
    batch_size: int
    pool_trials: int
    pool_subjects: int
    source_subjects: int
    n_chans: int
    n_times: int
    warmup: int
    steps: int
    trials: int
    seconds: float
    trials_per_s: float
    peak_memory_bytes: int | None

    def lines(self) -> list[str]:
        """The figures as ``python -m benchmark perf pretrain`` prints them."""
        memory = ("n/a on the CPU" if self.peak_memory_bytes is None
                  else f"{self.peak_memory_bytes / 2 ** 30:.2f} GiB")
        return [
            f"MIRepNet hybrid pretraining on {self.device} ({self.device_name}, {self.threads} "
            f"CPU threads), {self.precision}, {self.workers} DataLoader worker(s):",
            f"  pool: {self.pool_trials:,} trials x {self.n_chans} channels x {self.n_times} "
            f"samples, memory-mapped ({self.pool_subjects} subjects: {self.source_subjects} "
            "synthetic subjects repeated)",
            f"  batch {self.batch_size}: {self.steps} steps timed after {self.warmup} warm-up: "
            f"{self.trials:,} trials in {self.seconds:.2f} s, {self.trials_per_s:,.1f} trials/s",
            f"  peak GPU memory: {memory}",
        ]


def pretrain_throughput(n_trials: int = 50_000, device: str | None = None,
                        precision: str = "fp32", workers: int = 0, batch_size: int = 64,
                        steps: int | None = None, warmup: int | None = None,
                        datasets: str | list = "demo-pretrain", max_subjects: int = 1,
                        preprocessing=None, seed: int = 0) -> PretrainThroughput:
    """Trials/s of hybrid pretraining's training steps on a pool of ``n_trials`` trials.

    Parameters
    ----------
    n_trials : int
        Trials in the pool (default 50,000: about pretrain7's).
    device : str or None
        ``auto`` (or None: CUDA when present), ``cpu``, ``cuda`` (``cuda:0``) or ``cuda:N``.
    precision : str
        ``fp32``, ``bf16`` or ``fp16`` (CUDA only).
    workers : int
        DataLoader worker processes.
    batch_size : int
        Trials per step.
    steps, warmup : int, optional
        Steps timed, and untimed steps before them (default: :data:`DEFAULT_STEPS` of the
        device type).
    datasets : str or list
        The synthetic sets whose subjects make the pool (a suite, names or specs).
    max_subjects : int
        Subjects prepared per set.
    preprocessing : PreprocessingConfig, optional
        Default: pretraining's (250 Hz, 4 s: 1000 samples, as the real pool).
    seed : int
        Seed of the weights, the batch order and the masks.

    Returns
    -------
    PretrainThroughput
        The figures and what they were measured on.

    Raises
    ------
    UserError
        A device that is not here, a precision it cannot train in, or a bad size.
    """
    import torch

    from benchmark.datasets import resolve_datasets
    from benchmark.devices import device_name, uses_cuda
    from benchmark.errors import UserError
    from benchmark.preprocessing import PreprocessingConfig
    from benchmark.pretraining import PretrainConfig, ScreeningRule, build_pool
    from benchmark.pretraining.trainer import prepare_training, run_device

    if n_trials < 2:
        raise UserError(f"the pool needs at least 2 trials, got n_trials={n_trials}")
    with tempfile.TemporaryDirectory(prefix="perf-pretrain-") as tmp:
        cfg = PretrainConfig(datasets=datasets, out=tmp, batch_size=batch_size, seed=seed,
                             device=device, precision=precision, workers=workers,
                             max_subjects=max_subjects, log_every=0,
                             preprocessing=preprocessing or PreprocessingConfig(),
                             screening=ScreeningRule(min_accuracy_margin=None))
        device = run_device(cfg)
        default_steps, default_warmup = DEFAULT_STEPS["cuda" if uses_cuda(device) else "cpu"]
        steps = default_steps if steps is None else steps
        warmup = default_warmup if warmup is None else warmup
        if steps < 1 or warmup < 0:
            raise UserError(f"need steps >= 1 and warmup >= 0, got {steps} and {warmup}")
        source = build_pool(resolve_datasets(cfg.datasets), Path(tmp) / "pool", cfg.preprocessing,
                            cfg.screening, max_subjects=max_subjects, seed=seed,
                            log=logger.debug)
        pool = _repeated(source, n_trials)
        logger.info("timing %d pretraining steps of %d trials on %s: %s", steps, batch_size,
                    device, pool.describe())

        parts = prepare_training(cfg, pool, device)
        model, train_step, batches, loader = parts.model, parts.step, parts.batches, parts.loader
        stream = _endless(loader, batches)
        masks = torch.Generator().manual_seed(seed)
        model.train()

        def run(n_steps: int) -> int:
            trials = 0
            for _ in range(n_steps):
                x, y = next(stream)
                train_step(x, y, masks)
                trials += len(y)
            return trials

        run(warmup)
        cuda = uses_cuda(device)
        if cuda:
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
        timed: list[int] = []
        seconds = best_seconds(lambda: timed.append(run(steps)), clock=device_clock(device))
        trials = timed[0]
        peak = int(torch.cuda.max_memory_allocated(device)) if cuda else None
        stream.close()
        stream = loader = None  # the DataLoader's workers stop before the pool's files go
    return PretrainThroughput(
        device=device, device_name=device_name(device), threads=torch.get_num_threads(),
        precision=precision, workers=workers, batch_size=batches.batch, pool_trials=len(pool),
        pool_subjects=len(pool.arrays), source_subjects=len(source.arrays),
        n_chans=int(pool.arrays[0].shape[1]), n_times=pool.n_times, warmup=warmup, steps=steps,
        trials=trials, seconds=seconds, trials_per_s=trials / seconds, peak_memory_bytes=peak)


def _endless(loader, batches) -> Iterator:
    """The loader's batches, epoch after epoch."""
    for epoch in itertools.count():
        batches.set_epoch(epoch)
        yield from loader


def _repeated(source, n_trials: int):
    """A pool of ``n_trials`` trials: ``source``'s subjects mapped again until it is full."""
    from benchmark.pretraining import Pool

    arrays, labels, datasets = [], [], []
    total = 0
    for array, y, dataset in itertools.cycle(zip(source.arrays, source.labels, source.datasets)):
        take = min(len(array), n_trials - total)
        if take <= 0:
            break
        # A fresh read-only mapping of the file's first trials: like a subject of its own,
        # and pickled by file name for workers that are not forked.
        arrays.append(np.memmap(array.filename, dtype=array.dtype, mode="r",
                                offset=array.offset, shape=(take, *array.shape[1:])))
        labels.append(y[:take])
        datasets.append(dataset)
        total += take
    return Pool(arrays=arrays, labels=labels, datasets=datasets, records=list(source.records))
