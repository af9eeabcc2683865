import numpy as np

from benchmark.datasets.cache import EpochCache
from benchmark.datasets.loading import load_subject
from benchmark.preprocessing import PreprocessingConfig


def _same(a, b):
    assert a.ch_names == b.ch_names and a.sfreq == b.sfreq
    np.testing.assert_array_equal(a.X, b.X)
    assert (a.y == b.y).all() and (a.sessions == b.sessions).all() and (a.runs == b.runs).all()


def test_second_load_is_a_hit_with_the_same_epochs(tiny_spec, tmp_path):
    cache = EpochCache(tmp_path)
    pre = PreprocessingConfig()
    first = cache.load(tiny_spec, 1, pre)
    second = cache.load(tiny_spec, 1, pre)
    assert (cache.misses, cache.hits) == (1, 1)
    _same(first, second)
    _same(first, load_subject(tiny_spec, 1, pre))
    assert second.X.dtype == np.float32 and second.subject == 1


def test_a_loading_parameter_invalidates_exactly_its_entries(tiny_spec, tmp_path):
    cache = EpochCache(tmp_path)
    base = PreprocessingConfig()
    cache.load(tiny_spec, 1, base)
    cache.load(tiny_spec, 2, base)
    stored = {p: p.read_bytes() for p in (tmp_path / "TinySyn").glob("*.npz")}
    # alignment and template are computed per split: they share the entries
    for other in (base.with_overrides(template="none"), base.with_overrides(alignment="none"),
                  base.with_overrides(template="spline")):
        assert cache.path(tiny_spec, 1, other) == cache.path(tiny_spec, 1, base)
    narrower = base.with_overrides(fmax=26.0)
    cache.load(tiny_spec, 1, narrower)
    assert cache.misses == 3
    files = sorted((tmp_path / "TinySyn").glob("*.npz"))
    assert len(files) == 3 and cache.path(tiny_spec, 1, narrower) in files
    assert all(p.read_bytes() == data for p, data in stored.items())  # the others untouched
    cache.load(tiny_spec, 2, base)
    assert cache.misses == 3  # subject 2 at 8-30 Hz is still valid


def test_damaged_entries_are_recomputed(tiny_spec, tmp_path):
    cache = EpochCache(tmp_path)
    pre = PreprocessingConfig()
    good = cache.load(tiny_spec, 1, pre)
    path = cache.path(tiny_spec, 1, pre)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped byte inside X: the CRC-32 check fails
    path.write_bytes(bytes(data))
    _same(cache.load(tiny_spec, 1, pre), good)
    path.write_bytes(path.read_bytes()[: len(data) // 3])  # truncated
    _same(cache.load(tiny_spec, 1, pre), good)
    assert cache.misses == 3 and cache.hits == 0
    assert not list(tmp_path.rglob("*.tmp"))  # no partial files left behind
