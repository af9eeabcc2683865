"""The shared MIRepNet preprocessing, as one recorded configuration.

Every model in the suite sees data that went through the same steps, in this order
(Liu et al., MIRepNet, arXiv 2507.20254, section "Preprocessing"):

1. band-pass ``fmin``-``fmax`` Hz and resampling to ``sfreq`` Hz (MOABB's paradigm,
   which filters the continuous recording before epoching);
2. a window of ``window_s`` seconds from the start of the dataset's imagery interval,
   cut to exactly ``round(window_s * sfreq)`` samples;
3. Euclidean alignment per subject, fitted separately on each part of a split;
4. mapping onto the 45-channel template (after alignment, as in the release).

Which of steps 3 and 4 a model gets is declared by its pipeline file; the rest is
common to all.  The full configuration goes into every result row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

from benchmark.errors import UserError

__all__ = ["PreprocessingConfig", "digest"]

ALIGNMENTS = ("ea", "none")
TEMPLATES = ("idw", "spline", "none")


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
    sfreq : float
        Target sampling rate in Hz (paper: 250).
    window_s : float
        Trial length in seconds (paper: 4 s, 1000 samples at 250 Hz).
    alignment : {"ea", "none"}
        Euclidean alignment per subject and split part.
    template : {"idw", "spline", "none"}
        Mapping onto the 45-channel template, or the dataset's own channels.
    """

    fmin: float = 8.0
    fmax: float = 30.0
    sfreq: float = 250.0
    window_s: float = 4.0
    alignment: str = "ea"
    template: str = "idw"

    def __post_init__(self):
        if self.alignment not in ALIGNMENTS:
            raise UserError(
                f"unknown alignment {self.alignment!r}; choose one of {', '.join(ALIGNMENTS)}"
            )
        if self.template not in TEMPLATES:
            raise UserError(
                f"unknown template method {self.template!r}; choose one of {', '.join(TEMPLATES)}"
            )
        if not 0 < self.fmin < self.fmax < self.sfreq / 2:
            raise UserError(
                f"band {self.fmin}-{self.fmax} Hz must satisfy 0 < fmin < fmax < sfreq/2 "
                f"({self.sfreq / 2} Hz)"
            )
        if self.window_s <= 0:
            raise UserError("window_s must be positive")

    @property
    def n_times(self) -> int:
        """Samples per trial after preprocessing."""
        return int(round(self.window_s * self.sfreq))

    @property
    def loading_key(self) -> dict:
        """The part that determines the loaded epochs (shared by all models)."""
        return {"fmin": self.fmin, "fmax": self.fmax, "sfreq": self.sfreq, "window_s": self.window_s}

    def with_overrides(self, **overrides) -> "PreprocessingConfig":
        """Copy with the given fields changed (``None`` values are ignored)."""
        unknown = set(overrides) - set(asdict(self))
        if unknown:
            raise UserError(
                f"unknown preprocessing option(s) {sorted(unknown)}; "
                f"valid ones are {sorted(asdict(self))}"
            )
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return digest(self.to_dict())
