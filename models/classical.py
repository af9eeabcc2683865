"""Classical pipelines on spatial covariance matrices (pyriemann + scikit-learn).

The same pipelines as MOABB's benchmark (``pipelines/CSP.yml``, ``TSLR.yml``):

* CSP + LDA — Blankertz et al., "Optimizing Spatial Filters for Robust EEG Single-Trial
  Analysis", IEEE Signal Processing Magazine 25(1), 2008.
* Tangent space + logistic regression — Barachant et al., "Classification of covariance
  matrices using a Riemannian-based kernel for BCI applications", Neurocomputing 112, 2013.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .registry import register_model


class Float64(TransformerMixin, BaseEstimator):
    """Cast trials to float64 before covariance estimation.

    The suite stores epochs as float32.  Covariance matrices estimated from them stay
    float32, and pyriemann's Riemannian mean (tolerance 1e-8) cannot converge at that
    precision: it runs to its iteration limit, about 12x slower on PhysionetMI's 64
    channels, and its result differs from MOABB's float64 pipelines.  Written here
    because scikit-learn's ``FunctionTransformer`` needs a callable, which pipeline
    files (YAML) cannot name.
    """

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X, dtype=np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


@register_model(
    tags=("classical",),
    paper="Blankertz et al., IEEE Signal Process. Mag. 25(1), 2008",
)
def csp_lda(
    n_chans: int | None = None,
    n_outputs: int | None = None,
    n_times: int | None = None,
    sfreq: float | None = None,
    chs_info=None,
    nfilter: int = 6,
    estimator: str = "oas",
):
    """Common spatial patterns (log-variance) + linear discriminant analysis."""
    from pyriemann.estimation import Covariances
    from pyriemann.spatialfilters import CSP
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline

    if n_chans is not None:
        nfilter = min(nfilter, n_chans)
    return make_pipeline(
        Float64(),
        Covariances(estimator=estimator),
        CSP(nfilter=nfilter, log=True),
        LinearDiscriminantAnalysis(solver="svd"),
    )


@register_model(
    tags=("classical",),
    paper="Barachant et al., Neurocomputing 112, 2013",
)
def ts_lr(
    n_chans: int | None = None,
    n_outputs: int | None = None,
    n_times: int | None = None,
    sfreq: float | None = None,
    chs_info=None,
    C: float = 1.0,
    estimator: str = "oas",
    metric: str = "riemann",
):
    """Riemannian tangent space of covariance matrices + logistic regression."""
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        Float64(),
        Covariances(estimator=estimator),
        TangentSpace(metric=metric),
        LogisticRegression(C=C, max_iter=1000),
    )
