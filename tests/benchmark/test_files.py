"""Durable writes (benchmark.files): a file holds its old content or its whole new one."""

import os

import numpy as np
import pytest

from benchmark import files
from benchmark.files import atomic_open, atomic_write_text


@pytest.fixture
def fsyncs(monkeypatch):
    """Count the calls of ``os.fsync`` (still made, so the writes stay real)."""
    calls = []
    real = os.fsync

    def counting(fd):
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


def test_the_target_keeps_its_old_content_when_the_block_raises(tmp_path):
    target = tmp_path / "unit.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="stop"):
        with atomic_open(target) as fh:
            fh.write("half of the new")
            raise RuntimeError("stop")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unit.json"]  # no temporary file


def test_an_interrupted_first_write_leaves_nothing(tmp_path):
    target = tmp_path / "X.npy"
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target, "wb") as fh:
            fh.write(b"\x93NUMPY")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_the_target_holds_the_new_content_after_success(tmp_path, fsyncs):
    target = tmp_path / "results.csv"
    target.write_text("old")
    atomic_write_text(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    assert len(fsyncs) >= 1  # the file's data reach the disk before the rename


def test_binary_writers_take_the_handle_and_the_file_and_folder_are_fsynced(tmp_path, fsyncs):
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    with atomic_open(tmp_path / "X.npy", "wb") as fh:
        np.save(fh, X)
    np.testing.assert_array_equal(np.load(tmp_path / "X.npy"), X)
    with atomic_open(tmp_path / "entry.npz", "wb") as fh:
        np.savez(fh, X=X)
    with np.load(tmp_path / "entry.npz") as z:
        np.testing.assert_array_equal(z["X"], X)
    per_write = 2 if os.name == "posix" else 1  # the file, then its folder (POSIX only)
    assert len(fsyncs) == 2 * per_write


def test_the_folder_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    order = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append("replace"), real_replace(a, b)))
    monkeypatch.setattr(files, "_fsync_folder", lambda folder: order.append(("folder", folder)))
    atomic_write_text(tmp_path / "config.json", "{}")
    assert order == ["replace", ("folder", tmp_path)]


def test_only_whole_file_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match="whole file"):
        with atomic_open(tmp_path / "log.txt", "a"):
            pass
    assert list(tmp_path.iterdir()) == []
