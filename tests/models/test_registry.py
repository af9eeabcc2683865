import pytest

from benchmark.errors import UserError
from models import create_model, get_model_entry, list_models, register_model
from models import registry


def test_builtin_models_and_tags():
    assert {"csp_lda", "ts_lr", "eegnet"} <= set(list_models())
    assert list_models("csp*") == ["csp_lda"]
    assert "eegnet" in list_models(tags=["specialist"]) and "eegnet" not in list_models(tags=["classical"])
    assert get_model_entry("EEGNet").paper.startswith("Lawhern")


def test_did_you_mean():
    with pytest.raises(UserError, match="did you mean eegnet"):
        create_model("eegnett")


def test_register_a_model_in_one_place(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @register_model(tags=("classical",), paper="Fisher 1936")
    def my_lda(n_chans=None, n_outputs=None, n_times=None, sfreq=None, chs_info=None):
        """LDA on log-variance."""
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        return LinearDiscriminantAnalysis()

    assert "my_lda" in list_models("my_*")
    assert type(create_model("my_lda")).__name__ == "LinearDiscriminantAnalysis"
    with pytest.raises(ValueError, match="already registered"):
        register_model(lambda **kw: None, name="my_lda")
