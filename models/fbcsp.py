"""Filter-bank common spatial patterns (FBCSP).

Ang, Chin, Zhang, Guan, "Filter Bank Common Spatial Pattern (FBCSP) in Brain-Computer
Interface", IJCNN 2008.  Sub-bands of the shared 8-30 Hz band (MNE FIR filtering of all
trials at once), log-variance CSP per band (pyriemann, through MOABB's ``FilterBank``),
selection of the most informative features by mutual information, then LDA — MOABB's
``FBCSP`` pipeline, with the filter bank moved inside the estimator because the suite's
shared preprocessing hands every model the same 3-D trials.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .registry import register_model

DEFAULT_BANDS = ((8.0, 12.0), (12.0, 16.0), (16.0, 20.0), (20.0, 24.0), (24.0, 30.0))


class BandPassBank(BaseEstimator, TransformerMixin):
    """``(n_trials, n_chans, n_times)`` → ``(n_trials, n_chans, n_times, n_bands)``.

    Parameters
    ----------
    sfreq : float
        Sampling rate of the trials.
    bands : sequence of (low, high)
        Pass bands in Hz.
    """

    def __init__(self, sfreq: float = 250.0, bands=DEFAULT_BANDS):
        self.sfreq = sfreq
        self.bands = bands

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        from mne.filter import filter_data

        X = np.asarray(X, dtype=np.float64)
        out = [filter_data(X, self.sfreq, lo, hi, verbose="error") for lo, hi in self.bands]
        return np.stack(out, axis=-1)


@register_model(tags=("classical",), paper="Ang et al., IJCNN 2008")
def fbcsp(n_chans: int | None = None, n_outputs: int | None = None, n_times: int | None = None,
          sfreq: float = 250.0, chs_info=None, *, bands=DEFAULT_BANDS, nfilter: int = 4,
          n_features: int = 8, estimator: str = "oas"):
    """Filter-bank CSP (log-variance per band), mutual-information selection, LDA."""
    from moabb.pipelines.utils import FilterBank
    from pyriemann.estimation import Covariances
    from pyriemann.spatialfilters import CSP
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.feature_selection import SelectKBest, mutual_info_classif
    from sklearn.pipeline import make_pipeline

    if n_chans is not None:
        nfilter = min(nfilter, n_chans)
    bands = tuple(tuple(float(f) for f in b) for b in bands)
    n_features = min(n_features, nfilter * len(bands))
    return make_pipeline(
        BandPassBank(sfreq=sfreq, bands=bands),
        FilterBank(make_pipeline(Covariances(estimator=estimator), CSP(nfilter=nfilter, log=True))),
        SelectKBest(mutual_info_classif, k=n_features),
        LinearDiscriminantAnalysis(solver="svd"),
    )
