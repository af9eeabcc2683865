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


def test_a_root_handler_does_not_print_the_lines_twice(capsys):
    """An application (or moabb.set_log_level) configured the root logger."""
    seen = io.StringIO()
    root_handler = logging.StreamHandler(seen)
    root = logging.getLogger()
    level = root.level
    root.addHandler(root_handler)
    root.setLevel(logging.INFO)
    try:
        assert main(["download", "--datasets", "SynAlexMI"]) == 0
    finally:
        root.removeHandler(root_handler)
        root.setLevel(level)
    assert capsys.readouterr().out == "SynAlexMI: synthetic, nothing to download\n"
    assert seen.getvalue() == ""
    assert logging.getLogger("benchmark").propagate  # restored after the command


def test_library_use_without_logging_set_up_still_prints(tmp_path, capsys, tiny_spec,
                                                        monkeypatch):
    """run_benchmark from a script: the unit lines are printed, not dropped."""
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.protocols import get_protocol

    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a plain script
    assert not logging.getLogger("benchmark.progress").hasHandlers()
    cfg = RunConfig(pipelines=select_pipelines("csp_lda", discover_pipelines()),
                    datasets=[tiny_spec], protocol=get_protocol("paper"), seeds=[0],
                    subjects=[1], out=str(tmp_path / "out"), cache_dir=str(tmp_path / "c"))
    run_benchmark(cfg)
    out = capsys.readouterr().out
    assert out.startswith("[1/1] ") and "csp_lda: accuracy" in out
