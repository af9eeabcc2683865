"""perf precision: the paired bf16/fp32 comparison's arithmetic and verdict."""

import numpy as np
import pandas as pd
import pytest

from benchmark.perf.precision import paired_precision_table


def _rows(scores: dict, status: str = "ok") -> pd.DataFrame:
    return pd.DataFrame([{"dataset": "D", "subject": s, "seed": seed, "model": m, "fold": 0,
                          "status": status, "score": v}
                         for (m, s, seed), v in scores.items()])


def _grid(model: str, rng, shift: float = 0.0, noise: float = 0.0) -> tuple[dict, dict]:
    fp32, bf16 = {}, {}
    for subject in range(1, 9):
        for seed in range(3):
            base = 0.7 + 0.02 * subject + rng.normal(0, 0.05)  # seeds spread 0.05
            fp32[(model, subject, seed)] = base
            bf16[(model, subject, seed)] = base + shift + rng.normal(0, noise)
    return fp32, bf16


def test_equal_scores_are_within_noise_and_a_shift_is_not():
    rng = np.random.default_rng(0)
    same32, same16 = _grid("same", rng, noise=0.005)
    off32, off16 = _grid("shifted", rng, shift=-0.1, noise=0.005)
    table = paired_precision_table(_rows(same32 | off32), _rows(same16 | off16)).set_index("model")
    assert table.loc["same", "pairs"] == table.loc["shifted", "pairs"] == 24
    assert table.loc["same", "within_noise"] and not table.loc["shifted", "within_noise"]
    shifted = table.loc["shifted"]
    assert shifted["mean_diff"] == pytest.approx(-0.1, abs=0.005)
    assert shifted["ci_low"] < shifted["mean_diff"] < shifted["ci_high"]
    assert shifted["wilcoxon_p"] < 0.001
    assert 0.03 < table.loc["same", "seed_sd"] < 0.08  # the seeds' spread of the grid
    assert table.loc["same", "fp32"] == pytest.approx(np.mean(list(same32.values())))


def test_only_units_ok_in_both_precisions_are_paired():
    fp32 = _rows({("m", 1, 0): 0.7, ("m", 2, 0): 0.8, ("m", 1, 1): 0.75, ("m", 2, 1): 0.7})
    bf16 = _rows({("m", 1, 0): 0.7, ("m", 2, 0): 0.8, ("m", 1, 1): 0.75})
    bf16 = pd.concat([bf16, _rows({("m", 2, 1): float("nan")}, status="failed")])
    table = paired_precision_table(fp32, bf16)
    assert table.loc[0, "pairs"] == 3
    assert table.loc[0, "mean_diff"] == 0 and table.loc[0, "wilcoxon_p"] == 1.0


def test_a_tiny_consistent_shift_is_within_noise_though_significant():
    rng = np.random.default_rng(1)
    fp32, bf16 = _grid("tiny", rng, shift=-0.004, noise=0.002)
    row = paired_precision_table(_rows(fp32), _rows(bf16)).iloc[0]
    assert row["wilcoxon_p"] < 0.05  # consistent, so "significant"...
    assert row["within_noise"]  # ...but far inside what a seed changes
