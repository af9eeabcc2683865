"""The clock of every perf figure: :mod:`timeit`, with collections on and the GPU waited for.

:mod:`timeit` runs the calls and reads the clock; two things are added here, each because
no library does it for these figures:

* garbage collection stays on (``setup=gc.enable``; :mod:`timeit` turns it off), so that an
  engine run or a training epoch is timed as it runs for a user;
* on a CUDA device the clock waits for the queued kernels first (:func:`device_clock`), as
  ``torch.utils.benchmark`` does; its ``Timer`` itself is not used because it runs one
  thread unless told otherwise and reports blocks of calls, where these figures are the
  fastest single call at the process's own thread count.
"""

from __future__ import annotations

import gc
import timeit
from typing import Callable, TypeVar

__all__ = ["best_seconds", "device_clock", "timed_call"]

T = TypeVar("T")


def best_seconds(fn: Callable[[], object], repeats: int = 1, *, warmup: int = 0,
                 clock: Callable[[], float] = timeit.default_timer) -> float:
    """Seconds of the fastest of ``repeats`` single calls of ``fn``.

    Parameters
    ----------
    fn : callable
        What is timed, called without arguments.
    repeats : int
        Timed calls; the fastest one counts (the others met a busier machine).
    warmup : int
        Untimed calls first (first-call allocations, kernel selection).
    clock : callable
        The clock read before and after each call (:func:`device_clock` for a GPU).

    Returns
    -------
    float
        The fewest seconds one call took.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    timer = timeit.Timer(fn, setup=gc.enable, timer=clock)
    if warmup:
        timer.timeit(number=warmup)
    return min(timer.repeat(repeat=repeats, number=1))


def timed_call(fn: Callable[[], T]) -> tuple[float, T]:
    """Seconds of one call of ``fn``, and what it returned.

    Parameters
    ----------
    fn : callable
        What is timed, called once without arguments.

    Returns
    -------
    seconds : float
        How long the call took.
    value : object
        What ``fn`` returned.
    """
    returned: list[T] = []
    seconds = best_seconds(lambda: returned.append(fn()))
    return seconds, returned[0]


def device_clock(device: str) -> Callable[[], float]:
    """The clock for calls that run on ``device``: the plain one on a CPU.

    On a CUDA device a call returns once its kernels are queued, so this clock waits for
    the device (``torch.cuda.synchronize``) before it reads the time.

    Parameters
    ----------
    device : str
        A torch device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``).

    Returns
    -------
    callable
        A clock for :func:`best_seconds`.
    """
    if not device.startswith("cuda"):
        return timeit.default_timer
    import torch

    def synchronised() -> float:
        torch.cuda.synchronize(device)
        return timeit.default_timer()

    return synchronised
