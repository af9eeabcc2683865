"""Pretrained braindecode foundation models: the adapter module and checked weight loading.

braindecode ships the networks (``BIOT``, ``BENDR``, ``Labram``, ``CBraMod``, ``EEGPT``),
their published weights on the Hugging Face Hub (``config.json`` + ``model.safetensors``,
written by ``save_pretrained``) and ``Interpolated*`` variants that project any montage
onto the channels a model was pretrained on (MNE spherical splines, frozen).  What this
module adds:

* :class:`ResampledBackbone`, a braindecode-style module that takes the suite's trials
  (shared preprocessing, 250 Hz) and resamples them to the model's native rate
  (torchaudio's band-limited sinc interpolation) before the backbone.  Changing the rate
  is part of using these weights as published; it is the only step done here, and it is
  recorded with the pipeline.
* :class:`BraindecodeHubWeights`, the checked counterpart of braindecode's
  ``from_pretrained`` (which loads with ``strict=False``): every tensor of the file must
  land in the backbone with its shape, except a classification head of another class
  count; backbone tensors absent from the file are allowed only for the channel
  interpolation layer and that head.  Anything else is a one-line error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from braindecode.models.base import EEGModuleMixin
from torch import nn

from benchmark.errors import UserError
from ._checkpoint import CheckpointError, LoadPlan, file_sha256
from ._hub import SAVE_PRETRAINED_FILES as WEIGHT_FILES
from ._hub import hub_file

__all__ = ["ResampledBackbone", "BraindecodeHubWeights", "SIGNAL_KEYS", "WEIGHT_FILES"]

SIGNAL_KEYS = ("n_outputs", "n_chans", "chs_info", "n_times", "input_window_seconds", "sfreq",
               "braindecode_version")
_NEW_OK = ("interpolation_layer.",)
_HEAD = "final_layer."


def _croppable(key: str, have: tuple, want: tuple) -> bool:
    """A positional table (``*embed*``) longer than needed along exactly one axis."""
    if "embed" not in key.rsplit(".", 1)[-1] or len(have) != len(want):
        return False
    longer = [h > w for h, w in zip(have, want)]
    return sum(longer) == 1 and all(h >= w for h, w in zip(have, want))


class ResampledBackbone(EEGModuleMixin, nn.Module):
    """A braindecode backbone fed at its native sampling rate.

    Parameters
    ----------
    n_outputs, n_chans, chs_info, n_times, sfreq
        The suite's signal (after the shared preprocessing).
    backbone : str
        braindecode model class name (``"InterpolatedLaBraM"``, ``"CBraMod"``...).
    native_sfreq : float
        Rate the backbone was pretrained at; input is resampled to it.
    architecture : dict, optional
        Architecture arguments of the backbone (from the weights' ``config.json``).
    """

    def __init__(self, n_outputs=None, n_chans=None, chs_info=None, n_times=None,
                 input_window_seconds=None, sfreq=None, *, backbone: str = "CBraMod",
                 native_sfreq: float = 200.0, architecture: dict | None = None):
        super().__init__(n_outputs=n_outputs, n_chans=n_chans, chs_info=chs_info, n_times=n_times,
                         input_window_seconds=input_window_seconds, sfreq=sfreq)
        del n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        import braindecode.models

        self.native_sfreq = float(native_sfreq)
        self.native_times = int(round(self.n_times * self.native_sfreq / self.sfreq))
        cls = getattr(braindecode.models, backbone)
        signal = dict(n_outputs=self.n_outputs, n_times=self.native_times, sfreq=self.native_sfreq,
                      chs_info=self.chs_info)
        if not backbone.startswith("Interpolated"):
            signal["n_chans"] = self.n_chans
        from braindecode.models.util import resolve_type_kwargs

        arch = dict(architecture or {})
        for klass in cls.__mro__:  # Interpolated* take **kwargs: resolve on the base class too
            if issubclass(klass, EEGModuleMixin) and klass is not EEGModuleMixin:
                resolve_type_kwargs(klass, arch)  # "torch.nn.GELU" -> the class
        import mne

        try:
            with mne.utils.use_log_level("error"):  # the interpolation layer's MNE chatter
                self.backbone = cls(**signal, **arch)
        except TypeError as exc:  # a config.json written for another architecture
            raise CheckpointError(f"config.json does not describe braindecode's {backbone} "
                                  f"({exc}); use the weights published for it") from None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.native_times != x.shape[-1]:
            import torchaudio.functional as AF

            x = AF.resample(x, int(round(self.sfreq)), int(round(self.native_sfreq)))
        return self.backbone(x)


@dataclass(frozen=True)
class BraindecodeHubWeights:
    """Published braindecode weights, located and read once; applied to fresh modules."""

    source: str
    folder: str
    config_path: str
    weights_path: str
    sha256: str
    architecture: dict = field(default_factory=dict, compare=False)
    saved_n_outputs: int | None = None

    @classmethod
    def from_source(cls, source: str, *, default_repo: str, model: str,
                    label: str) -> "BraindecodeHubWeights":
        """``source``: ``"hub"`` (``default_repo``), ``"hf://OWNER/REPO"`` or a local folder."""
        source = str(source)
        if source.lower() in ("hub", "hf", "default") or source.startswith("hf://"):
            repo = default_repo if not source.startswith("hf://") else source[5:].strip("/")
            config, weights = (hub_file(repo, f, model=model, label=label) for f in WEIGHT_FILES)
        else:
            folder = Path(source).expanduser()
            config, weights = folder / "config.json", folder / "model.safetensors"
            if not (config.is_file() and weights.is_file()):
                raise UserError(f"{folder} does not hold config.json and model.safetensors (a "
                                f"braindecode save_pretrained folder); fix --checkpoint")
            config, weights = str(config), str(weights)
        try:
            doc = json.loads(Path(config).read_text())
        except ValueError:
            raise CheckpointError(f"{config} is not valid JSON; "
                                  "download the weights again") from None
        arch = {k: v for k, v in doc.items() if k not in SIGNAL_KEYS}
        return cls(source, str(Path(weights).parent), config, weights, file_sha256(weights), arch,
                   doc.get("n_outputs"))

    def read(self) -> dict:
        from safetensors.torch import load_file

        try:
            return load_file(self.weights_path)
        except Exception as exc:  # safetensors raises its own error types
            raise CheckpointError(f"{Path(self.weights_path).name} is not a readable safetensors "
                                  f"file ({type(exc).__name__}); download it again") from None

    def apply(self, module: ResampledBackbone):
        """Load into ``module.backbone``; return a plan with ``summary()``.

        Rules: equal shapes load; the classification head (``final_layer.*``) of another
        task and the channel projection of another montage are rebuilt; a learned
        positional table longer than the model needs (LaBraM's temporal embedding, when
        trials are shorter than in pretraining) loads its leading positions, which is
        what the backbone reads anyway.  Anything else is an error.
        """
        state = self.read()
        expected = {k: tuple(v.shape) for k, v in module.backbone.state_dict().items()}
        plan, unknown, mismatched, tensors = LoadPlan(), [], [], {}
        for key, tensor in state.items():
            shape, want = tuple(tensor.shape), expected.get(key)
            if key.startswith(_NEW_OK) and want != shape:
                plan.skipped[key] = "channel projection of another montage (rebuilt for this one)"
            elif want is None:
                unknown.append(key)
            elif shape == want:
                plan.loaded.append(key)
                tensors[key] = tensor
            elif key.startswith(_HEAD):
                plan.skipped[key] = "classification head of the pretraining task"
            elif _croppable(key, shape, want):
                tensors[key] = tensor[tuple(slice(0, n) for n in want)]
                plan.loaded.append(key)
                plan.adapted[key] = f"cropped from {shape} to {want} (shorter trials)"
            else:
                mismatched.append((key, shape, want))
        name = Path(self.weights_path).name
        if not plan.loaded:
            raise CheckpointError(f"{name} holds none of this model's weights; pass the weights "
                                  "of this architecture")
        if unknown or mismatched:
            what = (f"unknown tensor {unknown[0]!r}" if unknown else
                    f"{mismatched[0][0]} is {mismatched[0][1]} in the file but {mismatched[0][2]} "
                    "in the model")
            raise CheckpointError(f"{name} does not fit this model: {what}; use the weights "
                                  "published for it")
        missing = [k for k in expected if k not in tensors and not k.startswith(_NEW_OK)
                   and not k.endswith("num_batches_tracked")]
        others = [k for k in missing if not k.startswith(_HEAD)]
        if others:
            raise CheckpointError(f"{name} lacks {len(others)} weight(s) of this model, e.g. "
                                  f"{others[0]!r}; download it again")
        module.backbone.load_state_dict(tensors, strict=False)
        plan.new = sorted(k for k in missing if k.startswith(_HEAD))
        return plan

    @property
    def path(self) -> str:
        """The weights file (what the run log names)."""
        return self.weights_path

    def describe(self) -> dict:
        return {"checkpoint": self.source, "file": Path(self.weights_path).name,
                "sha256": self.sha256}

