"""Shared fixtures: isolated MNE/MOABB state, tiny synthetic data, the real shared data."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BENCHMARK_SHARED_DATA", ROOT.parent / "shared" / "data"))
PHYSIONET_S001 = (SHARED_DATA / "mne_data" / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0"
                  / "S001")


# -- markers (setup.cfg): slow, integration, browser, realdata ----------------------------
# Test modules mark their own tests; these modules are marked from here instead.
# module -> {test name, or "*" for the others: markers}
_MODULE_MARKS = {
    "test_differential.py": {"test_the_reference_imports_no_engine_module": ("integration",),
                             "*": ("slow", "integration")},  # 900 rows, jobs 2, a Dask cluster
    "test_moabb_equivalence.py": {  # a CLI subprocess and MOABB's evaluation, about 70 s
        "test_within_session_moabb_preset_equals_moabb_on_physionet": ("slow", "integration")},
}
# fixture -> markers of every test that uses it
_FIXTURE_MARKS = {
    "good_run": ("slow",),  # test_verify: two demo grids run first (15 s)
    "physionet_mne_data": ("realdata",),  # the real EEG, whether or not the test says so
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marks = _MODULE_MARKS.get(item.path.name, {})
        name = getattr(item, "originalname", None) or item.name
        wanted = list(marks.get(name, marks.get("*", ())))
        for fixture in getattr(item, "fixturenames", ()):
            wanted += _FIXTURE_MARKS.get(fixture, ())
        for mark in dict.fromkeys(wanted):
            if item.get_closest_marker(mark) is None:
                item.add_marker(mark)


@pytest.fixture(scope="session", autouse=True)
def _isolated_mne(tmp_path_factory):
    """Keep MNE's config and data cache inside a temporary folder for the whole session."""
    home = tmp_path_factory.mktemp("home")
    data = tmp_path_factory.mktemp("mne_data")
    saved = {k: os.environ.get(k) for k in ("_MNE_FAKE_HOME_DIR", "MNE_DATA",
                                            "MOABB_DOWNLOAD_PROVIDER", "BENCHMARK_CACHE")}
    os.environ["_MNE_FAKE_HOME_DIR"] = str(home)
    os.environ["BENCHMARK_CACHE"] = str(tmp_path_factory.mktemp("epoch_cache"))
    os.environ["MNE_DATA"] = str(data)
    os.environ["MOABB_DOWNLOAD_PROVIDER"] = "upstream"
    warnings.filterwarnings("ignore", category=FutureWarning)
    # Hugging Face Hub: offline, with an empty cache of our own (never the user's, never
    # the network; huggingface_hub reads these at import, so patch its constants too).
    import huggingface_hub.constants as hf_constants

    hf_saved = (hf_constants.HF_HUB_CACHE, hf_constants.HF_HUB_OFFLINE)
    hf_constants.HF_HUB_CACHE = str(tmp_path_factory.mktemp("hf_cache"))
    hf_constants.HF_HUB_OFFLINE = True
    yield
    hf_constants.HF_HUB_CACHE, hf_constants.HF_HUB_OFFLINE = hf_saved
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


def truncate_copy(mne_data: Path, name: str, size: int) -> Path:
    """Replace the link ``name`` under ``mne_data`` by a copy of its file cut to ``size`` bytes."""
    import shutil

    path = next(mne_data.rglob(name))
    source = path.resolve()
    path.unlink()
    shutil.copyfile(source, path)
    with open(path, "r+b") as fh:
        fh.truncate(size)
    return path


@pytest.fixture
def no_network(monkeypatch):
    """Refuse this process's network access at once; the list of the attempts made.

    Offline behaviour then does not hang on, or depend on, the machine's network, and
    "fails fast" is checked without a stopwatch: a test asserts that nothing was tried.
    """
    import socket

    attempts = []

    def refuse(what):
        attempts.append(what)
        raise OSError(f"a test refused network access to {what!r}")

    monkeypatch.setattr(socket.socket, "connect", lambda self, address: refuse(address))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: refuse(address))
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(address))
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: refuse(host))
    return attempts


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


def write_reference_checkpoint(path, seed: int = 0, n_classes: int = 3,
                               with_chan_embed: bool = True):
    """A checkpoint in the layout of the released ``MIRepNet.pth`` (pretraining model)."""
    import torch

    from benchmark.models import MIRepNetPretrain

    torch.manual_seed(seed)
    state = MIRepNetPretrain(n_classes=n_classes).state_dict()
    if with_chan_embed:  # in the release, unused by its forward pass
        state["embedding.chan_embed.weight"] = torch.randn(45, 256)
    torch.save(state, path)
    return state


@pytest.fixture(scope="session")
def mirepnet_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "MIRepNet.pth"
    write_reference_checkpoint(path)
    return str(path)


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A private, offline Hugging Face cache.

    ``put(src_path, repo="starself/MIRepNet", filename=None)`` stores a file in it as
    huggingface_hub's snapshot layout would (a folder ``src_path`` stores all its files).
    """
    import huggingface_hub.constants as hf_constants

    cache = tmp_path / "hf_cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)

    def put(src_path, repo: str = "starself/MIRepNet", filename: str | None = None):
        src_path = Path(src_path)
        commit = "0123456789abcdef0123456789abcdef01234567"
        folder = cache / ("models--" + repo.replace("/", "--"))
        (folder / "refs").mkdir(parents=True, exist_ok=True)
        (folder / "refs" / "main").write_text(commit)
        snap = folder / "snapshots" / commit
        snap.mkdir(parents=True, exist_ok=True)
        files = sorted(src_path.iterdir()) if src_path.is_dir() else [src_path]
        for f in files:
            (snap / (filename or f.name)).write_bytes(f.read_bytes())
        return snap if src_path.is_dir() else snap / (filename or src_path.name)

    return put


# Small published-layout weights of the braindecode foundation models: the base class at
# its pretraining montage and rate, a longer pretraining window than the suite's trials,
# 4 classes, and a reduced depth/width (recorded in config.json, which the loader follows).
FOUNDATION_TEST_ARCH = {
    "biot": ("BIOT", 200.0, 2000, dict(embed_dim=32, num_heads=2, num_layers=1)),
    "bendr": ("BENDR", 256.0, 15360, dict(encoder_h=32, contextualizer_hidden=64,
                                          transformer_layers=1, transformer_heads=2)),
    "labram": ("Labram", 200.0, 3000, dict(num_layers=1)),
    "cbramod": ("CBraMod", 200.0, 6000, dict(n_layer=1, dim_feedforward=64)),
    "eegpt": ("EEGPT", 256.0, 1024, dict(depth=1, embed_dim=64, num_heads=2)),
}


def write_foundation_weights(folder, name: str, seed: int = 0):
    """``save_pretrained`` output of model ``name``'s backbone, as published on the Hub."""
    import braindecode.models as bm
    import mne
    import torch

    from benchmark.models.foundation import FOUNDATION

    mne.set_log_level("ERROR")
    base, sfreq, n_times, arch = FOUNDATION_TEST_ARCH[name]
    target = getattr(bm, FOUNDATION[name][0])
    signal = dict(n_outputs=4, n_times=n_times, sfreq=sfreq, n_chans=19)
    if hasattr(target, "_TARGET_CHS_INFO"):
        signal |= dict(chs_info=target._TARGET_CHS_INFO, n_chans=len(target._TARGET_CHS_INFO))
    torch.manual_seed(seed)
    model = getattr(bm, base)(**signal, **arch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_pretrained(folder)
    (Path(folder) / "pytorch_model.bin").unlink(missing_ok=True)  # the Hub repos hold safetensors
    return model


@pytest.fixture(scope="session")
def foundation_weights(tmp_path_factory):
    """``name -> folder`` of test weights for every braindecode foundation model."""
    root = tmp_path_factory.mktemp("foundation_weights")
    folders = {}
    for name in FOUNDATION_TEST_ARCH:
        write_foundation_weights(root / name, name)
        folders[name] = str(root / name)
    return folders
