"""EDPNet (Han et al., arXiv 2407.03177, 2024): braindecode's SST-DPN plus dual-prototype loss.

The network is braindecode's ``SSTDPN`` (the paper's later name); the training loss the
paper adds, which braindecode does not implement, is in :mod:`benchmark.models._edpnet_arch`.
"""

from __future__ import annotations

from ._deep import braindecode_classifier
from .registry import register_model

__all__ = ["edpnet"]


@register_model(tags=("specialist", "deep"),
                paper="Han et al., arXiv 2407.03177, 2024 (EDPNet; SST-DPN in KBS 315, 2025)")
def edpnet(n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info=None, *,
           max_epochs: int = 100, batch_size: int = 8, lr: float = 1e-3,
           weight_decay: float = 1e-2, device: str | None = None, **module_kwargs):
    """EDPNet: spatial-spectral fusion, multi-scale variance pooling, dual prototypes."""
    from ._edpnet_arch import EDPNet

    return braindecode_classifier(EDPNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                  sfreq=sfreq, chs_info=chs_info, max_epochs=max_epochs,
                                  batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                  optimizer="adam", device=device, module_kwargs=module_kwargs)
