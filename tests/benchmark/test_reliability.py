"""Nothing lost, nothing doubled: SIGKILL at random points, and two runs on one folder.

The runs are real ``python -m benchmark run`` processes on a demo set (36 units);
each test compares the final table with an uninterrupted run's.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

RUN = ["run", "--models", "default", "--datasets", "SynBNCI2014004", "--subjects", "1-4",
       "--seeds", "0-2", "--progress", "lines"]
N_UNITS = 3 * 4 * 3
VOLATILE = ["fit_time", "predict_time", "finished_at"]


def _start(out, cache, *extra):
    env = dict(os.environ, BENCHMARK_CACHE=str(cache), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "benchmark", *RUN, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)


def _table(out):
    df = pd.read_csv(out / "results.csv").drop(columns=VOLATILE)
    return df.sort_values(["model", "subject", "seed"]).reset_index(drop=True)


def _check_folder(out):
    units = sorted((out / "units").glob("*.json"))
    assert len(units) == N_UNITS
    for path in units:  # every unit file is whole
        payload = json.loads(path.read_text())
        assert payload["status"] == "ok" and payload["unit_id"] == path.stem
    df = pd.read_csv(out / "results.csv")
    assert len(df) == N_UNITS and not df.duplicated(["unit_id", "fold"]).any()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The table of an uninterrupted run."""
    tmp = tmp_path_factory.mktemp("reference")
    proc = _start(tmp / "out", tmp / "cache")
    assert proc.wait(timeout=300) == 0, proc.stdout.read()
    return _table(tmp / "out")


def test_sigkill_at_random_points_then_restart(tmp_path, reference):
    out, cache = tmp_path / "killed", tmp_path / "cache-killed"
    rng = random.Random(0)
    kills, stored = 0, []
    for attempt in range(6):  # kill at random points, in serial and in --jobs 2 runs
        proc = _start(out, cache, *(("--jobs", "2") if attempt % 2 else ()))
        try:
            proc.wait(timeout=rng.uniform(3.0, 10.0))
            break  # it finished before the kill
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, no clean-up
            proc.wait()
            kills += 1
            stored.append(len(list((out / "units").glob("*.json"))))
    assert kills >= 3 and 0 < stored[0] < N_UNITS, stored  # interrupted, midway and more
    final = _start(out, cache)  # the last restart runs to the end
    assert final.wait(timeout=300) == 0, final.stdout.read()
    _check_folder(out)
    pd.testing.assert_frame_equal(_table(out), reference)


def test_two_runs_on_one_folder_at_once(tmp_path, reference):
    out, cache = tmp_path / "shared", tmp_path / "cache-shared"
    first = _start(out, cache)
    time.sleep(0.5)
    second = _start(out, cache, "--jobs", "2")
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    run = [int(re.search(r"(\d+) unit\(s\) run", text).group(1)) for text in outputs]
    assert sum(run) == N_UNITS  # the two runs split the work: no unit was run twice
    _check_folder(out)
    pd.testing.assert_frame_equal(_table(out), reference)
