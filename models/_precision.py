"""Numeric precision of training and inference: fp32, or mixed precision (bf16, fp16).

Mixed precision is torch's automatic mixed precision (``torch.autocast``; Micikevicius et
al., "Mixed precision training", ICLR 2018): matrix products and convolutions run in the
16-bit type, reductions and the loss in float32, and the weights stay float32.  fp16 also
needs loss scaling (``torch.amp.GradScaler``) so that small gradients do not underflow;
bf16 has float32's exponent range and needs none.  Nothing here is hand-written beyond
choosing torch's own tools by name.

The logits a network returns under autocast are cast back to float32, so losses, softmax
and scores are computed as in an fp32 run.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

__all__ = ["PRECISIONS", "autocast", "check_precision", "grad_scaler"]

#: The precisions a run or pretraining accepts, fp32 first (the default).
PRECISIONS = ("fp32", "bf16", "fp16")

_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}


def _device_type(device: Any) -> str:
    return str(device).split(":")[0]


def check_precision(precision: str, device: Any) -> None:
    """Raise ``ValueError`` (one line, naming the fix) where ``precision`` cannot run on
    ``device``.

    fp16 needs a CUDA device (its loss scaling and fast kernels are the GPU's); bf16 needs
    torch's autocast for the device type and, on CUDA, a GPU with bfloat16 support.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return
    import torch

    kind = _device_type(device)
    if precision == "fp16" and kind != "cuda":
        raise ValueError(f"--precision fp16 needs a CUDA device (this one is {device}); "
                         "use --precision bf16 on the CPU")
    if not torch.amp.autocast_mode.is_autocast_available(kind):
        raise ValueError(f"this torch has no autocast for {kind}; use --precision fp32")
    if precision == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"{device} does not support bfloat16; use --precision fp16 or fp32")


def autocast(device: Any, precision: str):
    """The context that runs a forward pass in ``precision`` on ``device``
    (``nullcontext()`` for fp32)."""
    if precision == "fp32":
        return nullcontext()
    import torch

    return torch.autocast(_device_type(device), dtype=getattr(torch, _DTYPES[precision]))


def grad_scaler(device: Any, precision: str):
    """torch's loss scaler for fp16, ``None`` for the other precisions."""
    if precision != "fp16":
        return None
    import torch

    return torch.amp.GradScaler(_device_type(device))
