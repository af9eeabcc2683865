"""Every MOABB motor-imagery dataset, as a :class:`~benchmark.datasets.spec.DatasetSpec`.

MOABB lists its datasets (:func:`moabb.datasets.utils.dataset_search` with
``paradigm="imagery"``: 64 in MOABB 1.7.2, FakeDataset among them); each has its
subjects, sessions, events, task interval and DOI as attributes and, for the real ones,
its recording rate and EEG channel count in its metadata (``dataset.metadata``).  This
module turns one into a spec named by its class (``Schirrmeister2017``, ``BNCI2014_001``):

* classes: left and right hand where the dataset has both, otherwise all its
  motor-imagery classes (every event but the resting and baseline ones,
  :func:`is_imagery_event`); ``--classes`` chooses others;
* the paper's window (0-4 s after the cue), band and rate apply as for the paper's sets
  (``--preset moabb`` uses MOABB's paradigm defaults instead); the single-session
  protocols use the first session;
* MOABB's ``FakeDataset`` (generated on the machine, used by the tests offline) gets
  fixed constructor arguments (:data:`FAKE_KWARGS`): without a ``seed`` it would draw
  new signals and events on every load, and ``verify`` could not re-derive its trials.

The suites :data:`MOABB_SUITES` are ``moabb-mi`` (every real MOABB motor-imagery dataset)
and ``moabb-lr`` (those with left and right hand).  MOABB is imported only when one of
these functions runs.  Written by hand: MOABB has no table of its datasets' facts beyond
these attributes, and no notion of a default class choice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from benchmark.datasets.spec import DatasetSpec

__all__ = ["FAKE_DATASET", "FAKE_KWARGS", "MOABB_SUITES", "LEFT_RIGHT", "is_imagery_event",
           "default_classes", "moabb_names", "find_moabb_name", "moabb_spec", "suite_members"]

FAKE_DATASET = "FakeDataset"
#: The suite's FakeDataset: MOABB's generator with a fixed seed, left/right hand and feet
#: (so the default choice is left/right hand and ``--classes`` has another to pick),
#: 4 subjects of 2 sessions of 2 runs of 30 cued trials (75 s each), MOABB's 3 channels
#: (C3, Cz, C4) at 128 Hz.
FAKE_KWARGS: dict[str, Any] = {"event_list": ("left_hand", "right_hand", "feet"),
                               "n_subjects": 4, "n_sessions": 2, "n_runs": 2, "n_events": 30,
                               "duration": 75, "seed": 20240, "paradigm": "imagery"}
#: ``moabb-mi``: every real MOABB motor-imagery dataset; ``moabb-lr``: those with left and
#: right hand
MOABB_SUITES = ("moabb-mi", "moabb-lr")
LEFT_RIGHT = ("left_hand", "right_hand")
#: events that are not an imagery task: rest, baselines, idle and passive states
_NOT_IMAGERY = ("rest", "baseline", "idle", "passive")


def is_imagery_event(event: str) -> bool:
    """Whether a MOABB event is an imagery class (not rest, baseline, idle or passive)."""
    return not str(event).lower().startswith(_NOT_IMAGERY)


def default_classes(events) -> tuple[str, ...]:
    """Left and right hand (in that order) where ``events`` has both, otherwise every
    imagery event in the dataset's order."""
    events = tuple(events)
    if all(c in events for c in LEFT_RIGHT):
        return LEFT_RIGHT
    return tuple(e for e in events if is_imagery_event(e))


@lru_cache(maxsize=1)
def _imagery_classes() -> dict[str, type]:
    """MOABB's imagery dataset classes by name (its deprecated aliases left out)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from moabb.datasets.utils import dataset_search

        found = dataset_search(paradigm="imagery")
    return {type(d).__name__: type(d) for d in sorted(found, key=lambda d: type(d).__name__)}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """MOABB's deprecated names of imagery datasets (``BNCI2015004``) -> their class."""
    from moabb.utils import aliases_list

    classes = _imagery_classes()
    return {old: new for old, new, _ in aliases_list if new in classes}


def moabb_names(real_only: bool = False) -> tuple[str, ...]:
    """The names of MOABB's motor-imagery datasets (``real_only``: FakeDataset left out)."""
    return tuple(n for n in _imagery_classes() if not (real_only and n == FAKE_DATASET))


def find_moabb_name(name: str) -> str | None:
    """MOABB's class name for ``name`` (any case, or a deprecated alias), or ``None``."""
    by_lower = {n.lower(): n for n in _imagery_classes()}
    by_lower.update({old.lower(): new for old, new in _aliases().items()
                     if old.lower() not in by_lower})
    return by_lower.get(str(name).strip().lower())


def _channels_and_rate(dataset, kwargs: dict) -> tuple[int, float]:
    """EEG channels and recording rate from MOABB's metadata (FakeDataset: its arguments)."""
    meta = getattr(dataset, "metadata", None)
    acquisition = getattr(meta, "acquisition", None)
    if acquisition is not None:
        types = dict(getattr(acquisition, "channel_types", None) or {})
        n_chans = int(types.get("eeg", getattr(acquisition, "n_channels", 0) or 0))
        return n_chans, float(getattr(acquisition, "sampling_rate", 0.0) or 0.0)
    channels = getattr(dataset, "channels", None) or ()
    return len(channels), float(getattr(dataset, "sfreq", kwargs.get("sfreq", 0.0)) or 0.0)


@lru_cache(maxsize=None)
def moabb_spec(name: str) -> DatasetSpec:
    """The spec of MOABB's imagery dataset ``name`` (its class name), from its metadata.

    Raises
    ------
    KeyError
        ``name`` is not one of :func:`moabb_names` (see :func:`find_moabb_name`).
    """
    cls = _imagery_classes()[name]
    kwargs = dict(FAKE_KWARGS) if name == FAKE_DATASET else {}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = cls(**kwargs)
    events = tuple(dataset.event_id)
    classes = default_classes(events)
    n_chans, sfreq = _channels_and_rate(dataset, kwargs)
    subjects = tuple(int(s) for s in dataset.subject_list)
    contiguous = subjects == tuple(range(1, len(subjects) + 1))
    chosen = "left/right hand" if classes == LEFT_RIGHT else "every imagery event"
    note = f"MOABB's {name}; evaluates {chosen} by default"
    if name == FAKE_DATASET:
        note = "MOABB's generator, with a fixed seed (generated on this machine)"
    return DatasetSpec(
        name=name, moabb_class=f"moabb.datasets:{name}", classes=classes, session=None,
        role="moabb", n_subjects=len(subjects), n_chans=n_chans, sfreq=sfreq, kwargs=kwargs,
        note=note, subjects=() if contiguous else subjects,
        n_sessions=int(dataset.n_sessions), interval=tuple(float(t) for t in dataset.interval),
        events=events, doi=getattr(dataset, "doi", None) or None)


def suite_members(suite: str) -> tuple[str, ...]:
    """The MOABB names of a suite of :data:`MOABB_SUITES` (FakeDataset is in neither)."""
    names = moabb_names(real_only=True)
    if suite == "moabb-mi":
        return names
    if suite == "moabb-lr":
        return tuple(n for n in names
                     if all(c in moabb_spec(n).events for c in LEFT_RIGHT))
    raise KeyError(suite)
