"""``download --datasets``: fetch datasets into the MOABB cache, one line per dataset.

MOABB's ``dataset.download`` does the fetching (through pooch, whose line per file is the
progress); this module only chooses the subjects and turns each dataset's outcome into
one line: where it went (INFO), or why it failed (WARNING), so that one dataset's failure
does not stop the others.
"""

from __future__ import annotations

import logging

from benchmark.datasets.catalogue import DatasetSpec
from benchmark.datasets.loading import configure_moabb, data_home

__all__ = ["download_datasets"]

logger = logging.getLogger(__name__)


def download_datasets(specs: list[DatasetSpec], subjects: list[int] | None = None) -> int:
    """Download the selected datasets; return how many failed.

    Parameters
    ----------
    specs : list of DatasetSpec
        The datasets (:func:`~benchmark.datasets.resolve_datasets` of ``--datasets``).
    subjects : list of int, optional
        Subjects of every dataset (default: all of each).

    Returns
    -------
    int
        The number of datasets whose download failed (each said in one line).
    """
    configure_moabb(quiet_downloads=False)  # pooch's line per file is the progress here
    failures = 0
    for spec in specs:
        if spec.is_synthetic:
            logger.info("%s: synthetic, nothing to download", spec.name)
            continue
        dataset = spec.instantiate()
        wanted = subjects or dataset.subject_list
        try:
            dataset.download(subject_list=wanted)
            logger.info("%s: %d subject(s) in %s", spec.name, len(wanted), data_home())
        except OSError as exc:
            failures += 1
            logger.warning("%s: download failed (%s); check the network and that %s is "
                           "writable", spec.name, type(exc).__name__, data_home())
    return failures
