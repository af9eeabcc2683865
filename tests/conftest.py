"""Shared fixtures: isolated MNE/MOABB state, tiny synthetic data, the real shared data."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BENCHMARK_SHARED_DATA", ROOT.parent / "shared" / "data"))
PHYSIONET_S001 = SHARED_DATA / "mne_data" / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0" / "S001"


@pytest.fixture(scope="session", autouse=True)
def _isolated_mne(tmp_path_factory):
    """Keep MNE's config and data cache inside a temporary folder for the whole session."""
    home = tmp_path_factory.mktemp("home")
    data = tmp_path_factory.mktemp("mne_data")
    saved = {k: os.environ.get(k) for k in ("_MNE_FAKE_HOME_DIR", "MNE_DATA", "MOABB_DOWNLOAD_PROVIDER")}
    os.environ["_MNE_FAKE_HOME_DIR"] = str(home)
    os.environ["MNE_DATA"] = str(data)
    os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"
    warnings.filterwarnings("ignore", category=FutureWarning)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def physionet_mne_data(tmp_path, monkeypatch):
    """A private MNE_DATA whose PhysionetMI files link to ../shared/data (read-only source)."""
    if not PHYSIONET_S001.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA} (a fresh clone has none)")
    target = tmp_path / "mne_data" / PHYSIONET_S001.relative_to(SHARED_DATA / "mne_data")
    target.mkdir(parents=True)
    for f in PHYSIONET_S001.iterdir():
        (target / f.name).symlink_to(f)
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "mne_data"))
    return tmp_path / "mne_data"


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def tiny_spec():
    """A 2-subject, 3-channel synthetic dataset that loads in about a second."""
    from benchmark.datasets.catalogue import DatasetSpec

    return DatasetSpec(
        name="TinySyn",
        moabb_class="benchmark.datasets.synthetic:SyntheticMI",
        classes=("left_hand", "right_hand"),
        session="0",
        role="demo",
        n_subjects=2,
        n_chans=3,
        sfreq=250.0,
        kwargs=dict(channels=("C3", "Cz", "C4"), sfreq=250.0, classes=("left_hand", "right_hand"),
                    n_subjects=2, trials_per_class=30, seed=7, variant="tiny", difficulty=0.6),
    )
