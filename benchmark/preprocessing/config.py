"""The shared MIRepNet preprocessing, as one recorded configuration.

Every model in the suite sees data that went through the same steps, in this order
(Liu et al., MIRepNet, arXiv 2507.20254, section "Preprocessing"):

1. band-pass ``fmin``-``fmax`` Hz and resampling to ``sfreq`` Hz (MOABB's paradigm,
   which filters the continuous recording before epoching);
2. a window from ``tmin`` to ``tmin + window_s`` seconds after the start of the
   dataset's imagery interval, cut to exactly ``round(window_s * sfreq)`` samples (the
   paper's 4 s from the start by default; each catalogue entry records its window and
   ``--window START,END`` overrides it);
3. Euclidean alignment per subject, fitted separately on each part of a split;
4. mapping onto the 45-channel template (after alignment, as in the release).

Which of steps 3 and 4 a model gets is declared by its pipeline file; the rest is
common to all.  The full configuration goes into every result row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping

import numpy as np

from benchmark.errors import UserError

__all__ = ["PreprocessingConfig", "digest", "PRESETS", "preset_config",
           "resolve_preprocessing"]

ALIGNMENTS = ("ea", "none")
TEMPLATES = ("idw", "spline", "none")
#: ``paper``: the MIRepNet preprocessing; ``moabb``: MOABB's ``LeftRightImagery`` /
#: ``MotorImagery`` defaults (8-32 Hz, the dataset's task interval and native rate, no
#: alignment, no template), for scores comparable with MOABB's published ones
PRESETS = ("paper", "moabb")


def digest(obj) -> str:
    """Short stable hash of a JSON-serialisable object."""
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PreprocessingConfig:
    """Parameters of the shared preprocessing.

    Parameters
    ----------
    fmin, fmax : float
        Band-pass edges in Hz (paper: 8-30).
    sfreq : float or None
        Target sampling rate in Hz (paper: 250; ``None``: the dataset's own rate, as
        MOABB's paradigms by default).
    window_s : float or None
        Trial length in seconds (paper: 4 s, 1000 samples at 250 Hz; ``None``: to the end
        of the dataset's task interval, as MOABB's paradigms by default, uncut).
    tmin : float
        Start of the window in seconds after the start of the task interval (0).
    preset : {"paper", "moabb"}
        Where the values come from (:data:`PRESETS`); with ``moabb`` the pipeline files'
        alignment and template choices do not apply.
    alignment : {"ea", "none"}
        Euclidean alignment per subject and split part.
    template : {"idw", "spline", "none"}
        Mapping onto the 45-channel template, or the dataset's own channels.
    """

    fmin: float = 8.0
    fmax: float = 30.0
    sfreq: float | None = 250.0
    window_s: float | None = 4.0
    alignment: str = "ea"
    template: str = "idw"
    tmin: float = 0.0
    preset: str = "paper"

    def __post_init__(self):
        if self.alignment not in ALIGNMENTS:
            raise UserError(
                f"unknown alignment {self.alignment!r}; choose one of {', '.join(ALIGNMENTS)}"
            )
        if self.template not in TEMPLATES:
            raise UserError(
                f"unknown template method {self.template!r}; choose one of {', '.join(TEMPLATES)}"
            )
        if not 0 < self.fmin < self.fmax < (self.sfreq or np.inf) / 2:
            raise UserError(
                f"band {self.fmin}-{self.fmax} Hz must satisfy 0 < fmin < fmax < sfreq/2 "
                f"({self.sfreq / 2} Hz)"
            )
        if self.window_s is not None and self.window_s <= 0:
            raise UserError(f"the window must end after it starts; got a length of "
                            f"{self.window_s} s; fix --window START,END")
        if self.preset not in PRESETS:
            raise UserError(f"unknown --preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        if self.tmin < 0:
            raise UserError(f"the window must start at or after the task onset (0 s), got "
                            f"{self.tmin}; fix --window START,END")

    @property
    def n_times(self) -> int | None:
        """Samples per trial after preprocessing (``None``: as the dataset gives them)."""
        if self.window_s is None or self.sfreq is None:
            return None
        return int(round(self.window_s * self.sfreq))

    @property
    def tmax(self) -> float | None:
        """End of the window after the start of the task interval (``None``: its end)."""
        return None if self.window_s is None else self.tmin + self.window_s

    @property
    def loading_key(self) -> dict:
        """The part that determines the loaded epochs (shared by all models)."""
        return {"fmin": self.fmin, "fmax": self.fmax, "sfreq": self.sfreq,
                "window_s": self.window_s, "tmin": self.tmin}

    def loading_digest(self) -> str:
        return digest(self.loading_key)

    def with_overrides(self, **overrides) -> "PreprocessingConfig":
        """Copy with the given fields changed (``None`` values are ignored)."""
        unknown = set(overrides) - set(asdict(self))
        if unknown:
            raise UserError(
                f"unknown preprocessing option(s) {sorted(unknown)}; "
                f"valid ones are {sorted(asdict(self))}"
            )
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def with_window(self, start: float, end: float) -> "PreprocessingConfig":
        """Copy with the window ``start``-``end`` s after the task onset."""
        return replace(self, tmin=float(start), window_s=float(end) - float(start))

    def to_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return digest(self.to_dict())


def resolve_preprocessing(base: PreprocessingConfig, choices: Mapping[str, Any] | None = None,
                          template: str | None = None) -> PreprocessingConfig:
    """The preprocessing a pipeline gets: the run's, its file's choices, the run's template.

    The one place where a pipeline file's ``preprocessing:`` block (which alignment and
    template it wants) meets the run's configuration; the engine, the model sizes and
    the timings all go through it.

    Parameters
    ----------
    base : PreprocessingConfig
        The run's preprocessing for the dataset (band, rate, window, preset).
    choices : mapping, optional
        The pipeline's ``preprocessing`` (``PipelineSpec.preprocessing``), e.g.
        ``{"alignment": "ea", "template": "none"}``.
    template : str, optional
        The run's ``--template``: replaces the pipeline's template method, unless the
        pipeline works on the dataset's own channels (``template: none``).

    Returns
    -------
    PreprocessingConfig
        With the ``moabb`` preset, ``base`` as it is (MOABB's paradigm: no alignment, no
        template), whatever the pipeline's file chooses.
    """
    if base.preset == "moabb":
        return base
    config = base.with_overrides(**(choices or {}))
    if template is not None and config.template != "none":
        config = config.with_overrides(template=template)
    return config


def preset_config(name: str) -> PreprocessingConfig:
    """The base preprocessing of a preset (see :data:`PRESETS`)."""
    if name == "paper":
        return PreprocessingConfig()
    if name == "moabb":
        return PreprocessingConfig(fmin=8.0, fmax=32.0, sfreq=None, window_s=None,
                                   alignment="none", template="none", preset="moabb")
    raise UserError(f"unknown --preset {name!r}; choose one of {', '.join(PRESETS)}")
