"""Building scikit-learn classifiers around braindecode modules.

Every deep model of the zoo is a braindecode ``EEGModuleMixin`` module wrapped in
braindecode's ``EEGClassifier`` (skorch), so it is a scikit-learn estimator that
``clone()`` copies and that takes arrays ``(n_trials, n_chans, n_times)``;
:func:`count_parameters` gives the size of the network inside one.
"""

from __future__ import annotations

from typing import Any

from ._precision import autocast, check_precision, grad_scaler


def _few_shot_classifier_class():
    from braindecode import EEGClassifier

    class FewShotEEGClassifier(EEGClassifier):
        """``EEGClassifier`` that never feeds a batch of one to the network.

        With a handful of calibration trials a fixed batch size can exceed the data or
        leave a last batch of a single trial, which breaks batch normalisation; the
        batch size is capped at the number of trials and such a last batch is dropped.

        ``precision`` (``"fp32"``, ``"bf16"``, ``"fp16"``) runs the forward passes under
        torch's autocast (:func:`benchmark.models.autocast`), with loss scaling in fp16.

        ``init_weights`` (an object with ``apply(module)``, e.g.
        :class:`benchmark.models.MIRepNetWeights`) initialises every fresh module
        from pretrained weights; what it loaded is kept in ``model_info_``.
        """

        def __init__(self, module, *args, init_weights=None, precision="fp32", **kwargs):
            self.init_weights = init_weights
            self.precision = precision
            super().__init__(module, *args, **kwargs)

        def initialize(self):
            check_precision(self.precision, self.device)
            self.grad_scaler_ = grad_scaler(self.device, self.precision)
            return super().initialize()

        def infer(self, x, **fit_params):
            """The forward pass, under autocast in bf16/fp16; the logits come back float32."""
            with autocast(self.device, self.precision):
                out = super().infer(x, **fit_params)
            return out.float() if self.precision != "fp32" and hasattr(out, "float") else out

        def train_step_single(self, batch, **fit_params):
            """skorch's step; in fp16 the loss is scaled before ``backward`` (GradScaler)."""
            if getattr(self, "grad_scaler_", None) is None:
                return super().train_step_single(batch, **fit_params)
            from skorch.dataset import unpack_data

            self._set_training(True)
            Xi, yi = unpack_data(batch)
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
            self.grad_scaler_.scale(loss).backward()
            return {"loss": loss, "y_pred": y_pred}

        def _step_optimizer(self, step_fn):
            """skorch's optimizer step; in fp16 the scaler steps (no closure) and updates."""
            scaler = getattr(self, "grad_scaler_", None)
            if scaler is None:
                return super()._step_optimizer(step_fn)
            step_fn()
            for name in self._optimizers:
                scaler.step(getattr(self, name + "_"))
            scaler.update()

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


def braindecode_classifier(module_cls, signal, recipe, *, device: str | None = None,
                           precision: str = "fp32",
                           module_kwargs: dict[str, Any] | None = None, init_weights=None):
    """A scikit-learn classifier training ``module_cls`` with ``recipe``.

    Parameters
    ----------
    module_cls : type
        A braindecode model class (``EEGModuleMixin``).
    signal : benchmark.models._recipe.Signal
        braindecode's signal parameters (``n_chans, n_outputs, n_times, sfreq, chs_info``).
    recipe : benchmark.models._recipe.Recipe
        The training recipe: epochs, batch size, optimizer (``"adamw"`` or ``"adam"``),
        learning rate, weight decay, scheduler (``"cosine"``: cosine annealing of the
        learning rate over the epochs, or ``None``).
    device : str, optional
        ``"cuda"`` when available, else ``"cpu"``, unless given.
    precision : {"fp32", "bf16", "fp16"}
        Precision of the forward passes (:mod:`benchmark.models._precision`).
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
    if recipe.optimizer not in optimizers:
        from benchmark.errors import UserError

        raise UserError(f"unknown optimizer {recipe.optimizer!r}; choose one of "
                        f"{sorted(optimizers)}")
    callbacks = []
    if recipe.scheduler == "cosine":
        callbacks.append(
            ("lr_scheduler", LRScheduler("CosineAnnealingLR", T_max=max(1, recipe.max_epochs)))
        )
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    module_params = {f"module__{k}": v for k, v in (module_kwargs or {}).items()}
    shape = dict(n_chans=signal.n_chans, n_outputs=signal.n_outputs, n_times=signal.n_times,
                 sfreq=signal.sfreq)
    if signal.chs_info is not None:
        shape["chs_info"] = signal.chs_info
    return _CLASS(
        module=module_cls,
        **{f"module__{k}": v for k, v in shape.items()},
        **module_params,
        optimizer=optimizers[recipe.optimizer],
        optimizer__lr=recipe.lr,
        optimizer__weight_decay=recipe.weight_decay,
        batch_size=recipe.batch_size,
        max_epochs=recipe.max_epochs,
        train_split=None,
        callbacks=callbacks,
        device=device,
        classes=list(range(signal.n_outputs)),
        init_weights=init_weights,
        precision=precision,
        verbose=0,
    )


def count_parameters(estimator, *, initialize: bool = False) -> int | None:
    """Parameters of the network an estimator trains (``None`` when it trains none).

    Parameters
    ----------
    estimator : estimator
        A model of the zoo, or a scikit-learn pipeline ending in one.
    initialize : bool
        Build the network first (an unfitted skorch estimator has none yet); otherwise
        the estimator's network is counted as it stands (``module_``, after ``fit``).
    """
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    if initialize and hasattr(final, "initialize") and hasattr(final, "module"):
        final.initialize()
    module = getattr(final, "module_", None)
    if module is None or not hasattr(module, "parameters"):
        return None
    return int(sum(p.numel() for p in module.parameters()))
