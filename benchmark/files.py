"""Durable file writes: a file is either its old content or its whole new one.

The files a rerun relies on (result units, ``results.csv``, the epoch cache, the
pretraining pool's arrays and its checkpoints) are written through :func:`atomic_open`:
into a temporary file in the same folder, flushed and ``fsync``-ed, renamed over the
target with ``os.replace`` (atomic on POSIX and Windows), and the folder ``fsync``-ed so
the rename itself survives a power cut.  A crash, Ctrl-C or SIGKILL at any point leaves
no partial file behind.  (Report files and the pretraining logs are rewritten whole by
every run and are written plainly.)

Written by hand because the standard library has no atomic write, and the packages that
offer one (``atomicwrites``, archived in 2022) are not maintained.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_open", "atomic_write_text"]


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the ``with`` block succeeds.

    Parameters
    ----------
    path : path-like
        The file to write; its folder must exist.
    mode : {"w", "wb"}
        Text or binary.

    Examples
    --------
    >>> with atomic_open(folder / "unit.json") as fh:      # doctest: +SKIP
    ...     fh.write(text)
    >>> with atomic_open(folder / "X.npy", "wb") as fh:    # doctest: +SKIP
    ...     np.save(fh, X)
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes a whole file: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` durably (see :func:`atomic_open`)."""
    with atomic_open(path) as fh:
        fh.write(text)
