"""Setting up a process that evaluates units: seeds, warnings, threads, plug-ins.

Used by the CLI's own process and by every worker process (local or Dask) before its
first unit, so that a unit gives the same result wherever it runs.
"""

from __future__ import annotations

import os
import random
import sys
import warnings

import numpy as np

__all__ = ["seed_everything", "quiet_warnings", "limit_threads", "prepare_process",
           "place_process", "placed_device"]

_PLACED: list[str | None] = [None]  # the device this worker process was given, if any


def place_process(device: str | None) -> None:
    """Give this (worker) process its device for the rest of its life (see
    :func:`benchmark.devices.place_workers`)."""
    _PLACED[0] = device


def placed_device() -> str | None:
    """The device this process was given by :func:`place_process` (``None``: none)."""
    return _PLACED[0]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (if imported) for one unit."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def quiet_warnings() -> None:
    """Hide the libraries' deprecation notices and known harmless warnings (CLI, workers)."""
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="braindecode")
    warnings.filterwarnings("ignore", message="A window was not provided")  # BIOT's STFT
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")  # ADFCNN


def limit_threads(n: int) -> None:
    """Use ``n`` BLAS/OpenMP threads in this process (and in torch, once it is imported)."""
    from threadpoolctl import threadpool_limits

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    threadpool_limits(limits=n)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)


def prepare_process(plugins: tuple[str, ...] = (), threads: int | None = None) -> None:
    """Quiet the warnings, load the run's model plug-ins and limit the threads.

    Parameters
    ----------
    plugins : tuple of str
        Modules registering models (``--plugin``); the built-in models load first.
    threads : int, optional
        BLAS/OpenMP/torch threads (``None``: leave as they are).
    """
    quiet_warnings()
    if plugins:
        from benchmark.models import load_builtin_models, load_plugin

        load_builtin_models()
        for module in plugins:
            load_plugin(module)
    if threads:
        limit_threads(threads)
