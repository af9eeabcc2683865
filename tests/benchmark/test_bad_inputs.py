"""The catalogue of bad inputs: each gives one line that names the fix, never a traceback.

Command-line mistakes stop the run (``error: ...``, exit status 2).  Bad data stops only
what it concerns: the subject's units are stored as not runnable with the reason, which
the run prints once.
"""

from dataclasses import replace

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.datasets.synthetic import SyntheticMI
from benchmark.engine import RunConfig, run_benchmark
from benchmark.errors import UserError
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results
from tests.conftest import truncate_copy

DEMO = ["--datasets", "SynBNCI2014004", "--subjects", "1"]


def _wrong_model_checkpoint(tmp_path):
    import torch

    path = tmp_path / "eegnet.pth"
    torch.save({"conv_temporal.weight": torch.zeros(8, 1, 1, 64), "final.bias": torch.zeros(2)},
               path)
    return str(path)


def _truncated_checkpoint(tmp_path, source):
    data = open(source, "rb").read()
    path = tmp_path / "cut.pth"
    path.write_bytes(data[: len(data) // 3])
    return str(path)


def _pipeline_with_typo(tmp_path, monkeypatch):
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "ts_svm.yml").write_text("name: ts_svm\npipline:\n  - from: sklearn.svm\n"
                                       "    name: SVC\n")
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(folder))


CLI_CASES = {
    "unknown model": (["run", "--models", "cspp_lda"], "did you mean csp_lda"),
    "unknown dataset": (["run", "--datasets", "BNCI201401"], "did you mean BNCI2014001"),
    "unknown protocol": (["run", "--protocol", "loso_x"], "unknown protocol"),
    "bad seeds": (["run", "--seeds", "a,b"], "bad seed 'a'"),
    "reversed subjects": (["run", "--subjects", "3-1"], "end is before the start"),
    "absent subject": (["run", *DEMO[:2], "--subjects", "7"], "fix --subjects"),
    "bad train size": (["run", "--train-size", "1.5"], "--train-size must be between 0 and 1"),
    "bad shots": (["run", "--protocol", "fewshot", "--shots", "0,2"],
                  "--shots must be positive integers"),
    "shots without a shots protocol": (["run", "--shots", "2"], "add --protocol fewshot"),
    "zero jobs": (["run", *DEMO, "--jobs", "0"], "--jobs must be at least 1"),
    "jobs with a scheduler": (["run", *DEMO, "--jobs", "2", "--scheduler", "tcp://x:1"],
                              "drop --jobs"),
    "unreachable scheduler": (["run", *DEMO, "--scheduler", "tcp://127.0.0.1:9"],
                              "cannot reach a Dask scheduler"),
    "checkpoint for a model not run": (["run", *DEMO, "--checkpoint", "labram=x.pth"],
                                       "not among --models"),
    "checkpoint of another model": (["run", *DEMO, "--models", "mirepnet", "--checkpoint",
                                     _wrong_model_checkpoint], "is not a MIRepNet checkpoint"),
    "truncated checkpoint": (["run", *DEMO, "--models", "mirepnet", "--checkpoint",
                              _truncated_checkpoint], "truncated or corrupt"),
    "pipeline file with a typo": (["run", *DEMO], "unknown key 'pipline'; did you mean 'pipeline'"),
    "unknown plug-in": (["run", "--plugin", "no_such_module"], "cannot import model plug-in"),
    "unknown template": (["run", "--template", "nearest"], "invalid choice"),
    "report of nothing": (["report", "/nonexistent/folder"], "no results in"),
    "unknown metric": (["run", *DEMO, "--metric", "acuracy"], "did you mean 'accuracy'"),
    "misspelt loss metric": (["run", *DEMO, "--metric", "logloss"], "did you mean 'log_loss'"),
    "unknown preset": (["run", *DEMO, "--preset", "mobab"], "unknown --preset 'mobab'"),
    "bad window": (["run", *DEMO, "--window", "0-4"], "give START,END in seconds"),
    "reversed window": (["run", *DEMO, "--window", "4,0"], "need 0 <= START < END"),
    "endless window": (["run", *DEMO, "--window", "0,inf"], "need 0 <= START < END"),
    "verify of nothing": (["verify", "/nonexistent/folder"], "no results folder"),
}


@pytest.mark.parametrize("case", [  # the unreachable scheduler: dask's 10 s connect timeout
    pytest.param(c, marks=pytest.mark.slow) if c == "unreachable scheduler" else c
    for c in CLI_CASES])
def test_command_line_mistakes(case, capsys, tmp_path, monkeypatch, request):
    argv, message = CLI_CASES[case]
    if case == "pipeline file with a typo":
        _pipeline_with_typo(tmp_path, monkeypatch)
    argv = [a(tmp_path) if a is _wrong_model_checkpoint else
            a(tmp_path, request.getfixturevalue("mirepnet_checkpoint"))
            if a is _truncated_checkpoint else a for a in argv]
    if argv[0] == "run":
        argv += ["--out", str(tmp_path / "out")]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own one-line usage error
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert message in err[-1] and err[-1].startswith(("error: ", "python -m benchmark run: error"))
    assert not any("Traceback" in line for line in err)


def test_unwritable_out(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", *DEMO, "--out", str(blocker / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert "pass a writable --out" in err and "\n" not in err


class DamagedSynthetic(SyntheticMI):
    """The synthetic data with a recording fault: ``nan`` samples or a ``flat`` channel."""

    def __init__(self, damage="nan", **kwargs):
        self.damage = damage
        super().__init__(**kwargs)

    def _generate_run(self, subject, session, run, params):
        raw = super()._generate_run(subject, session, run, params)
        if subject == 1 and self.damage == "nan":
            raw._data[1, 500:520] = np.nan
        elif subject == 1 and self.damage == "flat":
            raw._data[2] = 0.0
        return raw


def _run_on(spec, tmp_path, protocol="paper", subjects=None, **kw):
    messages = []
    cfg = RunConfig(pipelines=select_pipelines("csp_lda", discover_pipelines()), datasets=[spec],
                    protocol=get_protocol(protocol, **kw), seeds=[0], out=str(tmp_path / "out"),
                    subjects=subjects, cache_dir=str(tmp_path / "cache"))  # loads the files
    summary = run_benchmark(cfg, log=messages.append)
    said = [m for m in messages if not m.startswith("[")]  # not the progress lines
    return summary, said, read_results(tmp_path / "out")


@pytest.mark.parametrize("damage, message", [
    ("nan", "contain NaN or Inf samples (channels Cz)"),
    ("flat", "channel(s) C4 are flat in every trial"),
])
def test_damaged_recordings_are_not_runnable_subjects(tiny_spec, tmp_path, damage, message):
    spec = replace(tiny_spec, name=f"Damaged{damage}",
                   moabb_class="tests.benchmark.test_bad_inputs:DamagedSynthetic",
                   kwargs={**tiny_spec.kwargs, "damage": damage})
    summary, messages, df = _run_on(spec, tmp_path)
    assert summary.done == 1 and len(summary.not_runnable) == 1  # subject 2 still runs
    assert len(messages) == 1 and message in messages[0] and "\n" not in messages[0]
    assert df.set_index("subject").loc[1, "status"] == "not_runnable"


@pytest.mark.realdata
def test_truncated_dataset_file_in_the_moabb_cache(physionet_mne_data, tmp_path):
    from benchmark.datasets import get_dataset_spec

    truncate_copy(physionet_mne_data, "S001R04.edf", 50_000)
    summary, messages, df = _run_on(get_dataset_spec("PhysionetMI"), tmp_path, subjects=[1])
    assert len(summary.not_runnable) == 1 and len(messages) == 1
    assert "S001R04.edf is truncated" in messages[0]
    assert "download --datasets PhysionetMI" in messages[0]


@pytest.mark.realdata
def test_garbage_dataset_file_in_the_moabb_cache(physionet_mne_data, tmp_path):
    from benchmark.datasets import get_dataset_spec

    run4 = next(physionet_mne_data.rglob("S001R04.edf"))
    run4.unlink()
    run4.write_bytes(b"<html>502 Bad Gateway</html>" * 100)  # a proxy's error page, saved
    summary, messages, df = _run_on(get_dataset_spec("PhysionetMI"), tmp_path, subjects=[1])
    assert len(summary.not_runnable) == 1 and len(messages) == 1 and "\n" not in messages[0]
    assert "PhysionetMI subject 1" in messages[0] and "download" in messages[0]


def test_fewer_trials_than_the_protocol_needs(tiny_spec, tmp_path):
    few = replace(tiny_spec, name="FewTrials",
                  kwargs={**tiny_spec.kwargs, "trials_per_class": 4, "variant": "few"})
    summary, messages, df = _run_on(few, tmp_path, protocol="within-session")
    assert summary.done == 0 and len(summary.not_runnable) == 2
    assert "fewer than the 5 folds of within-session; use --protocol paper" in messages[0]
    assert len(messages) == 1 and "\n" not in messages[0]


def test_channel_names_the_template_does_not_know():
    from benchmark.preprocessing import ChannelTemplate

    with pytest.raises(UserError) as info:
        ChannelTemplate(ch_names=["EXG1", "EXG2", "EXG3"]).fit()
    assert "--template spline" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(UserError, match="not in MNE's standard_1005 montage"):
        ChannelTemplate(ch_names=["C3", "EXG2"], method="spline").fit()
