"""EDPNet (Han et al., arXiv 2407.03177, 2024): braindecode's SST-DPN plus dual-prototype loss.

The network is braindecode's ``SSTDPN`` (the paper's later name); the training loss the
paper adds, which braindecode does not implement, is in :mod:`benchmark.models._edpnet_arch`.
"""

from __future__ import annotations

from ._recipe import Network, Recipe, Signal, deep_model
from .registry import register_model

__all__ = ["edpnet"]


@register_model(tags=("specialist", "deep"),
                paper="Han et al., arXiv 2407.03177, 2024 (EDPNet; SST-DPN in KBS 315, 2025)")
@deep_model(Recipe(weight_decay=1e-2, optimizer="adam"))
def edpnet(signal: Signal) -> Network:
    """EDPNet: spatial-spectral fusion, multi-scale variance pooling, dual prototypes."""
    from ._edpnet_arch import EDPNet

    return Network(EDPNet)
