"""Where the deep models run: the run-wide ``--device`` and the placement of worker processes.

``--device`` is one of ``auto`` (CUDA when present, else the CPU), ``cpu``, ``cuda`` (every
GPU of the machine) or ``cuda:N`` (that GPU only).  :func:`resolve_device` checks it once
in the main process, so a run asking for a GPU that is not there stops with one line
before any unit runs.

With ``--jobs N`` the engine starts N worker processes; :func:`place_workers` says which
device each one uses: the GPUs in turn (an even split, N may exceed the number of GPUs:
several workers then share one), the one GPU named, or the CPU.  A worker keeps its
device for its whole life (one CUDA context per process).

torch is imported only when a device other than the CPU is asked about, so runs of
classical pipelines never load it.
"""

from __future__ import annotations

import platform
import re
from functools import lru_cache

from benchmark.errors import UserError

__all__ = ["DEVICE_CHOICES", "check_device_name", "resolve_device", "check_run_precision",
           "place_workers", "cuda_count", "device_name", "uses_cuda"]

#: What ``--device`` accepts (``cuda:N`` for any N).
DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N")

_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def cuda_count() -> int:
    """CUDA devices torch sees (0 without CUDA)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def uses_cuda(device: str) -> bool:
    """Whether a resolved device is a GPU (``cuda`` or ``cuda:N``)."""
    return device.startswith("cuda")


def check_device_name(device: str | None) -> str:
    """``--device`` checked for its form only, lower-cased (``None``: ``auto``).

    Raises
    ------
    UserError
        For a value that is none of ``auto``, ``cpu``, ``cuda``, ``cuda:N``.
    """
    device = (device or "auto").strip().lower()
    if not _PATTERN.match(device):
        raise UserError(f"unknown --device {device!r}; choose auto, cpu, cuda or cuda:N "
                        "(e.g. cuda:0)")
    return device


def resolve_device(device: str | None, n_cuda: int | None = None) -> str:
    """The run's device from ``--device``: ``cpu``, ``cuda`` (all GPUs) or ``cuda:N``.

    Parameters
    ----------
    device : str or None
        ``auto`` (or ``None``), ``cpu``, ``cuda`` or ``cuda:N``.
    n_cuda : int, optional
        CUDA devices present (default: asked of torch; tests pass a number).

    Raises
    ------
    UserError
        For a malformed value, or a GPU that is not here.
    """
    device = check_device_name(device)
    if device == "cpu":
        return "cpu"
    if n_cuda is None:
        n_cuda = cuda_count()
    if device == "auto":
        return "cuda" if n_cuda else "cpu"
    if not n_cuda:
        raise UserError(f"--device {device}: no CUDA device here (torch "
                        "cuda.is_available() is False); use --device cpu or auto")
    if ":" in device and int(device.split(":")[1]) >= n_cuda:
        raise UserError(f"--device {device}: this machine has {n_cuda} CUDA device(s), "
                        f"cuda:0 to cuda:{n_cuda - 1}; pick one of them or --device cuda")
    return device


def check_run_precision(precision: str, device: str) -> None:
    """Refuse, in one line, a precision the run's device cannot train in."""
    from benchmark.models import check_precision

    try:
        check_precision(precision, "cuda:0" if device == "cuda" else device)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def place_workers(jobs: int, device: str, n_cuda: int | None = None) -> list[str]:
    """The device of each of ``jobs`` worker processes.

    Parameters
    ----------
    jobs : int
        Worker processes.
    device : str
        The run's resolved device (:func:`resolve_device`).
    n_cuda : int, optional
        CUDA devices present (default: asked of torch; tests pass a fake count).

    Returns
    -------
    list of str
        ``cuda`` spreads the workers over the GPUs in turn (worker i on
        ``cuda:{i % n_cuda}``), so each GPU gets ``jobs // n_cuda`` or one more;
        ``cuda:N`` puts them all on that GPU, ``cpu`` on the CPU.
    """
    if device != "cuda":
        return [device] * jobs
    if n_cuda is None:
        n_cuda = cuda_count()
    if n_cuda < 1:
        raise UserError("--device cuda: no CUDA device here; use --device cpu or auto")
    return [f"cuda:{i % n_cuda}" for i in range(jobs)]


def device_name(device: str) -> str:
    """The hardware behind a device, for the rows: the GPU's name, or the CPU's."""
    if device == "cuda":  # the current GPU: named by its index, which the cache keys on
        import torch

        device = f"cuda:{torch.cuda.current_device()}"
    return _hardware_name(device)


@lru_cache(maxsize=None)
def _hardware_name(device: str) -> str:
    """:func:`device_name` of ``cpu`` or ``cuda:N``, asked once per process (the hardware
    behind a device name does not change while it runs)."""
    if uses_cuda(device):
        import torch

        return torch.cuda.get_device_name(int(device.split(":")[1]))
    return _cpu_name()


def _cpu_name() -> str:
    """The CPU's model name (Linux's ``/proc/cpuinfo``), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"
