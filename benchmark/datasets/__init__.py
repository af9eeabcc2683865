"""Datasets: the paper's catalogue, the synthetic demo sets and MOABB loading."""

from benchmark.datasets.catalogue import (
    DATASETS,
    SUITES,
    DatasetSpec,
    get_dataset_spec,
    resolve_datasets,
)
from benchmark.datasets.loading import SubjectData, configure_moabb, data_home, load_subject

__all__ = [
    "DATASETS",
    "SUITES",
    "DatasetSpec",
    "SubjectData",
    "configure_moabb",
    "data_home",
    "get_dataset_spec",
    "load_subject",
    "resolve_datasets",
]
