"""Hybrid pretraining of MIRepNet (the part the authors did not release).

What the paper describes (Liu et al., arXiv 2507.20254, 2025): pooled MI datasets on the
45-channel template with per-subject Euclidean alignment; MAE-like masking that keeps the
sequence length (a share ``mask_ratio`` of the patch-embedding tokens replaced by a
learnable mask token); the encoder's mean-pooled output feeds a 3-class head (left hand,
right hand, feet); a 2-block decoder reconstructs the embedding tokens.

What it does not publish, and this suite chooses (all options of ``python -m benchmark
pretrain``, all recorded in ``OUT/config.json``):

* the loss ``L = L_rec + cls_weight * L_cls`` with ``cls_weight = 1``: ``L_rec`` is the
  mean squared error between the decoder output and the embedding tokens at the masked
  positions only (as in MAE, He et al., CVPR 2022), the targets detached and
  standardised per token (MAE's normalised targets) so that the embedding cannot
  shrink the loss by collapsing; ``L_cls`` is the cross-entropy of the head on the
  trials of the three classes (other trials add to ``L_rec`` only);
* the pool holds the trials of the three classes only (``pretrain_classes="mi3"``,
  what the paper's trial counts fit), or every class of each dataset
  (``pretrain_classes="all"``: both hands, rest and the like join for ``L_rec`` only);
* AdamW, lr 5e-4, weight decay 0.05, cosine schedule over the epochs, gradient norm
  clipped at 1, batch 64, dropout as in the downstream model;
* batches drawn from the whole pool (a random permutation per epoch, so each batch
  mixes datasets), or with ``balance="datasets"`` each dataset equally often.

Outputs in ``OUT``: ``MIRepNet.pth`` (plain state_dict in the release's layout, after
every epoch, so ``--checkpoint OUT/MIRepNet.pth`` works at once), ``pretrain_state.pt``
(optimiser, schedule, epoch: resuming), ``history.csv``, ``screening.csv``,
``config.json`` and ``pool/`` (the preprocessed trials).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from benchmark.datasets import resolve_datasets
from benchmark.errors import UserError
from benchmark.files import atomic_open
from benchmark.preprocessing import PreprocessingConfig, digest
from benchmark.pretraining.pool import POOL_CLASSES, PRETRAIN_CLASSES, Pool, build_pool
from benchmark.pretraining.screening import ScreeningRule
from benchmark.progress import say_to

__all__ = ["PretrainConfig", "pretrain", "hybrid_loss", "CHECKPOINT_NAME"]

logger = logging.getLogger(__name__)

CHECKPOINT_NAME = "MIRepNet.pth"
STATE_NAME = "pretrain_state.pt"


@dataclass
class PretrainConfig:
    """Everything that defines a pretraining run (see the module docstring)."""

    datasets: str | list[str]
    out: str
    subjects: list[int] | None = None
    max_subjects: int | None = None
    epochs: int = 50
    batch_size: int = 64
    lr: float = 5e-4
    weight_decay: float = 0.05
    mask_ratio: float = 0.5
    cls_weight: float = 1.0
    balance: str = "trials"
    seed: int = 0
    screening: ScreeningRule = field(default_factory=ScreeningRule)
    preprocessing: PreprocessingConfig = field(default_factory=PreprocessingConfig)
    skip_missing: bool = False
    pretrain_classes: str = "mi3"
    device: str | None = None
    log_every: int = 50

    def __post_init__(self):
        if not 0.0 <= self.mask_ratio < 1.0:
            raise UserError(f"--mask-ratio must be in [0, 1), got {self.mask_ratio}")
        if self.epochs < 1 or self.batch_size < 2:
            raise UserError("--epochs must be >= 1 and --batch-size >= 2")
        if self.cls_weight < 0:
            raise UserError("--cls-weight must be >= 0")
        if self.balance not in ("trials", "datasets"):
            raise UserError(f"--balance must be 'trials' or 'datasets', got {self.balance!r}")
        if self.pretrain_classes not in POOL_CLASSES:
            raise UserError(f"--pretrain-classes must be one of {', '.join(POOL_CLASSES)}, "
                            f"got {self.pretrain_classes!r}")
        if self.preprocessing.n_times < 100:
            raise UserError("MIRepNet needs windows of at least 100 samples; lengthen the window")
        if self.preprocessing.template == "none":
            raise UserError("pretraining needs the 45-channel template; "
                            "use --template idw or spline")

    def identity(self) -> dict:
        """What makes two runs the same run (resuming requires equality)."""
        d = asdict(self)
        for k in ("out", "device", "log_every", "skip_missing"):
            d.pop(k)
        d["datasets"] = [s.name for s in resolve_datasets(self.datasets)]
        return d


def hybrid_loss(logits, reconstruction, tokens, mask, y, cls_weight: float):
    """``(loss, reconstruction loss, classification loss, n labelled, n correct)``.

    ``y`` holds -1 for trials outside the head's classes.  Either part is 0 when it has
    nothing to score (no masked token, no labelled trial in the batch).
    """
    from torch.nn import functional as F

    target = F.layer_norm(tokens.detach(), tokens.shape[-1:])
    if mask.any():
        rec = ((reconstruction - target) ** 2).mean(dim=-1)[mask].mean()
    else:
        rec = reconstruction.sum() * 0.0
    labelled = y >= 0
    n_lab = int(labelled.sum())
    if n_lab:
        cls = F.cross_entropy(logits[labelled], y[labelled])
        correct = int((logits[labelled].argmax(dim=1) == y[labelled]).sum())
    else:
        cls, correct = logits.sum() * 0.0, 0
    return rec + cls_weight * cls, rec.detach(), cls.detach(), n_lab, correct


def _save_torch(obj, path: Path) -> None:
    """``torch.save`` durably (:func:`benchmark.files.atomic_open`)."""
    import torch

    with atomic_open(path, "wb") as fh:
        torch.save(obj, fh)


def _epoch_order(pool: Pool, cfg: PretrainConfig, epoch: int) -> np.ndarray:
    rng = np.random.default_rng([cfg.seed, epoch])
    n = len(pool)
    if cfg.balance == "datasets":
        sizes = np.bincount(pool.dataset_of_trial)
        weights = 1.0 / sizes[pool.dataset_of_trial]
        return rng.choice(n, size=n, replace=True, p=weights / weights.sum())
    return rng.permutation(n)


def _write_tables(out: Path, pool: Pool, history: list[dict]) -> None:
    import pandas as pd

    pd.DataFrame(pool.records).drop(columns=["labels", "settings"], errors="ignore").to_csv(
        out / "screening.csv", index=False)
    if history:
        pd.DataFrame(history).to_csv(out / "history.csv", index=False)


def pretrain(cfg: PretrainConfig, log: Callable[[str], None] | None = None,
             restart: bool = False) -> Path:
    """Run (or resume) hybrid pretraining; return the path of the checkpoint.

    Progress (the pool's subjects, the loss, each epoch) goes to ``log`` if given, else
    to this module's logger and :mod:`benchmark.pretraining.pool`'s (INFO).

    Raises
    ------
    UserError
        Missing data, nothing left after screening, or ``OUT`` holding a run with other
        settings.
    """
    import torch

    from benchmark.models import MIRepNetPretrain

    pool_log = log  # None: the pool's own logger
    log = log or say_to(logger)
    out = Path(cfg.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write to {out} ({exc.strerror}); pass a writable --out") from None
    identity = cfg.identity()
    run_digest = digest(identity)
    state_path, ckpt_path = out / STATE_NAME, out / CHECKPOINT_NAME
    state = None
    if state_path.is_file() and not restart:
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        if state.get("digest") != run_digest:
            raise UserError(f"{out} holds a pretraining run with other settings; pass a new --out, "
                            "or --restart to start this one over there")
        if state["epoch"] >= cfg.epochs:
            log(f"pretraining already finished ({cfg.epochs} epochs): {ckpt_path}")
            return ckpt_path
    (out / "config.json").write_text(json.dumps(identity | {"digest": run_digest}, indent=2,
                                                default=str))

    specs = resolve_datasets(cfg.datasets)
    which = ", ".join(PRETRAIN_CLASSES) if cfg.pretrain_classes == "mi3" else "all"
    log(f"building the pretraining pool ({which} classes) from "
        f"{', '.join(s.name for s in specs)} in {out / 'pool'}")
    pool = build_pool(specs, out / "pool", cfg.preprocessing, cfg.screening, subjects=cfg.subjects,
                      max_subjects=cfg.max_subjects, skip_missing=cfg.skip_missing, seed=cfg.seed,
                      classes=cfg.pretrain_classes, log=pool_log)
    log(pool.describe())
    if len(pool) < 2:
        raise UserError("the pretraining pool holds fewer than 2 trials; add subjects or datasets")

    device = cfg.device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(cfg.seed)
    model = MIRepNetPretrain(n_classes=len(PRETRAIN_CLASSES)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
    history: list[dict] = []
    start_epoch = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])
        log(f"resuming after epoch {start_epoch} of {cfg.epochs}")
    _write_tables(out, pool, history)

    n = len(pool)
    batch = min(cfg.batch_size, n)
    n_steps = n // batch + (1 if n % batch > 1 else 0)  # a last batch of one would break BN
    n_tokens = model.n_tokens(pool.n_times)
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        order = _epoch_order(pool, cfg, epoch)
        torch.manual_seed(cfg.seed * 1_000_003 + epoch)  # dropout: resumable, reproducible
        masks = torch.Generator().manual_seed(cfg.seed * 1_000_033 + epoch)
        model.train()
        sums = np.zeros(5)
        for step in range(n_steps):
            idx = order[step * batch:(step + 1) * batch]
            Xb, yb = pool.batch(idx)
            x = torch.from_numpy(Xb).to(device)
            y = torch.from_numpy(yb).to(device)
            mask = model.random_mask(len(idx), n_tokens, cfg.mask_ratio, masks, device=device)
            logits, rec, tokens, mask = model(x, mask)
            loss, rec_l, cls_l, n_lab, correct = hybrid_loss(logits, rec, tokens, mask, y,
                                                             cfg.cls_weight)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"pretraining loss is {loss.item()} at epoch {epoch + 1} "
                                         f"step {step + 1}; lower --lr")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sums += [loss.item() * len(idx), rec_l.item() * len(idx), cls_l.item() * n_lab,
                     n_lab, correct]
            if cfg.log_every and (step + 1) % cfg.log_every == 0:
                log(f"  epoch {epoch + 1} step {step + 1}/{n_steps}: loss {loss.item():.4f}")
        scheduler.step()
        seconds = time.perf_counter() - t0
        seen = min(n, n_steps * batch)
        row = {"epoch": epoch + 1, "loss": sums[0] / seen, "reconstruction": sums[1] / seen,
               "classification": sums[2] / max(sums[3], 1), "accuracy": sums[4] / max(sums[3], 1),
               "lr": optimizer.param_groups[0]["lr"], "seconds": seconds,
               "trials_per_s": seen / seconds}
        row = {k: float(v) if k != "epoch" else int(v) for k, v in row.items()}  # plain types
        history.append(row)
        # The checkpoint first, then the state that says the epoch is done.
        _save_torch({k: v.detach().cpu() for k, v in model.state_dict().items()}, ckpt_path)
        _save_torch({"epoch": epoch + 1, "digest": run_digest, "model": model.state_dict(),
                     "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                     "history": history}, state_path)
        _write_tables(out, pool, history)
        log(f"epoch {epoch + 1}/{cfg.epochs}: loss {row['loss']:.4f} (reconstruction "
            f"{row['reconstruction']:.4f}, classification {row['classification']:.4f}, "
            f"accuracy {row['accuracy']:.3f}), {row['trials_per_s']:.0f} trials/s, {seconds:.1f} s")
    log(f"checkpoint: {ckpt_path} (use it with `run --models mirepnet --checkpoint {ckpt_path}`)")
    return ckpt_path
