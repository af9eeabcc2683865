"""The one clock of the perf figures."""

import pytest

from benchmark.perf.timer import best_seconds, device_clock, timed_call


def test_best_seconds_is_the_fastest_single_call_after_the_warm_up():
    calls = []
    ticks = iter(range(100))

    def fn():
        calls.append(len(calls))

    # a clock that advances by one per reading, and by 10 more during the second timed call
    def clock():
        t = next(ticks)
        return t + (10 if len(calls) >= 3 else 0)

    seconds = best_seconds(fn, 3, warmup=1, clock=clock)
    assert len(calls) == 4  # one warm-up, three timed
    assert seconds == 1


def test_timed_call_returns_the_value_and_gc_stays_on():
    import gc

    seconds, value = timed_call(lambda: (gc.isenabled(), 42))
    assert value == (True, 42) and seconds >= 0


def test_repeats_below_one_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        best_seconds(lambda: None, 0)


def test_the_cpu_clock_is_timeits():
    import timeit

    assert device_clock("cpu") is timeit.default_timer


def test_the_cuda_clock_waits_for_the_device_first(monkeypatch):
    import torch

    waited = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: waited.append(device))
    clock = device_clock("cuda:1")
    assert isinstance(clock(), float) and waited == ["cuda:1"]
