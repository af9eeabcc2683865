"""MIRepNet throughput: inference and training steps, embedding fused or as released.

Inference (evaluation mode, no gradient) and training steps (forward, loss, backward,
Adam step) in trials/s, by default at batch 8 and 64, with the embedding's two linear
convolutions computed as released (conv1 then conv2) and fused into one convolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from benchmark.perf.timer import best_seconds, device_clock
from benchmark.preprocessing import TEMPLATE_CHANNELS

__all__ = ["MIRepNetThroughput", "available_devices", "mirepnet_throughput"]


@dataclass(frozen=True)
class MIRepNetThroughput:
    """MIRepNet's speed on one device, for each batch size and embedding.

    Attributes
    ----------
    device : str
        The device in words (``"CPU, 4 threads"`` or the GPU's name).
    n_chans, n_times : int
        Shape of one input trial.
    n_classes : int
        Outputs of the network.
    rows : list of dict
        One per (batch size, embedding): ``batch``, ``fused``, ``inference`` and
        ``train_step`` (trials/s), ``inference_s``, ``embedding_s`` (of which the
        embedding's convolutions) and ``train_step_s`` (seconds per batch), and
        ``max_abs_diff`` (fused vs released logits, same weights and batch).
    """

    device: str
    n_chans: int
    n_times: int
    n_classes: int
    rows: list[dict]


def available_devices() -> list[str]:
    """``["cpu"]``, and ``"cuda"`` where torch sees a GPU."""
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def mirepnet_throughput(batch_sizes: Sequence[int] = (8, 64), repeats: int = 3,
                        device: str = "cpu", n_times: int = 1000) -> MIRepNetThroughput:
    """Trials/s of MIRepNet inference and training steps, fused vs released embedding.

    Parameters
    ----------
    batch_sizes : sequence of int
        Batches timed, each with both embeddings.
    repeats : int
        Timed calls of each step after one warm-up call (the fastest counts).
    device : str
        Torch device the network and batches live on.
    n_times : int
        Samples per trial (channels: the template's).

    Returns
    -------
    MIRepNetThroughput
        The rows and the device and input sizes they were measured on.
    """
    import torch

    from benchmark.models import MIRepNet

    if not batch_sizes:
        raise ValueError("mirepnet_throughput needs at least one batch size")
    torch.manual_seed(0)
    n_classes = 2
    model = MIRepNet(n_outputs=n_classes, n_chans=len(TEMPLATE_CHANNELS), n_times=n_times,
                     sfreq=250.0).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-6)
    clock = device_clock(device)

    def timed(fn) -> float:
        return best_seconds(fn, repeats, warmup=1, clock=clock)

    rows = []
    for batch in batch_sizes:
        x = torch.randn(batch, len(TEMPLATE_CHANNELS), n_times, device=device)
        y = torch.randint(0, n_classes, (batch,), device=device)
        model.eval()
        with torch.no_grad():
            model.embedding.fused = False
            ref = model(x)
            model.embedding.fused = True
            diff = float((model(x) - ref).abs().max())

        def conv_only():
            emb = model.embedding
            with torch.no_grad():
                if emb.fused:
                    w, b = emb.fused_kernel()
                    torch.nn.functional.conv2d(x.unsqueeze(1), w, b)
                else:
                    emb.conv2(emb.conv1(x.unsqueeze(1)))

        def infer():
            with torch.no_grad():
                model(x)

        def step():
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

        for fused in (False, True):
            model.embedding.fused = fused
            model.eval()
            t_inf = timed(infer)
            t_emb = timed(conv_only)
            model.train()
            t_step = timed(step)
            rows.append({"batch": batch, "fused": fused, "inference": batch / t_inf,
                         "train_step": batch / t_step, "inference_s": t_inf,
                         "embedding_s": t_emb, "train_step_s": t_step, "max_abs_diff": diff})
    name = (torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda")
            else f"CPU, {torch.get_num_threads()} threads")
    return MIRepNetThroughput(device=name, n_chans=x.shape[1], n_times=x.shape[2],
                              n_classes=ref.shape[1], rows=rows)
