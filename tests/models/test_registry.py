import pytest

from benchmark.errors import UserError
from benchmark.models import create_model, get_model_entry, list_models, register_model
from benchmark.models import registry


def test_builtin_models_and_tags():
    assert {"csp_lda", "ts_lr", "eegnet"} <= set(list_models())
    assert list_models("csp*") == ["csp_lda"]
    assert ("eegnet" in list_models(tags=["specialist"])
            and "eegnet" not in list_models(tags=["classical"]))
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


@pytest.mark.integration
def test_registry_loads_once_for_concurrent_threads():
    """A Dask worker with several threads: no thread may see a half-filled registry."""
    import subprocess
    import sys

    code = ("import threading\nfrom benchmark.models import get_model_entry\nerrors = []\n"
            "def ask():\n    try:\n        get_model_entry('csp_lda'); get_model_entry('eegnet')\n"
            "    except Exception as exc:\n        errors.append(repr(exc))\n"
            "threads = [threading.Thread(target=ask) for _ in range(8)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\nprint(errors)\n")
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
