"""The model zoo.

Every module in this package registers its models with
:func:`models.registry.register_model`; :func:`load_builtin_models` imports them all
(any new module dropped here is found, nothing else to edit).  Heavy libraries
(torch, braindecode) are imported inside the factories, so listing models is fast.
"""

from __future__ import annotations

import importlib
import pkgutil

from models.registry import (
    KNOWN_TAGS,
    ModelEntry,
    create_model,
    get_model_entry,
    list_models,
    register_model,
)

__all__ = [
    "KNOWN_TAGS",
    "ModelEntry",
    "create_model",
    "get_model_entry",
    "list_models",
    "load_builtin_models",
    "register_model",
]

_LOADED = False


def load_builtin_models() -> None:
    """Import every module of the ``models`` package once (they register themselves)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for info in pkgutil.iter_modules(__path__):
        if info.name != "registry" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
