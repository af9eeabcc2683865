"""MIRepNet through the command line: weights, not-runnable reporting, provenance."""

import json

import pandas as pd
import pytest

from benchmark.cli import main

RUN = ["run", "--datasets", "SynBNCI2014004", "--subjects", "1"]


def test_mirepnet_without_weights_is_reported_not_runnable(tmp_path, capsys, hub_cache):
    assert main(RUN + ["--models", "mirepnet", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "0 unit(s) run" in out and "1 not runnable" in out
    assert ("not runnable: mirepnet: MIRepNet weights unavailable" in out
            and "--checkpoint PATH" in out)
    df = pd.read_csv(tmp_path / "results.csv")
    assert df["status"].tolist() == ["not_runnable"] and df["score"].isna().all()


@pytest.mark.slow
def test_mirepnet_with_a_checkpoint_runs_and_records_it(tmp_path, capsys, monkeypatch,
                                                        mirepnet_checkpoint):
    quick = tmp_path / "pipes"
    quick.mkdir()
    (quick / "mirepnet_quick.yml").write_text(
        "name: mirepnet_quick\npreprocessing: {alignment: ea, template: idw}\n"
        "pipeline:\n  - from: models\n    name: mirepnet\n    parameters: {max_epochs: 1}\n")
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(quick))
    out = tmp_path / "res"
    argv = RUN + ["--models", "mirepnet_quick", "--checkpoint", mirepnet_checkpoint,
                  "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "mirepnet_quick: weights" in text and "1 unit(s) run" in text
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["status"] == "ok" and row["n_chans"] == 45
    info = json.loads(row["model_info"])
    assert info["loaded"] == 107 and len(info["sha256"]) == 64 and info["new"] == ["clshead.weight",
                                                                                     "clshead.bias"]
    assert (json.loads(row["pipeline"])["steps"][0]["parameters"]["checkpoint"]
            == mirepnet_checkpoint)


def test_wrong_checkpoint_stops_the_run_with_one_line(tmp_path, capsys):
    bad = tmp_path / "eegnet.pth"
    import torch

    torch.save({"conv_temporal.weight": torch.zeros(8, 1, 64)}, bad)
    assert main(RUN + ["--models", "mirepnet", "--checkpoint", str(bad),
                       "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: eegnet.pth is not a MIRepNet checkpoint") and "\n" not in err


def test_checkpoint_for_models_without_weights_is_refused(tmp_path, capsys, mirepnet_checkpoint):
    assert main(RUN + ["--models", "csp_lda", "--checkpoint", mirepnet_checkpoint,
                       "--out", str(tmp_path)]) == 2
    assert "none of the selected models takes weights" in capsys.readouterr().err
    assert main(RUN + ["--models", "csp_lda", "--checkpoint", f"mirepnet={mirepnet_checkpoint}",
                       "--out", str(tmp_path)]) == 2
    assert "which is not among --models" in capsys.readouterr().err
