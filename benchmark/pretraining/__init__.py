"""Hybrid pretraining of MIRepNet: pool, screening, training loop
(``python -m benchmark pretrain``)."""

from benchmark.pretraining.pool import POOL_CLASSES, PRETRAIN_CLASSES, Pool, build_pool
from benchmark.pretraining.screening import ScreeningRule, screen_subject
from benchmark.pretraining.trainer import CHECKPOINT_NAME, PretrainConfig, hybrid_loss, pretrain

__all__ = ["POOL_CLASSES", "PRETRAIN_CLASSES", "Pool", "build_pool", "ScreeningRule",
           "screen_subject", "CHECKPOINT_NAME", "PretrainConfig", "hybrid_loss", "pretrain"]
