"""``perf adaptation``: what the frozen-feature cache saves, and what each strategy costs.

On one demo set, under the few-shot protocol (``k`` = 1, 2, 5, 10, 20 by default, every
seed) and under leave-one-subject-out, the two probes (``linear_probe``, ``ridge_probe``)
of each model run twice through the engine: with the feature cache and without it
(``RunConfig(feature_cache=False)``).  The figures are the trials the frozen backbones
forwarded (each fold's ``model_info`` counts them), the wall time of each run, and the
largest difference between the two runs' scores (they must be the same).  Then every
strategy runs once on the few-shot grid of the first subject and seed: seconds per unit
(fit and predict of its folds) and the parameters it trained (``n_trainable``).

Nothing here is timed by a test: the suite's tests run it on a tiny grid and check that
its counts agree (every trial is forwarded or reused; the same rows either way).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from benchmark.perf.runs import timed_suite_run

__all__ = ["AdaptationFigures", "adaptation_figures", "ADAPTATION_MODELS", "PROBE_STRATEGIES",
           "TIMED_STRATEGIES", "FEWSHOT_SHOTS"]

#: MIRepNet and one braindecode foundation model, from random weights (no download)
ADAPTATION_MODELS = ("mirepnet_scratch", "cbramod_scratch")
PROBE_STRATEGIES = ("linear_probe", "ridge_probe")
TIMED_STRATEGIES = ("full", "linear_probe", "ridge_probe", "lora", "lp_ft")
FEWSHOT_SHOTS = (1, 2, 5, 10, 20)


@dataclass(frozen=True)
class AdaptationFigures:
    """The cache's effect per (protocol, model) and each strategy's cost.

    Attributes
    ----------
    dataset : str
        The demo set.
    subjects, seeds, shots : tuple of int
        The grid of the cache comparison.
    cache : list of dict
        One per (protocol, model): ``protocol``, ``model``, ``units``, ``forwarded`` and
        ``reused`` (with the cache), ``forwarded_without``, ``seconds`` and
        ``seconds_without``, ``max_score_difference``.
    strategies : list of dict
        One per (model, strategy): ``model``, ``strategy``, ``units``, ``s_per_unit``,
        ``n_trainable``.
    """

    dataset: str
    subjects: tuple[int, ...]
    seeds: tuple[int, ...]
    shots: tuple[int, ...]
    cache: list[dict]
    strategies: list[dict]


def _features(rows) -> tuple[int, int]:
    """Trials forwarded and reused by the frozen backbones of these rows."""
    forwarded = reused = 0
    for text in rows["model_info"].fillna(""):
        stats = (json.loads(text) if text else {}).get("features", {})
        forwarded += int(stats.get("forwarded", 0))
        reused += int(stats.get("reused", 0))
    return forwarded, reused


def adaptation_figures(dataset: str = "SynBNCI2014004", subjects: Sequence[int] | None = None,
                       seeds: Sequence[int] = (0, 1, 2), shots: Sequence[int] = FEWSHOT_SHOTS,
                       models: Sequence[str] = ADAPTATION_MODELS,
                       strategies: Sequence[str] = TIMED_STRATEGIES, loso: bool = True,
                       device: str = "cpu") -> AdaptationFigures:
    """Run the comparison (see the module's docstring) and return its figures.

    Parameters
    ----------
    dataset : str
        A catalogue dataset (a demo set: generated here).
    subjects : sequence of int, optional
        Subjects (few-shot) and LOSO targets (default: all).
    seeds, shots : sequence of int
        The few-shot grid.
    models : sequence of str
        Foundation models (their ``_scratch`` twins need no download).
    strategies : sequence of str
        The strategies timed per unit (empty: none).
    loso : bool
        Also compare the cache under leave-one-subject-out.
    device : str
        ``--device`` of the runs.
    """
    from benchmark.datasets import get_dataset_spec
    from benchmark.protocols import get_protocol

    spec = get_dataset_spec(dataset)
    subjects = tuple(subjects or range(1, spec.n_subjects + 1))
    protocols = {"fewshot": get_protocol("fewshot", shots=tuple(shots))}
    if loso:
        protocols["loso"] = get_protocol("loso")
    cache_rows, strategy_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        epochs = tmp / "epochs"
        from benchmark.protocols import PaperSplit

        # every subject loaded once before anything is timed (the first run would pay it)
        timed_suite_run([spec], ("mdm",), PaperSplit(), range(1, spec.n_subjects + 1),
                        tmp / "warm-up", epochs)
        for name, protocol in protocols.items():
            for model in models:
                runs = {}
                for cached in (True, False):
                    out = tmp / f"{name}-{model}-{cached}"
                    runs[cached] = timed_suite_run(
                        [spec], (model,), protocol, subjects, out, epochs, seeds=seeds,
                        finetune=PROBE_STRATEGIES, feature_cache=cached, device=device)
                (with_s, with_rows), (without_s, without_rows) = runs[True], runs[False]
                key = ["subject", "seed", "fold", "finetune"]
                a = with_rows[with_rows["status"] == "ok"].sort_values(key)
                b = without_rows[without_rows["status"] == "ok"].sort_values(key)
                if a[key].to_numpy().tolist() != b[key].to_numpy().tolist():
                    raise RuntimeError("the runs with and without the cache have other rows")
                forwarded, reused = _features(with_rows)
                cache_rows.append({
                    "protocol": name, "model": model, "units": int(a["unit_id"].nunique()),
                    "forwarded": forwarded, "reused": reused,
                    "forwarded_without": _features(without_rows)[0],
                    "seconds": with_s, "seconds_without": without_s,
                    "max_score_difference": float(np.max(np.abs(
                        a["score"].to_numpy(float) - b["score"].to_numpy(float))))})
        for model in models:
            for strategy in strategies:
                out = tmp / f"strategy-{model}-{strategy}"
                _, rows = timed_suite_run([spec], (model,), protocols["fewshot"],
                                          subjects[:1], out, epochs, seeds=seeds[:1],
                                          finetune=(strategy,), device=device)
                ok = rows[rows["status"] == "ok"]
                seconds = (ok["fit_time"].astype(float) + ok["predict_time"].astype(float))
                units = int(ok["unit_id"].nunique())
                strategy_rows.append({
                    "model": model, "strategy": strategy, "units": units,
                    "s_per_unit": float(seconds.sum()) / max(1, units),
                    "n_trainable": int(ok["n_trainable"].max()) if len(ok) else None})
    return AdaptationFigures(dataset, subjects, tuple(seeds), tuple(shots), cache_rows,
                             strategy_rows)
