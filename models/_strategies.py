"""The adaptation strategies' names, options and checks (no torch, no scikit-learn: the
registry's factories declare them when models are listed).  What each strategy does is
in :mod:`benchmark.models._adaptation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmark.errors import UserError, did_you_mean

__all__ = ["STRATEGIES", "GENERIC_STRATEGIES", "PROBES", "PEFT_STRATEGIES", "STRATEGY_OPTIONS",
           "LORA_DEFAULTS", "RIDGE_ALPHAS", "WITHOUT_PROBABILITIES", "check_strategy",
           "strategy_options_for", "options_for_strategy", "model_strategies"]

#: every strategy, with what it trains
STRATEGIES: dict[str, str] = {
    "full": "every parameter",
    "linear_probe": "the head, on frozen features",
    "ridge_probe": "a ridge classifier on frozen features (closed form)",
    "lora": "LoRA adapters (peft) and the head",
    "dora": "DoRA adapters (peft) and the head",
    "ia3": "IA3 scalings (peft) and the head",
    "lp_ft": "the head on frozen features, then every parameter",
    "frozen_embedding": "all but the patch embedding (MIRepNet only)",
}
#: the strategies every foundation model takes (frozen_embedding is MIRepNet's own)
GENERIC_STRATEGIES = ("full", "linear_probe", "ridge_probe", "lora", "dora", "ia3", "lp_ft")
PROBES = ("linear_probe", "ridge_probe")
PEFT_STRATEGIES = ("lora", "dora", "ia3")
#: strategies whose classifier gives decision scores but no class probabilities
#: (scikit-learn's ``RidgeClassifierCV`` has no ``predict_proba``)
WITHOUT_PROBABILITIES = ("ridge_probe",)
#: options (factory parameters) and the strategies they belong to
STRATEGY_OPTIONS: dict[str, tuple[str, ...]] = {
    "lora_r": ("lora", "dora"), "lora_alpha": ("lora", "dora"),
    "lora_dropout": ("lora", "dora"),
    "lp_epochs": ("lp_ft",), "lp_lr": ("lp_ft",), "ft_lr": ("lp_ft",),
}
#: defaults of the options
LORA_DEFAULTS = {"lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0}
#: the ridge probe's penalties: a logarithmic grid from 1e-8 to 1e8
RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-8, 8, 17))


def check_strategy(name: str, allowed=GENERIC_STRATEGIES, model: str = "") -> str:
    """``name`` if it is one of ``allowed``; otherwise a one-line error with a suggestion."""
    if name in allowed:
        return name
    who = f" for {model}" if model else ""
    if name in STRATEGIES:
        raise UserError(f"--finetune {name} does not apply{who}; it takes "
                        f"{', '.join(allowed)}")
    hint = did_you_mean(str(name), STRATEGIES, cutoff=0.5)
    raise UserError(f"unknown --finetune strategy {name!r}{who}: {hint}choose from "
                    f"{', '.join(allowed)}")


def strategy_options_for(finetune: str, given: dict[str, Any], model: str = "") -> dict:
    """The options ``finetune`` uses, with their defaults; an error for options of
    another strategy (LoRA options on a probe)."""
    wrong = sorted(k for k, v in given.items() if v is not None
                   and finetune not in STRATEGY_OPTIONS[k])
    if wrong:
        owners = sorted({s for k in wrong for s in STRATEGY_OPTIONS[k]})
        raise UserError(f"{model or 'this model'}: {', '.join(wrong)} belong to "
                        f"{'/'.join(owners)}, not to finetune {finetune!r}; drop them from the "
                        "pipeline file or choose that strategy")
    options = {k: v for k, v in given.items() if v is not None}
    for name, value in options.items():
        problem = _option_problem(name, value)
        if problem:
            raise UserError(f"{model or 'this model'}: {name} = {value!r} {problem}; fix it in "
                            "the pipeline file")
    return options


def _option_problem(name: str, value: Any) -> str:
    """Why an option's value cannot be used (``""`` when it can); ``lp_epochs`` is
    checked against the recipe's epochs where the classifier is built."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "lora_r":
        return "" if isinstance(value, int) and not isinstance(value, bool) and value >= 1 \
            else "must be a whole number of at least 1"
    if name == "lora_dropout":
        return "" if number and 0 <= value < 1 else "must be in [0, 1)"
    if name in ("lora_alpha", "lp_lr", "ft_lr"):
        return "" if number and np.isfinite(value) and value > 0 else "must be a positive number"
    return ""


def options_for_strategy(finetune: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` without those of other strategies (what ``--finetune`` keeps of a
    pipeline file's options when it gives the model another strategy)."""
    return {k: v for k, v in options.items()
            if k not in STRATEGY_OPTIONS or finetune in STRATEGY_OPTIONS[k]}


def model_strategies(name: str) -> tuple[str, ...]:
    """The strategies a registered model takes (``("full",)`` for a model that only
    trains from scratch: the classical pipelines and the specialists)."""
    from .registry import get_model_entry

    return tuple(getattr(get_model_entry(name).factory, "strategies", ("full",)))
