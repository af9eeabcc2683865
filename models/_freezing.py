"""What is frozen in a network under adaptation: its parts in ``eval()`` mode, and its
adapter weights counted apart (used by the training loop of :mod:`._deep` and by the
strategies of :mod:`._adaptation`)."""

from __future__ import annotations

__all__ = ["freeze_frozen_parts", "adapter_parameter_count", "ADAPTER_WORDS"]

#: what peft's adapter parameters are named after (LoRA, DoRA's magnitude, IA3)
ADAPTER_WORDS = ("lora_", "ia3_")


def freeze_frozen_parts(module) -> None:
    """Put every part of ``module`` whose parameters are all frozen in ``eval()`` mode.

    A submodule with parameters is frozen when none requires a gradient; one without
    parameters (dropout, an activation) follows the nearest enclosing module that has
    some.  So the backbone of a probe or of LoRA runs without dropout and its
    batch-norm statistics stay as loaded, while the head (and an adapter's dropout)
    train as usual.
    """
    if all(p.requires_grad for p in module.parameters()):
        return  # nothing frozen (full fine-tuning): skorch's train() stands

    def visit(m, parent_frozen: bool) -> None:
        params = list(m.parameters())
        frozen = (not any(p.requires_grad for p in params)) if params else parent_frozen
        if frozen:
            m.eval()
            return
        m.train(True)
        for child in m.children():
            visit(child, False)

    visit(module, False)


def adapter_parameter_count(module) -> int:
    """Parameters of the peft adapters inside ``module`` (0 without)."""
    return int(sum(p.numel() for n, p in module.named_parameters()
                   if any(w in n for w in ADAPTER_WORDS)))
