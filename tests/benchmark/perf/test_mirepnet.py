"""The MIRepNet figures: their layout, and the two embeddings agreeing (timings not checked)."""

import pytest

from benchmark.perf.mirepnet import mirepnet_throughput
from benchmark.perf.text import format_figures

KEYS = {"batch", "fused", "inference", "train_step", "inference_s", "embedding_s", "train_step_s",
        "max_abs_diff"}


@pytest.mark.slow
def test_mirepnet_throughput_reports_both_embeddings_and_their_agreement():
    result = mirepnet_throughput(batch_sizes=(2,), repeats=1, n_times=200)
    rows = result.rows
    assert [(r["batch"], r["fused"]) for r in rows] == [(2, False), (2, True)]
    for r in rows:
        assert set(r) == KEYS
        # the rates are the batch over the timed seconds of that same row
        assert r["inference"] == pytest.approx(r["batch"] / r["inference_s"])
        assert r["train_step"] == pytest.approx(r["batch"] / r["train_step_s"])
        assert r["max_abs_diff"] < 1e-4  # fused and released embeddings give the same logits
    assert rows[0]["max_abs_diff"] == rows[1]["max_abs_diff"]  # one comparison, on both rows
    # the printed sizes are those of the input timed
    from benchmark.preprocessing import TEMPLATE_CHANNELS

    assert (result.n_chans, result.n_times, result.n_classes) == (len(TEMPLATE_CHANNELS), 200, 2)
    lines = format_figures(result).splitlines()
    assert lines[0].startswith(f"MIRepNet ({len(TEMPLATE_CHANNELS)} x 200 input, 2 classes) on ")
    assert len(lines) == 2 + len(rows) + 1  # header, column names, a row each, one ratio line
