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

Where and how it runs (``--device``, ``--precision``, ``--workers``): the device (``auto``,
``cpu``, ``cuda``, ``cuda:N``; :func:`benchmark.devices.resolve_device`) and the DataLoader's
worker processes do not change the result and are only recorded; the precision (fp32, or
torch's mixed precision bf16 / fp16, :mod:`benchmark.models`) does, so it is part of the
run's identity.  Whatever the workers, the batches are the same trials in the same order
(the main process draws each epoch's order and hands out the batches' indices).

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
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from benchmark.datasets import resolve_datasets
from benchmark.devices import check_run_precision, device_name, resolve_device, uses_cuda
from benchmark.errors import UserError
from benchmark.files import atomic_open
from benchmark.models import PRECISIONS, autocast, grad_scaler
from benchmark.preprocessing import PreprocessingConfig, digest
from benchmark.pretraining.pool import POOL_CLASSES, PRETRAIN_CLASSES, Pool, build_pool
from benchmark.pretraining.screening import ScreeningRule
from benchmark.progress import say_to

__all__ = ["PretrainConfig", "pretrain", "hybrid_loss", "CHECKPOINT_NAME", "EpochBatches",
           "HybridStep", "pool_loader", "run_device", "TrainingParts", "prepare_training"]

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
    precision: str = "fp32"
    workers: int = 0
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
        if self.precision not in PRECISIONS:
            raise UserError(f"unknown --precision {self.precision!r}; choose one of "
                            f"{', '.join(PRECISIONS)}")
        if not isinstance(self.workers, int) or self.workers < 0:
            raise UserError(f"--workers must be a whole number >= 0, got {self.workers!r}")
        if self.preprocessing.template == "none":
            raise UserError("pretraining needs the 45-channel template; "
                            "use --template idw or spline")

    def identity(self) -> dict:
        """What makes two runs the same run (resuming requires equality)."""
        d = asdict(self)
        for k in ("out", "device", "workers", "log_every", "skip_missing"):
            d.pop(k)  # where and how fast it runs, not what it computes
        # Mixed precision changes the weights, so it is part of the identity; fp32 is left
        # out so that runs started before --precision existed keep their digest and resume.
        if d["precision"] == "fp32":
            d.pop("precision")
        d["datasets"] = [s.name for s in resolve_datasets(self.datasets)]
        return d


def run_device(cfg: PretrainConfig) -> str:
    """The torch device of a run (``cuda`` means ``cuda:0``), its precision checked there.

    Raises
    ------
    UserError
        A GPU that is not here, a malformed ``--device``, or a precision the device cannot
        train in (fp16 on the CPU), each in one line.
    """
    device = resolve_device(cfg.device)
    if device == "cuda":
        device = "cuda:0"
    check_run_precision(cfg.precision, device)
    return device


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
    """The pool's trial indices in the order of ``epoch`` (a permutation seeded by the
    run's seed and the epoch; with ``balance="datasets"`` each dataset drawn equally)."""
    rng = np.random.default_rng([cfg.seed, epoch])
    n = len(pool)
    if cfg.balance == "datasets":
        sizes = np.bincount(pool.dataset_of_trial)
        weights = 1.0 / sizes[pool.dataset_of_trial]
        return rng.choice(n, size=n, replace=True, p=weights / weights.sum())
    return rng.permutation(n)


class EpochBatches:
    """The sampler of :func:`pool_loader`: each step's trial indices, one epoch at a time.

    An epoch is ``order(epoch)`` cut into batches of ``batch`` trials, the last one
    shorter, except that a last batch of one trial is dropped (it would break batch
    normalisation).  The indices are drawn in the main process, so the batches do not
    depend on the DataLoader's workers.

    Parameters
    ----------
    order : callable
        The epoch number -> every trial index of that epoch, in order.
    n : int
        Trials per epoch (the length of ``order(epoch)``).
    batch : int
        Trials per batch.
    """

    def __init__(self, order: Callable[[int], np.ndarray], n: int, batch: int):
        self.order, self.batch = order, batch
        self.n_steps = n // batch + (1 if n % batch > 1 else 0)
        self.n_trials = min(n, self.n_steps * batch)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Hand out the batches of ``epoch`` from the next iteration on."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.n_steps

    def __iter__(self) -> Iterator[np.ndarray]:
        order = self.order(self.epoch)
        for step in range(self.n_steps):
            yield order[step * self.batch:(step + 1) * self.batch]


class _PoolBatches:
    """The pool as a map-style dataset whose keys are whole batches of trial indices.

    One read per batch (:meth:`Pool.batch`: one gather per subject file), in the worker
    that loads it; the pool pickles its memory-mapped files by name, so workers started
    by spawn or forkserver map the files themselves rather than receive copies.
    """

    def __init__(self, pool: Pool):
        self.pool = pool

    def __len__(self) -> int:
        return len(self.pool)

    def __getitem__(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.pool.batch(index)


def pool_loader(pool: Pool, batches: EpochBatches, workers: int = 0, device: str = "cpu"):
    """A ``torch.utils.data.DataLoader`` of ``(X, y)`` tensors in the order of ``batches``.

    Parameters
    ----------
    pool : Pool
        The trials (memory-mapped or in memory).
    batches : EpochBatches
        The sampler: which trials make each batch (call its ``set_epoch`` between epochs).
    workers : int
        Worker processes reading batches ahead (0: read in the main process).  They stay
        up from one epoch to the next.
    device : str
        The training device; on CUDA the batches come in pinned memory.
    """
    import torch
    from torch.utils.data import DataLoader

    # A generator of its own: otherwise each new iterator draws its workers' seed from
    # torch's global generator, which drives dropout, and persistent workers draw it once
    # where a single process draws it every epoch (the results would depend on --workers).
    return DataLoader(_PoolBatches(pool), sampler=batches, batch_size=None, num_workers=workers,
                      pin_memory=uses_cuda(device), persistent_workers=workers > 0,
                      generator=torch.Generator().manual_seed(0))


#: fp16 steps in a row whose loss may overflow (each skipped, the loss scale lowered)
#: before pretraining stops as diverged.
MAX_SKIPPED_STEPS = 20


class HybridStep:
    """One optimisation step of hybrid pretraining, as :func:`pretrain` takes it.

    The forward pass and the loss run under :func:`benchmark.models.autocast` in
    ``precision``, the loss on float32 outputs; fp16 scales the loss
    (:func:`benchmark.models.grad_scaler`) and unscales the gradients before the norm is
    clipped at 1.  In fp16 a step whose loss overflowed is skipped by the scaler (which
    lowers its scale), as torch's AMP recipe does, up to :data:`MAX_SKIPPED_STEPS` in a
    row; in fp32 and bf16 a non-finite loss stops the run.

    Parameters
    ----------
    model : MIRepNetPretrain
        The network, on ``device``.
    optimizer : torch.optim.Optimizer
        Its optimiser.
    device : str
        The torch device.
    precision : str
        One of :data:`benchmark.models.PRECISIONS`.
    mask_ratio, cls_weight : float
        As in :class:`PretrainConfig`.
    n_times : int
        Samples per trial (sets the number of tokens masked).
    """

    def __init__(self, model: Any, optimizer: Any, device: str, precision: str,
                 mask_ratio: float, cls_weight: float, n_times: int):
        self.model, self.optimizer = model, optimizer
        self.device, self.precision = device, precision
        self.mask_ratio, self.cls_weight = mask_ratio, cls_weight
        self.n_tokens = model.n_tokens(n_times)
        self.scaler = grad_scaler(device, precision)
        self.skipped = 0  # consecutive steps whose loss was not finite (fp16: skipped)

    def __call__(self, x: Any, y: Any, masks: Any, where: str = "") -> tuple[float, float, float,
                                                                             int, int]:
        """Train on one batch; return ``(loss, reconstruction, classification, n labelled,
        n correct)`` of the batch (floats read back once).

        ``masks`` is the ``torch.Generator`` of the token masks.  Raises
        ``FloatingPointError`` (naming ``where``) before any update when the loss is not
        finite.
        """
        import torch

        x = x.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        mask = self.model.random_mask(len(x), self.n_tokens, self.mask_ratio, masks,
                                      device=self.device)
        with autocast(self.device, self.precision):
            logits, rec, tokens, mask = self.model(x, mask)
            loss, rec_l, cls_l, n_lab, correct = hybrid_loss(
                logits.float(), rec.float(), tokens.float(), mask, y, self.cls_weight)
        values = torch.stack([loss.detach(), rec_l, cls_l]).tolist()  # one read-back
        finite = bool(np.isfinite(values[0]))
        self.skipped = 0 if finite else self.skipped + 1
        if not finite and (self.scaler is None or self.skipped > MAX_SKIPPED_STEPS):
            hint = "; lower --lr" + (" or use --precision bf16 or fp32"
                                     if self.precision == "fp16" else "")
            at = f" at {where}" if where else ""
            raise FloatingPointError(f"pretraining loss is {values[0]}{at}{hint}")
        self.optimizer.zero_grad(set_to_none=True)
        params = self.model.parameters()
        if self.scaler is None:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            self.optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        return values[0], values[1], values[2], n_lab, correct


class TrainingParts(NamedTuple):
    """What trains on a pool: the network, its optimiser, the step, the batches, the loader."""

    model: Any
    optimizer: Any
    step: HybridStep
    batches: EpochBatches
    loader: Any


def prepare_training(cfg: PretrainConfig, pool: Pool, device: str) -> TrainingParts:
    """The network (seeded by ``cfg.seed``), AdamW, the :class:`HybridStep` in
    ``cfg.precision``, the epochs' batches and their DataLoader (``cfg.workers``), as
    :func:`pretrain` trains and ``perf pretrain`` times them."""
    import torch

    from benchmark.models import MIRepNetPretrain

    torch.manual_seed(cfg.seed)
    model = MIRepNetPretrain(n_classes=len(PRETRAIN_CLASSES)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step = HybridStep(model, optimizer, device, cfg.precision, cfg.mask_ratio, cfg.cls_weight,
                      pool.n_times)
    batches = EpochBatches(lambda epoch: _epoch_order(pool, cfg, epoch), len(pool),
                           min(cfg.batch_size, len(pool)))
    return TrainingParts(model, optimizer, step, batches,
                         pool_loader(pool, batches, cfg.workers, device))


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
        Missing data, nothing left after screening, ``OUT`` holding a run with other
        settings, a device that is not here or a precision it cannot train in.
    """
    import torch

    device = run_device(cfg)  # before any work: a bad --device/--precision is one line
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
    # What made the checkpoint besides the identity (rewritten by each resumed session).
    machine = {"precision": cfg.precision, "device": device, "device_name": device_name(device),
               "workers": cfg.workers}
    (out / "config.json").write_text(json.dumps(identity | {"digest": run_digest} | machine,
                                                indent=2, default=str))

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

    log(f"training on {device} ({machine['device_name']}), {cfg.precision}, "
        f"{cfg.workers} DataLoader worker(s)")
    parts = prepare_training(cfg, pool, device)
    model, optimizer, train_step = parts.model, parts.optimizer, parts.step
    batches, loader = parts.batches, parts.loader
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
    history: list[dict] = []
    start_epoch = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if train_step.scaler is not None and state.get("scaler"):
            train_step.scaler.load_state_dict(state["scaler"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])
        log(f"resuming after epoch {start_epoch} of {cfg.epochs}")
    _write_tables(out, pool, history)

    n_steps, seen = len(batches), batches.n_trials
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        batches.set_epoch(epoch)
        torch.manual_seed(cfg.seed * 1_000_003 + epoch)  # dropout: resumable, reproducible
        masks = torch.Generator().manual_seed(cfg.seed * 1_000_033 + epoch)
        model.train()
        sums = np.zeros(5)
        scored = 0  # trials of the steps whose loss counts (all but fp16's skipped ones)
        for step, (x, y) in enumerate(loader):
            loss, rec_l, cls_l, n_lab, correct = train_step(
                x, y, masks, where=f"epoch {epoch + 1} step {step + 1}")
            if np.isfinite(loss):  # an fp16 step skipped for overflow adds nothing
                sums += [loss * len(y), rec_l * len(y), cls_l * n_lab, n_lab, correct]
                scored += len(y)
            if cfg.log_every and (step + 1) % cfg.log_every == 0:
                log(f"  epoch {epoch + 1} step {step + 1}/{n_steps}: loss {loss:.4f}")
        scheduler.step()
        seconds = time.perf_counter() - t0
        scored = max(scored, 1)
        row = {"epoch": epoch + 1, "loss": sums[0] / scored, "reconstruction": sums[1] / scored,
               "classification": sums[2] / max(sums[3], 1), "accuracy": sums[4] / max(sums[3], 1),
               "lr": optimizer.param_groups[0]["lr"], "seconds": seconds,
               "trials_per_s": seen / seconds}
        row = {k: float(v) if k != "epoch" else int(v) for k, v in row.items()}  # plain types
        row |= machine  # what ran this epoch (a resumed run may have moved)
        history.append(row)
        # The checkpoint first, then the state that says the epoch is done.
        _save_torch({k: v.detach().cpu() for k, v in model.state_dict().items()}, ckpt_path)
        _save_torch({"epoch": epoch + 1, "digest": run_digest, "model": model.state_dict(),
                     "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                     "history": history,
                     "scaler": train_step.scaler.state_dict() if train_step.scaler else {}},
                    state_path)
        _write_tables(out, pool, history)
        log(f"epoch {epoch + 1}/{cfg.epochs}: loss {row['loss']:.4f} (reconstruction "
            f"{row['reconstruction']:.4f}, classification {row['classification']:.4f}, "
            f"accuracy {row['accuracy']:.3f}), {row['trials_per_s']:.0f} trials/s, {seconds:.1f} s")
    log(f"checkpoint: {ckpt_path} (use it with `run --models mirepnet --checkpoint {ckpt_path}`)")
    return ckpt_path
