"""What is frozen in a network under adaptation: its parts in ``eval()`` mode, and its
adapter weights counted apart (used by the training loop of :mod:`._deep` and by the
strategies of :mod:`._adaptation`)."""

from __future__ import annotations

__all__ = ["freeze_frozen_parts", "adapter_parameter_count", "ADAPTER_WORDS"]

#: what peft's adapter parameters are named after (LoRA, DoRA's magnitude, IA3)
ADAPTER_WORDS = ("lora_", "ia3_")


def freeze_frozen_parts(module) -> None:
    """Put every frozen part of ``module`` in ``eval()`` mode.

    A submodule with parameters is frozen when none requires a gradient, and trains
    when all do (the head).  One that holds both is visited child by child.  A submodule
    without parameters (dropout, an activation) inside such a mixed module trains when
    the network has no adapter (a model that freezes a part of itself, such as
    ``frozen_embedding`` or CBraMod's fixed mask token under ``full``: as before); in a
    network with peft adapters it is part of the frozen backbone unless it belongs to an
    adapter (``lora_dropout``).  So the backbone of a probe or of LoRA runs without
    dropout and its batch-norm statistics stay as loaded, while the head and the
    adapters' own dropout train as usual.
    """
    if all(p.requires_grad for p in module.parameters()):
        return  # nothing frozen (full fine-tuning): skorch's train() stands
    adapted = any(any(w in n for w in ADAPTER_WORDS) for n, _ in module.named_parameters())

    def visit(m, name: str) -> None:
        grads = [p.requires_grad for p in m.parameters()]
        if not grads:  # inside a mixed module (see the docstring)
            m.train(not adapted or any(w in name for w in ADAPTER_WORDS))
        elif not any(grads):
            m.eval()
        elif all(grads):
            m.train(True)
        else:
            m.training = True  # this module itself; its children decide for themselves
            for child_name, child in m.named_children():
                visit(child, child_name)

    visit(module, "")


def adapter_parameter_count(module) -> int:
    """Parameters of the peft adapters inside ``module`` (0 without)."""
    return int(sum(p.numel() for n, p in module.named_parameters()
                   if any(w in n for w in ADAPTER_WORDS)))
