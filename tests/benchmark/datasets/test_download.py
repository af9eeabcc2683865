import logging

from benchmark.datasets import download_datasets, resolve_datasets


def test_synthetic_datasets_need_no_download(caplog):
    with caplog.at_level(logging.INFO, logger="benchmark.datasets.download"):
        assert download_datasets(resolve_datasets("SynAlexMI,SynBNCI2014004")) == 0
    assert caplog.messages == ["SynAlexMI: synthetic, nothing to download",
                               "SynBNCI2014004: synthetic, nothing to download"]
