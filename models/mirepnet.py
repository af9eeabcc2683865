"""MIRepNet, the MI-specific EEG foundation model: registry entries.

Liu, Chen, Luo, Lian, Wu, "MIRepNet: A Pipeline and Foundation Model for EEG-Based Motor
Imagery Classification", arXiv 2507.20254, 2025.

* ``mirepnet``: the released pretrained weights (Hugging Face Hub ``starself/MIRepNet``,
  or any checkpoint in the same layout, e.g. one written by ``python -m benchmark
  pretrain``), fine-tuned with the release's recipe;
* ``mirepnet_scratch``: the same architecture from random weights (the paper's "no
  pretraining" ablation).

The network is in :mod:`benchmark.models._mirepnet_arch` and checkpoint handling in
:mod:`benchmark.models._mirepnet_weights`; both are imported inside the factories, so listing
models does not load torch.
"""

from __future__ import annotations

from benchmark.errors import UserError
from ._recipe import FINETUNING, Network, Signal, deep_model
from ._strategies import GENERIC_STRATEGIES
from ._template import N_TEMPLATE_CHANNELS
from .registry import register_model

HUB_SOURCE = "hf://starself/MIRepNet/MIRepNet.pth"
#: MIRepNet's strategies: every foundation model's, and its own frozen patch embedding
STRATEGIES = (*GENERIC_STRATEGIES, "frozen_embedding")
#: the head the probes and adapters leave trainable: the pooled token's linear layer
HEAD = "clshead"


def _network(finetune: str, weights=None) -> Network:
    """The network; ``frozen_embedding`` freezes the patch embedding inside it (every
    other strategy is the factory's, :func:`benchmark.models._recipe.adapted_classifier`)."""
    from ._mirepnet_arch import MIRepNet

    if finetune not in STRATEGIES:
        raise UserError(f"unknown finetune mode {finetune!r}; choose one of "
                        f"{', '.join(STRATEGIES)}")
    freeze = "embedding" if finetune == "frozen_embedding" else "none"
    return Network(MIRepNet, {"freeze": freeze}, weights)


@register_model(
    tags=("foundation", "deep", "heavy"),
    n_chans=N_TEMPLATE_CHANNELS,
    pretrained=HUB_SOURCE,
    paper="Liu et al., arXiv 2507.20254, 2025",
)
@deep_model(FINETUNING, head=HEAD, strategies=STRATEGIES)
def mirepnet(signal: Signal, *, checkpoint: str = "hub", load_head: bool | None = None,
             finetune: str = "full") -> Network:
    """MIRepNet from pretrained weights, fine-tuned with the release's recipe.

    Parameters
    ----------
    checkpoint : str
        ``"hub"`` (``starself/MIRepNet``, ``MIRepNet.pth``, through ``huggingface_hub``
        and its cache), ``"hf://OWNER/REPO/FILE"`` or a local path.
    load_head : bool, optional
        Load the checkpoint's head when its class count matches the task (default), never
        (``False``) or always (``True``).
    finetune : str
        The adaptation strategy (:data:`STRATEGIES`): ``full`` (the release),
        ``frozen_embedding`` (all but the patch embedding), or one of every foundation
        model's (:mod:`benchmark.models._strategies`).
    max_epochs, batch_size, lr, weight_decay
        The release's recipe: 10 epochs, batch 8, Adam lr 1e-3, weight decay 1e-6,
        cosine schedule.

    Raises
    ------
    NotRunnable
        The weights are neither cached nor downloadable (never random weights instead).
    CheckpointError
        The file is not a usable MIRepNet checkpoint.
    """
    from ._mirepnet_weights import MIRepNetWeights

    weights = MIRepNetWeights.from_source(checkpoint, n_outputs=signal.n_outputs,
                                          load_head=load_head)
    return _network(finetune, weights)


@register_model(
    tags=("foundation", "deep", "heavy"),
    n_chans=N_TEMPLATE_CHANNELS,
    paper="Liu et al., arXiv 2507.20254, 2025 (random init: the no-pretraining ablation)",
)
@deep_model(FINETUNING, head=HEAD, strategies=STRATEGIES)
def mirepnet_scratch(signal: Signal, *, finetune: str = "full") -> Network:
    """MIRepNet architecture from random weights, with the release's fine-tuning recipe."""
    return _network(finetune)
