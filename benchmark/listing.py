"""What ``python -m benchmark list`` shows: the models, datasets, suites and protocols.

Each function reads one registry (the pipeline files with the model zoo, the dataset
catalogue, the protocols) and returns a table or lines; the command line prints them.
Imports are made inside the functions, so that listing the datasets does not import
PyTorch.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["models_table", "datasets_table", "suites", "protocols"]


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


def suites() -> list[str]:
    """``"name: dataset, dataset, ..."`` per suite of datasets."""
    from benchmark.datasets import SUITES

    return [f"{name}: {', '.join(members)}" for name, members in SUITES.items()]


def protocols() -> list[str]:
    """``"name: first line of its docstring"`` per evaluation protocol."""
    from benchmark.protocols import PROTOCOLS

    return [f"{name}: {(cls.__doc__ or '').strip().splitlines()[0]}"
            for name, cls in PROTOCOLS.items()]
