"""The row schema: one row of the results table, the columns in their order.

A unit gives one :class:`ResultRow` per fold (or one for the whole unit when it failed
before its folds).  The worker builds them (:func:`benchmark.units.unit_row`), the store
keeps them as JSON objects and :mod:`benchmark.results` exports them with the columns in
the order of :data:`ROW_COLUMNS`, which is this dataclass's field order: the one place a
column is declared.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone

__all__ = ["ResultRow", "ROW_COLUMNS"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class ResultRow:
    """One row of ``results.csv``: what was evaluated, how it went, and how it was made.

    Fields with a default are those a failed unit or fold may not have (its score is NaN,
    its sizes ``None``).  JSON columns (``preprocessing``, ``pipeline``,
    ``protocol_config``, ``versions``, ``model_info``) hold canonical JSON text.
    """

    # what was evaluated
    dataset: str
    subject: int
    session: str | None
    model: str
    finetune: str = ""  # the adaptation strategy of a foundation model; empty for the others
    protocol: str
    protocol_version: str
    shots: int | None = None
    seed: int
    fold: int = 0
    # how it went
    status: str  # ok, failed, not_runnable
    score: float = math.nan
    metric: str
    n_train: int | None = None
    n_test: int | None = None
    n_classes: int | None = None
    n_chans: int | None = None  # channels the model saw (after the template)
    fit_time: float | None = None
    predict_time: float | None = None
    n_params: int | None = None
    n_trainable: int | None = None  # the parameters training changed (a probe: its head)
    # the loaded data of the row's subject
    data_chans: int | None = None
    data_sfreq: float | None = None
    data_native_sfreq: float | None = None
    data_trials: int | None = None
    data_sessions: int | None = None
    classes: str | None = None
    error: str = ""
    # how it was made
    split: str = ""  # digest of the fold's trial ids
    unit_id: str
    config_digest: str
    preprocessing: str
    pipeline: str
    protocol_config: str
    model_info: str = ""
    device: str = ""  # where the model ran: cpu, cuda:N
    device_name: str = ""  # the GPU's or the CPU's name
    precision: str = ""  # fp32, bf16, fp16 for a network; empty for a model without one
    versions: str
    finished_at: str = field(default_factory=_now)

    def to_dict(self) -> dict:
        """The row as a JSON object, keys in column order."""
        return asdict(self)


#: The columns of the results table, in order.
ROW_COLUMNS: list[str] = [f.name for f in fields(ResultRow)]
