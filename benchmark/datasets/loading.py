"""Loading one subject through MOABB, with the shared band-pass, resampling and window.

MOABB's ``MotorImagery`` paradigm does the filtering (on the continuous recording),
epoching and resampling; this module picks the dataset's classes, cuts the window to
exactly ``round(window_s * sfreq)`` samples (or keeps MOABB's epoch where the window is
the dataset's task interval) and turns download failures into one-line
errors that say where the data were looked for and how to fetch them.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass

import numpy as np

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.integrity import check_epochs, check_recording_file, recording_files_opened
from benchmark.datasets.offline import is_network_failure, network_cause, refusal
from benchmark.errors import MissingData, NotRunnable, UserError
from benchmark.preprocessing.config import PreprocessingConfig

__all__ = ["SubjectData", "load_subject", "data_home", "configure_moabb", "short_reason"]


@dataclass
class SubjectData:
    """Epochs of one subject after the shared loading steps (µV)."""

    dataset: str
    subject: int
    X: np.ndarray  # (n_trials, n_chans, n_times), float32, µV
    y: np.ndarray  # class names
    sessions: np.ndarray
    runs: np.ndarray
    ch_names: list[str]
    sfreq: float
    subjects: np.ndarray | None = None  # each trial's subject (default: all ``subject``)

    def __post_init__(self):
        if self.subjects is None:
            self.subjects = np.full(len(self.y), self.subject)

    def select(self, mask: np.ndarray) -> "SubjectData":
        return SubjectData(self.dataset, self.subject, self.X[mask], self.y[mask],
                           self.sessions[mask], self.runs[mask], self.ch_names, self.sfreq,
                           self.subjects[mask])

    @classmethod
    def concatenate(cls, parts: list["SubjectData"]) -> "SubjectData":
        """The trials of several subjects of one dataset (``subject`` is the first's)."""
        first = parts[0]
        for p in parts[1:]:
            if p.ch_names != first.ch_names or p.sfreq != first.sfreq:
                raise UserError(
                    f"dataset {first.dataset}: subject {p.subject} has other channels or rate "
                    f"than subject {first.subject}; cross-subject protocols need one montage")
        return cls(first.dataset, first.subject, np.concatenate([p.X for p in parts]),
                   np.concatenate([p.y for p in parts]),
                   np.concatenate([p.sessions for p in parts]),
                   np.concatenate([p.runs for p in parts]), first.ch_names, first.sfreq,
                   np.concatenate([p.subjects for p in parts]))

    def trial_ids(self) -> np.ndarray:
        """A stable name per trial: subject, session, run and position within them."""
        keys = np.char.add(np.char.add(self.subjects.astype(str), "/"),
                           np.char.add(np.char.add(self.sessions.astype(str), "/"),
                                       self.runs.astype(str)))
        _, inverse = np.unique(keys, return_inverse=True)
        by_run = np.argsort(inverse, kind="stable")  # trials grouped by run, in order
        first = np.searchsorted(inverse[by_run], inverse[by_run])  # where each run starts
        order = np.empty(len(keys), dtype=int)
        order[by_run] = np.arange(len(keys)) - first  # position of each trial within its run
        return np.char.add(np.char.add(keys, "#"), order.astype(str))


def data_home() -> str:
    """Where MNE/MOABB keep their download cache."""
    import mne

    return (os.environ.get("MNE_DATA") or mne.get_config("MNE_DATA")
            or os.path.expanduser("~/mne_data"))


def configure_moabb(quiet_downloads: bool = True) -> None:
    """Quiet MOABB/MNE logs and make offline failures fast.

    Unless the user chose a provider, MOABB is asked for the upstream hosts, which
    fails in seconds offline instead of probing a mirror for about 40 s.

    Parameters
    ----------
    quiet_downloads : bool
        Hide pooch's "Downloading data from ..." line per file (a run reports missing
        data once per dataset; ``download`` keeps the lines as its progress).
    """
    os.environ.setdefault("MOABB_DOWNLOAD_PROVIDER", "upstream")
    for name in ("moabb", "mne"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import mne
    import pooch

    pooch.get_logger().setLevel(logging.WARNING if quiet_downloads else logging.INFO)

    mne.set_log_level("ERROR")
    warnings.filterwarnings("ignore", module="moabb")
    warnings.filterwarnings("ignore", category=FutureWarning, module="mne")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="mne")


def short_reason(exc: BaseException) -> str:
    """``Type: first line of the message``, at most about 160 characters."""
    reason = str(exc).splitlines()[0] if str(exc) else ""
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


def _missing_data(spec: DatasetSpec, subject: int, exc: BaseException) -> MissingData:
    """The one-line error of a subject that is neither cached nor downloadable.

    ``exc`` is what the download raised: a network failure, or a refusal of
    :func:`~benchmark.datasets.offline.network_refused` after an earlier one (then no
    download was tried), or another failure (an HTTP error, a file that is not there).
    """
    where = data_home()
    fix = (f"on a machine with network run `python -m benchmark download --datasets "
           f"{spec.name}`, or point MNE_DATA at a folder that holds it")
    refused = refusal(exc)
    if refused is not None:
        return MissingData(
            f"dataset {spec.name} subject {subject} is not in the MOABB cache under {where} "
            f"and was not downloaded: {refused.reason}; {fix}",
            dataset=spec.name, subject=subject, where=where, cause=refused.reason,
            network=True, tried=False)
    network = is_network_failure(exc)
    cause = network_cause(exc) if network else short_reason(exc)
    return MissingData(
        f"dataset {spec.name} subject {subject} is not in the MOABB cache under {where} and "
        f"could not be downloaded ({cause}); {fix}",
        dataset=spec.name, subject=subject, where=where, cause=cause, network=network)


def load_subject(spec: DatasetSpec, subject: int, config: PreprocessingConfig,
                 classes: tuple[str, ...] | str | None = None) -> SubjectData:
    """Load one subject's epochs with the shared band-pass, rate and window.

    Parameters
    ----------
    spec : DatasetSpec
        Catalogue entry.
    subject : int
        Subject number as MOABB counts.
    config : PreprocessingConfig
        Band, rate and window.
    classes : tuple of str or "all", optional
        Classes to load (default: the catalogue's evaluation classes; ``"all"``: every
        event the dataset has, as pretraining uses).

    Raises
    ------
    UserError
        Unknown subject.
    MissingData
        Data neither cached nor downloadable (a :class:`NotRunnable`).
    NotRunnable
        Data that cannot be read or used (damaged files, NaN samples, flat channels), no
        class to evaluate, a window longer than the dataset's trials, or a dataset that
        MOABB downloads only once its licence is accepted (Shin2017A).
    """
    from moabb.paradigms import MotorImagery

    configure_moabb()
    dataset = spec.instantiate()
    if subject not in dataset.subject_list:
        raise UserError(
            f"dataset {spec.name} has subjects {dataset.subject_list[0]}.."
            f"{dataset.subject_list[-1]}, not {subject}; fix --subjects"
        )
    if classes is None:
        classes = spec.classes
    elif classes == "all":
        classes = tuple(dataset.event_id)
    if not classes:
        raise NotRunnable(f"dataset {spec.name} has no imagery class to evaluate (its events: "
                          f"{', '.join(dataset.event_id)}); choose two with --classes")
    paradigm = MotorImagery(
        events=list(classes),
        n_classes=len(classes),
        fmin=config.fmin,
        fmax=config.fmax,
        tmin=config.tmin,
        tmax=config.tmax,
        resample=config.sfreq,
    )
    try:
        with recording_files_opened() as opened:
            epochs, y, meta = paradigm.get_data(dataset, subjects=[subject], return_epochs=True)
    except AttributeError as exc:  # MOABB's way of saying a licence must be accepted
        if "accept" not in str(exc).lower():
            raise
        raise NotRunnable(
            f"dataset {spec.name}: MOABB downloads it only once its licence is accepted "
            f"({short_reason(exc)}); the suite does not accept licences for you: read the "
            f"licence, fetch the data with MOABB ({spec.moabb_class.split(':')[1]}(accept=True)"
            f".download()) into {data_home()}, then run again") from exc
    except (OSError, ValueError, KeyError, RuntimeError, IndexError, EOFError) as exc:
        if isinstance(exc, (FileNotFoundError, ConnectionError, TimeoutError)) \
                or _looks_like_download(exc) or is_network_failure(exc):
            raise _missing_data(spec, subject, exc) from exc
        raise _unreadable_data(spec, subject, exc) from exc
    for path in sorted(opened):
        check_recording_file(path, spec.name, subject)
    X = epochs.get_data(copy=False)
    n_times = config.n_times if config.n_times is not None else X.shape[-1]
    if X.shape[-1] < n_times:
        raise NotRunnable(
            f"dataset {spec.name} gives {X.shape[-1]} samples per trial, fewer than the "
            f"{n_times} of a {config.window_s} s window; shorten --window"
        )
    X = np.ascontiguousarray(X[..., :n_times] * 1e6, dtype=np.float32)
    check_epochs(X, epochs.ch_names, spec.name, subject)
    return SubjectData(
        dataset=spec.name,
        subject=int(subject),
        X=X,
        y=np.asarray(y),
        sessions=meta["session"].astype(str).to_numpy(),
        runs=meta["run"].astype(str).to_numpy(),
        ch_names=list(epochs.ch_names),
        sfreq=float(epochs.info["sfreq"]),
    )


def _looks_like_download(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("download", "url", "connection", "http", "network"))


def _unreadable_data(spec: DatasetSpec, subject: int, exc: BaseException) -> NotRunnable:
    return NotRunnable(
        f"dataset {spec.name} subject {subject} could not be read from the MOABB cache under "
        f"{data_home()} ({short_reason(exc)}); its files may be damaged: delete them "
        f"and run `python -m benchmark download --datasets {spec.name} --subjects {subject}`"
    )
