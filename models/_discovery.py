"""Finding the zoo: the package's own model modules, and plug-ins from elsewhere.

Every public module of this package registers its models when imported
(:func:`load_builtin_models` imports them all, so a new module dropped here is found);
plug-ins are modules of other distributions, declared in the entry-point group
``benchmark.models`` or named with ``--plugin`` (:func:`load_plugin`).  Model modules
are imported by name, not by an import statement, so the registry that asks for them
does not depend on them.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from pathlib import Path

from benchmark.errors import UserError

__all__ = ["ENTRY_POINT_GROUP", "load_builtin_models", "load_entry_point_plugins",
           "load_plugin"]

ENTRY_POINT_GROUP = "benchmark.models"
#: Public modules of the package that hold no models.
_NOT_MODELS = ("registry",)

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
        for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if info.name not in _NOT_MODELS and not info.name.startswith("_"):
                importlib.import_module(f"{__package__}.{info.name}")
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
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise UserError(f"cannot import model plug-in {module!r} ({origin}): {exc}; check the "
                        "module path, or install the package that provides it") from None
