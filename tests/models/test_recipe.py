"""One training recipe and one factory for the deep models (issue 15).

The tables below were read from the factories before they shared :class:`Recipe`
(``models/eegnet.py``, ``specialists.py``, ``adfcnn.py``, ``edpnet.py``, ``mirepnet.py``,
``foundation.py``): every model keeps its defaults and the parameters it accepts.
"""

import inspect

import pytest

from benchmark.models import Recipe, create_model, deep_model, get_model_entry, list_models
from benchmark.pipelines import discover_pipelines

FOUNDATION = ("biot", "bendr", "labram", "cbramod", "eegpt")
# model -> (max_epochs, batch_size, lr, weight_decay, optimizer, scheduler), as before
OLD_DEFAULTS = {
    "eegnet": (100, 8, 1e-3, 0.0, "adamw", "cosine"),
    "shallowconvnet": (100, 8, 1e-3, 0.0, "adamw", "cosine"),
    "deepconvnet": (100, 8, 1e-3, 0.0, "adamw", "cosine"),
    "ifnet": (100, 8, 1e-3, 0.0, "adamw", "cosine"),
    "eegconformer": (100, 8, 1e-3, 0.0, "adam", "cosine"),
    "fbcnet": (100, 8, 1e-3, 0.0, "adam", "cosine"),
    "atcnet": (100, 8, 1e-3, 0.0, "adam", "cosine"),
    "adfcnn": (100, 8, 1e-3, 0.0, "adamw", "cosine"),
    "edpnet": (100, 8, 1e-3, 1e-2, "adam", "cosine"),
    "mirepnet": (10, 8, 1e-3, 1e-6, "adam", "cosine"),
    "mirepnet_scratch": (10, 8, 1e-3, 1e-6, "adam", "cosine"),
    **{f"{n}{s}": (10, 8, 1e-3, 1e-6, "adam", "cosine") for n in FOUNDATION
       for s in ("", "_scratch")},
}

_SIGNAL = "n_chans: 'int', n_outputs: 'int', n_times: 'int', sfreq: 'float', chs_info=None, *, "
_SPECIALIST = (_SIGNAL + "max_epochs: 'int' = 100, batch_size: 'int' = 8, lr: 'float' = 0.001, "
               "weight_decay: 'float' = {wd}, device: 'str | None' = None, "
               "precision: 'str' = 'fp32', **module_kwargs")
# the adaptation strategies' options (issue 22), after the model's own
_ADAPTATION = ("lora_r: 'int | None' = None, lora_alpha: 'float | None' = None, "
               "lora_dropout: 'float | None' = None, lp_epochs: 'int | None' = None, "
               "lp_lr: 'float | None' = None, ft_lr: 'float | None' = None, ")
_FOUNDATION = (_SIGNAL + "{checkpoint}finetune: 'str' = 'full', " + _ADAPTATION
               + "max_epochs: 'int' = 10, batch_size: 'int' = 8, "
               "lr: 'float' = 0.001, weight_decay: 'float' = 1e-06, optimizer: 'str' = 'adam', "
               "device: 'str | None' = None, precision: 'str' = 'fp32', feature_cache=None")
_MIREPNET = (_SIGNAL + "{options}finetune: 'str' = 'full', " + _ADAPTATION
             + "max_epochs: 'int' = 10, "
             "batch_size: 'int' = 8, lr: 'float' = 0.001, weight_decay: 'float' = 1e-06, "
             "device: 'str | None' = None, precision: 'str' = 'fp32', feature_cache=None, "
             "**module_kwargs")
# model -> its factory's signature, as before (plus --precision, issue 16; the adaptation
# strategies and the feature cache of the foundation models, issue 22)
OLD_SIGNATURES = {
    **{n: _SPECIALIST.format(wd="0.0") for n in ("eegnet", "shallowconvnet", "deepconvnet",
                                                   "ifnet", "eegconformer", "fbcnet", "atcnet",
                                                   "adfcnn")},
    "edpnet": _SPECIALIST.format(wd="0.01"),
    "mirepnet": _MIREPNET.format(options="checkpoint: 'str' = 'hub', "
                                         "load_head: 'bool | None' = None, "),
    "mirepnet_scratch": _MIREPNET.format(options=""),
    **{n: _FOUNDATION.format(checkpoint="checkpoint: 'str' = 'hub', ") for n in FOUNDATION},
    **{f"{n}_scratch": _FOUNDATION.format(checkpoint="") for n in FOUNDATION},
}


def test_the_tables_cover_every_deep_model():
    assert set(OLD_DEFAULTS) == set(OLD_SIGNATURES) == set(list_models(tags=["deep"]))


@pytest.mark.parametrize("name", sorted(OLD_DEFAULTS))
def test_each_deep_model_keeps_its_recipe_and_signature(name):
    factory = get_model_entry(name).factory
    fields = ("max_epochs", "batch_size", "lr", "weight_decay", "optimizer", "scheduler")
    assert factory.recipe == Recipe(**dict(zip(fields, OLD_DEFAULTS[name])))
    assert str(inspect.signature(factory)) == f"({OLD_SIGNATURES[name]})"


def test_every_pipeline_parameter_is_accepted():
    checked = 0
    for name, spec in discover_pipelines().items():
        for step in spec.steps:
            if step["from"] != "models":
                continue
            signature = inspect.signature(get_model_entry(step["name"]).factory)
            signature.bind(n_chans=22, n_outputs=2, n_times=1000, sfreq=250.0,
                           **(step.get("parameters") or {}))  # TypeError if one is refused
            checked += 1
    assert checked >= 20


def test_the_estimator_follows_the_recipe():
    import torch

    est = create_model("eegnet", n_chans=3, n_outputs=2, n_times=500, sfreq=250.0,
                       device="cpu", lr=0.002)
    assert (est.max_epochs, est.batch_size, est.optimizer) == (100, 8, torch.optim.AdamW)
    assert (est.optimizer__lr, est.optimizer__weight_decay) == (0.002, 0.0)
    assert dict(est.callbacks)["lr_scheduler"].T_max == 100
    est = create_model("edpnet", n_chans=3, n_outputs=2, n_times=500, sfreq=250.0,
                       device="cpu", max_epochs=7)
    assert (est.max_epochs, est.optimizer, est.optimizer__weight_decay) == (7, torch.optim.Adam,
                                                                            1e-2)
    assert dict(est.callbacks)["lr_scheduler"].T_max == 7


def test_a_refused_parameter_names_the_model():
    with pytest.raises(TypeError, match=r"^biot_scratch\(\) got an unexpected keyword argument "
                                        "'load_head'"):
        create_model("biot_scratch", n_chans=22, n_outputs=2, n_times=500, sfreq=250.0,
                     load_head=True)


def test_deep_model_builds_a_factory_from_a_network_function():
    from benchmark.models import Network

    @deep_model(Recipe(max_epochs=3, optimizer="adam"))
    def tiny(signal, *, depth: int = 1) -> Network:
        """A test network."""
        from braindecode.models import EEGNet

        assert (signal.n_chans, signal.n_outputs) == (3, 2) and depth == 2
        return Network(EEGNet, {"F1": 4, "D": 1, "F2": 4})

    assert tiny.__name__ == "tiny" and tiny.__doc__ == "A test network."
    assert list(inspect.signature(tiny).parameters) == [
        "n_chans", "n_outputs", "n_times", "sfreq", "chs_info", "depth", "max_epochs",
        "batch_size", "lr", "weight_decay", "device", "precision", "module_kwargs"]
    est = tiny(3, 2, 500, 250.0, depth=2, batch_size=4, device="cpu", drop_prob=0.1)
    assert (est.max_epochs, est.batch_size, est.module__F1, est.module__drop_prob) == (3, 4, 4,
                                                                                       0.1)
