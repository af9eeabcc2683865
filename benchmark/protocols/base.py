"""What every protocol is: a base class, its folds, and the identity of a split.

A protocol answers three questions for one *unit* (a dataset, a subject or target, a
seed): which trials the unit uses (:meth:`Protocol.select`), how they are split into
calibration and test parts (:meth:`Protocol.split`, one :class:`Fold` each) and how
many folds that gives (:meth:`Protocol.n_splits`).  Its :attr:`Protocol.scope` says what
the engine loads for a unit: ``"subject"`` (that subject's trials) or ``"dataset"``
(every subject's, one of them the target).

:func:`split_identity` is the one place that says what a unit's split depends on; the
worker keys every cache by it, so two units that differ in any of those parts can never
share data, folds or aligned arrays (issue: every LOSO target once reused target 1's).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar, Iterator

import numpy as np

from benchmark.datasets.loading import SubjectData
from benchmark.datasets.spec import DatasetSpec
from benchmark.errors import UserError

__all__ = ["Protocol", "Fold", "SplitIdentity", "split_identity", "split_digest"]


@dataclass(frozen=True)
class Fold:
    """One calibration/test split.

    ``train``/``test`` index the trials the protocol was given.  ``train_groups`` and
    ``test_groups`` (one label per trial, ``None``: the part is one group) are the
    alignment groups; ``session`` is the test session where the protocol picks it.
    """

    train: np.ndarray
    test: np.ndarray
    fold: int = 0
    shots: int | None = None  # calibration trials per class, where the protocol fixes it
    train_groups: np.ndarray | None = None
    test_groups: np.ndarray | None = None
    session: str | None = None


def split_digest(fold: Fold, trial_ids: np.ndarray) -> str:
    """A short hash of which trials calibrate and which test (recorded in every row).

    SHA-256 over the calibration trial ids, ``|``, the test trial ids, ``|`` (ids as
    fixed-width UTF-32 ``<U64``), first 16 hex digits.
    """
    h = hashlib.sha256()
    for part in (fold.train, fold.test):
        h.update(np.ascontiguousarray(np.asarray(trial_ids)[part]).astype("<U64").tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class SplitIdentity:
    """Everything a unit's trials and folds depend on.

    ``dataset`` is the dataset's name and configuration digest, ``loading`` the digest of
    the band, rate and window the epochs were loaded with, ``subject`` the subject (or
    the LOSO target), ``session`` the protocol's session choice, ``protocol`` the
    protocol's name, version and parameters, ``seed`` the seed and ``fold`` the fold
    (``None``: every fold of the unit).
    """

    dataset: str
    loading: str
    subject: int
    session: str
    protocol: str
    seed: int
    fold: int | None = None

    def with_fold(self, fold: int) -> "SplitIdentity":
        return replace(self, fold=int(fold))

    def data(self) -> tuple:
        """The part that determines the loaded trials: the subject's, or with a dataset-scope
        protocol every subject's (then the target is not part of it)."""
        scope = json.loads(self.protocol)["scope"]
        who = "all subjects" if scope == "dataset" else self.subject
        return (self.dataset, self.loading, who, self.session)


def split_identity(protocol: "Protocol", dataset: str, loading: str, subject: int,
                   session: str | None, seed: int, fold: int | None = None) -> SplitIdentity:
    """The identity of one unit's split (see :class:`SplitIdentity`)."""
    return SplitIdentity(dataset=str(dataset), loading=str(loading), subject=int(subject),
                         session=str(session), seed=int(seed),
                         protocol=json.dumps(protocol.identity(), sort_keys=True),
                         fold=None if fold is None else int(fold))


class Protocol(ABC):
    """Base class of evaluation protocols (scikit-learn-like cross-validators per unit).

    Subclasses are frozen dataclasses whose fields are the protocol's parameters; they
    set :attr:`name`, :attr:`version`, :attr:`scope` and :attr:`all_sessions` and
    implement :meth:`split` and :meth:`n_splits`.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    #: ``"subject"``: a unit is one subject's trials; ``"dataset"``: every subject of the
    #: dataset, the unit's subject being the target
    scope: ClassVar[str] = "subject"
    #: whether a unit uses every session (otherwise the dataset's protocol session)
    all_sessions: ClassVar[bool] = False

    # -- what a unit uses -------------------------------------------------------------
    def select(self, data: SubjectData, session: str | None) -> SubjectData:
        """The trials a unit uses: every session, or the dataset's session (``None``: the
        subject's first)."""
        if self.all_sessions:
            return data
        available = sorted(set(data.sessions))
        chosen = session if session is not None else available[0]
        if chosen not in available:
            raise UserError(
                f"dataset {data.dataset} subject {data.subject} has sessions {available}, "
                f"not {chosen!r}; fix the catalogue entry's session"
            )
        return data.select(data.sessions == chosen)

    def unit_session(self, session: str | None) -> str | None:
        """The session a unit is about (``"all"`` where the protocol uses every session)."""
        return "all" if self.all_sessions else session

    def cannot_run(self, spec: DatasetSpec) -> str | None:
        """Why the protocol cannot run on a dataset at all, from what its spec says
        (``None``: it may; the data can still turn out too small).

        Fewer than two classes to evaluate is never runnable; subclasses add their own
        needs (sessions, subjects) where the spec records them.
        """
        if len(spec.classes) < 2:
            events = ", ".join(spec.events) or "see `python -m benchmark list datasets`"
            return (f"dataset {spec.name} has {len(spec.classes)} imagery class(es) to "
                    f"evaluate ({', '.join(spec.classes) or 'none'}; its events: {events}), "
                    "fewer than two; choose two or more with --classes")
        return None

    def for_preset(self, preset: str) -> "Protocol":
        """The protocol as the preprocessing preset ``preset`` runs it (itself by default;
        with ``moabb``, a protocol that MOABB's evaluation defines differently takes
        MOABB's definition)."""
        return self

    # -- the folds --------------------------------------------------------------------
    @abstractmethod
    def split(self, y: np.ndarray, seed: int, meta: Any = None,
              target: int | None = None) -> Iterator[Fold]:
        """Yield the folds of one unit.

        Parameters
        ----------
        y : ndarray of int
            Class index of each trial the unit uses (after :meth:`select`).
        seed : int
            The run's seed; it fixes every random draw.
        meta : SubjectData, optional
            The trials' subjects and sessions (needed by LOSO and the session protocols).
        target : int, optional
            The unit's subject (the LOSO target).
        """

    @abstractmethod
    def n_splits(self, n_sessions: int = 1) -> int:
        """Folds per unit at most (fewer where a subject has too few trials for some)."""

    # -- what identifies it -----------------------------------------------------------
    def to_dict(self) -> dict:
        """Name, version and parameters (recorded in every row as ``protocol_config``;
        :func:`benchmark.protocols.protocol_from_dict` rebuilds the protocol from it)."""
        return {**asdict(self), "name": self.name, "version": self.version}

    def identity(self) -> dict:
        """Name, version, scope and parameters: what a split depends on besides the data."""
        return {**self.to_dict(), "scope": self.scope}
