"""Errors that are the user's to fix.

A :class:`UserError` is printed by the CLI as one line, without a traceback, and the
process exits with status 2.  Its message names the fix.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class UserError(Exception):
    """Bad input or a missing resource that the user can fix; the message says how."""


def did_you_mean(name: str, choices: Iterable[str], *, n: int = 1, cutoff: float = 0.6,
                 quote: bool = True) -> str:
    """``"did you mean 'x'? "`` for the choices closest to ``name``, or ``""``.

    The one place the suite's "unknown name" errors find their suggestion (difflib's
    ratio, as timm's and argparse's suggestions do).

    Parameters
    ----------
    name : str
        What the user typed.
    choices : iterable of str
        The valid names.
    n : int
        At most this many suggestions, comma separated.
    cutoff : float
        Similarity below which a choice is not suggested (0-1).
    quote : bool
        Quote the suggestions (``'x'``) or not (``x``).
    """
    close = difflib.get_close_matches(name, list(choices), n=n, cutoff=cutoff)
    if not close:
        return ""
    return f"did you mean {', '.join(repr(c) if quote else c for c in close)}? "


class NotRunnable(UserError):
    """A unit that cannot run here (missing weights or data); recorded, the run goes on."""


class MissingData(NotRunnable):
    """A subject's recordings are not on this machine and could not be downloaded.

    Parameters
    ----------
    message : str
        The one-line message (which subject, where it was looked for, how to fetch it).
    dataset : str
        The catalogue name of the dataset.
    subject : int
        The subject whose recordings are missing.
    where : str
        The folder the recordings were looked for in (MNE's data folder).
    cause : str
        Why the download failed, in one line.
    network : bool
        Whether it failed for lack of network (then the dataset's other downloads would
        fail the same way and are not tried).
    tried : bool
        Whether a download was attempted (``False``: not tried, because an earlier
        download of the dataset failed for lack of network).
    """

    def __init__(self, message: str, *, dataset: str, subject: int, where: str, cause: str,
                 network: bool = False, tried: bool = True):
        super().__init__(message)
        self.dataset, self.subject, self.where = dataset, int(subject), where
        self.cause, self.network, self.tried = cause, network, tried

    def __reduce__(self):
        return (_missing_data, (str(self), self.dataset, self.subject, self.where, self.cause,
                                self.network, self.tried))


def _missing_data(message, dataset, subject, where, cause, network, tried) -> MissingData:
    return MissingData(message, dataset=dataset, subject=subject, where=where, cause=cause,
                       network=network, tried=tried)
