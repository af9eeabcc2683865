import numpy as np
import pytest

from benchmark.datasets import load_subject
from benchmark.datasets.synthetic import SyntheticMI
from benchmark.preprocessing import PreprocessingConfig


def _band_power(x, sfreq, lo, hi):
    f = np.fft.rfftfreq(x.shape[-1], 1 / sfreq)
    p = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    return p[..., (f >= lo) & (f <= hi)].mean(-1)


def test_deterministic_by_seed():
    a = SyntheticMI(n_subjects=1, trials_per_class=4, seed=3)._get_single_subject_data(1)
    b = SyntheticMI(n_subjects=1, trials_per_class=4, seed=3)._get_single_subject_data(1)
    c = SyntheticMI(n_subjects=1, trials_per_class=4, seed=4)._get_single_subject_data(1)
    np.testing.assert_array_equal(a["0"]["0"].get_data(), b["0"]["0"].get_data())
    xa, xc = a["0"]["0"].get_data(), c["0"]["0"].get_data()
    n = min(xa.shape[1], xc.shape[1])
    assert not np.allclose(xa[:, :n], xc[:, :n])


def test_lateralised_mu_desynchronisation(tiny_spec):
    """Left-hand imagery lowers mu power over C4 relative to C3, right hand the opposite."""
    data = load_subject(tiny_spec, 1, PreprocessingConfig(fmin=6, fmax=35))
    mu = _band_power(data.X[..., 200:], data.sfreq, 8, 13)  # after the ERD onset
    c3, c4 = data.ch_names.index("C3"), data.ch_names.index("C4")
    lateral = np.log(mu[:, c4] / mu[:, c3])
    assert lateral[data.y == "left_hand"].mean() < lateral[data.y == "right_hand"].mean() - 0.2


def test_spectrum_is_eeg_like():
    raw = SyntheticMI(channels=("C3", "Cz", "C4", "Oz"), n_subjects=1, trials_per_class=6,
                      seed=1)._get_single_subject_data(1)["0"]["0"]
    x = raw.get_data() * 1e6
    assert 2 < x.std() < 60  # microvolts
    low, alpha, high = (_band_power(x, raw.info["sfreq"], lo, hi).mean() for lo, hi in
                        ((2, 4), (8, 13), (40, 60)))
    assert low > high * 5  # 1/f background
    assert alpha > _band_power(x, raw.info["sfreq"], 14, 16).mean()  # a mu/alpha peak


def test_subjects_differ():
    ds = SyntheticMI(n_subjects=2, trials_per_class=4, seed=0)
    p1, p2 = ds._subject_parameters(1), ds._subject_parameters(2)
    assert not np.allclose(p1["mixing_noise"], p2["mixing_noise"])
    assert p1["mu_f"][0] != p2["mu_f"][0]


def test_moabb_contract_and_bad_arguments():
    ds = SyntheticMI(classes=("left_hand", "right_hand", "feet", "tongue"), n_subjects=3)
    assert ds.subject_list == [1, 2, 3] and ds.paradigm == "imagery"
    assert ds.event_id == {"left_hand": 1, "right_hand": 2, "feet": 3, "tongue": 4}
    assert ds.data_path(1) == []
    with pytest.raises(ValueError, match="unknown classes"):
        SyntheticMI(classes=("left_hand", "jump"))
    with pytest.raises(ValueError, match="standard_1005"):
        SyntheticMI(channels=("C3", "Q9"))
