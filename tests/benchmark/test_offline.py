"""Offline: a dataset that is not here is tried once, reported in one line, rerun later.

A download that fails for lack of network makes the run load the dataset's other
subjects with the network refused: subjects on the machine run, the others are not
tried.  Other datasets are untouched, the units are stored *to be rerun* (a rerun with
the data runs them without ``--retry-failed``), and the run ends with one line per
dataset naming the command that fetches it.  No test reaches the network: in-process
runs refuse it (the ``no_network`` fixture, whose list of attempts is what "tried"
means), worker processes connect to a local socket that the test counts.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.datasets.offline import (
    NetworkRefused,
    is_network_failure,
    network_cause,
    network_refused,
)
from benchmark.datasets.synthetic import SyntheticMI
from benchmark.engine import RunConfig, plan_units, run_benchmark
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import ResultStore, read_results

FAR_AWAY = ("downloads.example.org", 443)


class RemoteSynthetic(SyntheticMI):
    """The synthetic data behind a download, as a MOABB dataset whose files are fetched.

    Subject ``s`` is on this machine when ``<store>/s`` exists (what a download leaves);
    otherwise loading it connects to ``address`` first, and fails as a download does
    when the connection fails or the server hangs up.
    """

    def __init__(self, store: str = "", address=FAR_AWAY, **kwargs):
        self.store, self.address = Path(store), tuple(address)
        super().__init__(**kwargs)

    def data_path(self, subject, path=None, force_update=False, update_path=None,
                  verbose=None):
        local = self.store / str(subject)
        if not local.exists():
            try:
                socket.create_connection(self.address, timeout=30).close()
            except OSError as exc:  # as requests wraps it
                raise ConnectionError(f"download of subject {subject} failed: {exc}") from exc
            raise ConnectionError(f"download of subject {subject} failed: connection closed")
        return [str(local)]

    def _get_single_subject_data(self, subject):
        self.data_path(subject)
        return super()._get_single_subject_data(subject)


def _remote(tiny_spec, store: Path, name: str = "RemoteSyn", n_subjects: int = 3,
            address=FAR_AWAY):
    store.mkdir(parents=True, exist_ok=True)
    return replace(tiny_spec, name=name, n_subjects=n_subjects,
                   moabb_class="tests.benchmark.test_offline:RemoteSynthetic",
                   kwargs={**tiny_spec.kwargs, "n_subjects": n_subjects, "store": str(store),
                           "address": list(address)})


def _cfg(datasets, tmp_path, out="out", protocol="paper", **kw) -> RunConfig:
    return RunConfig(pipelines=select_pipelines("csp_lda", discover_pipelines()),
                     datasets=list(datasets), protocol=get_protocol(protocol), seeds=[0],
                     out=str(tmp_path / out), cache_dir=str(tmp_path / "cache"), **kw)


def _run(cfg):
    messages: list[str] = []
    summary = run_benchmark(cfg, log=messages.append)
    return summary, [m for m in messages if not m.startswith("[")]  # not progress lines


def _status(df: pd.DataFrame, dataset: str) -> dict[int, str]:
    return df[df["dataset"] == dataset].set_index("subject")["status"].to_dict()


# -- in this process ----------------------------------------------------------------------
def test_a_dataset_without_network_is_tried_once(tiny_spec, tmp_path, no_network):
    spec = _remote(tiny_spec, tmp_path / "store")
    summary, said = _run(_cfg([spec], tmp_path))
    assert no_network == [FAR_AWAY]  # subject 1 tried; 2 and 3 not
    assert summary.done == 0 and len(summary.not_runnable) == 3 and not summary.failed
    assert said == []  # no message per unit: the summary has one line per dataset
    missing = summary.missing["RemoteSyn"]
    assert missing.subjects == {1, 2, 3} and missing.tried
    assert missing.fetch_command() == "python -m benchmark download --datasets RemoteSyn"
    line = missing.line()
    assert "\n" not in line and f"refused network access to {FAR_AWAY!r}" in line
    df = read_results(tmp_path / "out")
    assert _status(df, "RemoteSyn") == {1: "not_runnable", 2: "not_runnable", 3: "not_runnable"}
    errors = df.set_index("subject")["error"]
    assert "could not be downloaded" in errors[1]
    assert "was not downloaded: the download of subject 1 failed" in errors[2]
    store = ResultStore(tmp_path / "out")  # stored to be rerun, not as finished
    assert all(store.status(u.uid) is None for u in plan_units(_cfg([spec], tmp_path)))


def test_subjects_here_still_load_and_a_rerun_continues(tiny_spec, tmp_path, no_network):
    store = tmp_path / "store"
    spec = _remote(tiny_spec, store)
    (store / "2").touch()  # subject 2 was downloaded before
    cfg = _cfg([spec], tmp_path)
    summary, _ = _run(cfg)
    assert no_network == [FAR_AWAY]  # subject 1 tried; 2 loaded from disk; 3 not tried
    assert _status(read_results(tmp_path / "out"), "RemoteSyn") == {
        1: "not_runnable", 2: "ok", 3: "not_runnable"}
    assert summary.done == 1 and summary.missing["RemoteSyn"].subjects == {1, 3}
    fetch = summary.missing["RemoteSyn"].fetch_command()
    assert fetch == "python -m benchmark download --datasets RemoteSyn --subjects 1,3"
    finished = read_results(tmp_path / "out").set_index("subject").loc[2, "finished_at"]

    (store / "1").touch()  # the data arrive
    (store / "3").touch()
    again, said = _run(cfg)  # the same command, no --retry-failed
    assert again.done == 2 and again.skipped == 1 and again.stored_ok == 1 and said == []
    assert not again.missing and not again.not_runnable and no_network == [FAR_AWAY]
    df = read_results(tmp_path / "out")
    assert _status(df, "RemoteSyn") == {1: "ok", 2: "ok", 3: "ok"}
    assert df.set_index("subject").loc[2, "finished_at"] == finished  # not run again


def test_one_dataset_offline_skips_no_other(tiny_spec, tmp_path, no_network):
    first = _remote(tiny_spec, tmp_path / "a", name="RemoteA", n_subjects=2)
    second = _remote(tiny_spec, tmp_path / "b", name="RemoteB", n_subjects=2,
                     address=("mirror.example.net", 443))
    summary, _ = _run(_cfg([first, tiny_spec, second], tmp_path))
    assert no_network == [FAR_AWAY, ("mirror.example.net", 443)]  # each dataset tried once
    assert set(summary.missing) == {"RemoteA", "RemoteB"} and summary.done == 2
    alone, _ = _run(_cfg([tiny_spec], tmp_path, out="alone"))
    key = ["subject", "seed", "fold"]
    together = read_results(tmp_path / "out").query("dataset == 'TinySyn'").sort_values(key)
    reference = read_results(tmp_path / "alone").sort_values(key)
    assert (together["status"] == "ok").all() and len(together) == 2
    assert together["score"].tolist() == reference["score"].tolist()


def test_a_cross_subject_protocol_names_the_missing_subject(tiny_spec, tmp_path, no_network):
    store = tmp_path / "store"
    spec = _remote(tiny_spec, store)
    (store / "1").touch()
    (store / "2").touch()  # subject 3 is the one missing
    summary, _ = _run(_cfg([spec], tmp_path, protocol="loso"))
    missing = summary.missing["RemoteSyn"]
    assert missing.subjects == {1, 2, 3} and missing.missing == {3}
    assert "subject(s) 3 (at least) missing, so 3 target(s) not run" in missing.line()
    assert missing.fetch_command() == "python -m benchmark download --datasets RemoteSyn"


def test_a_rerun_with_nothing_but_stored_failures_still_exits_1(tmp_path, capfd):
    """Not-runnable units stored by an earlier run are no result either."""
    run = ["run", "--models", "labram", "--datasets", "SynBNCI2014004", "--subjects", "1",
           "--out", str(tmp_path / "nr")]
    assert main(run) == 1  # no pretrained weights here: not runnable
    assert main(run) == 1  # the same grid again: stored, still nothing
    out, _ = capfd.readouterr()
    assert "0 unit(s) run, 1 already stored" in out


def test_the_command_line_offline(tmp_path, monkeypatch, capfd, no_network):
    """BNCI2014004 through MOABB and pooch, offline: the issue's command."""
    (tmp_path / "mne_data").mkdir()
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "mne_data"))
    base = ["run", "--models", "csp_lda", "--subjects", "1,2", "--progress", "lines"]
    both = [*base, "--datasets", "BNCI2014004,SynBNCI2014004", "--out", str(tmp_path / "b")]
    assert main(both) == 0  # results for one dataset: the other is listed as missing
    out, err = capfd.readouterr()
    assert len(no_network) == 1  # one download tried, for subject 1
    assert "Downloading data from" not in out + err and "Traceback" not in out + err
    about = [line for line in (out + err).splitlines() if "BNCI2014004:" in line]
    assert len(about) == 1 and "download --datasets BNCI2014004 --subjects 1-2`" in about[0]
    assert "2 unit(s) run" in out and "2 not runnable" in out

    assert main(both) == 0  # a rerun: the stored results still count
    out, err = capfd.readouterr()
    assert "0 unit(s) run, 2 already stored" in out and len(no_network) == 2

    alone = [*base, "--datasets", "BNCI2014004", "--out", str(tmp_path / "a")]
    assert main(alone) == 1  # nothing has a result
    out, err = capfd.readouterr()
    assert "Downloading data from" not in out + err and "Traceback" not in out + err
    assert sum("BNCI2014004:" in line for line in (out + err).splitlines()) == 1


# -- the pieces ---------------------------------------------------------------------------
def test_network_failures_are_told_from_other_download_failures():
    import requests

    try:
        try:
            raise socket.gaierror(-3, "Temporary failure in name resolution")
        except OSError as exc:
            raise requests.ConnectionError("HTTPSConnectionPool(host='lampx.tugraz.at', "
                                           "port=443): Max retries exceeded") from exc
    except requests.ConnectionError as exc:
        offline = exc
    assert is_network_failure(offline)
    assert network_cause(offline) == ("lampx.tugraz.at: [Errno -3] Temporary failure in name "
                                      "resolution")
    assert is_network_failure(TimeoutError("read timed out"))
    assert not is_network_failure(requests.HTTPError("404 Client Error: Not Found"))
    assert not is_network_failure(FileNotFoundError("B01T.mat"))


def test_the_refusal_is_this_thread_s_and_ends_with_the_block(tmp_path):
    before = (socket.getaddrinfo, socket.create_connection, vars(socket.socket).get("connect"))
    elsewhere: list[BaseException | None] = []

    def other_thread():
        try:
            socket.getaddrinfo("127.0.0.1", 9, type=socket.SOCK_STREAM)  # numeric: no lookup
            elsewhere.append(None)
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            elsewhere.append(exc)

    with network_refused("the download of subject 1 failed"):
        with pytest.raises(NetworkRefused, match="subject 1 failed"):
            socket.create_connection(FAR_AWAY)
        with pytest.raises(NetworkRefused):
            socket.getaddrinfo("127.0.0.1", 9)
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
            server.bind(str(tmp_path / "s"))
            server.listen()
            client.connect(str(tmp_path / "s"))  # local (unix) sockets are not the network
    assert elsewhere == [None]
    assert (socket.getaddrinfo, socket.create_connection,
            vars(socket.socket).get("connect")) == before


# -- worker processes ----------------------------------------------------------------------
def _accepted(server: socket.socket) -> int:
    """Connections the server's queue holds (each one a download tried)."""
    server.setblocking(False)
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@contextmanager
def _two_workers(kind: str):
    """``RunConfig`` arguments for two worker processes: a pool, or a Dask cluster."""
    if kind == "jobs":
        yield {"jobs": 2}
        return
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        cluster.wait_for_workers(2)
        yield {"scheduler": cluster.scheduler_address}


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["jobs", pytest.param("dask", marks=pytest.mark.slow)])
def test_worker_processes_try_a_dataset_at_most_once_each(tiny_spec, tmp_path, kind):
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server, \
            _two_workers(kind) as how:
        spec = _remote(tiny_spec, tmp_path / "store", n_subjects=6,
                       address=server.getsockname())
        summary, said = _run(_cfg([spec, tiny_spec], tmp_path, **how))
        tried = _accepted(server)
    assert 1 <= tried <= 2  # the first failure of each of the two processes, no more
    df = read_results(tmp_path / "out")
    assert set(_status(df, "RemoteSyn").values()) == {"not_runnable"}
    assert _status(df, "TinySyn") == {1: "ok", 2: "ok"} and summary.done == 2
    assert summary.missing["RemoteSyn"].subjects == set(range(1, 7)) and said == []
    assert df["error"].str.contains("was not downloaded").sum() == 6 - tried
