"""--finetune as an axis of the run: units, rows, the frozen-feature cache, bad input."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.engine import RunConfig, plan_units, run_benchmark
from benchmark.errors import UserError
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol
from benchmark.results import read_results

PROBES = ("ridge_probe", "linear_probe")


def _cfg(spec, out, models="mirepnet_scratch", finetune=PROBES, **kw):
    kw.setdefault("protocol", get_protocol("fewshot", shots=(1, 2)))
    return RunConfig(pipelines=select_pipelines(models, discover_pipelines()), datasets=[spec],
                     seeds=[0], out=str(out), subjects=[1], device="cpu",
                     finetune=finetune, **kw)


def test_full_keeps_the_units_keys_and_strategies_multiply_the_grid(tiny_spec, tmp_path):
    base = plan_units(_cfg(tiny_spec, tmp_path, models="mirepnet_scratch,csp_lda",
                           finetune=None))
    full = plan_units(_cfg(tiny_spec, tmp_path, models="mirepnet_scratch,csp_lda",
                           finetune=("full",)))
    assert [u.uid for u in base] == [u.uid for u in full]  # today's folders stay valid
    grid = plan_units(_cfg(tiny_spec, tmp_path, models="mirepnet_scratch,csp_lda",
                           finetune=("full", "lora", "ridge_probe")))
    assert [(u.pipe.name, u.pipe.strategy) for u in grid] == [
        ("mirepnet_scratch", "full"), ("mirepnet_scratch", "lora"),
        ("mirepnet_scratch", "ridge_probe"), ("csp_lda", "")]
    assert len({u.uid for u in grid}) == 4
    # a strategy other than full carries the meaning it has had since issue 22 in its key
    # and configuration: an older folder's probe rows are neither resumed nor averaged in
    keys = {u.pipe.strategy: u.key for u in grid}
    assert "adaptation" not in keys["full"] and "adaptation" not in keys[""]
    assert keys["lora"]["adaptation"] == keys["ridge_probe"]["adaptation"] == 2


@pytest.fixture(scope="module")
def probe_runs(tmp_path_factory):
    """The two probes of mirepnet_scratch, few-shot k = 1, 2, with and without the cache."""
    from benchmark.datasets import get_dataset_spec

    spec = get_dataset_spec("SynBNCI2014004")  # a catalogue set: verify re-derives it
    root = tmp_path_factory.mktemp("probes")
    runs = {}
    for cached in (True, False):
        summary = run_benchmark(_cfg(spec, root / str(cached), feature_cache=cached),
                                log=lambda m: None)
        assert summary.done == 2 and not summary.failed
        runs[cached] = root / str(cached)
    return runs


def _rows(folder):
    df = read_results(folder)
    df["features"] = [json.loads(t)["features"] for t in df["model_info"]]
    return df.sort_values(["finetune", "shots"]).reset_index(drop=True)


def test_the_cache_serves_the_held_out_trials_across_shots_and_probe_kinds(probe_runs):
    df = _rows(probe_runs[True])
    n_test = int(df["n_test"].iloc[0])
    assert (df["n_test"] == n_test).all()  # every k scored on the same held-out trials
    by = {(r.finetune, int(r.shots)): r.features for r in df.itertuples()}
    # ridge_probe ran first: k = 1 computes all, k = 2 only its 4 calibration trials (their
    # alignment is fitted on the k = 2 set: other inputs, other features)
    assert by[("ridge_probe", 1)] == {"forwarded": n_test + 2, "reused": 0}
    assert by[("ridge_probe", 2)] == {"forwarded": 4, "reused": n_test}
    # linear_probe then finds every trial of both folds
    assert by[("linear_probe", 1)] == {"forwarded": 0, "reused": n_test + 2}
    assert by[("linear_probe", 2)] == {"forwarded": 0, "reused": n_test + 4}
    assert set(df["n_trainable"]) == {257, 514}  # ridge: 256 + 1; linear: 256 x 2 + 2


def test_rows_with_and_without_the_cache_are_the_same(probe_runs):
    from benchmark.predictions import read_unit_predictions, unit_records

    a, b = _rows(probe_runs[True]), _rows(probe_runs[False])
    assert list(a["unit_id"]) == list(b["unit_id"]) and list(a["split"]) == list(b["split"])
    np.testing.assert_allclose(a["score"], b["score"], atol=1e-6, rtol=0)
    assert all(f["reused"] == 0 for f in b["features"])
    ra, rb = unit_records(probe_runs[True]), unit_records(probe_runs[False])
    for uid in ra:
        pa = read_unit_predictions(probe_runs[True] / "units", ra[uid], uid)
        pb = read_unit_predictions(probe_runs[False] / "units", rb[uid], uid)
        for fold in pa:
            scores_a = pa[fold].proba if pa[fold].proba is not None else pa[fold].decision
            scores_b = pb[fold].proba if pb[fold].proba is not None else pb[fold].decision
            np.testing.assert_allclose(scores_a, scores_b, atol=1e-6, rtol=0)


def test_the_folder_verifies_and_reports_each_strategy_apart(probe_runs, capsys):
    folder = probe_runs[True]
    assert main(["verify", str(folder)]) == 0
    assert main(["report", str(folder), "--no-verify"]) == 0
    out = capsys.readouterr().out
    assert "mirepnet_scratch · linear_probe" in out and "mirepnet_scratch · ridge_probe" in out
    report = folder / "report"
    table = pd.read_csv(report / "adaptation.csv")
    assert sorted(table["finetune"]) == ["linear_probe", "ridge_probe"]
    assert (report / "adaptation.png").is_file()
    main_numbers = pd.read_csv(report / "main_table.csv")
    assert sorted(main_numbers["model"]) == ["mirepnet_scratch · linear_probe",
                                             "mirepnet_scratch · ridge_probe"]
    assert "Adaptation strategies" in (report / "index.html").read_text()


def test_bad_finetune_input_is_one_line(tmp_path, capsys):
    base = ["run", "--datasets", "SynAlexMI", "--subjects", "1", "--out", str(tmp_path / "o")]
    assert main([*base, "--models", "csp_lda", "--finetune", "lora"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none of the models asked for (csp_lda) takes --finetune lora " \
        "(taken by lora: bendr, bendr_scratch, biot, biot_scratch, ...)" in err[0]
    assert err[0].endswith("add --models foundation or drop --finetune")
    assert main([*base, "--models", "labram", "--finetune", "frozen_embedding"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "(taken by frozen_embedding: mirepnet, mirepnet_scratch)" in err[0]
    assert err[0].endswith("add --models mirepnet,mirepnet_scratch or drop --finetune")
    assert main([*base, "--models", "mirepnet_scratch", "--finetune", ","]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--finetune names no strategy; give one or more of full" in err[0]
    assert main([*base, "--models", "mirepnet_scratch", "--finetune", "lorra"]) == 2
    err = capsys.readouterr().err
    assert "unknown --finetune strategy 'lorra': did you mean 'lora'" in err
    from benchmark.models import check_strategy

    with pytest.raises(UserError, match="does not apply for cbramod_scratch"):
        check_strategy("frozen_embedding", ("full",), "cbramod_scratch")


def test_lora_options_on_a_probe_in_a_pipeline_file_stop_the_run(tmp_path, capsys,
                                                                monkeypatch):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "mirepnet_ridge.yml").write_text(
        "name: mirepnet_ridge\npreprocessing: {alignment: ea, template: idw}\npipeline:\n"
        "  - from: models\n    name: mirepnet_scratch\n"
        "    parameters: {finetune: ridge_probe, lora_r: 8}\n")
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(recipes))
    assert main(["run", "--models", "mirepnet_ridge", "--datasets", "SynAlexMI", "--subjects",
                 "1", "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("error: mirepnet_scratch: lora_r belong to dora/lora, not to finetune "
                       "'ridge_probe'; drop them from the pipeline file or choose that "
                       "strategy")
    # --finetune gives that file's model other strategies; lora keeps its rank
    from benchmark.pipelines import discover_pipelines

    spec = discover_pipelines()["mirepnet_ridge"]
    assert spec.with_strategy("lora").steps[0]["parameters"] == {"finetune": "lora",
                                                                 "lora_r": 8}
    assert spec.with_strategy("linear_probe").steps[0]["parameters"] == {
        "finetune": "linear_probe"}


def test_ridge_probe_is_left_out_where_the_metric_needs_probabilities(tiny_spec, tmp_path):
    """RidgeClassifierCV has decision scores, no probabilities: under the losses, ECE and
    multi-class ROC-AUC it is left out with one line (never a failed row); binary ROC-AUC
    ranks its decision scores."""
    from benchmark.datasets import get_dataset_spec
    from benchmark.engine import strategy_pipelines

    cfg = _cfg(tiny_spec, tmp_path, metric="log_loss")
    pipes, left = strategy_pipelines(cfg)
    assert [p.strategy for p in pipes] == ["linear_probe"]
    assert left == ["mirepnet_scratch: --finetune ridge_probe left out (--metric log_loss "
                    "needs class probabilities here, and its classifier gives decision "
                    "scores only)"]
    assert {u.pipe.strategy for u in plan_units(cfg)} == {"linear_probe"}
    binary = get_dataset_spec("SynBNCI2014004")
    assert len(strategy_pipelines(_cfg(binary, tmp_path, metric="roc_auc"))[0]) == 2
    four = get_dataset_spec("SynBNCI2014001-4")
    assert len(four.classes) > 2
    assert [p.strategy for p in strategy_pipelines(
        _cfg(four, tmp_path, metric="roc_auc"))[0]] == ["linear_probe"]
    with pytest.raises(UserError, match="nothing left to run: mirepnet_scratch: --finetune "
                                        "ridge_probe left out"):
        _cfg(tiny_spec, tmp_path, metric="brier", finetune=("ridge_probe",))


def test_rows_from_before_the_finetune_column_report_their_strategy(probe_runs, tmp_path,
                                                                    capsys):
    """A folder continued with --finetune holds rows stored before rows had ``finetune``:
    the report takes their strategy from their pipeline (``full`` where it names none)."""
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(probe_runs[True], folder)
    for path in (folder / "units").glob("*.json"):
        record = json.loads(path.read_text())
        for row in record["rows"]:
            row.pop("finetune", None)
        path.write_text(json.dumps(record))
    (folder / "results.csv").unlink(missing_ok=True)
    assert "finetune" not in read_results(folder) or \
        read_results(folder)["finetune"].fillna("").eq("").all()
    assert main(["report", str(folder), "--no-verify"]) == 0
    table = pd.read_csv(folder / "report" / "adaptation.csv")
    assert sorted(table["finetune"]) == ["linear_probe", "ridge_probe"]
    assert "mirepnet_scratch · ridge_probe" in capsys.readouterr().out
    from benchmark.engine import row_strategies

    plain = pd.DataFrame({"pipeline": [json.dumps({
        "name": "mirepnet_scratch", "steps": [{"from": "models", "name": "mirepnet_scratch",
                                               "parameters": {}}]}), json.dumps({
        "name": "csp_lda", "steps": [{"from": "pyriemann", "name": "Covariances",
                                      "parameters": {}}]})]})
    assert row_strategies(plain) == ["full", ""]  # a foundation model's default; none


def test_a_reused_models_rows_count_each_folds_own_features(tmp_path):
    """loso on every session scores one fitted probe on each target session: each row
    counts the trials its own fold forwarded, and the rows add up to what ran."""
    from benchmark.datasets import get_dataset_spec

    cfg = _cfg(get_dataset_spec("FakeDataset"), tmp_path, finetune=("ridge_probe",),
               protocol=get_protocol("loso", sessions="all"))
    cfg.subjects = [1]
    run_benchmark(cfg, log=lambda m: None)
    df = _rows(tmp_path).sort_values("session")
    assert (df["status"] == "ok").all() and list(df["session"].astype(str)) == ["0", "1"]
    first, second = df["features"].iloc[0], df["features"].iloc[1]
    n_test = df["n_test"].astype(int).tolist()
    n_train = int(df["n_train"].iloc[0])
    assert first == {"forwarded": n_train + n_test[0], "reused": 0}  # the fit and test 0
    assert second == {"forwarded": n_test[1], "reused": 0}  # only its own test trials
