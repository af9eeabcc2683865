"""The results store: one atomic file per finished unit, a tidy table on top.

A *unit* is one (dataset, subject, session, model, protocol, seed) evaluation; it
produces one row per fold.  Each unit is written as ``DIR/units/<id>.json`` (its test
trials' predictions before it, as ``DIR/units/<id>.npz``: :mod:`benchmark.predictions`)
through a temporary file, ``fsync`` and ``os.replace``, so a crash, Ctrl-C or SIGKILL
never leaves half a unit, concurrent writers never interleave, and a rerun skips every
unit whose file exists, except those written *to be rerun* (data that were not here and could not be
downloaded: the next run tries them again).  ``DIR/results.csv`` is the tidy export (one
row per fold, failures included).

Several runs may share one folder at once: a run *claims* a unit with an exclusive
``flock`` on ``DIR/locks/<id>.lock`` before running it (the operating system drops the
lock when the process ends, however it ends), so two runs split the work instead of
doing it twice, and the export is written under a lock of its own after reading every
stored unit, so the last export holds every unit stored before it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from benchmark.errors import UserError
from benchmark.files import atomic_write_text
from benchmark.predictions import UNIT_FORMAT, FoldPredictions, write_predictions
from benchmark.rows import ROW_COLUMNS, ResultRow

__all__ = ["ResultStore", "read_results", "package_versions", "ROW_COLUMNS"]

_PACKAGES = ("mirepnet-benchmark", "numpy", "scipy", "scikit-learn", "torch", "braindecode",
             "moabb", "mne", "pyriemann", "pandas")


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the results."""
    from importlib import metadata

    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


class ResultStore:
    """Finished units of one output folder.

    Parameters
    ----------
    root : path
        Output folder (created if needed).
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        try:
            (self.root / "units").mkdir(parents=True, exist_ok=True)
            (self.root / "locks").mkdir(exist_ok=True)
            probe = self.root / "units" / ".write-probe"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise UserError(
                f"cannot write results to {self.root} ({exc.strerror or exc}); "
                "pass a writable --out"
            ) from None

    def _path(self, unit_id: str) -> Path:
        return self.root / "units" / f"{unit_id}.json"

    def status(self, unit_id: str) -> str | None:
        """``"ok"``, ``"failed"``, ``"not_runnable"``, or ``None`` if not stored or stored
        to be rerun (see :meth:`write`)."""
        path = self._path(unit_id)
        if not path.exists():
            return None
        try:
            payload = json.loads(path.read_text())
            return None if payload.get("rerun") else payload["status"]
        except (OSError, ValueError, KeyError, AttributeError):
            return None  # unreadable: treat as not done, it will be rewritten

    def claim(self, unit_id: str):
        """An exclusive lock on a unit (``release()`` it), or ``None`` if another run holds it."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.root / "locks" / f"{unit_id}.lock"), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            return None
        return lock

    def write(self, unit_id: str, status: str, rows: list[ResultRow], error: str = "",
              rerun: bool = False, predictions: list[FoldPredictions] | None = None) -> None:
        """Store a unit's rows; ``rerun``: its rows count until a later run reruns it
        (:meth:`status` says ``None``), as for data that could not be downloaded.

        ``predictions`` (one per fold with a result) go to ``units/<id>.npz`` first, and
        the JSON written after it records the file's size and SHA-256
        (:mod:`benchmark.predictions`): a unit is never stored without them.
        """
        payload = {"unit_id": unit_id, "format": UNIT_FORMAT, "status": status,
                   "error": error, "rows": [row.to_dict() for row in rows]}
        if predictions:
            payload["predictions"] = write_predictions(self.root / "units", unit_id,
                                                       predictions)
        if rerun:
            payload["rerun"] = True
        atomic_write_text(self._path(unit_id), json.dumps(payload, default=_jsonable))

    def iter_units(self) -> Iterable[dict]:
        for path in sorted((self.root / "units").glob("*.json")):
            try:
                yield json.loads(path.read_text())
            except (OSError, ValueError):
                continue

    def rows(self) -> pd.DataFrame:
        """Every stored row, the columns of :data:`~benchmark.rows.ROW_COLUMNS` first."""
        rows = [row for unit in self.iter_units() for row in unit["rows"]]
        df = pd.DataFrame(rows)
        for col in ROW_COLUMNS:
            if col not in df:
                df[col] = pd.Series(dtype=object)
        return df[ROW_COLUMNS + [c for c in df.columns if c not in ROW_COLUMNS]]

    def export_csv(self) -> Path:
        """Write ``results.csv`` from every stored unit (rows in a fixed order)."""
        from filelock import FileLock

        path = self.root / "results.csv"
        with FileLock(str(self.root / "locks" / "results.csv.lock")):
            df = self.rows().sort_values(["dataset", "model", "subject", "seed", "shots", "fold",
                                          "session", "unit_id"], kind="stable")
            atomic_write_text(path, df.to_csv(index=False))
        return path


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """The tidy table of a results folder (its units) or of a ``results.csv`` file."""
    path = Path(path)
    if path.is_file():
        return pd.read_csv(path)
    if (path / "units").is_dir():
        return ResultStore(path).rows()
    if (path / "results.csv").is_file():
        return pd.read_csv(path / "results.csv")
    raise UserError(
        f"no results in {path}: expected {path}/results.csv or {path}/units/; "
        "pass the --out folder of a `python -m benchmark run`"
    )
