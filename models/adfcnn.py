"""ADFCNN (Tao et al., IEEE TNSRE 2023), which braindecode lacks; network in
:mod:`benchmark.models._adfcnn_arch`."""

from __future__ import annotations

from ._recipe import Network, Recipe, Signal, deep_model
from .registry import register_model

__all__ = ["adfcnn"]


@register_model(tags=("specialist", "deep"),
                paper="Tao et al., IEEE TNSRE 32, 2024 (ADFCNN)")
@deep_model(Recipe(optimizer="adamw"))
def adfcnn(signal: Signal) -> Network:
    """ADFCNN: dual-scale (μ/β) convolutions fused by self-attention (written from the paper)."""
    from ._adfcnn_arch import ADFCNN

    return Network(ADFCNN)
