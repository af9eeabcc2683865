"""Evidence that the foundation-model pipeline works: pretrained vs scratch MIRepNet.

``python -m benchmark evidence`` runs, end to end and through the suite's own code:

1. hybrid pretraining (:mod:`benchmark.pretraining`) on the synthetic pretraining
   sets (suite ``demo-pretrain``: a 64-channel PhysionetMI-like and a 60-channel
   Weibo2014-like set, 16 subjects with left hand, right hand, feet and rest);
2. fine-tuning on *other* subjects of other montages — the held-out synthetic sets
   ``SynBNCI2014001`` (22 channels), ``SynBNCI2014004`` (3 channels) and
   ``SynBNCI2015001`` (13 channels) — with few calibration trials (``train_size`` of
   each subject's trials, unstratified, as in the paper protocol), the release's
   recipe, for ``mirepnet`` from the new checkpoint and ``mirepnet_scratch``;
3. a table of accuracy (mean over subjects and seeds) per dataset, and the share of
   (subject, seed) pairs where the pretrained model wins.

Results go to ``OUT/pretrain`` (checkpoint, logs) and ``OUT/finetune`` (the usual
results folder, resumable); the table to ``OUT/evidence.md``.  The exit status is 0
when the pretrained model is better on average, 1 otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path

from benchmark.progress import say_to

__all__ = ["run_evidence", "evidence_table", "HELD_OUT"]

logger = logging.getLogger(__name__)

HELD_OUT = ("SynBNCI2014001", "SynBNCI2014004", "SynBNCI2015001")


def evidence_table(df):
    """Per-dataset accuracy of both models, their difference and the pretrained win rate."""
    import pandas as pd

    ok = df[df["status"] == "ok"]
    per = ok.groupby(["dataset", "model", "subject", "seed"])["score"].mean().unstack("model")
    per = per.dropna()
    rows = []
    for dataset, part in list(per.groupby(level="dataset")) + [("all", per)]:
        rows.append({
            "dataset": dataset,
            "pairs": len(part),
            "mirepnet (pretrained)": 100 * part["mirepnet"].mean(),
            "mirepnet_scratch": 100 * part["mirepnet_scratch"].mean(),
            "difference": 100 * (part["mirepnet"] - part["mirepnet_scratch"]).mean(),
            "pretrained wins": f"{int((part['mirepnet'] > part['mirepnet_scratch']).sum())}"
                               f"/{len(part)}",
        })
    return pd.DataFrame(rows).set_index("dataset").round(1)


def run_evidence(out: str = "results/evidence", seeds=(0, 1, 2), epochs: int = 30,
                 train_size: float = 0.2) -> int:
    """Pretrain, fine-tune both variants on held-out subjects, log and write the table."""
    from benchmark.datasets import resolve_datasets
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines
    from benchmark.protocols import get_protocol
    from benchmark.pretraining import PretrainConfig, pretrain
    from benchmark.reporting import to_markdown
    from benchmark.results import read_results

    root = Path(out)
    ckpt = pretrain(PretrainConfig(datasets="demo-pretrain", out=str(root / "pretrain"),
                                   epochs=epochs, batch_size=32, log_every=0))
    specs = discover_pipelines()
    pipelines = [specs["mirepnet"].with_parameters(checkpoint=str(ckpt)), specs["mirepnet_scratch"]]
    cfg = RunConfig(pipelines=pipelines, datasets=resolve_datasets(list(HELD_OUT)),
                    protocol=get_protocol("paper", train_size=train_size), seeds=list(seeds),
                    out=str(root / "finetune"))
    summary = run_benchmark(cfg)
    if summary.failed or summary.not_runnable:
        say_to(logger)(f"{len(summary.failed)} unit(s) failed, "
                       f"{len(summary.not_runnable)} not runnable")
        return 1
    table = evidence_table(read_results(root / "finetune"))
    text = (f"Accuracy (%) on held-out synthetic subjects, {train_size:.0%} of each subject's "
            f"trials for calibration, seeds {', '.join(map(str, seeds))}, pretraining "
            f"{epochs} epochs on demo-pretrain:\n\n{to_markdown(table)}\n")
    (root / "evidence.md").write_text(text)
    say_to(logger)(text)
    return 0 if table.loc["all", "difference"] > 0 else 1
