"""The model zoo.

Every module in this package registers its models with
:func:`benchmark.models.registry.register_model`; :func:`load_builtin_models` imports them all
(any new module dropped here is found, nothing else to edit).  Heavy libraries
(torch, braindecode) are imported inside the factories, so listing models is fast.

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
import threading
import pkgutil

from .registry import (
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
    "load_plugin",
    "register_model",
]

ENTRY_POINT_GROUP = "benchmark.models"

_LOADED = False
_LOADING = threading.RLock()  # other threads wait until every module is registered


def load_builtin_models() -> None:
    """Import every module of the ``models`` package once (they register themselves).

    Thread-safe: a Dask worker runs units in several threads, and a second thread must
    not see a half-filled registry.  The loading thread itself may re-enter (a model
    module that asks the registry) and returns at once.
    """
    global _LOADED
    with _LOADING:
        if _LOADED:
            return
        _LOADED = True
        for info in pkgutil.iter_modules(__path__):
            if info.name != "registry" and not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        load_entry_point_plugins()


def load_entry_point_plugins() -> list[str]:
    """Import the modules declared in the ``benchmark.models`` entry-point group."""
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        load_plugin(ep.value.split(":")[0], origin=f"entry point {ep.name!r}")
        loaded.append(ep.name)
    return loaded


def load_plugin(module: str, origin: str = "--plugin") -> None:
    """Import a module that registers models; a one-line error if it cannot be imported."""
    from benchmark.errors import UserError

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise UserError(f"cannot import model plug-in {module!r} ({origin}): {exc}; check the "
                        "module path, or install the package that provides it") from None
