"""``python -m benchmark`` and the ``mirepnet-benchmark`` command: :mod:`benchmark.cli`."""

import os
import sys

from benchmark.cli import main


def console_main() -> int:
    """Run the command line; a closed pipe (``... | head``) ends it quietly."""
    try:
        return main()
    except BrokenPipeError:  # nothing more to print, and no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(console_main())
