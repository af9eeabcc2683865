import math
import re

import numpy as np
import pytest
from sklearn.base import clone

from benchmark.datasets.catalogue import PHYSIONET_CHANNELS
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
    M = template_matrix(["C3", "Iz", "C4"], "idw")  # Iz is not in the release's table
    assert np.all(M[:, 1] == 0)
    M = template_matrix(["C3", "O1", "C4"], "idw")  # O1 is (release's full table)
    assert M[:, 1].max() > 0


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
        template_matrix(["VEOU", "Iz"], "idw")
    with pytest.raises(UserError, match="unknown template method"):
        template_matrix(["C3"], "nearest")
    with pytest.raises(UserError, match="duplicated channel names"):
        template_matrix(["C3", "c3"], "idw")
    with pytest.raises(UserError, match="got 4 channels but 3 ch_names"):
        ChannelTemplate(ch_names=["C3", "Cz", "C4"]).fit(np.zeros((2, 4, 10)))


# -- the release's full 2-D position table ------------------------------------------------
# Copied verbatim from shared/reference/mirepnet.md ("Preprocessing", item 4: "The release's
# full position table ..."); parsed here so the tests do not trust the module's transcription.
RELEASE_TABLE_TEXT = """
FP1 -0.3,0.9; FPZ 0,1; FP2 0.3,0.9; AF7 -0.3,0.8; AF3 -0.2,0.8; AFZ 0,0.8; AF4 0.2,0.8;
AF8 0.3,0.8; F9 -0.6,0.7; F7 -0.5,0.7; F5 -0.4,0.7; F3 -0.3,0.7; F1 -0.15,0.7; FZ 0,0.7;
F2 0.15,0.7; F4 0.3,0.7; F6 0.4,0.7; F8 0.5,0.7; F10 0.6,0.7; FT9 -0.7,0.6; FT7 -0.6,0.6;
FC5 -0.5,0.6; FC3 -0.4,0.6; FC1 -0.2,0.6; FCZ 0,0.6; FC2 0.2,0.6; FC4 0.4,0.6; FC6 0.5,0.6;
FT8 0.6,0.6; FT10 0.6,0.7; FTT9 -1.1,0.55; T7 -1,0.5; TPP7 -0.9,0.45; C5 -0.7,0.5;
C3 -0.4,0.5; C1 -0.2,0.5; CZ 0,0.5; C2 0.2,0.5; C4 0.4,0.5; C6 0.7,0.5; TPP8 9,0.45;
T8 1,0.5; FTT10 1.1,0.55; TP9 -0.8,0.4; TPP9 -0.7,0.4; TP7 -0.6,0.4; CP5 -0.5,0.4;
CP3 -0.4,0.4; CP1 -0.2,0.4; CPZ 0,0.4; CP2 0.2,0.4; CP4 0.4,0.4; CP6 0.5,0.4; TP8 0.6,0.4;
TPP10 0.7,0.4; TP10 0.8,0.4; P9 -0.6,0.3; P7 -0.5,0.3; P5 -0.4,0.3; P3 -0.3,0.3;
P1 -0.15,0.3; PZ 0,0.3; P2 0.15,0.3; P4 0.3,0.3; P6 0.4,0.3; P8 0.5,0.3; P10 0.6,0.3;
PO9 -0.5,0.2; PO7 -0.4,0.2; PO5 -0.3,0.2; PO3 -0.2,0.2; POZ 0,0.2; PO4 0.2,0.2; PO6 0.3,0.2;
PO8 0.4,0.2; PO10 0.5,0.2; O1 -0.2,0.1; OZ 0,0.1; O2 0.2,0.1.
"""
FULL_TABLE = {
    name: (float(x), float(y))
    for name, x, y in re.findall(r"([A-Z0-9]+) (-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)",
                                 RELEASE_TABLE_TEXT)
}
# The suite's table before issue 13: the 45 template channels plus FPZ and POZ.
OLD_TABLE = {name: FULL_TABLE[name] for name in ("FPZ", *TEMPLATE_CHANNELS, "POZ")}

# EEG channels of the seven pretraining sets (pretrain7), as MOABB (>= 1.7) loads them.
PRETRAIN7_MONTAGES = {
    # MOABB's assumed 3x5 grid (the files carry no labels): FC / C / CP rows around C3, Cz, C4
    "BNCI2014002": ["FC3", "FC1", "FCz", "FC2", "FC4", "C3", "C1", "Cz", "C2", "C4",
                    "CP3", "CP1", "CPz", "CP2", "CP4"],
    "PhysionetMI": list(PHYSIONET_CHANNELS),
    "Dreyer2023": ["Fz", "FCz", "Cz", "CPz", "Pz", "C1", "C3", "C5", "C2", "C4", "C6", "F4",
                   "FC2", "FC4", "FC6", "CP2", "CP4", "CP6", "P4", "F3", "FC1", "FC3", "FC5",
                   "CP1", "CP3", "CP5", "P3"],
    # MOABB's 62 names less CB1/CB2 (typed misc) and VEO/HEO (EOG)
    "Weibo2014": ["Fp1", "Fpz", "Fp2", "AF3", "AF4", "F7", "F5", "F3", "F1", "Fz", "F2", "F4",
                  "F6", "F8", "FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8",
                  "T7", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3",
                  "CP1", "CPz", "CP2", "CP4", "CP6", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2",
                  "P4", "P6", "P8", "PO7", "PO5", "PO3", "POz", "PO4", "PO6", "PO8", "O1",
                  "Oz", "O2"],
    "Zhou2016": ["Fp1", "Fp2", "FC3", "FCz", "FC4", "C3", "Cz", "C4", "CP3", "CPz", "CP4",
                 "O1", "Oz", "O2"],
    "Lee2019": ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "FC5", "FC1", "FC2", "FC6", "T7",
                "C3", "Cz", "C4", "T8", "TP9", "CP5", "CP1", "CP2", "CP6", "TP10", "P7", "P3",
                "Pz", "P4", "P8", "PO9", "O1", "Oz", "O2", "PO10", "FC3", "FC4", "C5", "C1",
                "C2", "C6", "CP3", "CPz", "CP4", "P1", "P2", "POz", "FT9", "FTT9h", "TTP7h",
                "TP7", "TPP9h", "FT10", "FTT10h", "TPP8h", "TP8", "TPP10h", "F9", "F10", "AF7",
                "AF3", "AF4", "AF8", "PO3", "PO4"],
    "Cho2017": ["Fp1", "AF7", "AF3", "F1", "F3", "F5", "F7", "FT7", "FC5", "FC3", "FC1", "C1",
                "C3", "C5", "T7", "TP7", "CP5", "CP3", "CP1", "P1", "P3", "P5", "P7", "P9",
                "PO7", "PO3", "O1", "Iz", "Oz", "POz", "Pz", "CPz", "Fpz", "Fp2", "AF8", "AF4",
                "AFz", "Fz", "F2", "F4", "F6", "F8", "FT8", "FC6", "FC4", "FC2", "FCz", "Cz",
                "C2", "C4", "C6", "T8", "TP8", "CP6", "CP4", "CP2", "P2", "P4", "P6", "P8",
                "P10", "PO8", "PO4", "O2"],
}  # fmt: skip


def naive_idw(ch_names, table):
    """The release's rule, one template channel and one source channel at a time."""
    names = [c.upper() for c in ch_names]
    M = np.zeros((len(TEMPLATE_CHANNELS), len(names)))
    for r, target in enumerate(TEMPLATE_CHANNELS):
        if target in names:
            M[r, names.index(target)] = 1.0
            continue
        tx, ty = table[target]
        weights = {}
        for i, name in enumerate(names):
            if name in table:  # channels without a position are left out of the mix
                sx, sy = table[name]
                weights[i] = 1.0 / (math.sqrt((tx - sx) ** 2 + (ty - sy) ** 2) + 1e-6)
        total = sum(weights.values())
        for i, w in weights.items():
            M[r, i] = w / total
    return M


def test_release_full_table_is_transcribed_exactly_with_its_quirks():
    assert len(FULL_TABLE) == 79  # the parse of the published text
    assert len(RELEASE_2D_POSITIONS) == 79
    assert {k: tuple(map(float, v)) for k, v in RELEASE_2D_POSITIONS.items()} == FULL_TABLE
    assert RELEASE_2D_POSITIONS["TPP8"] == (9.0, 0.45)  # the release's typo, kept
    assert RELEASE_2D_POSITIONS["FT10"] == (0.6, 0.7)  # same place as F10, kept
    assert RELEASE_2D_POSITIONS["FPZ"] == (0, 1)
    assert RELEASE_2D_POSITIONS["O1"] == (-0.2, 0.1)
    assert RELEASE_2D_POSITIONS["FTT9"] == (-1.1, 0.55)
    assert all(k == k.upper() for k in RELEASE_2D_POSITIONS)


@pytest.mark.parametrize("dataset", list(PRETRAIN7_MONTAGES))
def test_idw_equals_naive_release_rule_on_pretrain7_montages(dataset):
    names = PRETRAIN7_MONTAGES[dataset]
    M = ChannelTemplate(ch_names=names, method="idw").fit().matrix_
    np.testing.assert_allclose(M, naive_idw(names, FULL_TABLE), rtol=0, atol=1e-12)
    np.testing.assert_allclose(M.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # channels without a position (e.g. Lee2019's FTT9h, PhysionetMI's T9, Iz) never enter the mix
    unplaced = [i for i, c in enumerate(names) if c.upper() not in FULL_TABLE]
    assert np.all(M[:, unplaced] == 0)


def test_idw_pretrain7_names_are_case_insensitive_and_eog_is_dropped():
    names = PRETRAIN7_MONTAGES["Zhou2016"]
    M = template_matrix(names, "idw")
    np.testing.assert_array_equal(template_matrix([c.upper() for c in names], "idw"), M)
    np.testing.assert_array_equal(template_matrix([c.lower() for c in names], "idw"), M)
    with_eog = template_matrix(names + ["VEOU", "VEOL"], "idw")
    assert np.all(with_eog[:, -2:] == 0)
    np.testing.assert_array_equal(with_eog[:, :-2], M)


@pytest.mark.parametrize("dataset", ["Zhou2016", "Lee2019"])
def test_full_table_changes_the_weights_of_zhou2016_and_lee2019(dataset):
    names = PRETRAIN7_MONTAGES[dataset]
    new = template_matrix(names, "idw")
    old = naive_idw(names, OLD_TABLE)  # the suite's weights with the old 47-entry table
    assert np.abs(new - old).max() > 0.05


def test_chs_info_is_built_once_per_montage_and_copied():
    from benchmark.preprocessing import chs_info

    a, b = chs_info(["C3", "Cz", "C4"]), chs_info(["C3", "Cz", "C4"])
    assert [c["ch_name"] for c in a] == ["C3", "Cz", "C4"]
    np.testing.assert_array_equal(a[0]["loc"], b[0]["loc"])
    a[0]["loc"][:] = 0.0  # a model that changes its copy changes no one else's
    assert np.abs(chs_info(["C3", "Cz", "C4"])[0]["loc"][:3]).sum() > 0
    assert [c["ch_name"] for c in chs_info(["Cz", "C3"])] == ["Cz", "C3"]
