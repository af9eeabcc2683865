"""Every prediction kept: one compact file per finished unit, beside its JSON.

For every fold (row) of a unit with a result, the worker keeps what the model said about
the fold's test trials (:class:`FoldPredictions`): the trial ids in the order the split
gives them (the ids the row's ``split`` hash is computed from), the true and predicted
class indices, and the per-class probabilities and decision scores where the model has
them.  :meth:`benchmark.results.ResultStore.write` stores them as ``units/<id>.npz``
(NumPy's zip of arrays, compressed, read with ``allow_pickle=False``) written atomically
*before* the unit's JSON, whose ``predictions`` record names the file, its size and its
SHA-256, and holds each fold's confusion matrix (so a report draws them without opening
the arrays).  A crash therefore never leaves a unit JSON whose predictions are missing or
half written; a file that was damaged or replaced later is found by its checksum.

Reading a folder for a report opens no ``.npz``: only re-scoring (:func:`rescore_rows`,
``report --metric``) and ``verify`` do.  Folders written before predictions were kept
(units without a ``predictions`` record and without ``"format": 2``) still report; their
rows cannot be re-scored, and ``verify`` says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.files import atomic_open
from benchmark.metrics import MetricUnavailable, Predictions, score_predictions

__all__ = ["FoldPredictions", "PredictionsError", "UNIT_FORMAT", "encode_predictions",
           "predictions_record", "write_predictions", "read_unit_predictions",
           "unit_records", "stored_confusions", "confusion_counts", "rescore_rows"]

#: ``format`` of a unit JSON that keeps predictions (older units have none)
UNIT_FORMAT = 2
_ARRAYS = ("ids", "y_true", "y_pred", "proba", "decision")


class PredictionsError(Exception):
    """A unit's predictions file is missing, damaged or not the one its JSON names."""


@dataclass
class FoldPredictions:
    """One fold's test trials as the model saw them (see the module's docstring)."""

    fold: int
    trial_ids: np.ndarray  # str, in the order of the split's test part
    y_true: np.ndarray  # int: positions in the dataset's class list
    y_pred: np.ndarray
    n_classes: int
    proba: np.ndarray | None = None  # (n_trials, n_classes)
    decision: np.ndarray | None = None  # (n_trials,) for two classes, else (n_trials, n_classes)

    def predictions(self) -> Predictions:
        """What :func:`benchmark.metrics.score_predictions` scores."""
        return Predictions(self.y_true, self.y_pred, self.n_classes, self.proba, self.decision)

    def confusion(self) -> np.ndarray:
        """Counts: row = true class, column = predicted class."""
        return confusion_counts(self.y_true, self.y_pred, self.n_classes)


def confusion_counts(y_true, y_pred, n_classes: int) -> np.ndarray:
    """The ``n_classes x n_classes`` confusion matrix (rows: true, columns: predicted)."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes)).astype(np.int64)


def encode_predictions(folds: list[FoldPredictions], unit_id: str = "") -> bytes:
    """The ``.npz`` bytes of a unit's folds (``fold<F>.<array>`` entries, and the unit's
    id as ``unit_id``, so that a file cannot stand in for another unit's)."""
    arrays: dict[str, np.ndarray] = {"unit_id": np.asarray(str(unit_id))}
    for f in folds:
        stem = f"fold{int(f.fold)}"
        arrays[f"{stem}.ids"] = np.asarray(f.trial_ids).astype(str)
        arrays[f"{stem}.y_true"] = np.asarray(f.y_true, dtype=np.int64)
        arrays[f"{stem}.y_pred"] = np.asarray(f.y_pred, dtype=np.int64)
        arrays[f"{stem}.n_classes"] = np.asarray(int(f.n_classes), dtype=np.int64)
        for name, value in (("proba", f.proba), ("decision", f.decision)):
            if value is not None:
                arrays[f"{stem}.{name}"] = np.asarray(value, dtype=np.float64)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def predictions_record(unit_id: str, data: bytes, folds: list[FoldPredictions]) -> dict:
    """The unit JSON's ``predictions`` entry: file, size, SHA-256, confusion per fold."""
    return {"file": f"{unit_id}.npz", "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "confusion": {str(int(f.fold)): f.confusion().tolist() for f in folds}}


def write_predictions(folder: str | os.PathLike, unit_id: str,
                      folds: list[FoldPredictions]) -> dict:
    """Write ``folder/<unit_id>.npz`` atomically; return its :func:`predictions_record`."""
    data = encode_predictions(folds, unit_id)
    record = predictions_record(unit_id, data, folds)
    with atomic_open(Path(folder) / record["file"], "wb") as fh:
        fh.write(data)
    return record


def read_unit_predictions(folder: str | os.PathLike, record: dict,
                          unit_id: str | None = None) -> dict[int, FoldPredictions]:
    """A unit's folds from the file its ``predictions`` record names, checked.

    ``unit_id``: the unit the record belongs to; its file must be ``<unit_id>.npz`` and
    hold that id.

    Raises
    ------
    PredictionsError
        The record is malformed, or the file is another unit's, missing, of another size
        or checksum, unreadable or incomplete.
    """
    if not isinstance(record, dict) or not isinstance(record.get("file"), str):
        raise PredictionsError("its JSON's predictions record is malformed")
    if unit_id is not None and record["file"] != f"{unit_id}.npz":
        raise PredictionsError(f"its predictions record names {record['file']!r}, not its own "
                               f"{unit_id}.npz")
    path = Path(folder) / record["file"]
    try:
        data = path.read_bytes()
    except OSError:
        raise PredictionsError(f"its predictions file {path.name} is missing") from None
    if len(data) != record.get("bytes") or hashlib.sha256(data).hexdigest() != record.get(
            "sha256"):
        raise PredictionsError(f"its predictions file {path.name} is not the one its JSON "
                               f"names ({len(data)} bytes, {record.get('bytes')} recorded; "
                               "truncated, damaged or replaced)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError) as exc:
        raise PredictionsError(f"its predictions file {path.name} cannot be read "
                               f"({type(exc).__name__})") from None
    if unit_id is not None and str(arrays.get("unit_id", "")) != unit_id:
        raise PredictionsError(f"its predictions file {path.name} holds unit "
                               f"{str(arrays.get('unit_id', ''))!r}'s predictions")
    folds: dict[int, FoldPredictions] = {}
    try:
        for name in arrays:
            stem, _, part = name.partition(".")
            if part != "ids" or not stem.startswith("fold"):
                continue
            fold = int(stem[4:])
            folds[fold] = FoldPredictions(
                fold, arrays[name], arrays[f"{stem}.y_true"], arrays[f"{stem}.y_pred"],
                int(arrays[f"{stem}.n_classes"]), arrays.get(f"{stem}.proba"),
                arrays.get(f"{stem}.decision"))
    except (KeyError, ValueError, TypeError) as exc:
        raise PredictionsError(f"its predictions file {path.name} is incomplete "
                               f"({type(exc).__name__}: {exc})") from None
    return folds


def unit_records(root: str | os.PathLike) -> dict[str, dict]:
    """``{unit id: its JSON's predictions record, or {} where it has none}`` of a folder."""
    out = {}
    for path in sorted((Path(root) / "units").glob("*.json")):
        try:
            unit = json.loads(path.read_text())
            out[str(unit["unit_id"])] = unit.get("predictions") or {}
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def stored_confusions(root: str | os.PathLike) -> dict[tuple[str, int], list]:
    """``{(unit id, fold): confusion counts}`` from a folder's unit JSONs (no ``.npz``
    is opened; units without predictions, or with a malformed record, give none)."""
    out = {}
    for uid, record in unit_records(root).items():
        confusion = record.get("confusion") if isinstance(record, dict) else None
        for fold, counts in (confusion.items() if isinstance(confusion, dict) else ()):
            try:
                out[(uid, int(fold))] = np.asarray(counts, dtype=np.int64)
            except (TypeError, ValueError):
                continue
    return out


def rescore_rows(df: pd.DataFrame, root: str | os.PathLike, metric: str
                 ) -> tuple[pd.DataFrame, dict]:
    """``df`` with every ok row's score recomputed as ``metric`` from its predictions.

    Rows that cannot be re-scored (no stored predictions, a damaged file, a metric that
    needs probabilities the model did not give, a metric that is undefined for the fold,
    such as ROC-AUC of a test set with one class) become ``failed`` with the reason, so
    the tables leave them out and list them under what is missing; where the row had
    predictions, its ``rescore_error`` column says so (its confusion matrix still
    counts: it is the same whatever the metric).

    Returns
    -------
    df : DataFrame
        A copy, ``metric`` set on every row.
    counts : dict
        ``rescored``, ``without`` (no predictions stored), ``unreadable``,
        ``unavailable`` (the metric needs what the model does not give).
    """
    out = df.copy()
    counts = {"rescored": 0, "without": 0, "unreadable": 0, "unavailable": 0}
    if out.empty:
        return out, counts
    records = unit_records(root)
    folder = Path(root) / "units"
    scores = out["score"].astype(float).to_numpy(copy=True)
    status = out["status"].astype(object).to_numpy(copy=True)
    errors = out["error"].astype(object).to_numpy(copy=True) if "error" in out else \
        np.full(len(out), "", dtype=object)
    unscored = np.full(len(out), "", dtype=object)
    ok = np.flatnonzero(status == "ok")
    by_unit: dict[str, list[int]] = {}
    for i in ok:
        by_unit.setdefault(str(out["unit_id"].iat[i]), []).append(i)
    for uid, positions in by_unit.items():
        record = records.get(uid) or {}
        try:
            folds = read_unit_predictions(folder, record, uid) if record else None
            why = "" if folds is not None else ("no stored predictions (written before "
                                                "predictions were kept)")
        except PredictionsError as exc:
            folds, why = None, f"not re-scored: unit {uid}: {exc}"
        for i in positions:
            fold = folds.get(int(out["fold"].iat[i])) if folds is not None else None
            if fold is None:
                counts["without" if not record else "unreadable"] += 1
                status[i], scores[i] = "failed", np.nan
                errors[i] = why or f"no stored predictions for fold {out['fold'].iat[i]}"
                continue
            try:
                value = score_predictions(metric, fold.predictions())
                if not np.isfinite(value):
                    raise MetricUnavailable(f"{metric} is not defined for this fold's test "
                                            "trials (e.g. ROC-AUC of one class)")
                scores[i] = value
                counts["rescored"] += 1
            except MetricUnavailable as exc:
                counts["unavailable"] += 1
                status[i], scores[i], errors[i] = "failed", np.nan, f"not re-scored: {exc}"
                unscored[i] = str(exc)
    out["score"], out["status"], out["error"] = scores, status, errors
    out["rescore_error"] = unscored
    out["metric"] = metric
    return out, counts
