"""Finding, checking and loading MIRepNet checkpoints.

The released weights (``MIRepNet.pth`` in the Hugging Face Hub repository
``starself/MIRepNet``) are a plain ``state_dict`` in the layout described in
``shared/reference/mirepnet.md``; :mod:`benchmark.pretraining` writes the same layout.

The released fine-tuning code drops every key whose shape does not match, so a wrong
file "loads" with random layers.  Here every key is mapped explicitly:

* loaded: encoder keys whose name and shape match the model;
* skipped on purpose: ``mask_token`` and ``decoder.*`` (pretraining only),
  ``embedding.chan_embed.*`` (in the release but never used by its forward pass) and
  the head ``clshead.*`` when the checkpoint's class count differs from the task's;
* anything else — an unknown key, a missing encoder key, a shape mismatch, a file that
  ``torch.load(..., weights_only=True)`` cannot read — is a one-line
  :class:`CheckpointError`, never a partial load.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from benchmark.errors import UserError
from ._checkpoint import CheckpointError, LoadPlan, file_sha256
from ._hub import hub_file, split_hub_source
from ._template import N_TEMPLATE_CHANNELS

__all__ = [
    "HUB_REPO", "HUB_FILENAME", "MIRepNetWeights", "resolve_checkpoint", "read_state_dict",
    "plan_load",
]  # fmt: skip

HUB_REPO = "starself/MIRepNet"
HUB_FILENAME = "MIRepNet.pth"
HUB_ALIASES = ("hub", "hf", "default")
PRETRAINING_ONLY = {"mask_token": "pretraining only (mask token)",
                    "decoder.": "pretraining only (reconstruction decoder)",
                    "embedding.chan_embed.": "unused by the released forward pass"}
_OPTIONAL = ("num_batches_tracked",)  # a counter; absent from some saves, irrelevant here


def _hub_spec(source: str) -> tuple[str, str] | None:
    if source.lower() in HUB_ALIASES:
        return HUB_REPO, HUB_FILENAME
    if source.startswith("hf://"):
        repo, filename = split_hub_source(source)
        return repo, filename or HUB_FILENAME
    return None


def resolve_checkpoint(source: str | os.PathLike) -> str:
    """Local path of a checkpoint given as a path, ``"hub"`` or ``"hf://OWNER/REPO[/FILE]"``.

    Raises
    ------
    UserError
        A local path that does not exist.
    NotRunnable
        Hub weights neither cached nor downloadable (offline).
    """
    source = str(source)
    hub = _hub_spec(source)
    if hub is not None:
        return hub_file(*hub, model="mirepnet", label="MIRepNet")
    path = Path(source).expanduser()
    if not path.is_file():
        raise UserError(f"checkpoint file {path} does not exist; fix --checkpoint (a .pth file, "
                        "'hub' or hf://OWNER/REPO/FILE)")
    return str(path.resolve())


@lru_cache(maxsize=4)
def _read_cached(path: str, size: int, mtime_ns: int):
    import torch

    name = Path(path).name
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "unsupported global" in str(exc).lower():  # a pickled class, not garbage
            raise CheckpointError(
                f"{name} holds Python objects besides tensors, which weights_only loading "
                "refuses; save a plain state_dict (torch.save(model.state_dict(), PATH))") from None
        raise CheckpointError(f"{name} is not a readable PyTorch file ({size} bytes; truncated or "
                              "corrupt?); download or copy it again") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(
            f"{name} is not a readable PyTorch file ({size} bytes; truncated or corrupt?: "
            f"{str(exc).splitlines()[0][:80]}); download or copy it again") from None
    notes = []
    if isinstance(obj, dict) and len(obj) == 1 and next(iter(obj)) in ("state_dict", "model",
                                                                          "model_state_dict"):
        notes.append(f"unwrapped {next(iter(obj))!r}")
        obj = next(iter(obj.values()))
    if not isinstance(obj, dict) or not obj:
        raise CheckpointError(f"{name} does not hold a state_dict (found {type(obj).__name__}); "
                              "pass a MIRepNet checkpoint")
    if all(str(k).startswith("module.") for k in obj):
        notes.append("stripped the 'module.' prefix")
        obj = {str(k)[len("module."):]: v for k, v in obj.items()}
    bad = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(f"{name}: entry {bad[0]!r} is not a tensor; pass a plain state_dict")
    return dict(obj), tuple(notes), file_sha256(path)


def read_state_dict(path: str | os.PathLike) -> tuple[dict, tuple[str, ...], str]:
    """``(state_dict, notes, sha256)`` of a checkpoint file, read with ``weights_only=True``."""
    path = str(path)
    st = os.stat(path)
    return _read_cached(path, st.st_size, st.st_mtime_ns)


def plan_load(state: dict, expected: dict[str, tuple[int, ...]], *, name: str = "checkpoint",
              load_head: bool | None = None) -> LoadPlan:
    """Map checkpoint keys onto model keys, or raise :class:`CheckpointError`.

    Parameters
    ----------
    state : dict
        The checkpoint's tensors.
    expected : dict
        The model's keys and shapes (``{k: tuple(v.shape)}`` of its ``state_dict``).
    name : str
        File name for messages.
    load_head : bool, optional
        ``None``: load ``clshead`` when its class count matches the task; ``False``:
        never; ``True``: always (an error if the class count differs).
    """
    plan = LoadPlan()
    unknown, mismatched = [], []
    for key, tensor in state.items():
        shape = tuple(tensor.shape)
        reason = next((r for prefix, r in PRETRAINING_ONLY.items()
                       if key == prefix or key.startswith(prefix)), None)
        if reason is not None:
            plan.skipped[key] = reason
        elif key not in expected:
            unknown.append(key)
        elif key.startswith("clshead.") and shape[1:] == expected[key][1:]:
            if shape == expected[key] and load_head is not False:
                plan.loaded.append(key)
            elif load_head is True:
                raise CheckpointError(
                    f"{name}: its head has {shape[0]} classes, the task {expected[key][0]}; "
                    "drop load_head=True to train a new head")
            else:
                why = ("head not wanted (load_head=False)" if shape == expected[key] else
                       f"head for {shape[0]} classes (the task has {expected[key][0]})")
                plan.skipped[key] = why
        elif shape != expected[key]:
            mismatched.append((key, shape, expected[key]))
        else:
            plan.loaded.append(key)
    if not plan.loaded:
        example = ", ".join(list(state)[:3])
        raise CheckpointError(
            f"{name} is not a MIRepNet checkpoint: none of its {len(state)} tensors is a MIRepNet "
            f"weight (it has e.g. {example}); pass the MIRepNet.pth of starself/MIRepNet or a "
            "file written by `python -m benchmark pretrain`")
    if unknown:
        raise CheckpointError(
            f"{name} is not in the MIRepNet layout: {len(unknown)} unknown tensor(s), e.g. "
            f"{unknown[0]!r}; pass a checkpoint of this architecture")
    if mismatched:
        key, got, want = mismatched[0]
        raise CheckpointError(
            f"{name} does not fit this MIRepNet: {key} is {got} in the file but {want} in the "
            f"model ({len(mismatched)} mismatch(es)); use a checkpoint of the "
            f"{N_TEMPLATE_CHANNELS}-channel, "
            "256-dim, 6-block architecture")
    missing = [k for k in expected if k not in state and not k.startswith("clshead.")
               and not k.endswith(_OPTIONAL)]
    if missing:
        raise CheckpointError(
            f"{name} lacks {len(missing)} MIRepNet weight(s), e.g. {missing[0]!r} (truncated or "
            "saved from another model); download or copy it again")
    plan.new = [k for k in expected if k not in plan.loaded and k.startswith("clshead.")]
    return plan


def _expected_shapes(n_outputs: int) -> dict[str, tuple[int, ...]]:
    import torch

    from ._mirepnet_arch import MIRepNet

    with torch.device("meta"):
        model = MIRepNet(n_outputs=n_outputs, n_chans=N_TEMPLATE_CHANNELS, n_times=1000,
                         sfreq=250.0)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@dataclass(frozen=True)
class MIRepNetWeights:
    """A checked checkpoint, ready to initialise MIRepNet modules.

    Built by :meth:`from_source`, which resolves, reads and maps the file once (so a bad
    file fails when the model is created, not in the middle of training); the estimator
    calls :meth:`apply` on every fresh module.
    """

    source: str
    path: str
    sha256: str
    load_head: bool | None = None
    notes: tuple[str, ...] = ()
    plan: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_source(cls, source: str | os.PathLike, n_outputs: int,
                    load_head: bool | None = None) -> "MIRepNetWeights":
        path = resolve_checkpoint(source)
        state, notes, sha = read_state_dict(path)
        plan = plan_load(state, _expected_shapes(n_outputs), name=Path(path).name,
                         load_head=load_head)
        return cls(str(source), path, sha, load_head, notes, plan.to_dict())

    def apply(self, module) -> LoadPlan:
        """Copy the mapped tensors into ``module``; return what was done."""
        state, _, _ = read_state_dict(self.path)
        expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        plan = plan_load(state, expected, name=Path(self.path).name, load_head=self.load_head)
        result = module.load_state_dict({k: state[k] for k in plan.loaded}, strict=False)
        left = [k for k in result.missing_keys if k not in plan.new and not k.endswith(_OPTIONAL)]
        if left or result.unexpected_keys:  # pragma: no cover - plan_load guarantees this
            raise CheckpointError(f"internal error: keys {left or result.unexpected_keys} "
                                  "not mapped")
        return plan

    def describe(self) -> dict:
        """Provenance recorded with every result row."""
        return {"checkpoint": self.source, "file": Path(self.path).name, "sha256": self.sha256,
                "notes": list(self.notes), **self.plan}
