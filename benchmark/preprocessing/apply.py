"""Apply the per-part steps (alignment, template) of the shared preprocessing."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from benchmark.preprocessing.alignment import EuclideanAlignment
from benchmark.preprocessing.config import PreprocessingConfig
from benchmark.preprocessing.template import TEMPLATE_CHANNELS, ChannelTemplate


def apply_preprocessing(
    X: np.ndarray, ch_names: Sequence[str], config: PreprocessingConfig
) -> tuple[np.ndarray, list[str]]:
    """Align (fitted on ``X`` itself) and map ``X`` onto the template, as configured.

    The engine calls this once per part of a split (calibration, test), which is the
    release's per-part Euclidean alignment.

    Returns
    -------
    X : ndarray, float32
        Preprocessed trials.
    ch_names : list of str
        Their channel names.
    """
    names = list(ch_names)
    X = np.asarray(X, dtype=np.float32)
    operator = None
    if config.alignment == "ea":
        operator = EuclideanAlignment().fit(X).filter_
    if config.template != "none":
        mapping = ChannelTemplate(ch_names=names, method=config.template).fit(X).matrix_
        operator = mapping if operator is None else mapping @ operator
        names = list(TEMPLATE_CHANNELS)
    if operator is not None:
        # Alignment then mapping, fused into one operator applied in a single pass.
        X = np.matmul(operator.astype(np.float32), X)
    return np.ascontiguousarray(X), names
