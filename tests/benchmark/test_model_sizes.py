import pytest

from benchmark.cli import main
from benchmark.datasets import get_dataset_spec
from benchmark.model_sizes import input_shape, parameter_count
from benchmark.pipelines import discover_pipelines


def _braindecode_eegnet_size(n_chans: int, n_outputs: int) -> int:
    """Parameters of braindecode's EEGNet for the input the eegnet pipeline gives it,
    derived from the pipeline file and the paper's preprocessing, not from
    ``benchmark.model_sizes`` (whose ``input_shape`` is what is checked)."""
    from braindecode.models import EEGNet

    from benchmark.preprocessing import TEMPLATE_CHANNELS

    template = discover_pipelines()["eegnet"].preprocessing.get("template", "idw")
    chans = n_chans if template == "none" else len(TEMPLATE_CHANNELS)
    n_times, sfreq = 4 * 250, 250.0  # the paper's 4 s windows at 250 Hz
    assert input_shape(discover_pipelines()["eegnet"], n_chans) == (chans, n_times, sfreq)
    net = EEGNet(n_chans=chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq)
    return int(sum(p.numel() for p in net.parameters()))


def test_parameter_counts_follow_the_input_shape():
    specs = discover_pipelines()
    assert parameter_count(specs["csp_lda"], 22, 2) is None  # not a network
    # MIRepNet is the suite's own network (models/_mirepnet_arch.py): its size is a fact of it
    assert parameter_count(specs["mirepnet_scratch"], 3, 2) == 5_142_786  # template: 45 channels
    assert parameter_count(specs["mirepnet"], 22, 4) == 5_142_786 + 2 * 257  # via its twin, offline
    two, four = parameter_count(specs["eegnet"], 22, 2), parameter_count(specs["eegnet"], 22, 4)
    # EEGNet is braindecode's: its size is that of the network built, whatever the version
    assert (two, four) == (_braindecode_eegnet_size(22, 2), _braindecode_eegnet_size(22, 4))
    assert 1_000 < two < four < 10_000  # EEGNet-8,2: a few thousand (Lawhern et al. 2018)


@pytest.mark.slow
def test_list_models_details_prints_sizes(capsys):
    assert main(["list", "models", "--details", "--dataset", "BNCI2014004"]) == 0
    out = capsys.readouterr().out
    spec = get_dataset_spec("BNCI2014004")
    eegnet = _braindecode_eegnet_size(spec.n_chans, len(spec.classes))
    assert "params (BNCI2014004)" in out and "5,142,786" in out and f"{eegnet:,}" in out


def test_report_writes_model_sizes(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "--models", "csp_lda", "--datasets", "SynBNCI2014004", "--subjects", "1",
                 "--out", str(out)]) == 0
    assert main(["report", str(out), "--model-sizes"]) == 0
    text = (out / "report" / "model_sizes.md").read_text()
    assert "| csp_lda | — |" in text
