"""Building scikit-learn classifiers around braindecode modules.

Every deep model of the zoo is a braindecode ``EEGModuleMixin`` module wrapped in
braindecode's ``EEGClassifier`` (skorch), so it is a scikit-learn estimator that
``clone()`` copies and that takes arrays ``(n_trials, n_chans, n_times)``;
:func:`count_parameters` gives the size of the network inside one.
"""

from __future__ import annotations

from typing import Any

from ._precision import autocast, check_precision, grad_scaler


class _FewShotMixin:
    """What every network the zoo trains shares (braindecode's ``EEGClassifier`` for whole
    networks, skorch's ``NeuralNetClassifier`` for a probe's head):

    * never a batch of one: with a handful of calibration trials a fixed batch size can
      exceed the data or leave a last batch of a single trial, which breaks batch
      normalisation; the batch size is capped at the number of trials and such a last
      batch is dropped;
    * ``precision`` (``"fp32"``, ``"bf16"``, ``"fp16"``) runs the forward passes under
      torch's autocast (:func:`benchmark.models.autocast`), with loss scaling in fp16;
    * ``init_weights`` (an object with ``apply(module)``, e.g.
      :class:`benchmark.models.MIRepNetWeights`) initialises every fresh module from
      pretrained weights; what it loaded is kept in ``model_info_``;
    * ``adapter`` (an object with ``wrap(module)``, :class:`benchmark.models._adaptation.
      PeftAdapter`) replaces the fresh module by its parameter-efficient version;
    * frozen means frozen: in training, every part of the network whose parameters are
      all frozen runs in ``eval()`` mode (no dropout, batch-norm statistics fixed;
      :func:`benchmark.models._freezing.freeze_frozen_parts`);
    * the training stops at once when the loss is no longer finite (divergence), and a
      module's ``auxiliary_loss(y)`` is added in training (e.g. EDPNet's prototypes).
    """

    def __init__(self, module, *args, init_weights=None, precision="fp32", adapter=None,
                 **kwargs):
        self.init_weights = init_weights
        self.precision = precision
        self.adapter = adapter
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

    def _set_training(self, training=True):
        """skorch's mode switch; in training the frozen parts go back to ``eval()``."""
        super()._set_training(training)
        if training:
            from ._freezing import freeze_frozen_parts

            freeze_frozen_parts(self.module_)

    def initialize_module(self):
        super().initialize_module()
        self.model_info_ = {}
        if self.init_weights is not None:
            plan = self.init_weights.apply(self.module_)
            self.model_info_ = (self.init_weights.describe() | plan.to_dict()
                                | {"load": plan.summary()})
        if self.adapter is not None:
            self.module_ = self.adapter.wrap(self.module_)
            self.model_info_ = self.model_info_ | {"adapter": self.adapter.describe()}
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

    def network_facts(self) -> dict:
        """What the fitted network is: its size, what training changed, where it ran.

        ``n_params`` counts the network without adapter weights; ``n_trainable`` the
        parameters training updated (those that require a gradient).
        """
        from ._freezing import adapter_parameter_count

        module = getattr(self, "module_", None)
        if module is None:
            return {}
        total = sum(p.numel() for p in module.parameters())
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
        first = next(module.parameters(), None)
        return {"n_params": int(total - adapter_parameter_count(module)),
                "n_trainable": int(trainable),
                "device": str(first.device) if first is not None else "cpu",
                "precision": self.precision, "model_info": dict(self.model_info_ or {})}


def _few_shot_classifier_class():
    from braindecode import EEGClassifier

    class FewShotEEGClassifier(_FewShotMixin, EEGClassifier):
        """braindecode's ``EEGClassifier`` with the zoo's rules (:class:`_FewShotMixin`)."""

    return FewShotEEGClassifier


def head_classifier_class():
    """skorch's ``NeuralNetClassifier`` with the zoo's training rules, for a probe's head
    trained on frozen features (:class:`_FewShotMixin`)."""
    global _HEAD_CLASS
    if _HEAD_CLASS is None:
        from skorch import NeuralNetClassifier

        class FewShotHeadClassifier(_FewShotMixin, NeuralNetClassifier):
            """A classification head trained on frozen features (:class:`_FewShotMixin`)."""

        _HEAD_CLASS = FewShotHeadClassifier
    return _HEAD_CLASS


_HEAD_CLASS = None
_CLASS = None


def braindecode_classifier(module_cls, signal, recipe, *, device: str | None = None,
                           precision: str = "fp32",
                           module_kwargs: dict[str, Any] | None = None, init_weights=None,
                           adapter=None):
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
    adapter : object, optional
        Wraps every fresh module in parameter-efficient adapters (``wrap(module)``).
    """

    global _CLASS
    if _CLASS is None:
        _CLASS = _few_shot_classifier_class()
    training = recipe_training(recipe, device)
    module_params = {f"module__{k}": v for k, v in (module_kwargs or {}).items()}
    shape = dict(n_chans=signal.n_chans, n_outputs=signal.n_outputs, n_times=signal.n_times,
                 sfreq=signal.sfreq)
    if signal.chs_info is not None:
        shape["chs_info"] = signal.chs_info
    return _CLASS(
        module=module_cls,
        **{f"module__{k}": v for k, v in shape.items()},
        **module_params,
        **training,
        classes=list(range(signal.n_outputs)),
        init_weights=init_weights,
        adapter=adapter,
        precision=precision,
    )


def recipe_training(recipe, device: str | None = None) -> dict:
    """skorch's training arguments of a recipe: optimizer, learning rate and weight decay,
    batch size, epochs, the cosine schedule, the device (CUDA when present, unless
    given); no validation split, no printing."""
    import torch
    from skorch.callbacks import LRScheduler

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
    return dict(optimizer=optimizers[recipe.optimizer], optimizer__lr=recipe.lr,
                optimizer__weight_decay=recipe.weight_decay, batch_size=recipe.batch_size,
                max_epochs=recipe.max_epochs, train_split=None, callbacks=callbacks,
                device=device, verbose=0)


def network_facts(estimator) -> dict:
    """What a fitted model's networks are, over its pipeline's steps.

    Returns ``{}`` for a model without a network; otherwise ``n_params`` (the network's,
    without adapters), ``n_trainable`` (the parameters training changed: the whole
    network for full fine-tuning, the head for a probe, adapters and head for LoRA),
    ``device``, ``precision`` and ``model_info``.  Each step that knows its network has
    ``network_facts()``; a step with a fitted ``coef_`` (a scikit-learn head on frozen
    features) adds its coefficients to ``n_trainable``.
    """
    steps = [s for _, s in estimator.steps] if hasattr(estimator, "steps") else [estimator]
    facts: dict = {}
    extra = 0
    for step in steps:
        mine = step.network_facts() if hasattr(step, "network_facts") else {}
        if mine:
            if not facts:
                facts = dict(mine)
            else:  # a second network (a probe's head): what it trains counts too
                facts["n_trainable"] = facts.get("n_trainable", 0) + mine.get("n_trainable", 0)
                facts["model_info"] = {**mine.get("model_info", {}),
                                       **facts.get("model_info", {})}
        elif hasattr(step, "coef_"):
            extra += int(getattr(step, "coef_").size + getattr(step, "intercept_", [0]).size)
    if facts:
        facts["n_trainable"] = facts.get("n_trainable", 0) + extra
    return facts


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
    return network_facts(estimator).get("n_params")
