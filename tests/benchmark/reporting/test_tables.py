"""The report's tables computed from result rows alone."""

import numpy as np
import pandas as pd

from benchmark.reporting.tables import (
    datasets_table,
    missing_summary,
    model_sizes_table,
    reference_table,
)


def test_tables_from_rows_alone():
    rows = []
    for subject in (1, 2, 3):
        for model, score, params in (("csp_lda", 0.70 + 0.01 * subject, None),
                                     ("eegnet", 0.60, 2818.0)):
            rows.append({"dataset": "BNCI2014001", "subject": subject, "model": model,
                         "protocol": "paper", "status": "ok", "score": score, "seed": 0,
                         "fold": 0, "shots": np.nan, "n_classes": 2, "n_params": params,
                         "data_chans": 22, "data_sfreq": 250.0, "data_native_sfreq": 250.0,
                         "data_trials": 144, "data_sessions": 1,
                         "classes": "left_hand,right_hand", "error": ""})
    rows.append(dict(rows[0], model="mirepnet", status="not_runnable", score=np.nan,
                     error="MIRepNet weights are not in the cache"))
    rows.append(dict(rows[1], status="failed", score=np.nan, shots=1.0, error="ValueError: few"))
    df = pd.DataFrame(rows)
    ref, note = reference_table(df)
    row = ref.reset_index().query("dataset == 'BNCI2014001' and model == 'csp_lda'").iloc[0]
    assert (row["paper"], row["ours"], row["difference"], row["subjects"]) == ("72", "72.0",
                                                                              "+0.0", "3")
    assert note.startswith("1 of 25 paper figures")
    ds = datasets_table(df).loc["BNCI2014001"]
    assert (ds["subjects"], ds["channels"], ds["trials"]) == ("3", "22", "432")
    sizes = model_sizes_table(df)
    assert sizes.loc["eegnet", "BNCI2014001"] == "2,818" and sizes.loc["eegnet", "paper"] == "1.9 K"
    assert sizes.loc["csp_lda", "BNCI2014001"] == "—"
    assert missing_summary(df) == ["mirepnet has no result on BNCI2014001: not runnable, "
                                   "MIRepNet weights are not in the cache",
                                   "eegnet: 1 fold(s) failed at k = 1 (BNCI2014001): "
                                   "ValueError: few"]
