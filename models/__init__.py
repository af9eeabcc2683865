"""The model zoo.

Every public module in this package registers its models with
:func:`benchmark.models.registry.register_model`; :func:`load_builtin_models` imports them all
(any new module dropped here is found, nothing else to edit).  Heavy libraries
(torch, braindecode) are imported inside the factories, so listing models is fast.
Private modules (``_name.py``) hold what the models share: the networks, checkpoint
loading, the deep models' training :class:`Recipe` and factory helper (:func:`deep_model`),
and what the command line does with pretrained weights; their public names are exported
here.

Models defined outside the package are plug-ins, found in two ways:

* an installed distribution declares an entry point in the group ``benchmark.models``
  (``[project.entry-points."benchmark.models"] my_models = "my_package.models"``); the
  module is imported with the built-in ones;
* ``python -m benchmark run --plugin my_package.models`` (or :func:`load_plugin`)
  imports a module by name for one run.
"""

from __future__ import annotations

if __name__ != "benchmark.models":  # imported as `models` from the checkout's root
    raise ImportError(
        "the model registry is imported as benchmark.models (`from benchmark.models import "
        "register_model`); the top-level name `models` was retired so that a project's own "
        "models/ folder can never shadow it"
    )

import importlib

from ._checkpoint import CheckpointError
from ._deep import count_parameters, network_facts
from ._precision import PRECISIONS, autocast, check_precision, grad_scaler
from ._discovery import (
    ENTRY_POINT_GROUP,
    load_builtin_models,
    load_entry_point_plugins,
    load_plugin,
)
from ._pretrained import (
    prefetch_weights,
    preflight_weights,
    pretrained_models,
    with_checkpoints,
)
from ._recipe import FINETUNING, Network, Recipe, Signal, deep_model
from ._strategies import (
    GENERIC_STRATEGIES,
    STRATEGIES,
    STRATEGY_OPTIONS,
    WITHOUT_PROBABILITIES,
    check_strategy,
    model_strategies,
    options_for_strategy,
)
from ._template import N_TEMPLATE_CHANNELS
from .registry import (
    KNOWN_TAGS,
    ModelEntry,
    create_model,
    get_model_entry,
    list_models,
    register_model,
)

#: Public names of the private torch modules, imported on first use (PEP 562), so that
#: ``import benchmark.models`` and ``list models`` stay free of torch.
_LAZY = {
    "MIRepNet": "._mirepnet_arch",
    "MIRepNetPretrain": "._mirepnet_arch",
    "MIRepNetWeights": "._mirepnet_weights",
    "FeatureCache": "._adaptation",
}

__all__ = [
    "CheckpointError",
    "ENTRY_POINT_GROUP",
    "FINETUNING",
    "GENERIC_STRATEGIES",
    "STRATEGIES",
    "STRATEGY_OPTIONS",
    "WITHOUT_PROBABILITIES",
    "check_strategy",
    "model_strategies",
    "network_facts",
    "options_for_strategy",
    "KNOWN_TAGS",
    "ModelEntry",
    "N_TEMPLATE_CHANNELS",
    "PRECISIONS",
    "Network",
    "Recipe",
    "Signal",
    "autocast",
    "check_precision",
    "count_parameters",
    "create_model",
    "deep_model",
    "get_model_entry",
    "grad_scaler",
    "list_models",
    "load_builtin_models",
    "load_entry_point_plugins",
    "load_plugin",
    "prefetch_weights",
    "preflight_weights",
    "pretrained_models",
    "register_model",
    "with_checkpoints",
    *_LAZY,
]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name], __name__), name)
