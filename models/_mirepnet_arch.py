"""MIRepNet, the MI-specific EEG foundation model (downstream architecture).

Liu, Chen, Luo, Lian, Wu, "MIRepNet: A Pipeline and Foundation Model for EEG-Based Motor
Imagery Classification", arXiv 2507.20254, 2025.  Written from the architecture facts in
``shared/reference/mirepnet.md``; attribute names follow the released checkpoint's key
layout (``embedding.conv1``, ``transformer.{i}.0.fn.1.queries``, ``clshead``...).

The registry entries live in :mod:`benchmark.models.mirepnet`; this module holds the torch code and
is imported only when a model is built, so listing models stays fast.
"""

from __future__ import annotations

import math

import torch
from braindecode.models.base import EEGModuleMixin
from torch import nn
from torch.nn import functional as F

from ._template import N_TEMPLATE_CHANNELS

EMBED_DIM = 256
FREEZE_OPTIONS = ("none", "embedding", "encoder")


class PatchEmbedding(nn.Module):
    """Conv1 (1x25) → conv2 (45x1) → BN → ELU → AvgPool (75, stride 15) → dropout → 1x1 conv.

    ``fused=True`` computes conv1 and conv2 as one 45x25 convolution whose kernel is formed
    from the two weights inside the forward pass (they are linear with nothing between
    them), so training keeps the release's parameters and checkpoint layout.
    """

    def __init__(self, n_chans: int = N_TEMPLATE_CHANNELS, drop_prob: float = 0.5,
                 fused: bool = True):
        super().__init__()
        self.fused = fused
        self.conv1 = nn.Conv2d(1, 64, (1, 25))
        self.conv2 = nn.Conv2d(64, 128, (n_chans, 1))
        self.bn = nn.BatchNorm2d(128)
        self.act = nn.ELU()
        self.pool = nn.AvgPool2d((1, 75), (1, 15))
        self.drop = nn.Dropout(drop_prob)
        self.projection = nn.Sequential(nn.Conv2d(128, EMBED_DIM, 1))

    def fused_kernel(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Weight (128, 1, n_chans, 25) and bias (128,) of conv2 ∘ conv1."""
        w1 = self.conv1.weight[:, 0, 0, :]  # (64, 25)
        w2 = self.conv2.weight[..., 0]  # (128, 64, n_chans)
        weight = torch.einsum("omc,mk->ock", w2, w1).unsqueeze(1)
        bias = self.conv2.bias + torch.einsum("omc,m->o", w2, self.conv1.bias)
        return weight, bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.unsqueeze(1)
        if self.fused:
            weight, bias = self.fused_kernel()
            x = F.conv2d(x, weight, bias)
        else:
            x = self.conv2(self.conv1(x))
        x = self.drop(self.pool(self.act(self.bn(x))))
        x = self.projection(x)  # (B, 256, 1, n_tokens)
        return x.flatten(2).transpose(1, 2)


class MultiHeadAttention(nn.Module):
    """8 heads; softmax(q·kᵀ / sqrt(256)) — the scale is the embedding size, as released."""

    def __init__(self, emb_size: int = EMBED_DIM, num_heads: int = 8, drop_prob: float = 0.5):
        super().__init__()
        self.num_heads = num_heads
        self.scale = math.sqrt(emb_size)
        self.queries = nn.Linear(emb_size, emb_size)
        self.keys = nn.Linear(emb_size, emb_size)
        self.values = nn.Linear(emb_size, emb_size)
        self.att_drop = nn.Dropout(drop_prob)
        self.projection = nn.Linear(emb_size, emb_size)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, e = x.shape
        return x.view(b, n, self.num_heads, e // self.num_heads).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = (self._heads(self.queries(x)), self._heads(self.keys(x)),
                   self._heads(self.values(x)))
        att = self.att_drop(torch.softmax(q @ k.transpose(-2, -1) / self.scale, dim=-1))
        out = (att @ v).transpose(1, 2).flatten(2)
        return self.projection(out)


class ResidualAdd(nn.Module):
    def __init__(self, fn: nn.Module):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(x)


def transformer_block(emb_size: int = EMBED_DIM, drop_prob: float = 0.5) -> nn.Sequential:
    """Pre-norm block; indices match the checkpoint (``.0.fn.1.queries``, ``.1.fn.1.3``)."""
    return nn.Sequential(
        ResidualAdd(nn.Sequential(nn.LayerNorm(emb_size),
                                  MultiHeadAttention(emb_size, 8, drop_prob),
                                  nn.Dropout(drop_prob))),
        ResidualAdd(nn.Sequential(
            nn.LayerNorm(emb_size),
            nn.Sequential(nn.Linear(emb_size, 4 * emb_size), nn.GELU(), nn.Dropout(drop_prob),
                          nn.Linear(4 * emb_size, emb_size)),
            nn.Dropout(drop_prob))),
    )


class MIRepNet(EEGModuleMixin, nn.Module):
    """MIRepNet downstream model: conv patch embedding, 6 pre-norm blocks, mean-pooled head.

    Input ``(batch, 45, n_times)`` on the 45-channel template (``n_times >= 100``; no
    positional embedding), logits ``(batch, n_outputs)`` out.

    Parameters
    ----------
    n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        braindecode's signal parameters; ``n_chans`` must be 45.
    depth : int
        Transformer blocks (6).
    drop_prob : float
        Dropout everywhere (0.5, as released).
    fused_embedding : bool
        Compute the embedding's two linear convolutions as one (same result, fewer
        operations).
    freeze : {"none", "embedding", "encoder"}
        Parts kept fixed during fine-tuning: nothing (full fine-tuning, the release),
        the patch embedding, or embedding and Transformer (linear probing).  Frozen
        parts get no gradient and stay in evaluation mode (no dropout, fixed
        batch-norm statistics) while the rest trains.
    """

    def __init__(self, n_outputs=None, n_chans=None, chs_info=None, n_times=None,
                 input_window_seconds=None, sfreq=None, depth: int = 6, drop_prob: float = 0.5,
                 fused_embedding: bool = True, freeze: str = "none"):
        super().__init__(n_outputs=n_outputs, n_chans=n_chans, chs_info=chs_info, n_times=n_times,
                         input_window_seconds=input_window_seconds, sfreq=sfreq)
        del n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        if self.n_chans != N_TEMPLATE_CHANNELS:
            raise ValueError(f"MIRepNet takes the {N_TEMPLATE_CHANNELS}-channel template, got "
                             f"n_chans={self.n_chans}; use the template preprocessing")
        if self.n_times < 100:
            raise ValueError(f"MIRepNet needs n_times >= 100, got {self.n_times}")
        self.embedding = PatchEmbedding(self.n_chans, drop_prob, fused_embedding)
        self.transformer = nn.Sequential(
            *[transformer_block(EMBED_DIM, drop_prob) for _ in range(depth)])
        self.clshead = nn.Linear(EMBED_DIM, self.n_outputs)
        if freeze not in FREEZE_OPTIONS:
            raise ValueError(f"freeze must be one of {FREEZE_OPTIONS}, got {freeze!r}")
        self.freeze = freeze
        for part in self.frozen_parts():
            part.requires_grad_(False)

    def frozen_parts(self) -> list[nn.Module]:
        """The sub-modules that fine-tuning leaves unchanged."""
        return {"none": [], "embedding": [self.embedding],
                "encoder": [self.embedding, self.transformer]}[self.freeze]

    def train(self, mode: bool = True):
        super().train(mode)
        for part in self.frozen_parts():
            part.train(False)
        return self

    @staticmethod
    def n_tokens(n_times: int) -> int:
        return (n_times - 25 + 1 - 75) // 15 + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.clshead(self.transformer(self.embedding(x)).mean(dim=1))


class _Decoder(nn.Module):
    """The pretraining decoder: blocks under ``decoder.transformer.{i}`` (release layout)."""

    def __init__(self, depth: int, drop_prob: float):
        super().__init__()
        self.transformer = nn.Sequential(
            *[transformer_block(EMBED_DIM, drop_prob) for _ in range(depth)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.transformer(x)


class MIRepNetPretrain(nn.Module):
    """MIRepNet with its pretraining parts: mask token, 2-block decoder, 3-class head.

    Masking keeps the sequence length (MAE-like, as described for MIRepNet): a random
    share of the patch-embedding tokens is replaced by the learnable ``mask_token``, the
    encoder reads the whole sequence, the head classifies the mean of the encoded
    sequence, and the decoder maps the encoded sequence back to the embedding tokens.
    The state dict has the released checkpoint's layout (``mask_token``,
    ``embedding.*``, ``transformer.*``, ``clshead.*``, ``decoder.transformer.*``), so the
    encoder and head load into :class:`MIRepNet` unchanged.

    Parameters
    ----------
    n_chans : int
        Template channels (45).
    n_classes : int
        Classes of the pretraining head (3: left hand, right hand, feet).
    depth, decoder_depth : int
        Encoder (6) and decoder (2) blocks.
    drop_prob : float
        Dropout everywhere (0.5, as in the downstream model).
    fused_embedding : bool
        See :class:`PatchEmbedding`.
    """

    def __init__(self, n_chans: int = N_TEMPLATE_CHANNELS, n_classes: int = 3, depth: int = 6,
                 decoder_depth: int = 2, drop_prob: float = 0.5, fused_embedding: bool = True):
        super().__init__()
        self.mask_token = nn.Parameter(torch.zeros(1, 1, EMBED_DIM))
        nn.init.normal_(self.mask_token, std=0.02)
        self.embedding = PatchEmbedding(n_chans, drop_prob, fused_embedding)
        self.transformer = nn.Sequential(
            *[transformer_block(EMBED_DIM, drop_prob) for _ in range(depth)])
        self.clshead = nn.Linear(EMBED_DIM, n_classes)
        self.decoder = _Decoder(decoder_depth, drop_prob)

    n_tokens = staticmethod(MIRepNet.n_tokens)

    @staticmethod
    def random_mask(batch: int, n_tokens: int, ratio: float,
                    generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """Boolean ``(batch, n_tokens)``: exactly ``int(ratio * n_tokens)`` True per row."""
        n_masked = int(ratio * n_tokens)
        noise = torch.rand(batch, n_tokens, generator=generator)
        ranks = noise.argsort(dim=1).argsort(dim=1)
        return (ranks < n_masked).to(device)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        """Return ``(logits, reconstruction, tokens, mask)``.

        ``tokens`` are the unmasked patch-embedding tokens (the reconstruction target);
        ``mask`` is True where a token was replaced by the mask token.
        """
        tokens = self.embedding(x)
        if mask is None:
            mask = torch.zeros(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        masked = torch.where(mask.unsqueeze(-1), self.mask_token.to(tokens.dtype), tokens)
        encoded = self.transformer(masked)
        logits = self.clshead(encoded.mean(dim=1))
        return logits, self.decoder(encoded), tokens, mask
