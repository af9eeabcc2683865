"""Models defined outside the package: --plugin and the benchmark.models entry points."""

import textwrap

import pandas as pd

from benchmark.cli import main

PLUGIN = textwrap.dedent('''
    from benchmark.models.registry import register_model

    @register_model(tags=("classical",), paper="a test plug-in")
    def {name}(n_chans=None, n_outputs=None, n_times=None, sfreq=None, chs_info=None):
        """Tangent space + LDA, defined outside the package."""
        from pyriemann.estimation import Covariances
        from pyriemann.tangentspace import TangentSpace
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.pipeline import make_pipeline
        return make_pipeline(Covariances("oas"), TangentSpace(), LinearDiscriminantAnalysis())
''')


def test_plugin_module_runs_through_the_engine(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_plugin_models.py").write_text(PLUGIN.format(name="plugin_ts_lda"))
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "res"
    assert main(["run", "--plugin", "my_plugin_models", "--models", "plugin_ts_lda",
                 "--datasets", "SynBNCI2014004", "--subjects", "1", "--out", str(out)]) == 0
    df = pd.read_csv(out / "results.csv")
    assert df["model"].tolist() == ["plugin_ts_lda"] and df["status"].tolist() == ["ok"]
    assert df["score"].iloc[0] > 0.5


def test_entry_point_plugin_is_found(tmp_path, monkeypatch, capsys):
    from benchmark import models

    (tmp_path / "ep_plugin_models.py").write_text(PLUGIN.format(name="entry_point_ts_lda"))
    dist = tmp_path / "ep_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[benchmark.models]\nep_plugin = ep_plugin_models\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "ep_plugin" in models.load_entry_point_plugins()
    assert "entry_point_ts_lda" in models.list_models("entry_point_*")


def test_missing_plugin_is_one_line(capsys):
    assert main(["list", "models", "--plugin", "no_such_module_xyz"]) == 2
    err = capsys.readouterr().err.strip()
    assert (err.startswith("error: cannot import model plug-in 'no_such_module_xyz'")
            and "\n" not in err)
