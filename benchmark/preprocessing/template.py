"""Mapping any montage onto MIRepNet's 45-channel template.

MIRepNet (Liu et al., arXiv 2507.20254) feeds every dataset through one channel
template of 45 sensorimotor electrodes.  Channels the dataset has are copied; each
missing one is filled in from the present channels.  Two methods:

``"idw"``
    Exactly the release's rule: a missing channel is the inverse-distance-weighted mix
    of *all* present channels, weights ``1 / (d + 1e-6)`` normalised to sum to 1, ``d``
    the Euclidean distance on the release's hand-made 2-D scalp coordinates
    (:data:`RELEASE_2D_POSITIONS`, the release's full table of 79 positions with its
    quirks kept, so pretraining montages with e.g. Fp/AF/O or TP9/TP10 channels get the
    release's weights).  Present channels without such a coordinate (EOG, EMG, names
    outside the table) are left out of the mix.
``"spline"``
    Spherical-spline interpolation (Perrin et al., 1989) from real 3-D positions of MNE's
    ``standard_1005`` montage, computed by MNE's own ``interpolate_bads``.

Either way the mapping is one linear operator ``M`` of shape ``(45, n_chans)``
computed once in ``fit``; ``transform`` is a single batched product ``M @ X``.  A montage
a method cannot place (no channel with a position) raises
:class:`~benchmark.errors.NotRunnable`: the units of that dataset and model are recorded
not runnable with the fix, and the run goes on.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from benchmark.errors import NotRunnable, UserError
from benchmark.preprocessing.alignment import check_trials

__all__ = [
    "TEMPLATE_CHANNELS",
    "RELEASE_2D_POSITIONS",
    "ChannelTemplate",
    "chs_info",
    "normalise_channel_name",
    "template_matrix",
]

TEMPLATE_CHANNELS: tuple[str, ...] = (
    "F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8",
    "T7", "C5", "C3", "C1", "CZ", "C2", "C4", "C6", "T8",
    "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6", "TP8",
    "P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8",
)  # fmt: skip

#: The release's full table of 2-D scalp coordinates (x, y), used by ``method="idw"`` for
#: every montage.  79 entries, transcribed exactly as the release publishes them
#: (``shared/reference/mirepnet.md``, "Preprocessing", item 4).  Two quirks of the release
#: are kept deliberately, so that ``idw`` gives the release's weights: ``TPP8`` sits at
#: x = 9.0 (most likely a typo for 0.9) and ``FT10`` at (0.6, 0.7), the place of ``F10``.
#: Keys are upper case; names are matched case-insensitively and otherwise exactly
#: (:func:`normalise_channel_name`), so e.g. Lee2019's half-position names ``FTT9h``,
#: ``TTP7h``, ``TPP8h`` are not matched to ``FTT9``, ``TPP7``, ``TPP8`` and stay out of the mix.
RELEASE_2D_POSITIONS: dict[str, tuple[float, float]] = {
    "FP1": (-0.3, 0.9), "FPZ": (0, 1), "FP2": (0.3, 0.9),
    "AF7": (-0.3, 0.8), "AF3": (-0.2, 0.8), "AFZ": (0, 0.8), "AF4": (0.2, 0.8), "AF8": (0.3, 0.8),
    "F9": (-0.6, 0.7), "F7": (-0.5, 0.7), "F5": (-0.4, 0.7), "F3": (-0.3, 0.7), "F1": (-0.15, 0.7),
    "FZ": (0, 0.7), "F2": (0.15, 0.7), "F4": (0.3, 0.7), "F6": (0.4, 0.7), "F8": (0.5, 0.7),
    "F10": (0.6, 0.7),
    "FT9": (-0.7, 0.6), "FT7": (-0.6, 0.6), "FC5": (-0.5, 0.6), "FC3": (-0.4, 0.6),
    "FC1": (-0.2, 0.6), "FCZ": (0, 0.6), "FC2": (0.2, 0.6), "FC4": (0.4, 0.6), "FC6": (0.5, 0.6),
    "FT8": (0.6, 0.6),
    "FT10": (0.6, 0.7),  # sic: the release's value (the place of F10), kept deliberately
    "FTT9": (-1.1, 0.55), "T7": (-1, 0.5), "TPP7": (-0.9, 0.45), "C5": (-0.7, 0.5),
    "C3": (-0.4, 0.5), "C1": (-0.2, 0.5), "CZ": (0, 0.5), "C2": (0.2, 0.5), "C4": (0.4, 0.5),
    "C6": (0.7, 0.5),
    "TPP8": (9.0, 0.45),  # sic: the release's value (most likely 0.9 meant), kept deliberately
    "T8": (1, 0.5), "FTT10": (1.1, 0.55),
    "TP9": (-0.8, 0.4), "TPP9": (-0.7, 0.4), "TP7": (-0.6, 0.4), "CP5": (-0.5, 0.4),
    "CP3": (-0.4, 0.4), "CP1": (-0.2, 0.4), "CPZ": (0, 0.4), "CP2": (0.2, 0.4), "CP4": (0.4, 0.4),
    "CP6": (0.5, 0.4), "TP8": (0.6, 0.4), "TPP10": (0.7, 0.4), "TP10": (0.8, 0.4),
    "P9": (-0.6, 0.3), "P7": (-0.5, 0.3), "P5": (-0.4, 0.3), "P3": (-0.3, 0.3), "P1": (-0.15, 0.3),
    "PZ": (0, 0.3), "P2": (0.15, 0.3), "P4": (0.3, 0.3), "P6": (0.4, 0.3), "P8": (0.5, 0.3),
    "P10": (0.6, 0.3),
    "PO9": (-0.5, 0.2), "PO7": (-0.4, 0.2), "PO5": (-0.3, 0.2), "PO3": (-0.2, 0.2), "POZ": (0, 0.2),
    "PO4": (0.2, 0.2), "PO6": (0.3, 0.2), "PO8": (0.4, 0.2), "PO10": (0.5, 0.2),
    "O1": (-0.2, 0.1), "OZ": (0, 0.1), "O2": (0.2, 0.1),
}  # fmt: skip

# Old 10-20 names still used by some recordings.
_ALIASES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}

METHODS = ("idw", "spline")


def chs_info(ch_names: Sequence[str]) -> list[dict]:
    """braindecode's ``chs_info`` (MNE channel dicts with standard 10-05 positions).

    Models that project a montage onto their own channels (braindecode's
    ``Interpolated*``) read the positions from it.  Building the montage takes about
    20 ms, so it is made once per tuple of names (its only input) and each call gets a
    deep copy.
    """
    import copy

    return copy.deepcopy(_chs_info(tuple(ch_names)))


@lru_cache(maxsize=64)
def _chs_info(ch_names: tuple[str, ...]) -> list[dict]:
    import mne

    info = mne.create_info(list(ch_names), sfreq=1.0, ch_types="eeg")
    info.set_montage("standard_1005", match_case=False, on_missing="ignore", verbose="error")
    return [dict(ch) for ch in info["chs"]]


def normalise_channel_name(name: str) -> str:
    """Upper-case a channel name, strip EEG prefixes/dots and map old 10-20 aliases."""
    key = name.strip().upper().replace(".", "")
    for prefix in ("EEG-", "EEG "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return _ALIASES.get(key, key)


def _idw_matrix(ch_names: Sequence[str], template: Sequence[str]) -> np.ndarray:
    names = [normalise_channel_name(c) for c in ch_names]
    index = {n: i for i, n in enumerate(names)}
    usable = [i for i, n in enumerate(names) if n in RELEASE_2D_POSITIONS]
    M = np.zeros((len(template), len(names)))
    missing = [r for r, t in enumerate(template) if t not in index]
    if missing and not usable:
        raise NotRunnable(
            f"none of the channels {list(ch_names)[:8]} has a position in the release's "
            "2-D table, so template channels cannot be filled in by 'idw'; "
            "use the template method 'spline' (--template spline)"
        )
    for r, t in enumerate(template):
        if t in index:
            M[r, index[t]] = 1.0
    if missing:
        src = np.array([RELEASE_2D_POSITIONS[names[i]] for i in usable], dtype=float)
        dst = np.array([RELEASE_2D_POSITIONS[template[r]] for r in missing], dtype=float)
        d = np.linalg.norm(dst[:, None, :] - src[None, :, :], axis=-1)
        w = 1.0 / (d + 1e-6)
        M[np.ix_(missing, usable)] = w / w.sum(axis=1, keepdims=True)
    return M


def _spline_matrix(ch_names: Sequence[str], template: Sequence[str]) -> np.ndarray:
    import mne

    montage = mne.channels.make_standard_montage("standard_1005")
    known = {normalise_channel_name(c): c for c in montage.ch_names}
    names = [normalise_channel_name(c) for c in ch_names]
    unknown = [c for c, n in zip(ch_names, names) if n not in known]
    if unknown:
        raise NotRunnable(
            f"channels {unknown} are not in MNE's standard_1005 montage, so 'spline' "
            "cannot place them; rename them to 10-05 names or use --template idw"
        )
    present = set(names)
    missing = [t for t in template if t not in present]
    M = np.zeros((len(template), len(names)))
    index = {n: i for i, n in enumerate(names)}
    for r, t in enumerate(template):
        if t in index:
            M[r, index[t]] = 1.0
    if missing:
        all_names = [known[n] for n in names] + [known[t] for t in missing]
        info = mne.create_info(all_names, sfreq=1.0, ch_types="eeg")
        # Interpolating an identity "signal" yields the interpolation matrix itself.
        data = np.vstack([np.eye(len(names)), np.zeros((len(missing), len(names)))])
        raw = mne.io.RawArray(data, info, verbose="error")
        raw.set_montage(montage, verbose="error")
        raw.info["bads"] = [known[t] for t in missing]
        raw.interpolate_bads(reset_bads=True, mode="accurate", origin="auto", verbose="error")
        interp = raw.get_data()[len(names):]
        rows = [template.index(t) for t in missing]
        M[rows] = interp
    return M


@lru_cache(maxsize=64)
def _cached_matrix(ch_names: tuple[str, ...], method: str, template: tuple[str, ...]) -> np.ndarray:
    if method == "idw":
        return _idw_matrix(ch_names, template)
    return _spline_matrix(ch_names, template)


def template_matrix(
    ch_names: Sequence[str], method: str = "idw", template: Sequence[str] = TEMPLATE_CHANNELS
) -> np.ndarray:
    """The ``(len(template), len(ch_names))`` operator mapping a montage onto the template."""
    if method not in METHODS:
        raise UserError(f"unknown template method {method!r}; choose one of {', '.join(METHODS)}")
    template = tuple(normalise_channel_name(t) for t in template)
    names = tuple(ch_names)
    normalised = [normalise_channel_name(c) for c in names]
    duplicated = sorted({n for n in normalised if normalised.count(n) > 1})
    if duplicated:
        raise UserError(f"duplicated channel names {duplicated}; give every channel a unique name")
    return _cached_matrix(names, method, template).copy()


class ChannelTemplate(TransformerMixin, BaseEstimator):
    """Map trials of any montage onto the 45-channel MIRepNet template.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names of the input, in order (10-05 names, any case).
    method : {"idw", "spline"}
        ``"idw"``: the release's inverse-distance weights on 2-D coordinates;
        ``"spline"``: spherical splines on MNE's 3-D ``standard_1005`` positions.
    template : sequence of str
        Output channels; defaults to :data:`TEMPLATE_CHANNELS`.

    Attributes
    ----------
    matrix_ : ndarray, shape (n_template, n_chans)
        The linear mapping.
    """

    def __init__(
        self,
        ch_names: Sequence[str] = (),
        method: str = "idw",
        template: Sequence[str] = TEMPLATE_CHANNELS,
    ):
        self.ch_names = ch_names
        self.method = method
        self.template = template

    def fit(self, X=None, y=None) -> "ChannelTemplate":
        if X is not None:
            X = check_trials(X)
            if X.shape[1] != len(self.ch_names):
                raise UserError(
                    f"ChannelTemplate got {X.shape[1]} channels but {len(self.ch_names)} "
                    "ch_names; pass the names of the input's channels in order"
                )
        self.matrix_ = template_matrix(self.ch_names, self.method, self.template)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "matrix_")
        X = check_trials(X)
        if X.shape[1] != self.matrix_.shape[1]:
            raise UserError(
                f"ChannelTemplate expects {self.matrix_.shape[1]} channels, got {X.shape[1]}"
            )
        return np.matmul(self.matrix_.astype(X.dtype, copy=False), X)

    @property
    def out_ch_names(self) -> list[str]:
        """Names of the output channels."""
        return [normalise_channel_name(t) for t in self.template]
