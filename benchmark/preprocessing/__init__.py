"""Shared MIRepNet preprocessing: one place, used by every model.

See :mod:`benchmark.preprocessing.config` for the steps and their order.
"""

from benchmark.preprocessing.alignment import EuclideanAlignment, check_trials, inv_sqrtm
from benchmark.preprocessing.config import PreprocessingConfig, digest, resolve_preprocessing
from benchmark.preprocessing.template import (
    RELEASE_2D_POSITIONS,
    TEMPLATE_CHANNELS,
    ChannelTemplate,
    chs_info,
    normalise_channel_name,
    template_matrix,
)
from benchmark.preprocessing.apply import apply_preprocessing

__all__ = [
    "EuclideanAlignment",
    "ChannelTemplate",
    "PreprocessingConfig",
    "TEMPLATE_CHANNELS",
    "RELEASE_2D_POSITIONS",
    "apply_preprocessing",
    "check_trials",
    "chs_info",
    "digest",
    "inv_sqrtm",
    "normalise_channel_name",
    "resolve_preprocessing",
    "template_matrix",
]
