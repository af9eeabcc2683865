"""What travels between the engine and the workers: a unit, the run's settings, the result.

A :class:`Unit` is one (dataset, subject, session, model, protocol, seed) evaluation of
the grid; the engine sends it with the run's :class:`EvaluationSettings` to wherever it
runs (this process, a local worker process, a Dask worker) and gets a
:class:`UnitResult` back, whose rows (:func:`unit_row`) it stores.  Everything here is
plain, picklable data.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.errors import MissingData
from benchmark.pipelines import PipelineSpec
from benchmark.predictions import FoldPredictions
from benchmark.preprocessing import PreprocessingConfig, digest
from benchmark.protocols import Protocol
from benchmark.rows import ResultRow

__all__ = ["Unit", "UnitResult", "EvaluationSettings", "OfflineKey", "missing_info",
           "unit_row", "config_digest", "ADAPTATION_VERSION", "adaptation_version"]


@dataclass(eq=False)
class Unit:
    """One (dataset, subject, session, model, protocol, seed) evaluation of the grid."""

    spec: DatasetSpec
    subject: int
    seed: int
    pipe: PipelineSpec
    pre: PreprocessingConfig  # the preprocessing this pipeline gets in this run
    key: dict
    uid: str = ""
    attempts: int = 0  # submissions so far (a unit whose worker died is retried alone once)
    loading: PreprocessingConfig = field(default_factory=PreprocessingConfig)  # the dataset's

    @property
    def label(self) -> str:
        strategy = self.pipe.strategy
        shown = f" ({strategy})" if strategy not in ("", "full") else ""
        return f"{self.spec.name} s{self.subject} seed{self.seed} {self.pipe.name}{shown}"


@dataclass
class UnitResult:
    """What evaluating a unit gave.

    ``status`` is ``ok``, ``failed``, ``not_runnable`` (stored), ``out_of_memory`` (the
    engine reruns the unit alone, or stores it as failed) or ``error`` (a user
    mistake such as a wrong checkpoint file: the run stops with ``message``).
    ``scope`` says what a ``not_runnable`` is about (``dataset`` or ``model``).
    ``missing`` describes data that are not here and could not be downloaded (see
    :func:`missing_info`), ``None`` otherwise.  ``predictions`` hold the test trials'
    predictions of every fold with a result (:mod:`benchmark.predictions`).
    """

    uid: str
    status: str
    rows: list[ResultRow] = field(default_factory=list)
    details: str = ""
    message: str = ""
    scope: str = "model"
    missing: dict | None = None
    predictions: list[FoldPredictions] = field(default_factory=list)


# A dataset whose downloads failed for lack of network, with where it was looked for:
# the failure says nothing about another machine or another MNE data folder.
OfflineKey = tuple[str, str, str]  # (dataset, host, MNE data folder)


def missing_info(exc: MissingData) -> dict:
    """What the engine needs of a :class:`MissingData`, as plain (picklable) data.

    ``refusal`` is the reason the dataset's later downloads are not tried (when
    ``network``): the first failure, with its subject.
    """
    refusal = (f"the download of subject {exc.subject} failed in this run ({exc.cause})"
               if exc.tried else exc.cause)
    return {"dataset": exc.dataset, "subject": exc.subject, "where": exc.where,
            "host": socket.gethostname(), "cause": exc.cause, "network": exc.network,
            "tried": exc.tried, "refusal": refusal}


@dataclass
class EvaluationSettings:
    """What a worker needs besides the unit (picklable, sent with each task)."""

    protocol: Protocol
    cache_dir: str | None  # None: no epoch cache (each unit carries its own preprocessing)
    plugins: tuple[str, ...] = ()
    threads: int | None = None  # BLAS/torch threads per worker process
    token: str = ""  # identifies the run: a worker drops its memory when it changes
    metric: str = "accuracy"  # benchmark.metrics.METRICS
    device: str = "cpu"  # the run's resolved --device (a worker may have been placed)
    feature_cache: bool = True  # keep frozen backbones' features between folds and units


#: what a strategy other than ``full`` means changed with issue 22 (MIRepNet's
#: ``linear_probe`` became a probe on frozen features in eval(); ``frozen_embedding`` runs
#: its embedding in eval()): their units' keys and configurations carry this, so that
#: rows of the older meaning in a folder are neither taken for the new ones nor averaged
#: with them (``full`` keeps its keys)
ADAPTATION_VERSION = 2


def adaptation_version(pipe: PipelineSpec) -> dict:
    """``{"adaptation": ADAPTATION_VERSION}`` for a pipeline adapted otherwise than
    ``full``, ``{}`` for any other (see :data:`ADAPTATION_VERSION`)."""
    return {} if pipe.strategy in ("", "full") else {"adaptation": ADAPTATION_VERSION}


def config_digest(pipe: PipelineSpec, pre: PreprocessingConfig, protocol: Protocol) -> str:
    """The configuration a row was made with: pipeline, preprocessing and protocol."""
    return digest({"pipeline": pipe.to_dict(), "pre": pre.to_dict(),
                   "protocol": protocol.to_dict(), **adaptation_version(pipe)})


def unit_row(settings: EvaluationSettings, versions: dict, unit: Unit, *, status: str,
             session: str | None = None, **outcome) -> ResultRow:
    """The row of ``unit`` for one fold (or for the whole unit, if it failed before).

    Parameters
    ----------
    settings : EvaluationSettings
        The run's protocol and metric.
    versions : dict
        Package versions (:func:`benchmark.results.package_versions`).
    unit : Unit
        What was evaluated: gives the row's identity and configuration columns.
    status : {"ok", "failed", "not_runnable"}
        How it went.
    session : str, optional
        The fold's session, if the protocol chose one (default: the unit's).
    **outcome
        The other :class:`~benchmark.rows.ResultRow` fields the fold has (score, sizes,
        times, data facts, error, split...); ``classes`` defaults to the unit's
        evaluated classes, so a failed or not runnable row records them too.
    """
    key, pipe, pre, protocol = unit.key, unit.pipe, unit.pre, settings.protocol
    outcome.setdefault("classes", ",".join(unit.spec.classes))  # every row: the choice made
    return ResultRow(
        dataset=key["dataset"], subject=key["subject"], session=session or key["session"],
        model=pipe.name, finetune=pipe.strategy, protocol=protocol.name,
        protocol_version=protocol.version,
        seed=key["seed"], status=status, metric=settings.metric, unit_id=unit.uid,
        config_digest=config_digest(pipe, pre, protocol),
        preprocessing=json.dumps(pre.to_dict(), sort_keys=True),
        pipeline=json.dumps(pipe.to_dict(), sort_keys=True, default=str),
        protocol_config=json.dumps(protocol.to_dict(), sort_keys=True),
        versions=json.dumps(versions, sort_keys=True), **outcome)
