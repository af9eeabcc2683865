"""ADFCNN network: attention-based dual-scale fusion CNN, written from its paper.

Tao, W., Wang, Z., Wong, C. M., Jia, Z., Li, C., Chen, X., Chen, C. L. P., Wan, F.
"ADFCNN: Attention-Based Dual-Scale Fusion Convolutional Neural Network for Motor Imagery
Brain-Computer Interface", IEEE Trans. Neural Syst. Rehabil. Eng. 32, 2024 (online 2023).

Two branches read the same trial at two scales:

* a **long temporal kernel** (0.5 s: the μ rhythm) followed by a depthwise spatial filter per
  temporal filter, a pointwise mix and average pooling (the "detailed" spatial scale);
* a **short temporal kernel** (0.12 s: the β rhythm) followed by a full spatial convolution,
  squaring, average pooling and a logarithm (log band power, the "global" spatial scale).

Their feature sequences are concatenated along time and fused by self-attention whose
similarity is computed between feature maps over the whole sequence (cosine-normalised
queries and keys), with a residual connection; a linear layer over the fused sequence
gives the logits.

Details the paper leaves open, and what this module does:

* Kernel lengths are given in samples at 250 Hz (125 and 30); here they are scaled to
  ``sfreq`` (0.5 s and 0.12 s).  Pooling (32/32 and 75/25 samples) likewise.
* The authors' release reshapes the attention output from (feature, time) to (time,
  feature) without a transpose, which mixes the two axes; this module transposes.
* The release's classifier is a convolution whose kernel spans the whole sequence, i.e.
  a linear layer on the flattened features, which is what this module uses (its width
  follows ``n_times``).
* Max-norm 2 on the convolution weights, as in the release.
"""

from __future__ import annotations

import math

import torch
from braindecode.models.base import EEGModuleMixin
from braindecode.modules import Conv2dWithConstraint
from torch import nn

__all__ = ["ADFCNN"]


class _Square(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


class _SafeLog(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(torch.clamp(x, min=1e-6))


class ADFCNN(EEGModuleMixin, nn.Module):
    """Attention-based dual-scale fusion CNN (Tao et al., IEEE TNSRE 2023).

    Parameters
    ----------
    n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        braindecode's signal parameters.
    n_filters : int
        Temporal filters per branch (F1 = F2 = 8 in the paper).
    long_kernel_s, short_kernel_s : float
        Temporal kernels of the two branches, in seconds (125 and 30 samples at 250 Hz).
    drop_prob : float
        Dropout probability (0.25).
    """

    def __init__(self, n_outputs=None, n_chans=None, chs_info=None, n_times=None,
                 input_window_seconds=None, sfreq=None, *, n_filters: int = 8,
                 long_kernel_s: float = 0.5, short_kernel_s: float = 0.12,
                 drop_prob: float = 0.25):
        super().__init__(n_outputs=n_outputs, n_chans=n_chans, chs_info=chs_info, n_times=n_times,
                         input_window_seconds=input_window_seconds, sfreq=sfreq)
        del n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        F, C, rate = n_filters, self.n_chans, self.sfreq / 250.0

        def samples(n: float) -> int:
            return max(1, int(round(n * rate)))

        pool1 = samples(32)
        pool2, hop2 = samples(75), samples(25)
        self.long_branch = nn.Sequential(
            Conv2dWithConstraint(1, F, (1, samples(long_kernel_s * 250)), padding="same",
                                 max_norm=2.0),
            nn.BatchNorm2d(F),
            Conv2dWithConstraint(F, F, (C, 1), groups=F, bias=False, max_norm=2.0),
            nn.BatchNorm2d(F),
            nn.ELU(),
            nn.Dropout(drop_prob),
            Conv2dWithConstraint(F, F, (1, 1), max_norm=2.0),
            nn.BatchNorm2d(F),
            nn.ELU(),
            nn.AvgPool2d((1, pool1), stride=(1, pool1)),
            nn.Dropout(drop_prob),
        )
        self.short_branch = nn.Sequential(
            Conv2dWithConstraint(1, F, (1, samples(short_kernel_s * 250)), padding="same",
                                 max_norm=2.0),
            nn.BatchNorm2d(F),
            Conv2dWithConstraint(F, F, (C, 1), max_norm=2.0),
            nn.BatchNorm2d(F),
            _Square(),
            nn.AvgPool2d((1, pool2), stride=(1, hop2)),
            _SafeLog(),
            nn.Dropout(drop_prob),
        )
        self.query = nn.Linear(F, F)
        self.key = nn.Linear(F, F)
        self.value = nn.Linear(F, F)
        self.drop = nn.Dropout(drop_prob)
        n_tokens = self.n_times // pool1 + max(0, (self.n_times - pool2) // hop2 + 1)
        self.final_layer = nn.Linear(F * n_tokens, self.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_chans, n_times)`` -> logits ``(batch, n_outputs)``."""
        x = x.unsqueeze(1)
        fused = torch.cat([self.long_branch(x), self.short_branch(x)], dim=3)  # (B, F, 1, N)
        tokens = fused.flatten(2).transpose(1, 2)  # (B, N, F)
        q = nn.functional.normalize(self.query(tokens).transpose(1, 2), dim=-1)  # (B, F, N)
        k = nn.functional.normalize(self.key(tokens).transpose(1, 2), dim=-1)
        v = self.value(tokens).transpose(1, 2)
        attn = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)  # (B, F, F)
        tokens = tokens + self.drop((attn @ v).transpose(1, 2))
        return self.final_layer(self.drop(tokens).flatten(1))
