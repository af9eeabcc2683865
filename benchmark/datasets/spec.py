"""What the suite knows of one dataset: :class:`DatasetSpec`.

A spec names a MOABB dataset class with its constructor arguments and says which classes
are evaluated and which session the single-session protocols use.  The paper's entries
(:mod:`benchmark.datasets.catalogue`) are written by hand; any other MOABB
motor-imagery dataset gets one built from MOABB's own metadata
(:mod:`benchmark.datasets.moabb_index`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from benchmark.errors import UserError

__all__ = ["DatasetSpec", "SYNTHETIC_CLASS", "GENERATED_CLASSES"]

#: the suite's own synthetic MOABB dataset class (the demo sets)
SYNTHETIC_CLASS = "benchmark.datasets.synthetic:SyntheticMI"
#: dataset classes whose trials are generated on the machine (nothing to download)
GENERATED_CLASSES = (SYNTHETIC_CLASS, "moabb.datasets:FakeDataset")


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset the suite can run.

    Attributes
    ----------
    name : str
        The name used on the command line and in the rows: the paper's
        (``"BNCI2014001-4"``) for the catalogue's entries, MOABB's class name
        (``"Schirrmeister2017"``) for the others.
    moabb_class : str
        ``"module:Class"`` of the MOABB dataset.
    classes : tuple of str
        Classes used for evaluation (MOABB event names; ``--classes`` chooses others).
    session : str or None
        Session used by the single-session protocols (``None``: the first one).
    role : str
        ``"downstream"``, ``"pretrain"``, ``"demo"``, ``"demo-full"``,
        ``"demo-pretrain"`` or ``"moabb"`` (built from MOABB's metadata).
    n_subjects, n_chans, sfreq : int, int, float
        What the source holds (documentation: MOABB's metadata for the ``moabb``
        entries; what is loaded is recorded with every result row).
    kwargs : dict
        Constructor arguments of the MOABB class.
    pretrain_classes : tuple of str
        Classes given to the pretraining classification head.
    window : (float, float)
        Seconds after the start of the dataset's task interval that make a trial (the
        paper's 0-4 s for every set; AlexMI's, Cho2017's and PhysionetMI's MOABB
        intervals are 3 s long, so 4 s includes 1 s after imagery there).  ``--window``
        overrides it for a run; every row records the window used.
    note : str
        Where the setting differs from MOABB's defaults, and why.
    subjects : tuple of int
        MOABB's subject numbers where they are not ``1..n_subjects`` (Dreyer2023B has
        61-81); empty otherwise.
    n_sessions : int or None
        Sessions per subject as MOABB declares them (``None``: not recorded).
    interval : (float, float) or None
        MOABB's task interval in seconds after the cue (``None``: not recorded).
    events : tuple of str
        Every event (class) the MOABB dataset has (empty: ask the dataset).
    doi : str or None
        The dataset's DOI as MOABB gives it.
    """

    name: str
    moabb_class: str
    classes: tuple[str, ...]
    session: str | None
    role: str
    n_subjects: int
    n_chans: int
    sfreq: float
    kwargs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    pretrain_classes: tuple[str, ...] = ()
    mimics: str | None = None
    note: str = ""
    window: tuple[float, float] = (0.0, 4.0)
    subjects: tuple[int, ...] = ()
    n_sessions: int | None = None
    interval: tuple[float, float] | None = None
    events: tuple[str, ...] = ()
    doi: str | None = None

    def instantiate(self, subjects=None):
        """The MOABB dataset object."""
        module, cls = self.moabb_class.split(":")
        kwargs = dict(self.kwargs)
        if subjects is not None:
            kwargs["subjects"] = list(subjects)
        return getattr(importlib.import_module(module), cls)(**kwargs)

    @property
    def subject_ids(self) -> tuple[int, ...]:
        """The dataset's subjects as MOABB numbers them."""
        return tuple(self.subjects) if self.subjects else tuple(range(1, self.n_subjects + 1))

    @property
    def is_synthetic(self) -> bool:
        """Whether the trials are generated on this machine (nothing to download)."""
        return self.moabb_class in GENERATED_CLASSES

    def dataset_events(self) -> tuple[str, ...]:
        """Every event of the dataset (MOABB's ``event_id``, in its order)."""
        return self.events or tuple(self.instantiate().event_id)

    def with_classes(self, classes: Sequence[str]) -> "DatasetSpec":
        """The same dataset evaluated on ``classes`` (``--classes``).

        The classes must be events of the dataset, at least two and each once; they
        are put in the dataset's event order, so ``right_hand,left_hand`` and
        ``left_hand,right_hand`` are one choice.  The spec itself comes back when they
        are its classes already, so the default choice keeps its units' keys.

        Raises
        ------
        UserError
            A class the dataset does not have, a repeated class, or fewer than two.
        """
        wanted = [str(c).strip() for c in classes if str(c).strip()]
        repeated = sorted({c for c in wanted if wanted.count(c) > 1})
        if repeated:
            raise UserError(f"--classes names {', '.join(repeated)} twice; name each class once")
        if len(wanted) < 2:
            raise UserError(f"--classes needs at least two classes, got {wanted or 'none'}; "
                            "e.g. --classes left_hand,right_hand")
        events = self.dataset_events()
        unknown = [c for c in wanted if c not in events]
        if unknown:
            raise UserError(f"dataset {self.name} has no class {', '.join(unknown)}; its "
                            f"classes are {', '.join(events)}: fix --classes")
        if set(wanted) == set(self.classes):
            return self
        return replace(self, classes=tuple(e for e in events if e in wanted))

    def describe(self) -> dict:
        """The catalogue listing's row of this dataset."""
        return {
            "dataset": self.name,
            "source": self.moabb_class.split(":")[1],
            "role": self.role,
            "subjects": self.n_subjects,
            "channels": self.n_chans,
            "sfreq": self.sfreq,
            "classes": ", ".join(self.classes),
            "session": self.session or "first",
            "window (s)": f"{self.window[0]:g}-{self.window[1]:g}",
        }
