"""The command line's console: log records printed as the suite printed them."""

import io
import logging
import sys

from benchmark.cli import main
from benchmark.console import ConsoleHandler, console_logging

LOG = logging.getLogger("benchmark.some_module")
PROGRESS = logging.getLogger("benchmark.progress")


def test_info_is_the_bare_message_on_stdout_warnings_go_to_stderr(capsys):
    with console_logging():
        LOG.info("hello %s", "there")
        LOG.warning("careful: 100 %")
        LOG.debug("not shown")
    assert capsys.readouterr() == ("hello there\n", "careful: 100 %\n")


def test_quiet_silences_info_but_not_problems_nor_the_progress_display(capsys):
    with console_logging(quiet=True):
        LOG.info("chatter")
        PROGRESS.info("failed: a unit: why")
        LOG.warning("a problem")
    assert capsys.readouterr() == ("failed: a unit: why\n", "a problem\n")


def test_lines_go_to_the_streams_of_the_moment(monkeypatch):
    with console_logging():
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        LOG.info("to the new stdout")
        LOG.error("to the new stderr")
    assert out.getvalue() == "to the new stdout\n" and err.getvalue() == "to the new stderr\n"


def test_one_handler_at_a_time_and_none_left_behind(capsys):
    logger = logging.getLogger("benchmark")
    before = (list(logger.handlers), logger.level)
    with console_logging():
        with console_logging(quiet=True):
            assert sum(isinstance(h, ConsoleHandler) for h in logger.handlers) == 1
            LOG.info("silenced")
        LOG.info("shown once")
    assert (list(logger.handlers), logger.level) == before
    assert capsys.readouterr().out == "shown once\n"


def test_repeated_commands_in_one_process_print_each_line_once(capsys):
    for _ in range(2):
        assert main(["download", "--datasets", "SynAlexMI"]) == 0
        assert capsys.readouterr().out == "SynAlexMI: synthetic, nothing to download\n"
