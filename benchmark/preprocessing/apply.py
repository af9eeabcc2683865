"""Apply the per-part steps (alignment, template) of the shared preprocessing."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from benchmark.preprocessing.alignment import EuclideanAlignment, check_trials
from benchmark.preprocessing.config import PreprocessingConfig
from benchmark.errors import UserError
from benchmark.preprocessing.template import TEMPLATE_CHANNELS, template_matrix


def apply_preprocessing(
    X: np.ndarray, ch_names: Sequence[str], config: PreprocessingConfig,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Align (fitted on ``X`` itself) and map ``X`` onto the template, as configured.

    The engine calls this once per part of a split (calibration, test), which is the
    release's per-part Euclidean alignment.  With ``groups`` (one label per trial, e.g.
    the subject in leave-one-subject-out training), each group is aligned by its own
    reference: one EA filter per group, applied with one batched product.

    Returns
    -------
    X : ndarray, float32
        Preprocessed trials.
    ch_names : list of str
        Their channel names.
    """
    names = list(ch_names)
    X = check_trials(np.asarray(X, dtype=np.float32), finite=config.alignment != "ea")
    operator = None  # (channels_out, channels_in) or, per group, (n_groups, out, in)
    inverse = None
    if config.alignment == "ea":
        if groups is not None:
            labels, inverse = np.unique(np.asarray(groups).astype(str), return_inverse=True)
        if groups is None or len(labels) == 1:
            operator, inverse = EuclideanAlignment().fit(X).filter_, None
        else:
            operator = np.stack([EuclideanAlignment().fit(X[inverse == g]).filter_
                                 for g in range(len(labels))])  # a loop over groups, not trials
    if config.template != "none":
        if X.shape[1] != len(names):
            raise UserError(f"the trials have {X.shape[1]} channels but {len(names)} names are "
                            "given; pass the names of the channels in order")
        mapping = template_matrix(names, config.template)
        operator = mapping if operator is None else mapping @ operator
        names = list(TEMPLATE_CHANNELS)
    if operator is not None:
        # Alignment then mapping, fused into one operator applied in a single pass.
        operator = operator.astype(np.float32)
        X = np.matmul(operator if inverse is None else operator[inverse], X)
    return np.ascontiguousarray(X), names
