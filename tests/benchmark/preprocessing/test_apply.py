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
    out, names = apply_preprocessing(X, NAMES,
                                     PreprocessingConfig(alignment="none", template="none"))
    np.testing.assert_array_equal(out, X)
    assert names == NAMES
    out, _ = apply_preprocessing(X, NAMES, PreprocessingConfig(template="none"))
    np.testing.assert_allclose(np.mean([np.cov(x) for x in out], axis=0), np.eye(13), atol=1e-4)


def test_groups_are_aligned_each_by_its_own_reference():
    rng = np.random.default_rng(0)
    mixing = [rng.normal(size=(4, 4)), rng.normal(size=(4, 4))]
    X = np.concatenate([np.matmul(m, rng.normal(size=(30, 4, 200))) for m in mixing])
    groups = np.repeat(["a", "b"], 30)
    out, _ = apply_preprocessing(X, ["C3", "Cz", "C4", "Pz"], PreprocessingConfig(template="none"),
                                 groups=groups)
    for g in ("a", "b"):
        part = out[groups == g]
        part = part - part.mean(axis=2, keepdims=True)
        mean_cov = np.einsum("nct,ndt->cd", part, part) / (len(part) * (part.shape[2] - 1))
        np.testing.assert_allclose(mean_cov, np.eye(4), atol=1e-4)
    pooled, _ = apply_preprocessing(X, ["C3", "Cz", "C4", "Pz"],
                                    PreprocessingConfig(template="none"))
    assert not np.allclose(pooled, out, atol=1e-3)  # one reference for all differs
