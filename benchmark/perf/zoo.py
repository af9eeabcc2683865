"""Zoo epoch times: parameters and seconds per training epoch of every deep pipeline.

Each pipeline is trained on one demo subject's calibration split, after its own
preprocessing, so the figures are what a unit of the paper protocol costs per epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from benchmark.devices import device_name, uses_cuda
from benchmark.perf.timer import timed_call

__all__ = ["ZooEpochTimes", "zoo_epoch_times"]


@dataclass(frozen=True)
class ZooEpochTimes:
    """Seconds per training epoch of the deep pipelines on one subject's calibration split.

    Attributes
    ----------
    dataset : str
        Catalogue name of the dataset.
    subject : int
        The subject whose trials were used.
    train_size : float
        Share of the session's trials in the calibration split.
    rows : list of dict
        One per pipeline: ``model``, ``params`` (parameters of its network for this
        input), ``n_train`` (trials trained on) and ``s_per_epoch`` (mean seconds).
    inputs : dict
        Pipeline name -> ``(channels, samples)`` of the trials its network trained on.
    on_template : bool
        Whether every pipeline mapped the trials onto the channel template.
    device : str
        Where the networks trained, in words (``"CPU"`` or the GPU's name).
    """

    dataset: str
    subject: int
    train_size: float
    rows: list[dict]
    inputs: dict[str, tuple[int, int]]
    on_template: bool
    device: str


def _device_name(estimator) -> str:
    """Where a built (skorch) estimator trains: ``"CPU"`` or the GPU's name."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    device = str(getattr(final, "device", "cpu"))
    return device_name(device) if uses_cuda(device) else "CPU"


def zoo_epoch_times(dataset: str = "SynBNCI2014001", subject: int = 1, epochs: int = 2,
                    train_size: float = 0.3, names: Sequence[str] | None = None
                    ) -> ZooEpochTimes:
    """Parameters and seconds per training epoch of every deep pipeline on one demo subject.

    The subject's calibration split (``train_size`` of its trials, the paper protocol)
    goes through each pipeline's preprocessing; each model trains ``epochs`` epochs with
    its pipeline's batch size; the figure is the mean seconds per epoch.  Pretrained
    models are timed through their ``*_scratch`` twin (same network, no weights needed).

    Parameters
    ----------
    dataset : str
        Catalogue name of a dataset (a demo one needs no download).
    subject : int
        Whose trials.
    epochs : int
        Training epochs per pipeline.
    train_size : float
        Share of the session's trials trained on.
    names : sequence of str, optional
        Only these pipelines (default: every deep one).

    Returns
    -------
    ZooEpochTimes
        The rows and the sizes of the input each pipeline trained on.
    """
    from benchmark.datasets import get_dataset_spec, load_subject
    from benchmark.model_sizes import parameter_count
    from benchmark.models import get_model_entry
    from benchmark.pipelines import discover_pipelines
    from benchmark.preprocessing import (PreprocessingConfig, apply_preprocessing, chs_info,
                                         resolve_preprocessing)
    from benchmark.protocols import PaperSplit

    spec = get_dataset_spec(dataset)
    data = PaperSplit().select(load_subject(spec, subject, PreprocessingConfig()), spec.session)
    y = np.array([list(spec.classes).index(c) for c in data.y])
    train = next(iter(PaperSplit(train_size=train_size).split(y, 0))).train
    rows, inputs, templates, devices = [], {}, set(), set()
    for name, pipe in discover_pipelines().items():
        if "deep" not in pipe.tags or (names and name not in names):
            continue
        if any(get_model_entry(m).pretrained for m in pipe.model_names):
            continue  # timed as its scratch twin
        pre = resolve_preprocessing(PreprocessingConfig(), pipe.preprocessing)
        X, names_out = apply_preprocessing(data.X[train], data.ch_names, pre)
        est = pipe.with_parameters(max_epochs=epochs).build(
            n_chans=X.shape[1], n_outputs=len(spec.classes), n_times=X.shape[2], sfreq=data.sfreq,
            chs_info=chs_info(names_out))
        seconds, _ = timed_call(lambda: est.fit(X, y[train]))
        rows.append({"model": name, "params": parameter_count(pipe, len(data.ch_names),
                                                              len(spec.classes)),
                     "n_train": len(X), "s_per_epoch": seconds / epochs})
        inputs[name] = (X.shape[1], X.shape[2])
        templates.add(pre.template)
        devices.add(_device_name(est))
    return ZooEpochTimes(dataset=spec.name, subject=subject, train_size=train_size, rows=rows,
                         inputs=inputs, on_template="none" not in templates,
                         device="/".join(sorted(devices)) or "CPU")
