"""What the command line shows of the suite's log records.

Below the command line, modules log with ``logging.getLogger(__name__)``.
:func:`console_logging` puts one :class:`ConsoleHandler` on the ``benchmark`` logger while
a command runs: INFO records are printed as the bare message on standard output, WARNING
and above on standard error, which is what the suite printed before it logged.
``--quiet`` silences INFO, except the progress display's records
(:mod:`benchmark.progress`), which ``--progress`` governs (``--quiet`` sets it to
``none``: failures and not-runnable reasons only).

Written by hand because :class:`logging.StreamHandler` binds one stream when it is made,
for every level: this handler splits by level, looks ``sys.stdout`` and ``sys.stderr`` up
at each record (so that redirections made after it, such as pytest's capture, see the
lines), and writes above the progress bar (:func:`benchmark.progress.write_line`).
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from typing import Iterator

from benchmark import progress

__all__ = ["ConsoleHandler", "console_logging"]

#: the logger whose handler this module sets (the suite's modules log below it)
ROOT_LOGGER = "benchmark"


class ConsoleHandler(logging.Handler):
    """INFO as the bare message on standard output, WARNING and above on standard error.

    Parameters
    ----------
    quiet : bool
        Drop INFO records, except those of the progress display.
    """

    def __init__(self, quiet: bool = False):
        super().__init__(logging.INFO)
        self.quiet = quiet
        self.addFilter(self._shown)

    def _shown(self, record: logging.LogRecord) -> bool:
        progress_line = record.name == progress.logger.name
        return not self.quiet or record.levelno >= logging.WARNING or progress_line

    def emit(self, record: logging.LogRecord) -> None:
        stream = sys.stdout if record.levelno < logging.WARNING else sys.stderr
        try:
            progress.write_line(self.format(record), stream)
        except (BrokenPipeError, RecursionError):  # `| head` closed the pipe: as print would
            raise
        except Exception:
            self.handleError(record)


@contextmanager
def console_logging(quiet: bool = False) -> Iterator[ConsoleHandler]:
    """Show the suite's log records on the console while the block runs.

    Puts a :class:`ConsoleHandler` on the ``benchmark`` logger (one: a handler already
    there is used, with this ``quiet``), lets INFO records through that logger, and undoes
    both on the way out, so that calling the command line twice in one process (as tests
    do) neither doubles the lines nor leaves a handler behind.

    Parameters
    ----------
    quiet : bool
        ``--quiet``: drop INFO records, except the progress display's.

    Yields
    ------
    ConsoleHandler
        The handler in place.
    """
    logger = logging.getLogger(ROOT_LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, ConsoleHandler)), None)
    added = handler is None
    if added:
        handler = ConsoleHandler(quiet)
        logger.addHandler(handler)
    was_quiet, handler.quiet = handler.quiet, quiet
    # shown here once: not again by a handler of the root logger (logging.basicConfig,
    # moabb.set_log_level) in the same process
    propagate, logger.propagate = logger.propagate, False
    level = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
        handler.quiet = was_quiet
        if added:
            logger.removeHandler(handler)
