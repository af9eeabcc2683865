"""EEGNet (braindecode's implementation).

Lawhern et al., "EEGNet: a compact convolutional neural network for EEG-based
brain-computer interfaces", J. Neural Eng. 15(5), 056013, 2018.
"""

from __future__ import annotations

from ._deep import braindecode_classifier
from .registry import register_model


@register_model(
    tags=("specialist", "deep"),
    paper="Lawhern et al., J. Neural Eng. 15(5), 2018",
)
def eegnet(
    n_chans: int,
    n_outputs: int,
    n_times: int,
    sfreq: float,
    chs_info=None,
    *,
    max_epochs: int = 100,
    batch_size: int = 8,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    device: str | None = None,
    **module_kwargs,
):
    """EEGNet-8,2 from braindecode, trained with AdamW and a cosine schedule."""
    from braindecode.models import EEGNet

    return braindecode_classifier(
        EEGNet,
        n_chans=n_chans,
        n_outputs=n_outputs,
        n_times=n_times,
        sfreq=sfreq,
        chs_info=chs_info,
        max_epochs=max_epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        device=device,
        module_kwargs=module_kwargs,
    )
