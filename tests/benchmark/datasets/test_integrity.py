import numpy as np
import pytest

from benchmark.datasets import get_dataset_spec, load_subject
from benchmark.datasets.integrity import check_epochs, check_recording_file
from benchmark.errors import NotRunnable
from benchmark.preprocessing import PreprocessingConfig
from tests.conftest import truncate_copy


def write_edf(path, n_records=10, n_signals=2, samples=100, bdf=False):
    """A minimal EDF (or BDF) file: header, signal headers, zero samples."""
    header_bytes = 256 * (1 + n_signals)
    head = (b"\xffBIOSEMI" if bdf else b"0".ljust(8)) + b" " * 176
    head += str(header_bytes).encode().ljust(8) + b" " * 44
    head += str(n_records).encode().ljust(8) + b"1".ljust(8) + str(n_signals).encode().ljust(4)
    signals = b" " * (216 * n_signals) + str(samples).encode().ljust(8) * n_signals
    signals += b" " * (32 * n_signals)
    body = bytes(n_records * samples * n_signals * (3 if bdf else 2))
    path.write_bytes(head + signals + body)
    return len(head + signals + body)


@pytest.mark.parametrize("bdf", [False, True])
def test_truncated_edf_is_found(tmp_path, bdf):
    path = tmp_path / ("x.bdf" if bdf else "x.edf")
    size = write_edf(path, bdf=bdf)
    check_recording_file(str(path), "D", 1)  # whole: fine
    path.write_bytes(path.read_bytes()[: size - 10])
    with pytest.raises(NotRunnable, match=r"is truncated \(.* of .* bytes\); delete it"):
        check_recording_file(str(path), "D", 1)


def test_empty_file_is_found(tmp_path):
    (tmp_path / "x.mat").write_bytes(b"")
    with pytest.raises(NotRunnable, match="truncated"):
        check_recording_file(str(tmp_path / "x.mat"), "D", 1)


def test_nan_and_flat_channels_are_refused(rng):
    X = rng.standard_normal((5, 3, 100)).astype(np.float32)
    check_epochs(X, ["C3", "Cz", "C4"], "D", 1)
    bad = X.copy()
    bad[2, 1, 10] = np.nan
    with pytest.raises(NotRunnable, match="1 of 5 trials contain NaN or Inf samples "
                                          r"\(channels Cz\)"):
        check_epochs(bad, ["C3", "Cz", "C4"], "D", 1)
    flat = X.copy()
    flat[:, 2] = 3.0
    with pytest.raises(NotRunnable, match=r"channel\(s\) C4 are flat in every trial"):
        check_epochs(flat, ["C3", "Cz", "C4"], "D", 1)


@pytest.mark.realdata
def test_truncated_physionet_file_in_the_moabb_cache(physionet_mne_data):
    """Real EDF: MNE reads a truncated file silently (fewer trials); the suite refuses it."""
    truncate_copy(physionet_mne_data, "S001R04.edf", 100_000)
    with pytest.raises(NotRunnable) as info:
        load_subject(get_dataset_spec("PhysionetMI"), 1, PreprocessingConfig())
    message = str(info.value)
    assert "S001R04.edf is truncated (100,000 of 2,596,896 bytes)" in message
    assert "download --datasets PhysionetMI --subjects 1" in message and "\n" not in message
