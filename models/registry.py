"""A timm-style model registry.

Every model of the zoo is a factory decorated with :func:`register_model` in the
module that defines it.  A factory takes the shape of the data it will see
(``n_chans, n_outputs, n_times, sfreq, chs_info``) plus hyper-parameters and returns
a scikit-learn compatible estimator that maps arrays ``(n_trials, n_chans, n_times)``
to labels.

Examples
--------
>>> from benchmark.models import create_model, list_models
>>> list_models("csp*")
['csp_lda']
>>> clf = create_model("csp_lda", n_chans=22, n_outputs=2, n_times=1000, sfreq=250.0)
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from benchmark.errors import UserError, did_you_mean
from ._discovery import load_builtin_models

__all__ = [
    "ModelEntry",
    "register_model",
    "create_model",
    "list_models",
    "get_model_entry",
    "KNOWN_TAGS",
]

KNOWN_TAGS = ("classical", "specialist", "foundation", "heavy", "deep")


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows of one model.

    Attributes
    ----------
    name : str
        Registry name, lower case (``"csp_lda"``).
    factory : callable
        Builds the estimator.
    tags : tuple of str
        Free tags; :data:`KNOWN_TAGS` are the ones the CLI documents.
    paper : str
        Reference of the paper that introduced the model.
    pretrained : str or None
        Where pretrained weights come from, if any.
    module : str
        Python module that registered the model.
    """

    name: str
    factory: Callable[..., Any]
    tags: tuple[str, ...] = ()
    paper: str = ""
    pretrained: str | None = None
    module: str = ""
    description: str = field(default="")
    n_chans: int | None = None  # the only channel count the model accepts, if fixed


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    tags: Iterable[str] = (),
    paper: str = "",
    pretrained: str | None = None,
    n_chans: int | None = None,
):
    """Register a model factory (usable bare or with keyword arguments).

    Parameters
    ----------
    fn : callable
        The factory. Its name is the registry name unless ``name`` is given.
    name : str, optional
        Registry name.
    tags : iterable of str
        Tags such as ``"classical"``, ``"specialist"``, ``"foundation"``, ``"heavy"``.
    paper : str
        Reference of the model's paper, shown by ``list models --details``.
    pretrained : str, optional
        Source of pretrained weights.
    n_chans : int, optional
        The only channel count the model accepts (MIRepNet: the 45-channel template).

    Raises
    ------
    ValueError
        If the name is already taken by another factory.
    """

    def decorator(factory: Callable[..., Any]) -> Callable[..., Any]:
        key = (name or factory.__name__).lower()
        previous = _REGISTRY.get(key)
        if previous is not None and previous.factory.__qualname__ != factory.__qualname__:
            raise ValueError(
                f"model name {key!r} is already registered by {previous.module}; "
                "choose another name"
            )
        doc = (factory.__doc__ or "").strip().splitlines()
        _REGISTRY[key] = ModelEntry(
            name=key,
            factory=factory,
            tags=tuple(tags),
            paper=paper,
            pretrained=pretrained,
            module=factory.__module__,
            description=doc[0] if doc else "",
            n_chans=n_chans,
        )
        return factory

    if fn is not None:
        return decorator(fn)
    return decorator


def _unknown(name: str, choices: Iterable[str], what: str = "model") -> UserError:
    choices = sorted(choices)
    hint = did_you_mean(name.lower(), choices, n=3, cutoff=0.5, quote=False)
    return UserError(
        f"unknown {what} {name!r}: {hint}"
        f"`python -m benchmark list {what}s` shows the {len(choices)} available"
    )


def get_model_entry(name: str) -> ModelEntry:
    """Return the :class:`ModelEntry` of ``name`` or raise a "did you mean" error."""
    load_builtin_models()
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise _unknown(name, _REGISTRY) from None


def create_model(name: str, **kwargs: Any) -> Any:
    """Build the estimator registered as ``name``.

    Parameters
    ----------
    name : str
        Registry name.
    **kwargs
        Passed to the factory: the data shape (``n_chans``, ``n_outputs``,
        ``n_times``, ``sfreq``, ``chs_info``) and hyper-parameters.

    Returns
    -------
    estimator
        A scikit-learn compatible classifier.
    """
    return get_model_entry(name).factory(**kwargs)


def list_models(pattern: str | Iterable[str] = "*", tags: Iterable[str] = ()) -> list[str]:
    """Sorted registry names matching glob ``pattern`` (or any of several) and all ``tags``."""
    load_builtin_models()
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    wanted = set(tags)
    return sorted(
        key
        for key, entry in _REGISTRY.items()
        if any(fnmatch.fnmatchcase(key, p.lower()) for p in patterns)
        and wanted.issubset(entry.tags)
    )
