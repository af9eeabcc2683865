"""Checks that loaded recordings are whole and usable before any model sees them.

Two kinds of damage pass silently through the readers and are caught here:

* **Truncated EDF/BDF files.**  MNE reads a file cut short (an interrupted download or
  copy) without error, inferring fewer records from its size, and MOABB's readers pass
  ``verbose="ERROR"``, which silences the warning: the subject then simply has fewer
  trials.  :func:`recording_files_opened` notes which files the readers open (through
  Python's audit hooks, :pep:`578`, so it works for every MOABB dataset without knowing
  its layout) and :func:`check_recording_file` compares each EDF/BDF header's record
  count with the file's size.  Written by hand because neither MNE nor MOABB exposes
  the check.
* **Unusable samples.**  :func:`check_epochs` refuses NaN/Inf samples and channels that
  are flat in every trial (a disconnected electrode makes the Euclidean-alignment
  reference singular).

Every finding is a :class:`~benchmark.errors.NotRunnable` with one line naming the file
or channels and the fix; the run records the subject's units as not runnable and goes on.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np

from benchmark.errors import NotRunnable

__all__ = ["recording_files_opened", "check_recording_file", "check_epochs"]

_RECORDING_SUFFIXES = (".edf", ".bdf", ".gdf", ".mat", ".fif", ".set", ".fdt", ".vhdr", ".eeg",
                       ".cnt", ".npz", ".h5", ".hdf5", ".xdf")
_local = threading.local()
_hook_installed = False


def _audit(event: str, args) -> None:
    paths = getattr(_local, "paths", None)
    if paths is None or event != "open":
        return
    path, mode = args[0], args[1]
    if isinstance(path, (str, bytes, os.PathLike)) and (mode is None or "r" in str(mode)):
        path = os.fsdecode(path)
        if path.lower().endswith(_RECORDING_SUFFIXES):
            paths.add(path)


@contextmanager
def recording_files_opened() -> Iterator[set[str]]:
    """Collect the recording files opened for reading in this thread inside the block."""
    global _hook_installed
    if not _hook_installed:  # an audit hook cannot be removed: install one, switch it per block
        sys.addaudithook(_audit)
        _hook_installed = True
    previous = getattr(_local, "paths", None)
    _local.paths = set()
    try:
        yield _local.paths
    finally:
        found = _local.paths
        _local.paths = previous
        if previous is not None:
            previous.update(found)


def _edf_expected_size(path: str) -> int | None:
    """Bytes an EDF/BDF file must have according to its header (``None``: unknown)."""
    with open(path, "rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            return 256
        try:
            header_bytes = int(head[184:192])
            n_records = int(head[236:244])
            n_signals = int(head[252:256])
        except ValueError:
            return None  # not a header we can read; the reader will say what is wrong
        if n_records < 0:  # -1: "unknown" (recording not closed), nothing to compare
            return None
        fh.seek(256 + n_signals * 216)
        raw = fh.read(8 * n_signals)
    try:
        samples = [int(raw[i:i + 8]) for i in range(0, len(raw), 8)]
    except ValueError:
        return None
    if len(samples) < n_signals:
        return header_bytes
    width = 3 if head[:1] == b"\xff" else 2  # BDF: 24-bit samples, marked by byte 0xFF
    return header_bytes + n_records * sum(samples) * width


def check_recording_file(path: str, dataset: str, subject: int) -> None:
    """Raise :class:`NotRunnable` if a recording file is empty or a truncated EDF/BDF."""
    size = os.path.getsize(path)
    expected = 1 if size == 0 else None
    if size and path.lower().endswith((".edf", ".bdf")):
        expected = _edf_expected_size(path)
    if expected is not None and size < expected:
        raise NotRunnable(
            f"dataset {dataset} subject {subject}: {path} is truncated ({size:,} of "
            f"{expected:,} bytes); delete it and run `python -m benchmark download --datasets "
            f"{dataset} --subjects {subject}` to fetch it again"
        )


def check_epochs(X: np.ndarray, ch_names: Sequence[str], dataset: str, subject: int) -> None:
    """Raise :class:`NotRunnable` for NaN/Inf samples or channels flat in every trial.

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_chans, n_times)
        The subject's epochs.
    """
    finite = np.isfinite(X)
    if not finite.all():
        bad_trials = int(np.sum(~finite.all(axis=(1, 2))))
        chans = [ch_names[i] for i in np.flatnonzero(~finite.all(axis=(0, 2)))]
        raise NotRunnable(
            f"dataset {dataset} subject {subject}: {bad_trials} of {len(X)} trials contain NaN "
            f"or Inf samples (channels {', '.join(chans[:6])}{', ...' if len(chans) > 6 else ''}); "
            "the recording has gaps or its files are damaged: download the subject again or "
            "leave it out with --subjects"
        )
    flat = np.flatnonzero(np.ptp(X, axis=2).max(axis=0) <= 1e-6)  # µV, over every trial
    if flat.size:
        names = [ch_names[i] for i in flat]
        raise NotRunnable(
            f"dataset {dataset} subject {subject}: channel(s) {', '.join(names[:6])} are flat "
            "in every trial (disconnected electrode), which makes the alignment singular; "
            "leave the subject out with --subjects"
        )
