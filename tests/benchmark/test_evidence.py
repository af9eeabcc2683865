import pandas as pd

from benchmark.evidence import evidence_table


def test_evidence_table_pairs_subjects_and_seeds():
    rows = []
    for dataset in ("A", "B"):
        for subject in (1, 2):
            for seed in (0, 1):
                rows.append(dict(dataset=dataset, subject=subject, seed=seed, status="ok",
                                 model="mirepnet", score=0.8))
                rows.append(dict(dataset=dataset, subject=subject, seed=seed, status="ok",
                                 model="mirepnet_scratch", score=0.9 if subject == 1 else 0.5))
    rows.append(dict(dataset="A", subject=3, seed=0, status="ok", model="mirepnet", score=1.0))
    table = evidence_table(pd.DataFrame(rows))
    assert table.loc["A", "pairs"] == 4  # the unpaired row is left out
    assert table.loc["all", "mirepnet (pretrained)"] == 80.0
    assert table.loc["all", "mirepnet_scratch"] == 70.0
    assert table.loc["all", "difference"] == 10.0
    assert table.loc["all", "pretrained wins"] == "4/8"
