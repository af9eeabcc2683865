"""ADFCNN (Tao et al., IEEE TNSRE 2023), which braindecode lacks; network in
:mod:`benchmark.models._adfcnn_arch`."""

from __future__ import annotations

from ._deep import braindecode_classifier
from .registry import register_model

__all__ = ["adfcnn"]


@register_model(tags=("specialist", "deep"),
                paper="Tao et al., IEEE TNSRE 32, 2024 (ADFCNN)")
def adfcnn(n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info=None, *,
           max_epochs: int = 100, batch_size: int = 8, lr: float = 1e-3,
           weight_decay: float = 0.0, device: str | None = None, **module_kwargs):
    """ADFCNN: dual-scale (μ/β) convolutions fused by self-attention (written from the paper)."""
    from ._adfcnn_arch import ADFCNN

    return braindecode_classifier(ADFCNN, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                  sfreq=sfreq, chs_info=chs_info, max_epochs=max_epochs,
                                  batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                  optimizer="adamw", device=device, module_kwargs=module_kwargs)
