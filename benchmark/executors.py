"""Where units run: in this process, in local worker processes, or on a Dask cluster.

All three are :class:`concurrent.futures.Executor` objects, so the engine has one code
path.  The parallel ones are existing engines: the standard library's
``ProcessPoolExecutor`` for ``--jobs N`` and Dask distributed's ``Client.get_executor()``
for ``--scheduler ADDRESS`` (no scheduler of our own).

Threads: a local worker process uses ``cores // jobs`` BLAS and torch threads, so two
jobs on a 2-core machine do not fight over the cores.  Dask workers keep the thread
settings of their cluster.

Devices: each local worker process takes one device of the run's placement
(:func:`benchmark.devices.place_workers`) when it starts and keeps it, so ``--jobs 8`` on
one GPU runs eight processes that share it and on two GPUs four on each.  Small
fine-tuning units leave a GPU mostly idle, so several per GPU raise the throughput; a
unit that runs out of GPU memory is retried alone by the engine.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from benchmark.errors import UserError
from benchmark.process import place_process

__all__ = ["InlineExecutor", "make_executor"]


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (the serial run)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            future.set_exception(exc)
        return future


def _start_worker(devices) -> None:
    """A worker process leaves Ctrl-C to the main process, which stops it, and takes its
    device: the next one of the run's placement (a queue holding one per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if devices is not None:
        try:
            place_process(devices.get(timeout=10))
        except queue.Empty:  # pragma: no cover - one entry per worker is always there
            place_process(None)


class LocalProcessExecutor(ProcessPoolExecutor):
    """``ProcessPoolExecutor`` (forkserver start) whose workers can be stopped at once.

    ``devices``: the device of each worker (as many as ``jobs``); each worker process
    takes one when it starts.
    """

    def __init__(self, jobs: int, devices: list[str] | None = None):
        context = multiprocessing.get_context("forkserver")
        slots = None
        if devices is not None:
            slots = context.Queue()
            for device in devices:
                slots.put(device)
        super().__init__(max_workers=jobs, mp_context=context, initializer=_start_worker,
                         initargs=(slots,))

    @property
    def broken(self) -> bool:
        """Whether a worker process died (the pool then refuses new tasks)."""
        return bool(getattr(self, "_broken", False))

    def stop_now(self) -> None:
        """Cancel what has not started and end the worker processes (Ctrl-C)."""
        processes = list(getattr(self, "_processes", {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()


class DaskExecutor:
    """A Dask distributed client's executor; closes the client with it."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency of the suite
            raise UserError("--scheduler needs dask's `distributed` package; pip install "
                            "distributed") from None
        try:
            self.client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(f"cannot reach a Dask scheduler at {address!r} "
                            f"({type(exc).__name__}); start one (`dask scheduler`) and pass "
                            "its address, e.g. --scheduler tcp://HOST:8786") from None
        self.executor = self.client.get_executor(pure=False)

    def capacity(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, *args, **kwargs) -> Future:
        return self.executor.submit(fn, *args, **kwargs)

    def stop_now(self) -> None:
        self.shutdown()

    def shutdown(self, wait: bool = True, **_) -> None:
        try:
            self.executor.shutdown(wait=False)
        finally:
            self.client.close()


def make_executor(jobs: int = 1, scheduler: str | None = None,
                  devices: list[str] | None = None):
    """``(executor, tasks kept in flight, threads per worker or None)``.

    ``jobs`` and ``scheduler`` are validated by :class:`benchmark.engine.RunConfig`;
    ``devices`` is the device of each local worker process (``jobs`` of them), if any.
    """
    if scheduler:
        ex = DaskExecutor(scheduler)
        return ex, 2 * ex.capacity(), None
    if jobs == 1:
        return InlineExecutor(), 1, None
    return (LocalProcessExecutor(jobs, devices), 2 * jobs,
            max(1, (os.cpu_count() or 1) // jobs))
