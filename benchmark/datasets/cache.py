"""On-disk cache of loaded epochs, shared by every model, protocol and process.

Loading a subject through MOABB (reading the files, band-pass filtering the continuous
recording, epoching, resampling) is the slowest step that every model repeats.  The
result is stored once per (dataset, subject, loading digest) as an uncompressed ``.npz``
(whose members carry CRC-32 checksums) under ``ROOT/<dataset>/``:

* the *loading digest* covers exactly what shapes the epochs: the dataset's class,
  arguments and classes, the band, the rate, the window, and the MOABB and MNE versions;
  changing one of them gives a new entry and leaves the others valid.  Alignment and the
  channel template are computed per split from these epochs and are not part of it;
* an entry is written durably (:func:`benchmark.files.atomic_open`: a temporary file,
  ``fsync``, renamed into place), under a file lock, so parallel workers compute a
  subject once and a killed process leaves no partial entry;
* an entry that cannot be read back (truncated, failed checksum) is recomputed.

``ROOT`` is ``--cache DIR``, else ``$BENCHMARK_CACHE``, else ``~/.cache/mirepnet-benchmark``.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import SubjectData, load_subject
from benchmark.files import atomic_open
from benchmark.preprocessing.config import PreprocessingConfig, digest

__all__ = ["EpochCache", "default_cache_dir"]

FORMAT = 1  # bump when the stored layout changes


def default_cache_dir() -> Path:
    """``$BENCHMARK_CACHE`` or ``~/.cache/mirepnet-benchmark``."""
    env = os.environ.get("BENCHMARK_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mirepnet-benchmark"


def _versions() -> dict:
    from importlib import metadata

    return {p: metadata.version(p) for p in ("moabb", "mne")}


class EpochCache:
    """Loaded epochs by (dataset, subject, loading digest).

    Parameters
    ----------
    root : path, optional
        Cache folder (default :func:`default_cache_dir`).
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0

    def key(self, spec: DatasetSpec, subject: int, config: PreprocessingConfig) -> dict:
        """Everything that determines the loaded epochs of one subject."""
        return {"format": FORMAT, "dataset": spec.name, "cls": spec.moabb_class,
                "kwargs": spec.kwargs, "classes": list(spec.classes), "subject": int(subject),
                "loading": config.loading_key, "versions": _versions()}

    def path(self, spec: DatasetSpec, subject: int, config: PreprocessingConfig) -> Path:
        return (self.root / spec.name /
                f"subject{int(subject):03d}-{digest(self.key(spec, subject, config))}.npz")

    def load(self, spec: DatasetSpec, subject: int, config: PreprocessingConfig) -> SubjectData:
        """The subject's epochs, from the cache or loaded through MOABB and stored."""
        from filelock import FileLock

        path = self.path(spec, subject, config)
        data = self._read(path)
        if data is not None:
            self.hits += 1
            return data
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(path) + ".lock")
        except OSError:  # read-only cache: load without storing
            self.misses += 1
            return load_subject(spec, subject, config)
        with lock:  # another process may be loading the same subject: wait for it
            data = self._read(path)
            if data is not None:
                self.hits += 1
                return data
            self.misses += 1
            data = load_subject(spec, subject, config)
            self._write(path, data, self.key(spec, subject, config))
        return data

    @staticmethod
    def _read(path: Path) -> SubjectData | None:
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                return SubjectData(dataset=meta["dataset"], subject=meta["subject"],
                                   X=z["X"], y=z["y"], sessions=z["sessions"], runs=z["runs"],
                                   ch_names=list(meta["ch_names"]), sfreq=float(meta["sfreq"]))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None  # damaged entry: recomputed and replaced

    @staticmethod
    def _write(path: Path, data: SubjectData, key: dict) -> None:
        meta = {"dataset": data.dataset, "subject": data.subject, "ch_names": data.ch_names,
                "sfreq": data.sfreq, "key": key}
        try:  # no partial entry is ever left behind
            with atomic_open(path, "wb") as fh:
                np.savez(fh, X=data.X, y=data.y.astype(str), sessions=data.sessions.astype(str),
                         runs=data.runs.astype(str), meta=np.array(json.dumps(meta)))
        except OSError:  # a full or read-only disk: go on uncached
            pass
