"""The pretraining pool: every screened subject, preprocessed once, on disk.

Each subject of each pretraining dataset is loaded through MOABB with the shared
band-pass, rate and window, screened (:mod:`.screening`), Euclidean-aligned on all of
its kept trials and mapped onto the 45-channel template
(:func:`benchmark.preprocessing.apply_preprocessing`, the same code as the
evaluations).  Which classes are loaded is ``classes`` (``--pretrain-classes``):

* ``"mi3"`` (default): the trials of left hand, right hand and feet
  (:data:`PRETRAIN_CLASSES`), whichever of them the dataset has.  This is what the
  MIRepNet paper's trial counts (about 50,355 over the seven pretraining sets) fit.
* ``"all"``: every class of the dataset (PhysionetMI adds both hands and rest,
  Weibo2014 both hands, the hand-foot compounds and rest); trials outside the head's
  classes serve the reconstruction loss only.

Screening and the subject's Euclidean-alignment reference see exactly the trials of
these classes, the ones that enter the pool.  The result is written to
``POOL/<dataset>/s<subject>.npy`` (float32, memory-mapped when read back) beside a JSON
record (labels, classes, screening figures, the digest of the settings, which includes
``classes``, so a subject prepared under one setting is never reused for the other).  A
rerun reuses every finished subject, so a pool of 50,000 trials is built once and an
interrupted build continues.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import load_subject
from benchmark.errors import NotRunnable, UserError
from benchmark.files import atomic_open, atomic_write_text
from benchmark.preprocessing import PreprocessingConfig, apply_preprocessing, digest
from benchmark.pretraining.screening import ScreeningResult, ScreeningRule, screen_subject
from benchmark.progress import say_to

__all__ = ["PRETRAIN_CLASSES", "POOL_CLASSES", "Pool", "build_pool", "pool_classes",
           "pretrain_labels"]

logger = logging.getLogger(__name__)

PRETRAIN_CLASSES = ("left_hand", "right_hand", "feet")
#: Choices of ``--pretrain-classes``: the head's three classes (default) or every class.
POOL_CLASSES = ("mi3", "all")


def pool_classes(event_names, classes: str = "mi3") -> tuple[str, ...]:
    """The classes of a dataset (its event names) that enter the pool under ``classes``."""
    if classes not in POOL_CLASSES:
        raise UserError(f"--pretrain-classes must be one of {', '.join(POOL_CLASSES)}, "
                        f"got {classes!r}")
    names = tuple(str(c) for c in event_names)
    if classes == "all":
        return names
    return tuple(c for c in PRETRAIN_CLASSES if c in names)


def pretrain_labels(y: np.ndarray, head_classes: tuple[str, ...]) -> np.ndarray:
    """Index in :data:`PRETRAIN_CLASSES` of each trial, -1 outside ``head_classes``."""
    lookup = {c: PRETRAIN_CLASSES.index(c) for c in head_classes if c in PRETRAIN_CLASSES}
    return np.array([lookup.get(str(c), -1) for c in y], dtype=np.int64)


@dataclass
class Pool:
    """Pooled pretraining trials across subjects and datasets.

    Attributes
    ----------
    arrays : list of ndarray
        One (memory-mapped) ``(n_trials, 45, n_times)`` array per kept subject.
    labels : list of ndarray
        Pretraining labels per subject (-1: reconstruction only).
    datasets : list of str
        Dataset of each kept subject.
    records : list of dict
        Screening record of every subject looked at (kept or not).
    """

    arrays: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._finish()

    def _finish(self) -> None:
        sizes = [len(a) for a in self.arrays]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.y = np.concatenate(self.labels) if self.labels else np.zeros(0, dtype=np.int64)
        names = sorted(set(self.datasets))
        self.dataset_names = names
        self.dataset_of_trial = (np.repeat([names.index(d) for d in self.datasets], sizes)
                                 if sizes else np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_times(self) -> int:
        return int(self.arrays[0].shape[2])

    def batch(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Trials ``index`` (global numbering) as ``(X float32, y int64)``."""
        index = np.asarray(index, dtype=np.int64)
        owner = np.searchsorted(self.offsets, index, side="right") - 1
        local = index - self.offsets[owner]
        X = np.empty((len(index), *self.arrays[0].shape[1:]), dtype=np.float32)
        for f in np.unique(owner):  # one gather per subject file in the batch
            sel = owner == f
            X[sel] = self.arrays[f][local[sel]]
        return X, self.y[index]

    def __getstate__(self) -> dict:
        """Pickle memory-mapped subjects by file, not by content.

        DataLoader workers started by spawn or forkserver receive the pool pickled; each
        reopens the files (:meth:`__setstate__`) instead of holding a copy of the trials.
        """
        state = dict(self.__dict__)
        state["arrays"] = [_MappedFile.of(a) or a for a in self.arrays]
        return state

    def __setstate__(self, state: dict) -> None:
        state["arrays"] = [a.open() if isinstance(a, _MappedFile) else a for a in state["arrays"]]
        self.__dict__.update(state)

    def describe(self) -> str:
        counts = np.bincount(self.y[self.y >= 0], minlength=len(PRETRAIN_CLASSES))
        per_class = ", ".join(f"{c} {n:,}" for c, n in zip(PRETRAIN_CLASSES, counts))
        dropped = sum(1 for r in self.records if not r["kept"])
        return (f"pool: {len(self.dataset_names)} dataset(s), {len(self.arrays)} subject(s) kept, "
                f"{dropped} screened out, {len(self):,} trials ({per_class}; "
                f"{int((self.y < 0).sum()):,} for reconstruction only)")


class _MappedFile(NamedTuple):
    """Where a read-only memory-mapped array lives, to map it again in another process."""

    filename: str
    offset: int
    dtype: str
    shape: tuple[int, ...]
    order: str

    @classmethod
    def of(cls, array: np.ndarray) -> "_MappedFile | None":
        """The file behind ``array`` if it is a whole read-only mapping (not a view)."""
        if (isinstance(array, np.memmap) and isinstance(array.base, mmap.mmap)
                and array.filename and array.mode == "r"):
            order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
            return cls(str(array.filename), int(array.offset), array.dtype.str,
                       tuple(array.shape), order)
        return None

    def open(self) -> np.memmap:
        return np.memmap(self.filename, dtype=np.dtype(self.dtype), mode="r", offset=self.offset,
                         shape=self.shape, order=self.order)


def build_pool(specs: list[DatasetSpec], root: str | os.PathLike,
               preprocessing: PreprocessingConfig,
               rule: ScreeningRule, subjects: list[int] | None = None,
               max_subjects: int | None = None, skip_missing: bool = False, seed: int = 0,
               classes: str = "mi3", log: Callable[[str], None] | None = None) -> Pool:
    """Load, screen, align, template-map and store every subject; return the pool.

    ``classes`` is ``"mi3"`` (left hand, right hand, feet: whichever a dataset has) or
    ``"all"`` (every class of a dataset); see the module docstring.  A line per subject
    prepared (or dataset not available) goes to ``log`` if given, else to this module's
    logger at INFO: what stops the build is the ``UserError``, one line.

    Raises
    ------
    UserError
        A dataset is not available (and ``skip_missing`` is False), no subject is left,
        or ``classes`` is not one of :data:`POOL_CLASSES`.
    """
    log = log or say_to(logger)
    root = Path(root)
    pool_classes((), classes)  # validate before any work
    settings = digest({"pre": preprocessing.to_dict(), "rule": rule.to_dict(), "seed": seed,
                       "classes": PRETRAIN_CLASSES, "pool_classes": classes})
    pool = Pool()
    missing: dict[str, str] = {}
    for spec in specs:
        wanted = list(spec.subject_ids)
        if subjects:
            bad = [s for s in subjects if s not in wanted]
            if bad:
                raise UserError(f"dataset {spec.name} has subjects {wanted[0]}..{wanted[-1]}; "
                                f"{bad} do not exist; fix --subjects")
            wanted = list(subjects)
        if max_subjects:
            wanted = wanted[:max_subjects]
        folder = root / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        for subject in wanted:
            record_path = folder / f"s{subject:03d}.json"
            data_path = folder / f"s{subject:03d}.npy"
            record = None
            if record_path.is_file():
                try:
                    record = json.loads(record_path.read_text())
                except ValueError:
                    record = None
                if record and (record.get("settings") != settings
                               or (record["kept"] and not data_path.is_file())):
                    record = None
            if record is None:
                try:
                    record = _prepare_subject(spec, subject, preprocessing, rule, seed, data_path,
                                              classes)
                except NotRunnable as exc:
                    missing[spec.name] = str(exc)
                    log(f"  {spec.name}: not available ({str(exc)[:100]}...)")
                    break
                record["settings"] = settings
                atomic_write_text(record_path, json.dumps(record))
                verdict = "kept" if record["kept"] else f"screened out: {record['reason']}"
                log(f"  {spec.name} s{subject}: {record['n_trials']} trials, {verdict}")
            pool.records.append(record)
            if record["kept"]:
                pool.arrays.append(np.load(data_path, mmap_mode="r"))
                pool.labels.append(np.asarray(record["labels"], dtype=np.int64))
                pool.datasets.append(spec.name)
    if missing and not skip_missing:
        names = ", ".join(missing)
        raise UserError(
            f"pretraining data not available for {names} (not in the MOABB cache, no network); "
            f"run `python -m benchmark download --datasets {','.join(missing)}` where there is "
            "network, or pass --skip-missing to pretrain on the rest")
    if not pool.arrays:
        raise UserError("no subject is left for pretraining after screening; loosen the rule "
                        "(--screen-margin, --screen-min-labelled) or add datasets")
    pool._finish()
    return pool


def _prepare_subject(spec: DatasetSpec, subject: int, pre: PreprocessingConfig,
                     rule: ScreeningRule, seed: int, data_path: Path, classes: str = "mi3") -> dict:
    loaded = pool_classes(spec.instantiate().event_id, classes)
    if not loaded:
        result = ScreeningResult(False, f"none of the classes {', '.join(PRETRAIN_CLASSES)}",
                                 0, 0, 0)
        return {"dataset": spec.name, "subject": int(subject), **result.to_dict(),
                "n_chans": spec.n_chans, "sfreq": float(pre.sfreq or spec.sfreq),
                "pool_classes": classes, "classes": ""}
    # Only the pool's classes are loaded: screening and the EA reference see its trials only.
    data = load_subject(spec, subject, pre, classes=loaded)
    head_classes = spec.pretrain_classes or tuple(c for c in spec.classes if c in PRETRAIN_CLASSES)
    labels = pretrain_labels(data.y, head_classes)
    keep, result = screen_subject(data.X, labels, rule, seed=seed)
    record = {"dataset": spec.name, "subject": int(subject), **result.to_dict(),
              "n_chans": len(data.ch_names), "sfreq": data.sfreq, "pool_classes": classes,
              "classes": ",".join(loaded)}
    if result.kept:
        X, _ = apply_preprocessing(data.X[keep], data.ch_names, pre)  # EA per subject, template
        with atomic_open(data_path, "wb") as fh:
            np.save(fh, X.astype(np.float32))
        record["labels"] = labels[keep].tolist()
    return record
