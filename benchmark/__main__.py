"""``python -m benchmark``: the command line of :mod:`benchmark.cli`."""

import os
import sys

from benchmark.cli import main


def _run() -> int:
    try:
        return main()
    except BrokenPipeError:  # `... | head` closed the pipe: nothing more to print, no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


raise SystemExit(_run())
