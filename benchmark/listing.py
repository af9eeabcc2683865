"""What ``python -m benchmark list`` shows: the models, datasets, suites and protocols.

Each function reads one registry (the pipeline files with the model zoo, the dataset
catalogue, the protocols) and returns a table or lines; the command line prints them.
Imports are made inside the functions, so that listing the datasets does not import
PyTorch.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["models_table", "datasets_table", "moabb_datasets_table", "suites", "protocols"]


def models_table(details: bool = False, dataset: str = "BNCI2014001") -> pd.DataFrame:
    """One row per pipeline file: name, tags and description.

    Parameters
    ----------
    details : bool
        Instead of the description: the parameter count for ``dataset``'s shape, the
        paper, the published weights, the pipeline file and the adaptation strategies
        (``--finetune``) the model takes.
    dataset : str
        The dataset whose channels and classes the parameters are counted for.
    """
    from benchmark.models import get_model_entry
    from benchmark.pipelines import discover_pipelines

    if details:
        from benchmark.datasets import get_dataset_spec
        from benchmark.model_sizes import parameter_count

        shape = get_dataset_spec(dataset)
    rows = []
    for name, spec in discover_pipelines().items():
        entry = get_model_entry(spec.model_names[0]) if spec.model_names else None
        row = {"model": name, "tags": ",".join(spec.tags),
               "description": spec.description or (entry.description if entry else "")}
        if details:
            n = parameter_count(spec, shape.n_chans, len(shape.classes))
            row[f"params ({shape.name})"] = f"{n:,}" if n is not None else "—"
            row["paper"] = entry.paper if entry else "; ".join(spec.citations)
            row["pretrained"] = (entry.pretrained if entry else None) or "—"
            row["source"] = spec.origin
            row["strategies"] = ",".join(spec.strategies() or ("full",))
            del row["description"]
        rows.append(row)
    return pd.DataFrame(rows)


def datasets_table(details: bool = False) -> pd.DataFrame:
    """One row per catalogue dataset (with ``details``: its note too)."""
    from benchmark.datasets import DATASETS

    return pd.DataFrame([spec.describe() | ({"note": spec.note} if details else {})
                         for spec in DATASETS.values()])


def moabb_datasets_table(details: bool = False) -> pd.DataFrame:
    """One row per MOABB motor-imagery dataset, with MOABB's facts.

    Columns ``dataset`` (MOABB's class name, what ``--datasets`` takes), ``catalogue`` (the
    paper's names built on it), ``subjects, sessions``, ``classes`` (the default choice),
    ``channels`` (EEG) and ``sfreq`` (from MOABB's metadata), ``interval (s)`` (the task
    interval) and ``doi``; with ``details``, every event (what ``--classes`` can take).
    ``classes`` is what ``--datasets NAME`` evaluates (shortened past 40 characters
    without ``details``): where a catalogue entry has MOABB's name (``AlexMI``), its
    classes.
    """
    from benchmark.datasets import DATASETS, get_dataset_spec
    from benchmark.datasets.moabb_index import moabb_names, moabb_spec

    built_on: dict[str, list[str]] = {}
    for spec in DATASETS.values():
        built_on.setdefault(spec.moabb_class, []).append(spec.name)
    rows = []
    for name in moabb_names():
        spec = moabb_spec(name)
        interval = spec.interval or (float("nan"), float("nan"))
        runs = get_dataset_spec(name).classes  # a catalogue name keeps the catalogue's
        classes = ", ".join(runs)
        if len(classes) > 40 and not details:
            classes = f"{len(runs)}: {classes[:30].rsplit(', ', 1)[0]}, ..."
        if len(runs) < 2:
            classes = f"{classes or 'none'} (one class: choose --classes)"
        row = {"dataset": name, "catalogue": ", ".join(built_on.get(spec.moabb_class, [])) or "—",
               "subjects": spec.n_subjects, "sessions": spec.n_sessions, "classes": classes,
               "channels": spec.n_chans or "?", "sfreq": f"{spec.sfreq:g}" if spec.sfreq else "?",
               "interval (s)": (f"{interval[0]:g}-{interval[1]:g}" if interval[0] >= 0
                                else f"{interval[0]:g} to {interval[1]:g}"),
               "doi": spec.doi or "—"}
        if details:
            row["events"] = ", ".join(spec.events)
        rows.append(row)
    return pd.DataFrame(rows)


def suites() -> list[str]:
    """``"name: dataset, dataset, ..."`` per suite of datasets (the MOABB suites too)."""
    from benchmark.datasets import SUITES
    from benchmark.datasets.catalogue import MOABB_SUITES, suite_names

    return ([f"{name}: {', '.join(members)}" for name, members in SUITES.items()]
            + [f"{name}: {', '.join(suite_names(name))}" for name in MOABB_SUITES])


def protocols() -> list[str]:
    """``"name: first line of its docstring"`` per evaluation protocol."""
    from benchmark.protocols import PROTOCOLS

    return [f"{name}: {(cls.__doc__ or '').strip().splitlines()[0]}"
            for name, cls in PROTOCOLS.items()]
