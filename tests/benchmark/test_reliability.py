"""Nothing lost, nothing doubled: SIGKILL at points of progress, and two runs on one folder.

The runs are real ``python -m benchmark run`` processes on a demo set (36 units);
each test compares the final table with an uninterrupted run's.

No step waits for the clock: the tests watch the results folder (``DIR/units/*.json``
appear when a unit is stored, ``DIR/locks/<unit>.lock`` when a unit is first claimed)
and act when a given file appears, so they mean the same on a slow and a fast machine.
Timeouts only turn a hung run into a failure.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]

RUN = ["run", "--models", "default", "--datasets", "SynBNCI2014004", "--subjects", "1-4",
       "--seeds", "0-2", "--progress", "lines"]
N_UNITS = 3 * 4 * 3
VOLATILE = ["fit_time", "predict_time", "finished_at"]
TIMEOUT = 600  # a hung run fails the test; no step waits for the clock


def _start(out, cache, log, *extra):
    """A run in a process group of its own, its output to ``log`` (a pipe could fill up)."""
    env = dict(os.environ, BENCHMARK_CACHE=str(cache), PYTHONUNBUFFERED="1")
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "benchmark", *RUN, "--out", str(out),
                                 *extra], stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    proc.log = log
    return proc


def _finish(proc):
    """Wait for a run to end by itself; its output."""
    try:
        code = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"the run did not end within {TIMEOUT} s:\n{proc.log.read_text()}")
    output = proc.log.read_text()
    assert code == 0, output
    return output


def _units(out):
    return sorted((out / "units").glob("*.json"))


def _claims(out):
    """Lock files of claimed units (they stay after the lock is released)."""
    return [p for p in (out / "locks").glob("*.lock") if p.name != "results.csv.lock"]


def _wait_until(proc, count, target, what):
    """Return once ``count() >= target``; fail if the run ends (or hangs) first."""
    deadline = time.monotonic() + TIMEOUT
    while count() < target:
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what} reached {target} "
                        f"(now {count()}):\n{proc.log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not reach {target} within {TIMEOUT} s")
        time.sleep(0.005)


def _run_of(output):
    """(units run, already stored, left to another run) from a run's closing line."""
    m = re.search(r"(\d+) unit\(s\) run, (\d+) already stored, .*?"
                  r"(?:, (\d+) left to another run on this folder)?, in ", output)
    assert m, output
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def _check_units_whole(out):
    for path in _units(out):  # every unit file is whole
        payload = json.loads(path.read_text())
        assert payload["status"] == "ok" and payload["unit_id"] == path.stem


def _check_folder(out):
    assert len(_units(out)) == N_UNITS
    _check_units_whole(out)
    df = pd.read_csv(out / "results.csv")
    assert len(df) == N_UNITS and not df.duplicated(["unit_id", "fold"]).any()


def _table(out):
    df = pd.read_csv(out / "results.csv").drop(columns=VOLATILE)
    return df.sort_values(["model", "subject", "seed"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The table of an uninterrupted run, and the epoch cache it filled."""
    tmp = tmp_path_factory.mktemp("reference")
    _finish(_start(tmp / "out", tmp / "cache", tmp / "run.log"))
    return _table(tmp / "out"), tmp / "cache"


# (extra arguments, event, how many new files of that event): the run is killed right
# after the event's n-th new file appears.  "units": n more units stored (the kill lands
# between units, or mid-unit on the other --jobs worker); "claims": n more units claimed
# (the kill lands while the last claimed unit runs, before it is stored).
KILLS = [((), "units", 3), (("--jobs", "2"), "claims", 6), ((), "claims", 2),
         (("--jobs", "2"), "units", 5), ((), "units", 4), (("--jobs", "2"), "claims", 5)]


def test_sigkill_at_points_of_progress_then_restart(tmp_path, reference):
    out, cache = tmp_path / "killed", tmp_path / "cache-killed"  # a cold cache: kills hit loads too
    counters = {"units": lambda: len(_units(out)), "claims": lambda: len(_claims(out))}
    stored = []
    for attempt, (extra, event, n) in enumerate(KILLS):
        target = (counters[event]() if (out / "units").is_dir() else 0) + n
        assert target <= N_UNITS - 4, (attempt, target)  # work is left: the run is alive
        proc = _start(out, cache, tmp_path / f"attempt{attempt}.log", *extra)
        _wait_until(proc, counters[event], target, event)
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, no clean-up
        assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL, proc.log.read_text()
        stored.append(len(_units(out)))
        _check_units_whole(out)  # a kill never leaves half a unit
        assert len(_claims(out)) >= stored[-1]
    # every run was interrupted midway, and each one stored or claimed more work
    assert 0 < stored[0] and stored[-1] < N_UNITS and stored == sorted(stored), stored
    output = _finish(_start(out, cache, tmp_path / "final.log"))  # the last restart runs to the end
    assert _run_of(output) == (N_UNITS - stored[-1], stored[-1], 0)  # nothing run twice
    _check_folder(out)
    pd.testing.assert_frame_equal(_table(out), reference[0])


def test_two_runs_on_one_folder_at_once(tmp_path, reference):
    """The first run is paused after it stored a unit until the second has stored one.

    The cache is the reference run's (complete), so the paused run holds no lock that the
    other waits on: subjects are read, not loaded, and each unit's own lock is tried, not
    waited for.
    """
    out, cache = tmp_path / "shared", reference[1]
    first = _start(out, cache, tmp_path / "first.log")
    _wait_until(first, lambda: len(_units(out)), 1, "units stored by the first run")
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        at_pause = len(_units(out))  # the first run is stopped: it stores nothing more
        assert at_pause < N_UNITS - 1, at_pause
        second = _start(out, cache, tmp_path / "second.log", "--jobs", "2")
        _wait_until(second, lambda: len(_units(out)), at_pause + 1, "units stored by the second")
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    outputs = [_finish(p) for p in (first, second)]
    counts = [_run_of(text) for text in outputs]
    for run, already, busy in counts:  # each run accounts for every unit of the grid
        assert run + already + busy == N_UNITS, outputs
    assert all(c[0] >= 1 for c in counts), counts  # both ran units, at the same time
    assert sum(c[0] for c in counts) == N_UNITS  # the two runs split the work: none run twice
    _check_folder(out)
    pd.testing.assert_frame_equal(_table(out), reference[0])
