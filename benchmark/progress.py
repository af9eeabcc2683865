"""How a run reports its progress: a bar, one line per unit, or nothing.

``bar`` (the default on a terminal) is a tqdm progress bar over the pending units with
the unit just finished (dataset, subject, model) and the ETA; messages are printed above
it.  ``lines`` (the default when the output is a file or a pipe, as in cluster logs) is
one plain line per finished unit with its position, e.g. ``[12/80] ...``.  ``none``
prints only messages that matter (not-runnable reasons, failures).

Lines and messages are records of this module's logger at INFO (the command line shows
them on standard output, see :mod:`benchmark.console`); the bar is drawn on standard
error, and :func:`write_line` writes a line above it.
"""

from __future__ import annotations

import logging
import sys
from typing import Callable, TextIO

__all__ = ["Progress", "make_progress", "write_line", "MODES", "say_to"]

MODES = ("auto", "bar", "lines", "none")

logger = logging.getLogger(__name__)


def say_to(log: logging.Logger) -> Callable[[str], None]:
    """A callable that tells the user a line through ``log`` at INFO.

    Where logging is set up (the command line's handler, an application's
    configuration) the line is a log record, filtered by its levels.  Where nothing
    handles the suite's records (``run_benchmark`` called from a script or a notebook),
    the line is printed to standard output, as the suite did before it logged, instead
    of being dropped silently.
    """
    def say(message: str) -> None:
        if log.hasHandlers():
            log.info(message)
        else:
            print(message, flush=True)

    return say


class Progress:
    """Lines mode (also the base of the others).

    Parameters
    ----------
    log : callable, optional
        Takes each line (default: this module's logger at INFO, see :func:`say_to`).
    verbose : bool
        Besides the messages, a line per finished unit (``False``: the ``none`` mode).
    """

    def __init__(self, log: Callable[[str], None] | None = None, verbose: bool = True):
        self._log, self.verbose = log or say_to(logger), verbose
        self.total, self.count = 0, 0

    def start(self, total: int) -> None:
        self.total, self.count = total, 0

    def message(self, text: str) -> None:
        """A message that is always shown (a failure, a not-runnable reason)."""
        self._log(text)

    def unit_done(self, label: str, text: str = "") -> None:
        """A unit is over; ``text`` (if any) says how (units with a message give none)."""
        self.count += 1
        if self.verbose and text:
            self._log(f"[{self.count}/{self.total}] {label}: {text}")

    def close(self) -> None:
        pass


class BarProgress(Progress):
    """A tqdm bar on standard error; messages are shown above it (:func:`write_line`)."""

    def start(self, total: int) -> None:
        from tqdm.auto import tqdm

        super().start(total)
        self._bar = tqdm(total=total, unit="unit", dynamic_ncols=True, file=sys.stderr,
                         smoothing=0.1)

    def unit_done(self, label: str, text: str = "") -> None:
        self.count += 1
        self._bar.set_postfix_str(f"{label}: {text.split(' (')[0] or 'done'}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
            self._bar = None


def make_progress(mode: str = "auto", log: Callable[[str], None] | None = None) -> Progress:
    """``auto``: a bar on a terminal, lines otherwise; ``log`` as :class:`Progress` takes it."""
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "lines"
    if mode == "bar":
        return BarProgress(log)
    return Progress(log, verbose=mode == "lines")


def write_line(text: str, stream: TextIO) -> None:
    """Write ``text`` and a newline to ``stream`` and flush it; above the bar if one is shown.

    tqdm's ``external_write_mode`` clears the bars sharing the terminal while the line is
    written and redraws them after (what ``tqdm.write`` does, with a flush).

    Parameters
    ----------
    text : str
        One line, without its newline.
    stream : file-like
        Where it goes (standard output or standard error).
    """
    from tqdm.auto import tqdm

    with tqdm.external_write_mode(file=stream):
        stream.write(text + "\n")
        stream.flush()
