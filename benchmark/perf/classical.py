"""Classical pipelines end to end: the suite's engine against MOABB's own evaluation.

The suite's engine (``--protocol within-session``: k-fold cross-validation per session,
with a cold and then a warm epoch cache) against MOABB's ``WithinSessionEvaluation``
running the same scikit-learn pipelines (Euclidean alignment + CSP-LDA / TS-LR / MDM) on
the same demo subjects at the same band, rate and window: wall-clock seconds and mean
accuracy of each.

The accuracies differ a little by design: the suite fits the alignment on each part of a
split separately (the test trials are aligned by their own reference, as in the other
protocols), where MOABB's pipeline aligns the test trials with the training reference.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from benchmark.perf.runs import CLASSICAL, timed_suite_run
from benchmark.perf.timer import timed_call

__all__ = ["ClassicalVsMoabb", "classical_vs_moabb"]


@dataclass(frozen=True)
class ClassicalVsMoabb:
    """Seconds and mean accuracies of the same within-session work, suite and MOABB.

    Attributes
    ----------
    selection : str
        The datasets as selected (a suite name such as ``demo``, or names).
    datasets : list of str
        Catalogue names of the datasets run.
    subjects : list of int
        Subjects of every dataset.
    models : list of str
        The pipelines.
    n_folds : int
        Folds of the cross-validation in each session.
    fits : int
        Folds the suite fitted and scored.
    suite_cold, suite_warm, moabb : float
        Wall-clock seconds: the engine with an empty and a filled epoch cache, and MOABB.
    moabb_sessions : int
        Rows of MOABB's results (one per dataset, subject, session and pipeline).
    suite_acc, moabb_acc : dict
        Pipeline -> mean accuracy.
    """

    selection: str
    datasets: list[str]
    subjects: list[int]
    models: list[str]
    n_folds: int
    fits: int
    suite_cold: float
    suite_warm: float
    moabb: float
    moabb_sessions: int
    suite_acc: dict[str, float]
    moabb_acc: dict[str, float]


def _moabb_run(specs: Sequence, models: Sequence[str], subjects: Sequence[int],
               seed: int = 0) -> tuple[float, dict[str, float], int]:
    """Seconds, mean accuracy per model and result rows of MOABB's WithinSessionEvaluation."""
    import pandas as pd
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import MotorImagery
    from sklearn.pipeline import make_pipeline

    from benchmark.datasets.loading import configure_moabb
    from benchmark.pipelines import discover_pipelines
    from benchmark.preprocessing import EuclideanAlignment, PreprocessingConfig

    configure_moabb()
    pre = PreprocessingConfig()
    pipes = discover_pipelines()

    def evaluate_all(tmp: str) -> list:
        scores = []
        for spec in specs:
            dataset = spec.instantiate()
            dataset.subject_list = list(subjects)
            paradigm = MotorImagery(events=list(spec.classes), n_classes=len(spec.classes),
                                    fmin=pre.fmin, fmax=pre.fmax, tmin=0.0, tmax=pre.window_s,
                                    resample=pre.sfreq)
            built = {name: make_pipeline(EuclideanAlignment(), pipes[name].build(
                n_chans=spec.n_chans, n_outputs=len(spec.classes), n_times=pre.n_times,
                sfreq=pre.sfreq)) for name in models}
            evaluation = WithinSessionEvaluation(paradigm=paradigm, datasets=[dataset],
                                                 random_state=seed, overwrite=True,
                                                 hdf5_path=tmp, n_jobs=1)
            scores.append(evaluation.process(built))
        return scores

    with tempfile.TemporaryDirectory() as tmp:
        seconds, scores = timed_call(lambda: evaluate_all(tmp))
    df = pd.concat(scores)
    return seconds, df.groupby("pipeline")["score"].mean().to_dict(), len(df)


def classical_vs_moabb(datasets: str = "demo", subjects: Sequence[int] = (1, 2, 3, 4),
                       models: Sequence[str] = CLASSICAL) -> ClassicalVsMoabb:
    """The engine (cold and warm epoch cache) and MOABB on the same within-session work.

    Parameters
    ----------
    datasets : str
        Datasets as ``--datasets`` takes them (a suite or names).
    subjects : sequence of int
        Subjects of every dataset.
    models : sequence of str
        Classical pipeline names.

    Returns
    -------
    ClassicalVsMoabb
        The seconds, accuracies and sizes of the work of both sides.
    """
    from benchmark.datasets import resolve_datasets
    from benchmark.protocols import WithinSessionCV

    specs = resolve_datasets(datasets)
    protocol = WithinSessionCV()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cold, rows = timed_suite_run(specs, models, protocol, subjects, tmp / "a", tmp / "cache")
        warm, _ = timed_suite_run(specs, models, protocol, subjects, tmp / "b", tmp / "cache")
    ok = rows[rows["status"] == "ok"]
    moabb_s, moabb_acc, moabb_rows = _moabb_run(specs, models, subjects)
    return ClassicalVsMoabb(
        selection=datasets, datasets=[s.name for s in specs], subjects=list(subjects),
        models=list(models), n_folds=protocol.n_folds, fits=len(ok), suite_cold=cold,
        suite_warm=warm, moabb=moabb_s, moabb_sessions=moabb_rows,
        suite_acc=ok.groupby("model")["score"].mean().to_dict(), moabb_acc=moabb_acc)
