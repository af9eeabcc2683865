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
    when all do (the head).  One that holds both (a transformer block with a LoRA
    adapter inside) trains, and its children are visited in turn.  A submodule without
    parameters (dropout, an activation) trains only inside a module that trains whole
    or when it belongs to an adapter (peft's ``lora_dropout``); elsewhere it is part of
    the frozen backbone.  So the backbone of a probe or of LoRA runs without dropout and
    its batch-norm statistics stay as loaded, while the head and the adapters' own
    dropout train as usual.
    """
    if all(p.requires_grad for p in module.parameters()):
        return  # nothing frozen (full fine-tuning): skorch's train() stands

    def visit(m, name: str) -> None:
        grads = [p.requires_grad for p in m.parameters()]
        if not grads:
            m.train(any(w in name for w in ADAPTER_WORDS))
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
