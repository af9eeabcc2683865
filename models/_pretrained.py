"""Pretrained weights for a run: which models have them, ``--checkpoint``, preflight, download.

What the command line does with weights, kept beside the models that load them:

* :func:`pretrained_models`: the registry models with published weights;
* :func:`with_checkpoints`: applies ``--checkpoint [MODEL=]PATH`` to the selected
  pipelines whose models take a ``checkpoint``;
* :func:`preflight_weights`: builds each such model once before the grid, so a bad file
  stops the run with one line and missing weights are announced;
* :func:`prefetch_weights`: downloads published weights into the Hugging Face cache
  (``python -m benchmark download --weights``).

Pipelines are taken as they come (anything with ``name``, ``steps``, ``accepts`` and
``with_parameters``, as :class:`benchmark.pipelines.PipelineSpec`): the zoo does not
import the engine.  Nothing here imports torch until a model is built.
"""

from __future__ import annotations

import copy
from typing import Iterator, Protocol, Sequence

from benchmark.errors import NotRunnable, UserError
from ._hub import prefetch, split_hub_source
from ._template import N_TEMPLATE_CHANNELS
from .registry import create_model, get_model_entry, list_models

__all__ = ["pretrained_models", "with_checkpoints", "preflight_weights", "prefetch_weights"]


class Pipeline(Protocol):
    """What these functions use of a pipeline."""

    name: str
    steps: list[dict]

    def accepts(self, parameter: str) -> list[str]: ...

    def with_parameters(self, **params) -> "Pipeline": ...


def pretrained_models() -> list[str]:
    """Registry models with published weights (they take a ``checkpoint`` parameter)."""
    return [m for m in list_models() if get_model_entry(m).pretrained]


def with_checkpoints(pipelines: Sequence[Pipeline], given: Sequence[str]) -> list[Pipeline]:
    """Apply ``--checkpoint [MODEL=]PATH`` to the selected pipelines that take weights.

    Parameters
    ----------
    pipelines : sequence of pipelines
        The selected pipelines.
    given : sequence of str
        The ``--checkpoint`` values: ``PATH`` for every pipeline that takes weights, or
        ``MODEL=PATH`` for one (the last value for a model wins).

    Raises
    ------
    UserError
        A ``MODEL=`` that is not selected, or no selected pipeline takes weights.
    """
    if not given:
        return list(pipelines)
    by_model: dict[str | None, str] = {}
    for item in given:
        model, sep, path = item.partition("=")
        if not sep or "/" in model or "\\" in model:
            model, path = None, item
        by_model[model.lower() if model else None] = path
    names = {p.name for p in pipelines}
    for model in by_model:
        if model is not None and model not in names:
            raise UserError(f"--checkpoint names model {model!r}, which is not among --models "
                            f"({', '.join(sorted(names))})")
    out, used = [], False
    for pipe in pipelines:
        path = by_model.get(pipe.name, by_model.get(None))
        if path is not None and pipe.accepts("checkpoint"):
            pipe, used = pipe.with_parameters(checkpoint=path), True
        out.append(pipe)
    if not used:
        raise UserError("--checkpoint given, but none of the selected models takes weights "
                        f"(those that do: {', '.join(pretrained_models())})")
    return out


def preflight_weights(pipelines: Sequence[Pipeline], template_chs_info: list) -> Iterator[str]:
    """Check pretrained weights once, before the grid; yields the lines to show the user
    as they come (a later bad file must not hide an earlier pipeline's note).

    Each model step of a pipeline that takes a ``checkpoint`` is built for a 2-class
    task on the channel template: a file that is not usable raises here, with one line,
    instead of failing every unit; weights that cannot be had are announced (the units
    are then reported not runnable); found weights are named with their digest.

    Parameters
    ----------
    pipelines : sequence of pipelines
        The pipelines of the run.
    template_chs_info : list
        braindecode's ``chs_info`` of the channel template (positions for the models
        that interpolate channels); a model with a fixed channel count gets its first
        channels.

    Raises
    ------
    UserError
        A checkpoint that is not usable (:class:`CheckpointError`) or a bad parameter.
    """
    for pipe in pipelines:
        for step in pipe.steps:
            if step["from"] != "models" or not pipe.accepts("checkpoint"):
                continue
            params = dict(step.get("parameters") or {})
            n_chans = get_model_entry(step["name"]).n_chans or N_TEMPLATE_CHANNELS
            try:
                est = create_model(step["name"], n_chans=n_chans, n_outputs=2, n_times=1000,
                                   sfreq=250.0,
                                   chs_info=copy.deepcopy(template_chs_info[:n_chans]),
                                   **params)
            except NotRunnable as exc:
                yield f"note: {pipe.name} will be reported not runnable: {exc}"
                continue
            weights = getattr(est, "init_weights", None)
            if weights is not None:
                yield f"{pipe.name}: weights {weights.path} (sha256 {weights.sha256[:12]})"


def prefetch_weights(selection: str) -> Iterator[tuple[str, str, str | None]]:
    """Download published weights into the Hugging Face cache, model after model.

    Parameters
    ----------
    selection : str
        Model names, comma separated, or ``"all"`` (every :func:`pretrained_models`).

    Yields
    ------
    model, path, problem : str, str, str or None
        The local path of the weights (a file, or a ``save_pretrained`` folder), or
        ``problem``: why the download failed (one line; the other models still download).

    Raises
    ------
    UserError
        A name without published weights (when the loop reaches it).
    """
    known = pretrained_models()
    names = [w.strip().lower() for w in selection.split(",") if w.strip()]
    for name in known if names == ["all"] else names:
        if name not in known:
            raise UserError(f"no downloadable weights for {name!r}; models with weights: "
                            f"{', '.join(known)} (or all)")
        source = get_model_entry(name).pretrained
        if not source.startswith("hf://"):  # a plug-in's weights from elsewhere
            yield name, "", f"its weights come from {source}, not the Hugging Face Hub"
            continue
        try:
            path = prefetch(*split_hub_source(source))
        except UserError as exc:
            yield name, "", str(exc)
            continue
        yield name, path, None
