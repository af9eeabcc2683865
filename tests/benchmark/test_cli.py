import subprocess
import sys

import pandas as pd
import pytest

from benchmark.cli import main, parse_int_list
from benchmark.errors import UserError


def test_parse_int_list():
    assert parse_int_list("0,2-4,2", "seed") == [0, 2, 3, 4]
    with pytest.raises(UserError):
        parse_int_list("", "seed")


@pytest.mark.slow
def test_run_then_report_end_to_end(tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["run", "--datasets", "SynBNCI2014004", "--subjects", "1,2", "--models",
                 "csp_lda,ts_lr", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "SynBNCI2014004" in printed and "csp_lda" in printed and "4 unit(s) run" in printed
    df = pd.read_csv(out / "results.csv")
    assert len(df) == 4 and df["score"].mean() > 0.6
    assert main(["report", str(out)]) == 0
    assert (out / "report" / "main_table.md").read_text().count("SynBNCI2014004") == 1
    assert (out / "report" / "accuracy.png").stat().st_size > 10_000
    assert (out / "report" / "main_table.csv").exists()


@pytest.mark.slow
def test_list_commands(capsys):
    assert main(["list", "models", "--details"]) == 0
    text = capsys.readouterr().out
    assert "csp_lda" in text and "Lawhern" in text
    assert main(["list", "datasets"]) == 0
    assert "BNCI2014001-4" in capsys.readouterr().out


def test_list_suites_and_protocols(capsys):
    assert main(["list", "suites"]) == 0
    assert "five: BNCI2014001, BNCI2015001, BNCI2014004" in capsys.readouterr().out
    assert main(["list", "protocols"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "paper: The MIRepNet release's downstream protocol." and len(lines) >= 5


@pytest.mark.integration
def test_module_entry_point_prints_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "benchmark", "run", "--models", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: unknown model 'nope'")
    assert "Traceback" not in proc.stderr


def test_download_offline_says_what_failed(tmp_path, monkeypatch, capsys, no_network):
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    assert main(["download", "--datasets", "BNCI2014004,SynAlexMI", "--subjects", "1"]) == 1
    captured = capsys.readouterr()
    assert "SynAlexMI: synthetic, nothing to download" in captured.out
    assert "BNCI2014004: download failed" in captured.err and str(tmp_path) in captured.err


@pytest.mark.slow
def test_fewshot_run_and_learning_curves(tmp_path, capsys):
    out = tmp_path / "fs"
    argv = ["run", "--protocol", "fewshot", "--shots", "1,5,10", "--datasets", "SynBNCI2014004",
            "--subjects", "1,2", "--models", "csp_lda,mdm", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    df = pd.read_csv(out / "results.csv")
    assert set(df["protocol"]) == {"fewshot"} and sorted(df["shots"].unique()) == [1, 5, 10]
    ok = df[df["status"] == "ok"]
    # every model sees the same trials: same calibration/test sizes per (subject, k)
    sizes = (ok.groupby(["subject", "shots", "model"])[["n_train", "n_test"]].first()
             .unstack("model"))
    mdm_train = sizes["n_train"]["mdm"]
    assert (mdm_train == mdm_train.index.get_level_values(1) * 2).all()
    # CSP cannot fit one trial per class: that fold fails, the others of the unit are kept
    csp = df[df["model"] == "csp_lda"].set_index(["subject", "shots"])["status"]
    assert (csp.xs(1, level="shots") == "failed").all()
    assert (csp.xs(10, level="shots") == "ok").all()
    assert main(["report", str(out)]) == 0
    report = out / "report"
    assert (report / "learning_curves.png").stat().st_size > 10_000
    text = (report / "learning_curves.md").read_text()
    assert "SynBNCI2014004, k=1" in text and "SynBNCI2014004, k=10" in text
    assert "largest k per dataset" in (report / "main_table.md").read_text()
    # mirepnet absent: the best model is the reference
    stats = (report / "statistics.md").read_text()
    assert "because mirepnet has no finished units" in stats and "Average rank" in stats
    assert main(argv[:1] + ["--shots", "2"] + argv[5:]) == 2
    assert "--shots applies to the fewshot and loso protocols" in capsys.readouterr().err


@pytest.mark.slow
def test_loso_and_cross_session_from_the_command_line(tmp_path, capsys):
    base = ["run", "--datasets", "SynBNCI2014004,SynAlexMI", "--subjects", "1", "--models",
            "ts_lr", "--quiet"]
    assert main(base + ["--protocol", "loso", "--shots", "5", "--out", str(tmp_path / "l")]) == 0
    df = pd.read_csv(tmp_path / "l" / "results.csv")
    assert sorted(df["shots"].unique()) == [0, 5] and (df["status"] == "ok").all()
    assert (df["n_train"] >= 3 * 60).all()  # the other three subjects' trials
    assert (tmp_path / "l" / "report" / "learning_curves.png").exists()
    assert main(base + ["--protocol", "cross-session", "--out", str(tmp_path / "x")]) == 0
    df = pd.read_csv(tmp_path / "x" / "results.csv")
    ok = df[df["status"] == "ok"]
    assert set(ok["dataset"]) == {"SynBNCI2014004"} and sorted(ok["session"]) == ["0", "1"]
    assert "has one session" in df.loc[df["dataset"] == "SynAlexMI", "error"].iloc[0]
    assert "not runnable: ts_lr" in capsys.readouterr().out


def test_dry_run_lists_the_grid_and_its_cost(tmp_path, capsys):
    out = str(tmp_path / "res")
    base = ["run", "--datasets", "SynBNCI2014004", "--models", "default", "--out", out]
    assert main(base + ["--subjects", "1,2", "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "6 unit(s) in the grid" in text and "0 already stored, 6 to run" in text
    assert "prior (classical)" in text and "total: ~" in text
    assert not (tmp_path / "res").exists()  # a dry run writes nothing
    assert main(base + ["--subjects", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(base + ["--subjects", "1,2", "--dry-run", "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert "3 already stored, 3 to run" in text and "measured here" in text
    assert "with --jobs 2" in text


@pytest.mark.parametrize("mode", ["lines", "bar", "none"])
def test_progress_modes(tmp_path, capsys, mode):
    argv = ["run", "--datasets", "SynBNCI2014004", "--subjects", "1", "--models", "csp_lda,ts_lr",
            "--out", str(tmp_path), "--progress", mode]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.startswith("[")]
    if mode == "lines":
        assert len(lines) == 2
        assert lines[1].startswith("[2/2] SynBNCI2014004 s1 seed0 ts_lr: accuracy")
    else:
        assert not lines
    if mode == "bar":
        assert "2/2" in captured.err and "unit" in captured.err


# -- any MOABB dataset (issue 24) -----------------------------------------------------------
def test_list_datasets_shows_moabbs_facts_and_the_suites(capsys):
    assert main(["list", "datasets"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("Schirrmeister2017"))
    assert line.split()[1:] == ["—", "14", "1", "left_hand,", "right_hand", "128", "500", "0-4",
                                "10.1002/hbm.23730"]
    bci = next(x for x in out.splitlines() if x.strip().startswith("BNCI2014_001"))
    assert "BNCI2014001, BNCI2014001-4" in bci and "2-6" in bci
    assert "moabb-lr: BNCI2014_001, BNCI2014_004," in out and "moabb-mi: " in out
    assert "trajectory_start (one class: choose --classes)" in out  # BNCI2022_001


def test_classes_is_checked_in_one_line(capsys, tmp_path):
    argv = ["run", "--datasets", "FakeDataset", "--models", "csp_lda", "--dry-run"]
    assert main([*argv, "--classes", "left_hand,tongue"]) == 2
    assert capsys.readouterr().err == ("error: dataset FakeDataset has no class tongue; its "
                                       "classes are left_hand, right_hand, feet: fix --classes\n")
    assert main([*argv, "--classes", "feet,left_hand"]) == 0
    assert "results/FakeDataset_feet-left_hand_paper" in capsys.readouterr().out


def test_download_of_a_moabb_suite_offline_says_one_line_per_dataset(tmp_path, monkeypatch,
                                                                     capsys, no_network):
    from benchmark.datasets.moabb_index import suite_members

    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    assert main(["download", "--datasets", "moabb-lr", "--subjects", "1"]) == 1
    err = capsys.readouterr().err
    names = suite_members("moabb-lr")
    # (pooch's own "Downloading data from" lines are its progress; under pytest its handler
    # may write "--- Logging error ---" to a stream an earlier test closed)
    lines = [x for x in err.splitlines() if x.split(": ", 1)[0] in names]
    assert [x.split(": ", 1)[0] for x in lines] == list(names)  # one line each, in order
    by_name = dict(line.split(": ", 1) for line in lines)
    assert by_name["Dreyer2023B"].startswith("has none of the subjects asked for (its "
                                             "subjects: 61-81)")
    assert "licence is accepted" in by_name["Shin2017A"]
    assert "download failed" in by_name["Schirrmeister2017"]
