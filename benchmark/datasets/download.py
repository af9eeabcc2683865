"""``download --datasets``: fetch datasets into the MOABB cache, one line per dataset.

MOABB's ``dataset.download`` does the fetching (through pooch, whose line per file is the
progress); this module only chooses the subjects and turns each dataset's outcome into
one line: where it went (INFO), or why it failed (WARNING), so that one dataset's failure
(no network, a licence to accept, a host that answers with an error) does not stop the
others.
"""

from __future__ import annotations

import logging

from benchmark.datasets.loading import configure_moabb, data_home, short_reason
from benchmark.datasets.offline import is_network_failure, network_cause
from benchmark.datasets.spec import DatasetSpec

__all__ = ["download_datasets", "download_failure"]

logger = logging.getLogger(__name__)


def download_failure(spec: DatasetSpec, exc: BaseException) -> str:
    """The one line that says why ``spec``'s download failed and what to do."""
    if isinstance(exc, AttributeError) and "accept" in str(exc).lower():
        cls = spec.moabb_class.split(":")[1]
        return (f"{spec.name}: not downloaded: MOABB fetches it only once its licence is "
                f"accepted, which the suite does not do for you: read the licence, then run "
                f"MOABB's {cls}(accept=True).download() (data under {data_home()})")
    if is_network_failure(exc) or isinstance(exc, OSError):
        cause = network_cause(exc) if is_network_failure(exc) else short_reason(exc)
        return (f"{spec.name}: download failed ({cause}); check the network and that "
                f"{data_home()} is writable")
    return f"{spec.name}: download failed ({short_reason(exc)})"


def _ranges(numbers) -> str:
    """``1-3, 5`` for [1, 2, 3, 5]."""
    out: list[list[int]] = []
    for n in sorted(int(x) for x in numbers):
        if out and n == out[-1][-1] + 1:
            out[-1].append(n)
        else:
            out.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in out)


def download_datasets(specs: list[DatasetSpec], subjects: list[int] | None = None) -> int:
    """Download the selected datasets; return how many failed.

    Parameters
    ----------
    specs : list of DatasetSpec
        The datasets (:func:`~benchmark.datasets.resolve_datasets` of ``--datasets``).
    subjects : list of int, optional
        Subjects of every dataset (default: all of each); a dataset gets those it has
        (Dreyer2023B numbers its subjects 61-81).

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
        try:
            dataset = spec.instantiate()
            wanted = [s for s in subjects or dataset.subject_list if s in dataset.subject_list]
            if not wanted:
                failures += 1
                logger.warning("%s: has none of the subjects asked for (its subjects: %s); "
                               "fix --subjects", spec.name, _ranges(dataset.subject_list))
                continue
            dataset.download(subject_list=wanted)
        except Exception as exc:  # noqa: BLE001 - any failure is this dataset's line
            failures += 1
            logger.warning("%s", download_failure(spec, exc))
        else:
            logger.info("%s: %d subject(s) in %s", spec.name, len(wanted), data_home())
    return failures
