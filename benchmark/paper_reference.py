"""What the MIRepNet paper reports, to set our numbers beside.

Liu et al., "MIRepNet: A Pipeline and Foundation Model for EEG-Based Motor Imagery
Classification", arXiv 2507.20254 (2025).  The paper's exact tables are not public; the
accuracies below are read off its radar charts (30 % calibration split, the ``paper``
protocol, 3 seeds), so they carry about ±1 point of reading error.  Model sizes are the
paper's "Model Sizes" figures.  Source: ``shared/reference/mirepnet.md`` of this project.
"""

from __future__ import annotations

__all__ = ["REFERENCE_ACCURACY", "PAPER_MODEL_SIZES", "PAPER_PROTOCOL", "MODEL_NAMES"]

PAPER_PROTOCOL = "paper"

#: our registry name -> the paper's name for it
MODEL_NAMES = {
    "mirepnet": "MIRepNet", "eegconformer": "Conformer", "csp_lda": "CSP+LDA", "biot": "BIOT",
    "eegpt": "EEGPT", "shallowconvnet": "ShallowConv", "deepconvnet": "DeepConv",
    "eegnet": "EEGNet", "ifnet": "IFNet", "adfcnn": "ADFCNN", "fbcnet": "FBCNet",
    "edpnet": "EDPNet", "bendr": "BENDR", "labram": "LaBraM", "cbramod": "CBraMod",
}  # fmt: skip

#: dataset -> model -> accuracy (%), approximate (radar charts); "64-65" is kept as 64.5
REFERENCE_ACCURACY: dict[str, dict[str, float]] = {
    "BNCI2014001": {"mirepnet": 82, "eegconformer": 74, "csp_lda": 72, "biot": 58, "eegpt": 53},
    "BNCI2015001": {"mirepnet": 82, "eegconformer": 77, "csp_lda": 76, "biot": 75, "eegpt": 59},
    "BNCI2014004": {"mirepnet": 82, "eegconformer": 79, "csp_lda": 75, "biot": 73, "eegpt": 56},
    "BNCI2014001-4": {"mirepnet": 64.5, "eegconformer": 59, "csp_lda": 60, "biot": 41,
                      "eegpt": 30},
    "AlexMI": {"mirepnet": 70, "eegconformer": 64, "csp_lda": 63, "biot": 60, "eegpt": 53},
}

#: model -> parameters the paper reports
PAPER_MODEL_SIZES: dict[str, float] = {
    "shallowconvnet": 31.6e3, "deepconvnet": 27.7e3, "eegnet": 1.9e3, "ifnet": 9.9e3,
    "adfcnn": 3.9e3, "eegconformer": 146.8e3, "fbcnet": 1.5e3, "edpnet": 30.6e3,
    "biot": 3.2e6, "bendr": 4.0e6, "labram": 5.8e6, "cbramod": 4.0e6, "eegpt": 25.0e6,
    "mirepnet": 5.2e6,
}  # fmt: skip
