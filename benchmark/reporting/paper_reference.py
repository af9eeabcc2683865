"""What the MIRepNet paper reports, to set our numbers beside: read from
``paper_reference.json``, shipped with this package.

Liu et al., "MIRepNet: A Pipeline and Foundation Model for EEG-Based Motor Imagery
Classification", arXiv 2507.20254 (2025).  The paper's exact tables are not public; the
accuracies are read off its radar charts (30 % calibration split, the ``paper``
protocol, 3 seeds), so they carry about ±1 point of reading error.  Model sizes are the
paper's "Model Sizes" figures.  Source: ``shared/reference/mirepnet.md`` of this project.
The numbers are data, so they live in the JSON file; this module only reads it once.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["REFERENCE_ACCURACY", "PAPER_MODEL_SIZES", "PAPER_PROTOCOL", "PAPER_DATASETS",
           "MODEL_NAMES", "DATA_FILE"]

#: the file, inside the package, that holds the numbers
DATA_FILE = "paper_reference.json"


def _load() -> dict:
    return json.loads(resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8"))


_DATA = _load()

#: the protocol whose rows compare with the paper's accuracies
PAPER_PROTOCOL: str = _DATA["protocol"]
#: the paper's datasets, in the order its tables print them
PAPER_DATASETS: tuple[str, ...] = tuple(_DATA["datasets"])
#: our registry name -> the paper's name for it
MODEL_NAMES: dict[str, str] = _DATA["model_names"]
#: dataset -> model -> accuracy (%), approximate (radar charts); "64-65" is kept as 64.5
REFERENCE_ACCURACY: dict[str, dict[str, float]] = _DATA["reference_accuracy"]
#: model -> parameters the paper reports
PAPER_MODEL_SIZES: dict[str, float] = _DATA["model_sizes"]
