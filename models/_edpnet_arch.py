"""EDPNet network: braindecode's SST-DPN with its dual-prototype training loss.

EDPNet (Han et al., "EDPNet: An Efficient Dual Prototype Network for Motor Imagery EEG
Decoding", arXiv 2407.03177, 2024) was renamed SST-DPN in the paper's second version
(Knowledge-Based Systems 315, 113315, 2025); braindecode ships its network as ``SSTDPN``
(adaptive spatial-spectral fusion, multi-scale variance pooling, logits as dot products
with the inter-class separation prototypes, max-norm 1).  braindecode leaves the dual
prototype learning (DPL) to the user; :class:`EDPNet` adds it as ``auxiliary_loss``,
which the suite's classifier adds to the cross-entropy during training.

DPL terms and weights, following the authors' training script (the paper gives the terms,
not the weights):

* intra-class compactness: Huber distance (δ = 1, summed over features) between a trial's
  features and the compactness prototype of its class, weight 1e-3;
* norm increase of the compactness prototypes (minus their mean L2 norm), weight 1e-5.

Left open, and what this module does: the authors train the prototypes with their own
Adam optimisers (lr 1e-3, no weight decay); here one optimiser trains every parameter with
the pipeline's recipe.  Their two-stage schedule with early stopping on a validation split
is replaced by the suite's fixed-epoch recipe (few-shot calibration leaves no validation
split).
"""

from __future__ import annotations

import torch
from braindecode.models import SSTDPN

__all__ = ["EDPNet"]


class EDPNet(SSTDPN):
    """braindecode's ``SSTDPN`` whose forward keeps the features for the DPL loss.

    Parameters
    ----------
    compact_weight : float
        Weight of the intra-class compactness (Huber) term.
    norm_weight : float
        Weight of the prototype norm-increase term.
    n_chans, n_times, n_outputs, input_window_seconds, sfreq, chs_info
        braindecode's signal parameters.
    **kwargs
        braindecode ``SSTDPN`` architecture arguments.
    """

    def __init__(self, n_chans=None, n_times=None, n_outputs=None, input_window_seconds=None,
                 sfreq=None, chs_info=None, *, compact_weight: float = 1e-3,
                 norm_weight: float = 1e-5, **kwargs):
        kwargs["return_features"] = True
        super().__init__(n_chans=n_chans, n_times=n_times, n_outputs=n_outputs,
                         input_window_seconds=input_window_seconds, sfreq=sfreq, chs_info=chs_info,
                         **kwargs)
        self.compact_weight = compact_weight
        self.norm_weight = norm_weight
        self._features: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_chans, n_times)`` -> logits; the features are kept for the loss."""
        features, logits = super().forward(x)
        self._features = features
        return logits

    def auxiliary_loss(self, y: torch.Tensor) -> torch.Tensor:
        """DPL terms for the last forward pass's batch with labels ``y``."""
        if self._features is None:
            raise RuntimeError("auxiliary_loss needs a forward pass first")
        target = self.proto_cpt.index_select(0, y)
        compact = torch.nn.functional.smooth_l1_loss(self._features, target, reduction="none",
                                                     beta=1.0).sum(dim=1).mean()
        norm_increase = -self.proto_cpt.norm(p=2, dim=1).mean()
        return self.compact_weight * compact + self.norm_weight * norm_increase
