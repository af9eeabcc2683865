"""MIRepNet, the MI-specific EEG foundation model: registry entries.

Liu, Chen, Luo, Lian, Wu, "MIRepNet: A Pipeline and Foundation Model for EEG-Based Motor
Imagery Classification", arXiv 2507.20254, 2025.  The network itself is in
:mod:`models._mirepnet_arch` (imported inside the factory, so listing models does not
load torch).

Only ``mirepnet_scratch`` (random initialisation, the "no pretraining" ablation) is
registered here; the pretrained ``mirepnet`` needs checkpoint loading (issue 3).
"""

from __future__ import annotations

from models.registry import register_model

N_TEMPLATE_CHANNELS = 45


@register_model(
    tags=("foundation", "deep", "heavy"),
    n_chans=N_TEMPLATE_CHANNELS,
    paper="Liu et al., arXiv 2507.20254, 2025 (random init: the no-pretraining ablation)",
)
def mirepnet_scratch(n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info=None, *,
                     max_epochs: int = 10, batch_size: int = 8, lr: float = 1e-3,
                     weight_decay: float = 1e-6, device: str | None = None, **module_kwargs):
    """MIRepNet architecture from random weights, with the release's fine-tuning recipe."""
    from models._deep import braindecode_classifier
    from models._mirepnet_arch import MIRepNet

    return braindecode_classifier(MIRepNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                  sfreq=sfreq, chs_info=chs_info, max_epochs=max_epochs,
                                  batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                  optimizer="adam", device=device, module_kwargs=module_kwargs)
