import numpy as np
import pytest

from benchmark.datasets import get_dataset_spec, load_subject
from benchmark.errors import NotRunnable, UserError
from benchmark.preprocessing import PreprocessingConfig


def test_window_rate_and_classes(tiny_spec):
    data = load_subject(tiny_spec, 2, PreprocessingConfig())
    assert data.X.shape == (60, 3, 1000) and data.X.dtype == np.float32
    assert data.sfreq == 250.0 and data.ch_names == ["C3", "Cz", "C4"]
    assert sorted(set(data.y)) == ["left_hand", "right_hand"]
    assert 1 < data.X.std() < 100  # microvolts


@pytest.mark.slow
def test_512hz_is_resampled():
    spec = get_dataset_spec("SynBNCI2015001")
    data = load_subject(spec, 1, PreprocessingConfig())
    assert data.sfreq == 250.0 and data.X.shape[1:] == (13, 1000)


def test_unknown_subject(tiny_spec):
    with pytest.raises(UserError, match="fix --subjects"):
        load_subject(tiny_spec, 9, PreprocessingConfig())


def test_uncached_dataset_fails_fast_with_the_fix(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    with pytest.raises(NotRunnable) as info:  # the download it tries is refused at once
        load_subject(get_dataset_spec("BNCI2014001"), 1, PreprocessingConfig())
    msg = str(info.value)
    assert "BNCI2014001" in msg and str(tmp_path) in msg
    assert "python -m benchmark download --datasets BNCI2014001" in msg
    assert "\n" not in msg


@pytest.mark.realdata
def test_physionet_subject1_real_data(physionet_mne_data):
    """Real EEG from ../shared/data through the same MOABB path (left vs right hand)."""
    spec = get_dataset_spec("PhysionetMI")
    data = load_subject(spec, 1, PreprocessingConfig())
    assert data.X.shape == (45, 64, 1000)
    assert (data.y == "left_hand").sum() == 23 and (data.y == "right_hand").sum() == 22
    assert data.sfreq == 250.0
    assert {"C3", "CZ", "C4"} <= {c.upper() for c in data.ch_names}
    assert 1 < float(np.median(data.X.std(axis=2))) < 200  # microvolts
