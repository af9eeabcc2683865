import numpy as np
import pytest
from sklearn.base import clone

from benchmark.errors import UserError
from benchmark.preprocessing import (
    RELEASE_2D_POSITIONS,
    TEMPLATE_CHANNELS,
    ChannelTemplate,
    template_matrix,
)

BCI2A = ["Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
         "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz"]


def test_template_is_the_published_45():
    assert len(TEMPLATE_CHANNELS) == 45
    assert TEMPLATE_CHANNELS[:3] == ("F7", "F5", "F3") and TEMPLATE_CHANNELS[-1] == "P8"
    assert all(ch in RELEASE_2D_POSITIONS for ch in TEMPLATE_CHANNELS)


def test_idw_copies_present_and_uses_release_weights():
    names = ["C3", "Cz", "C4"]
    M = template_matrix(names, "idw")
    assert M.shape == (45, 3)
    rows = {ch: i for i, ch in enumerate(TEMPLATE_CHANNELS)}
    np.testing.assert_array_equal(M[rows["C3"]], [1, 0, 0])
    np.testing.assert_array_equal(M[rows["CZ"]], [0, 1, 0])
    # F7 (-0.5, 0.7) from C3 (-0.4, 0.5), CZ (0, 0.5), C4 (0.4, 0.5): w = 1/(d + 1e-6), normalised
    src = np.array([[-0.4, 0.5], [0.0, 0.5], [0.4, 0.5]])
    w = 1 / (np.linalg.norm(src - [-0.5, 0.7], axis=1) + 1e-6)
    np.testing.assert_allclose(M[rows["F7"]], w / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(M.sum(axis=1), 1.0)


def test_idw_ignores_channels_without_2d_position():
    M = template_matrix(["C3", "O1", "C4"], "idw")  # O1 is not in the release's table
    assert np.all(M[:, 1] == 0)


def test_case_and_alias_insensitive():
    a = template_matrix(["c3", "cz", "c4", "T3"], "idw")
    b = template_matrix(["C3", "CZ", "C4", "T7"], "idw")
    np.testing.assert_array_equal(a, b)


def test_transform_is_one_matmul_and_clones(rng):
    X = rng.normal(size=(6, 22, 100)).astype(np.float32)
    tm = clone(ChannelTemplate(ch_names=BCI2A, method="idw"))
    Z = tm.fit_transform(X)
    assert Z.shape == (6, 45, 100) and Z.dtype == np.float32
    np.testing.assert_allclose(Z[2], tm.matrix_ @ X[2], rtol=1e-5, atol=1e-5)
    assert tm.out_ch_names == list(TEMPLATE_CHANNELS)


def test_spline_reproduces_a_smooth_field():
    import mne

    pos = mne.channels.make_standard_montage("standard_1005").get_positions()["ch_pos"]
    upper = {k.upper(): v for k, v in pos.items()}
    M = template_matrix(BCI2A, "spline")
    field = lambda names: np.array([upper[n.upper()][0] * 20 + 1.0 for n in names])  # noqa: E731
    predicted = M @ field(BCI2A)
    truth = field(TEMPLATE_CHANNELS)
    rows = {ch: i for i, ch in enumerate(TEMPLATE_CHANNELS)}
    inner = [rows[c] for c in ("C5", "CP5", "FC5", "C6", "F1", "P1")]  # near the present ones
    assert np.max(np.abs(predicted[inner] - truth[inner])) < 0.35
    # present channels are copied exactly
    np.testing.assert_allclose(M[rows["C3"], BCI2A.index("C3")], 1.0)


def test_unknown_channels_and_methods_get_one_line_errors():
    with pytest.raises(UserError, match="not in MNE's standard_1005 montage"):
        template_matrix(["C3", "XYZ1"], "spline")
    with pytest.raises(UserError, match="use the template method 'spline'"):
        template_matrix(["O1", "O2"], "idw")
    with pytest.raises(UserError, match="unknown template method"):
        template_matrix(["C3"], "nearest")
    with pytest.raises(UserError, match="duplicated channel names"):
        template_matrix(["C3", "c3"], "idw")
    with pytest.raises(UserError, match="got 4 channels but 3 ch_names"):
        ChannelTemplate(ch_names=["C3", "Cz", "C4"]).fit(np.zeros((2, 4, 10)))
