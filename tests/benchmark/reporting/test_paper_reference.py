"""The paper's numbers, read from the data file shipped with the package, are the values
``benchmark/paper_reference.py`` held as Python literals (copied here as they were)."""

from benchmark.reporting.paper_reference import (
    MODEL_NAMES,
    PAPER_DATASETS,
    PAPER_MODEL_SIZES,
    PAPER_PROTOCOL,
    REFERENCE_ACCURACY,
)

OLD_MODEL_NAMES = {
    "mirepnet": "MIRepNet", "eegconformer": "Conformer", "csp_lda": "CSP+LDA", "biot": "BIOT",
    "eegpt": "EEGPT", "shallowconvnet": "ShallowConv", "deepconvnet": "DeepConv",
    "eegnet": "EEGNet", "ifnet": "IFNet", "adfcnn": "ADFCNN", "fbcnet": "FBCNet",
    "edpnet": "EDPNet", "bendr": "BENDR", "labram": "LaBraM", "cbramod": "CBraMod",
}  # fmt: skip
OLD_REFERENCE_ACCURACY = {
    "BNCI2014001": {"mirepnet": 82, "eegconformer": 74, "csp_lda": 72, "biot": 58, "eegpt": 53},
    "BNCI2015001": {"mirepnet": 82, "eegconformer": 77, "csp_lda": 76, "biot": 75, "eegpt": 59},
    "BNCI2014004": {"mirepnet": 82, "eegconformer": 79, "csp_lda": 75, "biot": 73, "eegpt": 56},
    "BNCI2014001-4": {"mirepnet": 64.5, "eegconformer": 59, "csp_lda": 60, "biot": 41,
                      "eegpt": 30},
    "AlexMI": {"mirepnet": 70, "eegconformer": 64, "csp_lda": 63, "biot": 60, "eegpt": 53},
}
OLD_PAPER_MODEL_SIZES = {
    "shallowconvnet": 31.6e3, "deepconvnet": 27.7e3, "eegnet": 1.9e3, "ifnet": 9.9e3,
    "adfcnn": 3.9e3, "eegconformer": 146.8e3, "fbcnet": 1.5e3, "edpnet": 30.6e3,
    "biot": 3.2e6, "bendr": 4.0e6, "labram": 5.8e6, "cbramod": 4.0e6, "eegpt": 25.0e6,
    "mirepnet": 5.2e6,
}  # fmt: skip


def test_the_data_file_holds_the_old_literals():
    assert PAPER_PROTOCOL == "paper"
    assert MODEL_NAMES == OLD_MODEL_NAMES and list(MODEL_NAMES) == list(OLD_MODEL_NAMES)
    assert REFERENCE_ACCURACY == OLD_REFERENCE_ACCURACY
    assert list(REFERENCE_ACCURACY) == list(OLD_REFERENCE_ACCURACY)  # the table's row order
    for dataset, models in OLD_REFERENCE_ACCURACY.items():
        assert list(REFERENCE_ACCURACY[dataset]) == list(models)
    assert PAPER_MODEL_SIZES == OLD_PAPER_MODEL_SIZES
    assert all(isinstance(v, float) for v in PAPER_MODEL_SIZES.values())
    assert sorted(PAPER_DATASETS) == sorted(OLD_REFERENCE_ACCURACY)
