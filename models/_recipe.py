"""The training recipe of the deep models, and the one factory helper that builds them.

Every deep model of the zoo is a network trained with a recipe (epochs, batch size,
optimizer, learning rate, weight decay, cosine schedule).  Its registry factory takes
the signal's shape, the model's own options (a checkpoint, a fine-tuning mode), the
recipe's fields, a device, a precision and, for most models, extra module arguments.
:func:`deep_model` writes that factory once, from a :class:`Recipe` (the model's
defaults) and a function that says which network to train; a pipeline file sets the
recipe per model (its ``parameters:``).

The factory's signature is built from the recipe (``inspect.Signature``), so each
model states its defaults and accepted parameters exactly (the engine reads them, e.g.
to know which models take a ``checkpoint``) without the eight copies of one signature
the zoo once had.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple

from ._deep import braindecode_classifier, head_classifier_class, recipe_training

__all__ = ["FINETUNING", "RECIPE_PARAMETERS", "Network", "Recipe", "Signal", "deep_model"]

#: Recipe fields every deep model's factory takes as parameters.
RECIPE_PARAMETERS = ("max_epochs", "batch_size", "lr", "weight_decay")


@dataclass(frozen=True)
class Recipe:
    """How a deep model is trained by default (a pipeline file overrides the parameters).

    Attributes
    ----------
    max_epochs : int
        Training epochs.
    batch_size : int
        Trials per batch (capped at the number of calibration trials).
    lr : float
        Learning rate.
    weight_decay : float
        Weight decay of the optimizer.
    optimizer : {"adamw", "adam"}
        torch's ``AdamW`` or ``Adam``.
    scheduler : {"cosine", None}
        Cosine annealing of the learning rate over ``max_epochs``, or a constant rate.
    """

    max_epochs: int = 100
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adamw"
    scheduler: str | None = "cosine"


#: The MIRepNet paper's fine-tuning recipe, used for every foundation model: 10 epochs,
#: batch 8, Adam with learning rate 1e-3 and weight decay 1e-6, cosine schedule.
FINETUNING = Recipe(max_epochs=10, weight_decay=1e-6, optimizer="adam")


class Signal(NamedTuple):
    """braindecode's signal parameters: what a factory learns of the data."""

    n_chans: int
    n_outputs: int
    n_times: int
    sfreq: float
    chs_info: list | None = None


@dataclass(frozen=True)
class Network:
    """What a deep model trains: a braindecode-style module class, its extra arguments,
    and pretrained weights applied to every fresh module (``apply(module)``), if any."""

    module: type
    kwargs: dict[str, Any] = field(default_factory=dict)
    init_weights: Any = None


_P = inspect.Parameter
_SIGNAL = [_P("n_chans", _P.POSITIONAL_OR_KEYWORD, annotation="int"),
           _P("n_outputs", _P.POSITIONAL_OR_KEYWORD, annotation="int"),
           _P("n_times", _P.POSITIONAL_OR_KEYWORD, annotation="int"),
           _P("sfreq", _P.POSITIONAL_OR_KEYWORD, annotation="float"),
           _P("chs_info", _P.POSITIONAL_OR_KEYWORD, default=None)]
_ANNOTATIONS = {"max_epochs": "int", "batch_size": "int", "lr": "float",
                "weight_decay": "float", "optimizer": "str", "scheduler": "str | None"}
_DEVICE = _P("device", _P.KEYWORD_ONLY, default=None, annotation="str | None")
_PRECISION = _P("precision", _P.KEYWORD_ONLY, default="fp32", annotation="str")
_FEATURE_CACHE = _P("feature_cache", _P.KEYWORD_ONLY, default=None)
_OPTION_ANNOTATIONS = {"lora_r": "int | None", "lora_alpha": "float | None",
                       "lora_dropout": "float | None", "lp_epochs": "int | None",
                       "lp_lr": "float | None", "ft_lr": "float | None"}


def deep_model(recipe: Recipe, *, name: str | None = None, doc: str | None = None,
               tunable: tuple[str, ...] = RECIPE_PARAMETERS,
               module_kwargs: bool = True, head: str | None = None,
               strategies: tuple[str, ...] = ("full",)
               ) -> Callable[[Callable[..., Network]], Callable]:
    """Decorator: the registry factory of a deep model, from the function that picks its network.

    The decorated function takes a :class:`Signal` and the model's own keyword-only
    options, and returns the :class:`Network` to train.  The factory takes
    ``(n_chans, n_outputs, n_times, sfreq, chs_info=None, *, <options>, <tunable recipe
    fields>, device=None, precision="fp32", **module_kwargs)`` and returns the
    scikit-learn classifier.

    Parameters
    ----------
    recipe : Recipe
        The model's default recipe (kept as the factory's ``recipe`` attribute).
    name, doc : str, optional
        The factory's name and docstring (default: the decorated function's).
    tunable : tuple of str
        Recipe fields the factory takes as parameters; the others stay as in ``recipe``.
    module_kwargs : bool
        Pass any other keyword argument on to the module's constructor.
    head : str, optional
        Path of the network's classification head (``"clshead"``,
        ``"backbone.final_layer"``): the model is a foundation model that takes every
        adaptation strategy of ``strategies`` (``finetune`` and the strategies' options,
        :mod:`benchmark.models._strategies`; a ``feature_cache`` at run time).
    strategies : tuple of str
        The strategies it takes (the factory's ``strategies`` attribute).
    """
    def decorator(network: Callable[..., Network]) -> Callable:
        options = [p.replace(kind=_P.KEYWORD_ONLY)
                   for p in list(inspect.signature(network).parameters.values())[1:]]
        network_takes_finetune = any(p.name == "finetune" for p in options)
        adaptation = []
        if head is not None:
            if not network_takes_finetune:
                adaptation.append(_P("finetune", _P.KEYWORD_ONLY, default="full",
                                     annotation="str"))
            adaptation += [_P(k, _P.KEYWORD_ONLY, default=None, annotation=a)
                           for k, a in _OPTION_ANNOTATIONS.items()]
        parameters = [*_SIGNAL, *options, *adaptation,
                      *(_P(k, _P.KEYWORD_ONLY, default=getattr(recipe, k),
                           annotation=_ANNOTATIONS[k]) for k in tunable),
                      _DEVICE, _PRECISION, *([_FEATURE_CACHE] if head is not None else [])]
        if module_kwargs:
            parameters.append(_P("module_kwargs", _P.VAR_KEYWORD))
        signature = inspect.Signature(parameters)
        label = name or network.__name__

        def factory(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:  # as Python words it for a function of this name
                raise TypeError(f"{label}() {exc}") from None
            bound.apply_defaults()
            given = dict(bound.arguments)
            extra = given.pop("module_kwargs", {})
            signal = Signal(*(given.pop(k) for k in Signal._fields))
            device, precision = given.pop("device"), given.pop("precision")
            chosen = replace(recipe, **{k: given.pop(k) for k in tunable})
            if head is None:
                net = network(signal, **given)
                return braindecode_classifier(net.module, signal, chosen, device=device,
                                              precision=precision,
                                              module_kwargs={**net.kwargs, **extra},
                                              init_weights=net.init_weights)
            from ._strategies import check_strategy, strategy_options_for

            finetune = given["finetune"] if network_takes_finetune else given.pop("finetune")
            cache = given.pop("feature_cache")
            opts = strategy_options_for(
                check_strategy(finetune, strategies, label),
                {k: given.pop(k) for k in _OPTION_ANNOTATIONS}, label)
            net = network(signal, **given)
            return adapted_classifier(net, signal, chosen, finetune, opts, head=head,
                                      device=device, precision=precision, cache=cache,
                                      module_kwargs={**net.kwargs, **extra})

        factory.__name__ = factory.__qualname__ = label
        factory.__module__ = network.__module__
        factory.__doc__ = doc if doc is not None else network.__doc__
        factory.__signature__ = signature
        factory.recipe = recipe
        factory.strategies = tuple(strategies) if head is not None else ("full",)
        return factory

    return decorator


def adapted_classifier(net: Network, signal: Signal, recipe: Recipe, finetune: str,
                       options: dict, *, head: str, device: str | None, precision: str,
                       cache=None, module_kwargs: dict | None = None):
    """The estimator that adapts ``net`` to the task with strategy ``finetune``.

    ``full`` and ``frozen_embedding`` train the network as it is; ``lora``, ``dora`` and
    ``ia3`` wrap it in peft's adapters; the probes are a scikit-learn pipeline of the
    frozen backbone and a head; ``lp_ft`` is the linear probe, then full fine-tuning
    from it (:mod:`benchmark.models._adaptation`).
    """
    from ._strategies import LORA_DEFAULTS, PEFT_STRATEGIES

    kwargs = dict(module_kwargs or {})
    if finetune in ("full", "frozen_embedding"):
        return braindecode_classifier(net.module, signal, recipe, device=device,
                                      precision=precision, module_kwargs=kwargs,
                                      init_weights=net.init_weights)
    from . import _adaptation as ad

    if finetune in PEFT_STRATEGIES:
        lora = {**LORA_DEFAULTS, **options}
        adapter = ad.PeftAdapter(finetune, head, r=int(lora["lora_r"]),
                                 alpha=float(lora["lora_alpha"]),
                                 dropout=float(lora["lora_dropout"]))
        return braindecode_classifier(net.module, signal, recipe, device=device,
                                      precision=precision, module_kwargs=kwargs,
                                      init_weights=net.init_weights, adapter=adapter)
    import torch
    from sklearn.pipeline import Pipeline

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")

    def probe(probe_recipe: Recipe, ridge: bool) -> Pipeline:
        module, info = ad.build_network(net.module, signal, kwargs, net.init_weights)
        features = ad.FrozenBackbone(module, head, flatten=ridge, device=device,
                                     precision=precision, cache=cache, model_info=info)
        top = ad.ridge_head() if ridge else _probe_head(
            ad.head_of(module, head), probe_recipe, signal.n_outputs, device, precision)
        return Pipeline([("features", features), ("head", top)])

    if finetune in ("linear_probe", "ridge_probe"):
        return probe(recipe, finetune == "ridge_probe")
    # lp_ft: Kumar et al., ICLR 2022
    lp_epochs = int(options.get("lp_epochs", max(1, recipe.max_epochs // 2)))
    if not 0 < lp_epochs < recipe.max_epochs:
        from benchmark.errors import UserError

        raise UserError(f"lp_epochs must be between 1 and max_epochs - 1 ({recipe.max_epochs - 1}"
                        f"), got {lp_epochs}; fix the pipeline file")
    lp_recipe = ad.with_epochs(recipe, lp_epochs, options.get("lp_lr", recipe.lr))
    ft_recipe = ad.with_epochs(recipe, recipe.max_epochs - lp_epochs,
                               options.get("ft_lr", recipe.lr / 10))

    def finetuner(init):
        return braindecode_classifier(net.module, signal, ft_recipe, device=device,
                                      precision=precision, module_kwargs=kwargs,
                                      init_weights=init)

    return ad.LPFTClassifier(probe(lp_recipe, ridge=False), finetuner, head=head)


def _probe_head(head_module, recipe, n_outputs: int, device: str, precision: str):
    """The linear probe's head: a copy of the network's own head, trained with the
    recipe on the features (skorch, cross-entropy)."""
    import torch

    return head_classifier_class()(
        module=copy.deepcopy(head_module), criterion=torch.nn.CrossEntropyLoss,
        classes=list(range(n_outputs)), precision=precision,
        **recipe_training(recipe, device))
