"""Where units run: in this process, in local worker processes, or on a Dask cluster.

All three are :class:`concurrent.futures.Executor` objects, so the engine has one code
path.  The parallel ones are existing engines: the standard library's
``ProcessPoolExecutor`` for ``--jobs N`` and Dask distributed's ``Client.get_executor()``
for ``--scheduler ADDRESS`` (no scheduler of our own).

Threads: a local worker process uses ``cores // jobs`` BLAS and torch threads, so two
jobs on a 2-core machine do not fight over the cores.  Dask workers keep the thread
settings of their cluster.  With a GPU, every worker uses it; one job per GPU is the
sensible setting for large models.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from benchmark.errors import UserError

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


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the main process, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalProcessExecutor(ProcessPoolExecutor):
    """``ProcessPoolExecutor`` (forkserver start) whose workers can be stopped at once."""

    def __init__(self, jobs: int):
        super().__init__(max_workers=jobs, mp_context=multiprocessing.get_context("forkserver"),
                         initializer=_ignore_sigint)

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


def make_executor(jobs: int = 1, scheduler: str | None = None):
    """``(executor, tasks kept in flight, threads per worker or None)``.

    ``jobs`` and ``scheduler`` are validated by :class:`benchmark.engine.RunConfig`.
    """
    if scheduler:
        ex = DaskExecutor(scheduler)
        return ex, 2 * ex.capacity(), None
    if jobs == 1:
        return InlineExecutor(), 1, None
    return LocalProcessExecutor(jobs), 2 * jobs, max(1, (os.cpu_count() or 1) // jobs)
