from benchmark.cli import main
from benchmark.model_sizes import parameter_count
from benchmark.pipelines import discover_pipelines


def test_parameter_counts_follow_the_input_shape():
    specs = discover_pipelines()
    assert parameter_count(specs["csp_lda"], 22, 2) is None  # not a network
    assert parameter_count(specs["mirepnet_scratch"], 3, 2) == 5_142_786  # template: 45 channels
    assert parameter_count(specs["mirepnet"], 22, 4) == 5_142_786 + 2 * 257  # via its twin, offline
    two, four = parameter_count(specs["eegnet"], 22, 2), parameter_count(specs["eegnet"], 22, 4)
    assert 1_000 < two < four


def test_list_models_details_prints_sizes(capsys):
    assert main(["list", "models", "--details", "--dataset", "BNCI2014004"]) == 0
    out = capsys.readouterr().out
    assert "params (BNCI2014004)" in out and "5,142,786" in out and "2,818" in out


def test_report_writes_model_sizes(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "--models", "csp_lda", "--datasets", "SynBNCI2014004", "--subjects", "1",
                 "--out", str(out)]) == 0
    assert main(["report", str(out), "--model-sizes"]) == 0
    text = (out / "report" / "model_sizes.md").read_text()
    assert "| csp_lda | — |" in text
