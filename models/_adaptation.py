"""Adaptation strategies of the foundation models: the estimators that carry them out.

Every foundation model (``mirepnet``, the braindecode ones and their ``*_scratch``
twins) takes ``finetune``, one of :data:`benchmark.models._strategies.STRATEGIES`:

* ``full``: every parameter trained with the model's recipe (the MIRepNet paper's);
* ``linear_probe``: the backbone frozen, the model's own classification head trained
  with the recipe on the backbone's features;
* ``ridge_probe``: the backbone frozen, scikit-learn's closed-form ridge classifier on
  the features (``RidgeClassifierCV``, class-balanced weights, the penalty chosen by
  leave-one-out over the calibration trials among ``1e-8 ... 1e8``);
* ``lora``, ``dora`` (LoRA with weight decomposition, Liu et al. ICML 2024), ``ia3``
  (Liu et al. NeurIPS 2022): Hugging Face ``peft``'s adapters on the backbone's linear
  and attention projection layers, the head trained fully;
* ``lp_ft``: a linear probe, then full fine-tuning from it (Kumar et al., ICLR 2022);
* ``frozen_embedding`` (MIRepNet only): everything but the patch embedding trained.

A probe is a scikit-learn pipeline: :class:`FrozenBackbone`, a transformer whose
``transform(X)`` returns the features (the input of the model's own classification head:
braindecode's ``final_layer``, MIRepNet's pooled token), then a head (skorch for the
linear probe, scikit-learn's ridge).  Frozen means frozen: frozen parts run in ``eval()``
mode (no dropout, batch-norm statistics fixed) and their weights and buffers stay as
loaded, bit for bit.

:class:`FeatureCache` keeps a frozen backbone's features so that few-shot levels, LOSO
targets, folds and probe kinds that feed it the same trial do not recompute them.  Its
key is a digest of the backbone (:func:`weights_digest`: its class, every parameter and
buffer outside the head, the channels it was built for), the precision and device, and
of the trial's input array itself (after the shared preprocessing and the alignment of its
part): whatever the dataset, subject, session, trial or alignment-fit trials, two inputs
that differ in any byte have different keys, and equal ones have equal features (the
backbone in ``eval()`` mode is a function of its input).  Written by hand because no
library caches a network's activations per input.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

from benchmark.errors import UserError
from ._strategies import RIDGE_ALPHAS

__all__ = ["FeatureCache", "FrozenBackbone", "PeftAdapter", "StateInit", "LPFTClassifier",
           "weights_digest", "build_network", "head_of", "ridge_head", "with_epochs"]

# -- the network, its head and its weights -----------------------------------------------
def build_network(module_cls, signal, module_kwargs: dict, init_weights=None):
    """The network skorch would build for ``signal`` (pretrained weights applied), and
    what was loaded (``model_info``)."""
    shape = dict(n_chans=signal.n_chans, n_outputs=signal.n_outputs, n_times=signal.n_times,
                 sfreq=signal.sfreq)
    if signal.chs_info is not None:
        shape["chs_info"] = signal.chs_info
    module = module_cls(**shape, **module_kwargs)
    info: dict = {}
    if init_weights is not None:
        plan = init_weights.apply(module)
        info = init_weights.describe() | plan.to_dict() | {"load": plan.summary()}
    return module, info


def head_of(module, path: str):
    """The classification head at ``path`` (``"clshead"``, ``"backbone.final_layer"``)."""
    head = module.get_submodule(path)
    if head is None or not any(True for _ in head.parameters()):
        raise UserError(f"{type(module).__name__} has no trainable head at {path!r}; it cannot "
                        "be probed")
    return head


def weights_digest(module, skip: str = "") -> str:
    """SHA-256 over what a module computes with: its class, every parameter and buffer
    (names, shapes, dtypes and bytes; non-persistent buffers too, such as braindecode's
    channel-interpolation matrix or BIOT's channel index, which ``state_dict`` leaves
    out), and the channel names and positions it was built for (``chs_info``).  Tensors
    under ``skip`` (the head, which does not shape the features it takes) are left out,
    so that a pretrained backbone under a head drawn per seed has one digest."""
    import itertools

    import torch

    h = hashlib.sha256(f"{type(module).__module__}.{type(module).__qualname__};".encode())
    named = itertools.chain(module.named_parameters(remove_duplicate=False),
                            module.named_buffers(remove_duplicate=False))
    for name, tensor in named:
        if skip and (name == skip or name.startswith(skip + ".")):
            continue
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    try:
        chs = getattr(module, "chs_info", None) or []
    except ValueError:  # braindecode's property when no chs_info was given
        chs = []
    for ch in chs:
        loc = np.asarray(ch.get("loc", ()), dtype=np.float64)
        h.update(f"ch:{ch.get('ch_name', '')}:".encode() + loc.tobytes())
    return h.hexdigest()[:24]


# -- frozen features, computed once ------------------------------------------------------
@dataclass
class FeatureCache:
    """Features of frozen backbones, per (backbone, input trial) (see the module's
    docstring); ``enabled=False`` computes every time but still counts.

    Attributes
    ----------
    forwarded, reused : int
        Trials the backbones computed, and trials served from the cache.
    """

    enabled: bool = True
    forwarded: int = 0
    reused: int = 0
    _store: dict = field(default_factory=dict, repr=False)

    def clear(self) -> None:
        """Drop every feature (the worker does it with the subject's data)."""
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    def get(self, key):
        return self._store.get(key) if self.enabled else None

    def put(self, key, value: np.ndarray) -> None:
        if self.enabled:
            self._store[key] = value


def _trial_digests(X: np.ndarray) -> list[bytes]:
    """One BLAKE2b digest per trial of its bytes (with its shape and dtype)."""
    X = np.ascontiguousarray(X)
    tag = f"{X.shape[1:]}:{X.dtype}".encode()
    return [hashlib.blake2b(tag + X[i].tobytes(), digest_size=16).digest()
            for i in range(len(X))]


class FrozenBackbone(TransformerMixin, BaseEstimator):
    """A frozen network as a scikit-learn transformer: ``transform(X)`` gives, per trial,
    the input of the network's classification head.

    Parameters
    ----------
    module : torch.nn.Module
        The network (pretrained weights applied); it is kept in ``eval()`` mode and never
        trained.
    head : str
        Path of its classification head (``"clshead"``, ``"backbone.final_layer"``).
    flatten : bool
        Flatten each trial's features to a vector (for scikit-learn heads).
    device, precision : str
        Where and in which precision the forward passes run.
    cache : FeatureCache, optional
        Where features are kept between folds and units (``None``: none).
    batch_size : int
        Trials per forward pass.
    model_info : dict
        What was loaded (shown in the result rows).
    """

    def __init__(self, module=None, head: str = "final_layer", flatten: bool = False,
                 device: str = "cpu", precision: str = "fp32",
                 cache: FeatureCache | None = None, batch_size: int = 64,
                 model_info: dict | None = None):
        self.module = module
        self.head = head
        self.flatten = flatten
        self.device = device
        self.precision = precision
        self.cache = cache
        self.batch_size = batch_size
        self.model_info = model_info

    def fit(self, X, y=None):
        self.module_ = self.module.to(self.device).train(False)  # eval mode
        for p in self.module_.parameters():
            p.requires_grad_(False)
        self.digest_ = weights_digest(self.module_, skip=self.head)
        self.stats_ = {"forwarded": 0, "reused": 0}
        return self

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The head's input for each trial of ``X`` (float32), in batches."""
        import torch

        from ._precision import autocast

        captured = []
        hook = self.module_.get_submodule(self.head).register_forward_pre_hook(
            lambda mod, args: captured.append(args[0].detach().float().cpu()))
        try:
            with torch.inference_mode(), autocast(self.device, self.precision):
                for start in range(0, len(X), self.batch_size):
                    batch = torch.as_tensor(np.asarray(X[start:start + self.batch_size],
                                                       dtype=np.float32), device=self.device)
                    self.module_(batch)
        finally:
            hook.remove()
        return torch.cat(captured).numpy()

    def transform(self, X):
        X = np.asarray(X, dtype=np.float32)
        key = (type(self.module_).__name__, self.head, self.digest_, self.precision,
               str(self.device))
        digests = _trial_digests(X)
        found = [self.cache.get((key, d)) if self.cache is not None else None for d in digests]
        todo = [i for i, f in enumerate(found) if f is None]
        if todo:
            computed = self._forward(X[todo])
            for i, row in zip(todo, computed):
                found[i] = row
                if self.cache is not None:
                    self.cache.put((key, digests[i]), row)
        self.stats_["forwarded"] += len(todo)
        self.stats_["reused"] += len(X) - len(todo)
        if self.cache is not None:
            self.cache.forwarded += len(todo)
            self.cache.reused += len(X) - len(todo)
        out = np.stack(found)
        return out.reshape(len(out), -1) if self.flatten else out

    def network_facts(self) -> dict:
        module = getattr(self, "module_", None)
        if module is None:
            return {}
        first = next(module.parameters(), None)
        return {"n_params": int(sum(p.numel() for p in module.parameters())), "n_trainable": 0,
                "device": str(first.device) if first is not None else "cpu",
                "precision": self.precision,
                "model_info": {**(self.model_info or {}), "features": dict(self.stats_)}}


# -- adapters (peft) -----------------------------------------------------------------------
@dataclass(frozen=True)
class PeftAdapter:
    """Hugging Face ``peft`` adapters for a network: which kind, on which layers.

    ``kind`` is ``lora``, ``dora`` or ``ia3``; the targets are the linear and attention
    projection layers outside the head (:meth:`targets`); the head (``head``, a path) is
    trained fully.  ``wrap`` returns peft's ``PeftModel``.
    """

    kind: str
    head: str
    r: int = 16
    alpha: float = 32.0
    dropout: float = 0.0

    def targets(self, module) -> list[str]:
        """Every ``nn.Linear`` outside the head and outside ``nn.MultiheadAttention``.

        torch's ``MultiheadAttention`` reads its projections as tensors, not through
        their modules, and peft adapts it by merging the adapter into its weights in
        every forward pass and out again after, which leaves them changed in their last
        bits: frozen would not be frozen.  So its attention (BENDR's, CBraMod's) keeps
        its weights; the models' own attention layers written with ``nn.Linear``
        (MIRepNet's, LaBraM's, EEGPT's, BIOT's) are adapted.
        """
        from torch import nn

        inside_mha = {f"{n}.{c}" if n else c for n, m in module.named_modules()
                      if isinstance(m, nn.MultiheadAttention) for c, _ in m.named_modules() if c}
        names = [n for n, m in module.named_modules()
                 if isinstance(m, nn.Linear) and n and n not in inside_mha
                 and not (n == self.head or n.startswith(self.head + "."))]
        if not names:
            raise UserError(f"{type(module).__name__} has no linear layer outside its head "
                            f"for {self.kind}; use another --finetune")
        return names

    def config(self, module):
        try:
            import peft
        except ImportError:  # pragma: no cover - peft is a dependency
            raise UserError(f"--finetune {self.kind} needs Hugging Face peft: pip install "
                            "peft") from None
        targets = self.targets(module)
        if self.kind == "ia3":
            return peft.IA3Config(target_modules=targets, feedforward_modules=[])
        return peft.LoraConfig(r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout,
                               target_modules=targets, use_dora=self.kind == "dora")

    def wrap(self, module):
        """``module`` inside peft's adapters, its head trainable, the rest frozen."""
        import peft

        wrapped = peft.get_peft_model(module, self.config(module))
        for p in wrapped.get_base_model().get_submodule(self.head).parameters():
            p.requires_grad_(True)
        return wrapped

    def describe(self) -> dict:
        out = {"kind": self.kind, "head": self.head}
        if self.kind != "ia3":
            out |= {"r": self.r, "alpha": self.alpha, "dropout": self.dropout}
        return out


# -- linear probe, then fine-tuning ----------------------------------------------------------
@dataclass
class StateInit:
    """Initialise a fresh network with a given state (every tensor, strict)."""

    state: dict
    info: dict = field(default_factory=dict)

    def apply(self, module):
        module.load_state_dict(self.state, strict=True)
        return _Plan(len(self.state))

    def describe(self) -> dict:
        return dict(self.info)


@dataclass
class _Plan:
    n: int

    def to_dict(self) -> dict:
        return {}

    def summary(self) -> str:
        return f"{self.n} tensors from the linear probe (backbone as loaded, head as probed)"


class LPFTClassifier(ClassifierMixin, BaseEstimator):
    """Kumar et al. (ICLR 2022): a linear probe, then full fine-tuning from it.

    ``probe`` is the linear-probe pipeline (:class:`FrozenBackbone` and the head), fitted
    first with ``lp_epochs`` epochs at ``lp_lr``; then ``finetune(init)`` builds the
    whole network's classifier (``max_epochs - lp_epochs`` epochs at ``ft_lr``), which
    starts from the probe's backbone and trained head.
    """

    def __init__(self, probe=None, finetune=None, head: str = "final_layer"):
        self.probe = probe
        self.finetune = finetune
        self.head = head

    def fit(self, X, y):
        self.probe.fit(X, y)
        backbone = self.probe.steps[0][1]
        head = self.probe.steps[-1][1].module_
        state = {k: v.detach().clone() for k, v in backbone.module_.state_dict().items()}
        state.update({f"{self.head}.{k}": v.detach().clone()
                      for k, v in head.state_dict().items()})
        info = dict(backbone.model_info or {})
        self.final_ = self.finetune(StateInit(state, info))
        self.final_.fit(X, y)
        self.classes_ = self.final_.classes_
        return self

    def predict(self, X):
        return self.final_.predict(X)

    def predict_proba(self, X):
        return self.final_.predict_proba(X)

    def network_facts(self) -> dict:
        facts = self.final_.network_facts()
        lp = self.probe.steps[0][1].network_facts().get("model_info", {})
        facts["model_info"] = {**facts.get("model_info", {}),
                               "linear_probe_features": lp.get("features", {})}
        return facts


def ridge_head():
    """The ridge probe's head: scikit-learn's ``RidgeClassifierCV`` (leave-one-out over
    :data:`RIDGE_ALPHAS`, class-balanced weights)."""
    from sklearn.linear_model import RidgeClassifierCV

    return RidgeClassifierCV(alphas=RIDGE_ALPHAS, class_weight="balanced")


def with_epochs(recipe, epochs: int, lr: float):
    return replace(recipe, max_epochs=int(epochs), lr=float(lr))
