"""``run --dry-run``: the grid a command would run and a rough estimate of its cost.

The cost of a unit is its model's median seconds per fold (fitting and scoring) times
the protocol's folds per unit.  The seconds per fold come from the rows already in the
output folder for the same dataset and model when there are some (``measured``),
otherwise from a prior by kind of model (``prior``): what a demo-sized subject (about
100 calibration trials, 22 channels, 1000 samples) takes on 2 CPU cores with the
pipeline files' recipes.  Loading a subject that is not in the epoch cache adds
:data:`LOAD_SECONDS`.  These are orders of magnitude for planning, not promises: real
datasets have more trials, GPUs are faster.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.datasets.cache import EpochCache
from benchmark.engine import RunConfig, plan_units, wanted
from benchmark.results import ResultStore

__all__ = ["describe_dry_run", "grid_table", "estimate_cost", "format_duration",
           "PRIOR_SECONDS_PER_FOLD", "LOAD_SECONDS"]

#: seconds per fold by kind of model (first matching tag), 2 CPU cores, demo-sized subject
PRIOR_SECONDS_PER_FOLD = {"heavy": 300.0, "deep": 30.0, "classical": 0.3}
LOAD_SECONDS = 3.0


def _prior(pipe) -> tuple[float, str]:
    for tag, seconds in PRIOR_SECONDS_PER_FOLD.items():
        if tag in pipe.tags:
            return seconds, f"prior ({tag})"
    return PRIOR_SECONDS_PER_FOLD["classical"], "prior"


def estimate_cost(units, pending, protocol, rows: pd.DataFrame | None,
                  cached_subjects: set | None = None) -> pd.DataFrame:
    """One row per model: pending units, folds, seconds per fold and its source, total.

    Parameters
    ----------
    units, pending : list of Unit
        The whole grid and the units not stored yet.
    rows : DataFrame, optional
        Rows already stored in the output folder (measured times).
    cached_subjects : set of (dataset, subject), optional
        Subjects whose epochs are cached (no loading cost).
    """
    measured: dict = {}
    if rows is not None and len(rows):
        ok = rows[rows["status"] == "ok"]
        per_fold = ok["fit_time"].astype(float) + ok["predict_time"].astype(float)
        measured = per_fold.groupby([ok["dataset"], ok["model"]]).median().to_dict()
    out = []
    total_units = Counter(u.pipe.name for u in units)
    for name in dict.fromkeys(u.pipe.name for u in units):
        mine = [u for u in pending if u.pipe.name == name]
        pipe = next(u.pipe for u in units if u.pipe.name == name)
        seconds, sources = 0.0, set()
        folds = 0
        for u in mine:
            # one session (two for cross-session): the catalogue has no counts
            n = protocol.n_splits()
            per = measured.get((u.spec.name, name))
            if per is not None and np.isfinite(per):
                seconds += n * float(per)
                sources.add("measured here")
            else:
                prior, source = _prior(pipe)
                seconds += n * prior
                sources.add(source)
            folds += n
        out.append({"model": name, "units": total_units[name], "pending": len(mine),
                    "folds": folds, "s_per_fold": seconds / folds if folds else 0.0,
                    "source": " + ".join(sorted(sources)), "seconds": seconds})
    table = pd.DataFrame(out)
    to_load = {(u.spec.name, u.subject) for u in pending} - (cached_subjects or set())
    table.attrs["load_seconds"] = len(to_load) * LOAD_SECONDS
    table.attrs["subjects_to_load"] = len(to_load)
    return table


def grid_table(pending) -> pd.DataFrame:
    """Pending units by dataset (rows) and model (columns)."""
    counts = Counter((u.spec.name, u.pipe.name) for u in pending)
    if not counts:
        return pd.DataFrame()
    df = pd.Series(counts).unstack(fill_value=0)
    df.index.name, df.columns.name = "dataset", "model"
    return df


def format_duration(seconds: float) -> str:
    """``"42 s"``, ``"12 min"``, ``"3.5 h"`` or ``"4.0 days"``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _pending(cfg: RunConfig) -> tuple[list, list, pd.DataFrame | None, set]:
    """The grid's units, those still to run, the rows stored in ``cfg.out`` (``None``: no
    folder yet) and the (dataset, subject) pairs of those units in the epoch cache."""
    units = plan_units(cfg)
    root = Path(cfg.out)
    store = ResultStore(root) if (root / "units").is_dir() else None
    pending = [u for u in units if store is None or wanted(store.status(u.uid), cfg.retry_failed)]
    rows = store.rows() if store is not None else None
    cached = set()
    if cfg.use_cache:
        cache = EpochCache(cfg.cache_dir)
        cached = {(u.spec.name, u.subject) for u in pending
                  if cache.path(u.spec, u.subject, u.loading).exists()}
    return units, pending, rows, cached


def describe_dry_run(cfg: RunConfig) -> str:
    """What ``run --dry-run`` prints: the grid, the units to run and their estimated cost.

    Reads the output folder and the epoch cache; writes nothing.

    Parameters
    ----------
    cfg : RunConfig
        The run as the command line would start it.

    Returns
    -------
    str
        Lines, without a final newline.
    """
    units, pending, rows, cached = _pending(cfg)
    seeds = ",".join(map(str, cfg.seeds))
    lines = [f"dry run: protocol {cfg.protocol.name}, seeds {seeds}, results in {cfg.out}",
             f"{len(units)} unit(s) in the grid: {len(cfg.pipelines)} model(s) x "
             f"{len(cfg.datasets)} dataset(s) x their subjects x {len(cfg.seeds)} seed(s); "
             f"{len(units) - len(pending)} already stored, {len(pending)} to run"]
    if not pending:
        return "\n".join(lines)
    cost = estimate_cost(units, pending, cfg.protocol, rows, cached)
    shown = cost.assign(s_per_fold=cost["s_per_fold"].map(lambda v: f"{v:.2f}"),
                        seconds=cost["seconds"].map(format_duration))
    total = float(cost["seconds"].sum()) + cost.attrs["load_seconds"]
    workers = cfg.jobs if not cfg.scheduler else None
    last = f"total: ~{format_duration(total)} of compute"
    if workers and workers > 1:
        last += f", ~{format_duration(total / workers)} with --jobs {workers}"
    lines += ["", "units to run (dataset x model):", grid_table(pending).to_string(),
              "", "estimated cost (seconds per fold: measured in this folder, or a prior for a "
              "demo-sized subject on 2 CPU cores):", shown.to_string(index=False),
              "", f"loading {cost.attrs['subjects_to_load']} subject(s) not in the epoch "
              f"cache: ~{format_duration(cost.attrs['load_seconds'])}",
              last + " (a rough estimate)"]
    return "\n".join(lines)
