import numpy as np

from benchmark.perf import per_trial_reference, release_style_reference
from benchmark.preprocessing import (
    TEMPLATE_CHANNELS,
    ChannelTemplate,
    EuclideanAlignment,
    PreprocessingConfig,
    apply_preprocessing,
)

NAMES = ["FC3", "FCz", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP3", "CPz", "CP4"]


def test_fused_path_equals_alignment_then_template(rng):
    X = rng.normal(size=(20, 13, 300)).astype(np.float32) * 5
    out, names = apply_preprocessing(X, NAMES, PreprocessingConfig(template="idw"))
    step = ChannelTemplate(ch_names=NAMES).fit_transform(EuclideanAlignment().fit_transform(X))
    np.testing.assert_allclose(out, step, rtol=1e-4, atol=1e-5)
    assert names == list(TEMPLATE_CHANNELS) and out.dtype == np.float32
    np.testing.assert_allclose(out, per_trial_reference(X, NAMES), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, release_style_reference(X, NAMES), rtol=1e-4, atol=1e-5)


def test_steps_can_be_switched_off(rng):
    X = rng.normal(size=(10, 13, 100)).astype(np.float32)
    out, names = apply_preprocessing(X, NAMES, PreprocessingConfig(alignment="none", template="none"))
    np.testing.assert_array_equal(out, X)
    assert names == NAMES
    out, _ = apply_preprocessing(X, NAMES, PreprocessingConfig(template="none"))
    np.testing.assert_allclose(np.mean([np.cov(x) for x in out], axis=0), np.eye(13), atol=1e-4)
