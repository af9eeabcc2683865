"""Datasets: the paper's catalogue, the synthetic demo sets, MOABB loading and downloading."""

from benchmark.datasets.catalogue import (
    DATASETS,
    SUITES,
    DatasetSpec,
    get_dataset_spec,
    resolve_datasets,
)
from benchmark.datasets.download import download_datasets
from benchmark.datasets.loading import SubjectData, configure_moabb, data_home, load_subject

__all__ = [
    "DATASETS",
    "SUITES",
    "DatasetSpec",
    "SubjectData",
    "configure_moabb",
    "data_home",
    "download_datasets",
    "get_dataset_spec",
    "load_subject",
    "resolve_datasets",
]
