"""How a run reports its progress: a bar, one line per unit, or nothing.

``bar`` (the default on a terminal) is a tqdm progress bar over the pending units with
the unit just finished (dataset, subject, model) and the ETA; messages are printed above
it.  ``lines`` (the default when the output is a file or a pipe, as in cluster logs) is
one plain line per finished unit with its position, e.g. ``[12/80] ...``.  ``none``
prints only messages that matter (not-runnable reasons, failures).
"""

from __future__ import annotations

import sys
from typing import Callable

__all__ = ["Progress", "make_progress", "MODES"]

MODES = ("auto", "bar", "lines", "none")


class Progress:
    """Lines mode (also the base of the others)."""

    def __init__(self, log: Callable[[str], None] = print, verbose: bool = True):
        self._log, self.verbose = log, verbose
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
    """A tqdm bar on standard error; messages printed above it."""

    def start(self, total: int) -> None:
        from tqdm.auto import tqdm

        super().start(total)
        self._bar = tqdm(total=total, unit="unit", dynamic_ncols=True, file=sys.stderr,
                         smoothing=0.1)

    def message(self, text: str) -> None:
        bar = getattr(self, "_bar", None)
        if bar is None:
            return super().message(text)
        bar.write(text, file=sys.stdout)

    def unit_done(self, label: str, text: str = "") -> None:
        self.count += 1
        self._bar.set_postfix_str(f"{label}: {text.split(' (')[0] or 'done'}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
            self._bar = None


def make_progress(mode: str = "auto", log: Callable[[str], None] = print) -> Progress:
    """``auto``: a bar on a terminal, lines otherwise."""
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() else "lines"
    if mode == "bar":
        return BarProgress(log)
    return Progress(log, verbose=mode == "lines")
