"""A physiologically plausible synthetic motor-imagery dataset (a MOABB dataset class).

Why hand-written: MOABB's ``FakeDataset`` is white noise without class information, and
no maintained package simulates sensorimotor rhythms with event-related
desynchronisation (ERD) on a real montage.  The model follows the textbook picture of
motor imagery (Pfurtscheller & Lopes da Silva, Clin. Neurophysiol. 110, 1999):

* background: 1/f ("pink") activity from many generators spread over the scalp, an
  occipital alpha rhythm unrelated to the task, and white sensor noise;
* sensorimotor generators with a mu (8-13 Hz) and a beta (13-30 Hz) rhythm at
  subject-specific peak frequencies: over the right hand area (C4), the left hand area
  (C3), the vertex (Cz, feet) and lateral-inferior cortex (between C5/T7 and C6/T8,
  tongue);
* motor imagery of a class desynchronises its generators (amplitude drop of the mu and,
  less, the beta rhythm) from about 0.5 s after the cue to the end of the trial, with a
  trial-to-trial variable depth: left hand → right hemisphere, right hand → left
  hemisphere, feet → vertex, tongue → both lateral generators; ``rest`` → none;
* generators reach the electrodes through a smooth spatial kernel on the real 3-D
  positions of MNE's ``standard_1005`` montage (a crude stand-in for volume
  conduction);
* subjects differ in rhythm strength, ERD depth, peak frequencies, generator positions,
  kernel width, a random perturbation of the mixing and electrode gains, so that data of
  different subjects are not identically distributed (which is what alignment is for).

Everything is drawn from ``numpy.random.default_rng([seed, subject, session])`` and is
therefore reproducible.  All signal generation is vectorised over generators and time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from moabb.datasets.base import BaseDataset

__all__ = ["SyntheticMI", "EVENT_CODES"]

EVENT_CODES = {"left_hand": 1, "right_hand": 2, "feet": 3, "tongue": 4, "rest": 5}

# Generators of the sensorimotor rhythms: name -> (electrodes whose mean position it
# sits under, classes that desynchronise it).
_MOTOR_GENERATORS = {
    "hand_left_hemisphere": (("C3",), ("right_hand",)),
    "hand_right_hemisphere": (("C4",), ("left_hand",)),
    "feet_vertex": (("Cz", "CPz"), ("feet",)),
    "tongue_left": (("C5", "T7"), ("tongue",)),
    "tongue_right": (("C6", "T8"), ("tongue",)),
}

_IMAGERY_S = 4.0  # imagery period after the cue
_ERD_ONSET_S = 0.5  # latency of the desynchronisation


@lru_cache(maxsize=1)
def _montage_positions() -> dict[str, np.ndarray]:
    from mne.channels import make_standard_montage

    pos = make_standard_montage("standard_1005").get_positions()["ch_pos"]
    return {name.upper(): np.asarray(p, dtype=float) for name, p in pos.items()}


def _position(names) -> np.ndarray:
    pos = _montage_positions()
    return np.mean([pos[n.upper()] for n in names], axis=0)


def _narrowband(rng, n_signals: int, n_samples: int, sfreq: float, f0, bandwidth) -> np.ndarray:
    """Unit-variance Gaussian noise with a Gaussian spectral peak at ``f0`` (per row)."""
    freqs = np.fft.rfftfreq(n_samples, 1.0 / sfreq)
    spec = np.fft.rfft(rng.standard_normal((n_signals, n_samples)), axis=1)
    f0 = np.asarray(f0, dtype=float).reshape(-1, 1)
    bw = np.asarray(bandwidth, dtype=float).reshape(-1, 1)
    spec *= np.exp(-0.5 * ((freqs[None, :] - f0) / bw) ** 2)
    sig = np.fft.irfft(spec, n=n_samples, axis=1)
    return sig / sig.std(axis=1, keepdims=True)


def _pink(rng, n_signals: int, n_samples: int, sfreq: float, exponent: float = 1.0) -> np.ndarray:
    """Unit-variance noise with power spectrum ``1 / f**exponent`` above 0.5 Hz."""
    freqs = np.fft.rfftfreq(n_samples, 1.0 / sfreq)
    spec = np.fft.rfft(rng.standard_normal((n_signals, n_samples)), axis=1)
    spec *= np.maximum(freqs, 0.5) ** (-exponent / 2.0)
    sig = np.fft.irfft(spec, n=n_samples, axis=1)
    return sig / sig.std(axis=1, keepdims=True)


def _smooth(x: np.ndarray, sfreq: float, tau_s: float = 0.25) -> np.ndarray:
    """Causal first-order smoothing along the last axis (FFT convolution, vectorised)."""
    n = x.shape[-1]
    t = np.arange(n) / sfreq
    kernel = np.exp(-t / tau_s)
    kernel /= kernel.sum()
    size = 2 * n
    out = np.fft.irfft(np.fft.rfft(x, size, axis=-1) * np.fft.rfft(kernel, size), size, axis=-1)
    return out[..., :n]


class SyntheticMI(BaseDataset):
    """Synthetic motor-imagery EEG with class-specific ERD on a real montage.

    Parameters
    ----------
    channels : sequence of str
        10-05 electrode names.
    sfreq : float
        Sampling rate in Hz.
    classes : sequence of str
        Among ``left_hand, right_hand, feet, tongue, rest``.
    n_subjects, n_sessions, n_runs : int
        Layout of the recordings.
    trials_per_class : int
        Trials of each class per session (split evenly over runs).
    seed : int
        Seed of everything random; the same seed gives the same data.
    variant : str
        Suffix of the MOABB ``code`` (lower case), to tell variants apart.
    difficulty : float
        Scales the ERD depth down (>1 harder, <1 easier).
    subjects, sessions : list, optional
        MOABB's selection of subjects and sessions.

    Notes
    -----
    Trials start with a cue; imagery lasts 4 s; the next cue follows after a rest of
    1.5-2.5 s.  The dataset's ``interval`` is ``[0, 4]`` s after the cue.
    """

    def __init__(
        self,
        channels=("C3", "Cz", "C4"),
        sfreq: float = 250.0,
        classes=("left_hand", "right_hand"),
        n_subjects: int = 4,
        n_sessions: int = 1,
        n_runs: int = 2,
        trials_per_class: int = 40,
        seed: int = 0,
        variant: str = "default",
        difficulty: float = 1.0,
        subjects=None,
        sessions=None,
    ):
        unknown = [c for c in classes if c not in EVENT_CODES]
        if unknown:
            raise ValueError(f"unknown classes {unknown}; choose among {list(EVENT_CODES)}")
        missing = [c for c in channels if c.upper() not in _montage_positions()]
        if missing:
            raise ValueError(f"channels {missing} are not in the standard_1005 montage")
        self.channels = list(channels)
        self.sfreq = float(sfreq)
        self.classes = list(classes)
        self.n_runs = int(n_runs)
        self.trials_per_class = int(trials_per_class)
        self.seed = int(seed)
        self.difficulty = float(difficulty)
        super().__init__(
            subjects=list(range(1, n_subjects + 1)),
            sessions_per_subject=n_sessions,
            events={c: EVENT_CODES[c] for c in self.classes},
            code=f"SyntheticMI-{variant.lower()}",
            interval=[0, _IMAGERY_S],
            paradigm="imagery",
            doi=None,
            selected_subjects=subjects,
            selected_sessions=sessions,
        )

    # -- MOABB interface -------------------------------------------------------------
    def data_path(self, subject, path=None, force_update=False, update_path=None, verbose=None):
        """Nothing to download: the data are generated on demand."""
        return []

    def _get_single_subject_data(self, subject):
        params = self._subject_parameters(subject)
        return {
            f"{session}": {
                f"{run}": self._generate_run(subject, session, run, params)
                for run in range(self.n_runs)
            }
            for session in range(self.n_sessions)
        }

    # -- generation ------------------------------------------------------------------
    def _subject_parameters(self, subject: int) -> dict:
        rng = np.random.default_rng([self.seed, subject])
        gens = list(_MOTOR_GENERATORS.values())
        n_gen = len(gens)
        motor_pos = np.array([_position(names) for names, _ in gens])
        motor_pos += rng.normal(0.0, 0.007, motor_pos.shape)
        all_pos = np.array(list(_montage_positions().values()))
        bg_pos = all_pos[rng.choice(len(all_pos), size=40, replace=False)]
        # One subject in five is a weak responder ("BCI inefficiency").
        weak = rng.random() < 0.2
        depth = rng.uniform(0.15, 0.3) if weak else rng.uniform(0.45, 0.8)
        return {
            "motor_pos": motor_pos,
            "bg_pos": bg_pos,
            "alpha_pos": _position(("Oz", "POz")) + rng.normal(0.0, 0.005, 3),
            "sigma": rng.uniform(0.028, 0.042),
            "mixing_noise": rng.normal(0.0, 0.15, (len(self.channels), n_gen + 40 + 1)),
            "gains": rng.uniform(0.8, 1.25, len(self.channels)),
            "mu_f": rng.uniform(9.0, 12.0) + rng.normal(0.0, 0.3, n_gen),
            "beta_f": rng.uniform(17.0, 24.0) + rng.normal(0.0, 0.8, n_gen),
            "rhythm_uv": rng.uniform(5.0, 9.0) * rng.uniform(0.8, 1.2, n_gen),
            "depth": depth / self.difficulty,
            "bg_uv": rng.uniform(12.0, 18.0),
            "alpha_uv": rng.uniform(2.0, 6.0),
            "noise_uv": rng.uniform(1.0, 2.0),
        }

    def _mixing(self, params: dict, rng) -> np.ndarray:
        """Electrode x generator gains: Gaussian kernel on 3-D distances, perturbed."""
        elec = np.array([_montage_positions()[c.upper()] for c in self.channels])
        sources = np.vstack([params["motor_pos"], params["bg_pos"], params["alpha_pos"][None]])
        d2 = ((elec[:, None, :] - sources[None, :, :]) ** 2).sum(-1)
        kernel = np.exp(-0.5 * d2 / params["sigma"] ** 2)
        # Session-level jitter of the cap (small), on top of the subject's perturbation.
        session_noise = rng.normal(0.0, 0.03, kernel.shape)
        return kernel * (1.0 + params["mixing_noise"] + session_noise) * params["gains"][:, None]

    def _generate_run(self, subject: int, session: int, run: int, params: dict):
        import mne

        rng = np.random.default_rng([self.seed, subject, session, run])
        sfreq = self.sfreq
        n_classes = len(self.classes)
        per_run = np.full(n_classes, self.trials_per_class // self.n_runs)
        per_run[: self.trials_per_class % self.n_runs] += run < self.trials_per_class % self.n_runs
        labels = rng.permutation(np.repeat(np.arange(n_classes), per_run))
        rests = rng.uniform(1.5, 2.5, len(labels))
        onsets = 2.0 + np.concatenate([[0.0], np.cumsum(_IMAGERY_S + rests[:-1])])
        n_samples = int(np.ceil((onsets[-1] + _IMAGERY_S + rests[-1]) * sfreq))

        # Class activity: 1 during each trial's imagery (after the ERD latency), scaled
        # by a trial-specific depth; built with cumulative sums, no loop over trials.
        start = np.round((onsets + _ERD_ONSET_S) * sfreq).astype(int)
        stop = np.round((onsets + _IMAGERY_S) * sfreq).astype(int)
        strength = rng.uniform(0.5, 1.5, len(labels))
        steps = np.zeros((n_classes, n_samples + 1))
        np.add.at(steps, (labels, start), strength)
        np.add.at(steps, (labels, stop), -strength)
        activity = _smooth(np.cumsum(steps, axis=1)[:, :n_samples], sfreq)

        gens = list(_MOTOR_GENERATORS.values())
        class_of = {c: i for i, c in enumerate(self.classes)}
        # generator x class membership
        member = np.zeros((len(gens), n_classes))
        for g, (_, gen_classes) in enumerate(gens):
            for c in gen_classes:
                if c in class_of:
                    member[g, class_of[c]] = 1.0
        drive = np.clip(member @ activity, 0.0, 1.5)  # (n_gen, n_samples)
        depth = params["depth"]
        mu_env = np.clip(1.0 - depth * drive, 0.05, None)
        beta_env = np.clip(1.0 - 0.7 * depth * drive, 0.05, None)
        # Slow spontaneous fluctuation of rhythm amplitude (waxing and waning).
        wax = 1.0 + 0.3 * _pink(rng, len(gens), n_samples, sfreq, exponent=2.0)
        mu = _narrowband(rng, len(gens), n_samples, sfreq, params["mu_f"], 1.0)
        beta = _narrowband(rng, len(gens), n_samples, sfreq, params["beta_f"], 2.5)
        motor = params["rhythm_uv"][:, None] * np.clip(wax, 0.2, None) * (
            mu_env * mu + 0.5 * beta_env * beta
        )
        background = params["bg_uv"] * _pink(rng, 40, n_samples, sfreq)
        alpha = params["alpha_uv"] * _narrowband(rng, 1, n_samples, sfreq, [10.0], 1.0)
        sources = np.vstack([motor, background, alpha])

        A = self._mixing(params, rng)
        eeg_uv = A @ sources / np.sqrt(A.shape[1] / 8.0)
        eeg_uv += params["noise_uv"] * rng.standard_normal(eeg_uv.shape)

        info = mne.create_info(list(self.channels), sfreq=sfreq, ch_types="eeg")
        raw = mne.io.RawArray(eeg_uv * 1e-6, info, verbose="error")
        raw.set_montage("standard_1005", match_case=False, verbose="error")
        raw.set_annotations(
            mne.Annotations(
                onset=onsets,
                duration=np.full(len(labels), _IMAGERY_S),
                description=[self.classes[i] for i in labels],
            )
        )
        return raw
