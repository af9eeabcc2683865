"""Building scikit-learn classifiers around braindecode modules.

Every deep model of the zoo is a braindecode ``EEGModuleMixin`` module wrapped in
braindecode's ``EEGClassifier`` (skorch), so it is a scikit-learn estimator that
``clone()`` copies and that takes arrays ``(n_trials, n_chans, n_times)``.
"""

from __future__ import annotations

from typing import Any


def _few_shot_classifier_class():
    from braindecode import EEGClassifier

    class FewShotEEGClassifier(EEGClassifier):
        """``EEGClassifier`` that never feeds a batch of one to the network.

        With a handful of calibration trials a fixed batch size can exceed the data or
        leave a last batch of a single trial, which breaks batch normalisation; the
        batch size is capped at the number of trials and such a last batch is dropped.

        ``init_weights`` (an object with ``apply(module)``, e.g.
        :class:`benchmark.models._mirepnet_weights.MIRepNetWeights`) initialises every fresh module
        from pretrained weights; what it loaded is kept in ``model_info_``.
        """

        def __init__(self, module, *args, init_weights=None, **kwargs):
            self.init_weights = init_weights
            super().__init__(module, *args, **kwargs)

        def initialize_module(self):
            super().initialize_module()
            self.model_info_ = {}
            if self.init_weights is not None:
                plan = self.init_weights.apply(self.module_)
                self.model_info_ = (self.init_weights.describe() | plan.to_dict()
                                    | {"load": plan.summary()})
            return self

        def get_loss(self, y_pred, y_true, X=None, training=False):
            """The criterion, plus the module's ``auxiliary_loss(y)`` in training if it has one
            (e.g. EDPNet's prototype terms)."""
            import torch

            loss = super().get_loss(y_pred, y_true, X=X, training=training)
            extra = getattr(self.module_, "auxiliary_loss", None)
            if training and extra is not None:
                loss = loss + extra(torch.as_tensor(y_true, device=y_pred.device).long())
            return loss

        def on_epoch_end(self, net, **kwargs):
            """Stop at once when the training loss is no longer finite (divergence)."""
            import math

            super().on_epoch_end(net, **kwargs)
            batches = self.history[-1].get("batches") or [{}] if len(self.history) else [{}]
            loss = batches[-1].get("train_loss")
            if loss is not None and not math.isfinite(float(loss)):
                raise FloatingPointError(
                    f"training diverged: the loss is {loss} after epoch {len(self.history)}; "
                    "lower the learning rate (optimizer lr) in the pipeline file")

        def get_iterator(self, dataset, training=False):
            prefix = "iterator_train" if training else "iterator_valid"
            kwargs = self.get_params_for(prefix)
            iterator = self.iterator_train if training else self.iterator_valid
            n = len(dataset)
            batch_size = kwargs.pop("batch_size", self.batch_size)
            if batch_size in (-1, None) or batch_size > n:
                batch_size = n
            if training:
                kwargs["drop_last"] = n % batch_size == 1
            return iterator(dataset, batch_size=batch_size, **kwargs)

    return FewShotEEGClassifier


_CLASS = None


def braindecode_classifier(
    module_cls,
    *,
    n_chans: int,
    n_outputs: int,
    n_times: int,
    sfreq: float,
    chs_info=None,
    max_epochs: int = 100,
    batch_size: int = 8,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    optimizer: str = "adamw",
    scheduler: str | None = "cosine",
    device: str | None = None,
    module_kwargs: dict[str, Any] | None = None,
    init_weights=None,
):
    """A scikit-learn classifier training ``module_cls`` with a plain recipe.

    Parameters
    ----------
    module_cls : type
        A braindecode model class (``EEGModuleMixin``).
    n_chans, n_outputs, n_times, sfreq, chs_info
        braindecode's signal parameters.
    max_epochs, batch_size, lr, weight_decay
        The training recipe (from the pipeline file).
    optimizer : {"adamw", "adam"}
    scheduler : {"cosine", None}
        Cosine annealing of the learning rate over ``max_epochs``.
    device : str, optional
        ``"cuda"`` when available, else ``"cpu"``, unless given.
    module_kwargs : dict, optional
        Extra constructor arguments of the module.
    init_weights : object, optional
        Pretrained weights applied to every fresh module (``apply(module)``).
    """
    import torch
    from skorch.callbacks import LRScheduler

    global _CLASS
    if _CLASS is None:
        _CLASS = _few_shot_classifier_class()
    optimizers = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam}
    if optimizer not in optimizers:
        from benchmark.errors import UserError

        raise UserError(f"unknown optimizer {optimizer!r}; choose one of {sorted(optimizers)}")
    callbacks = []
    if scheduler == "cosine":
        callbacks.append(
            ("lr_scheduler", LRScheduler("CosineAnnealingLR", T_max=max(1, max_epochs)))
        )
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    module_params = {f"module__{k}": v for k, v in (module_kwargs or {}).items()}
    signal = dict(n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq)
    if chs_info is not None:
        signal["chs_info"] = chs_info
    return _CLASS(
        module=module_cls,
        **{f"module__{k}": v for k, v in signal.items()},
        **module_params,
        optimizer=optimizers[optimizer],
        optimizer__lr=lr,
        optimizer__weight_decay=weight_decay,
        batch_size=batch_size,
        max_epochs=max_epochs,
        train_split=None,
        callbacks=callbacks,
        device=device,
        classes=list(range(n_outputs)),
        init_weights=init_weights,
        verbose=0,
    )
