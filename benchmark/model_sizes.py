"""Parameter counts of the zoo for a dataset: the suite's answer to the paper's "Model Sizes".

Counts depend on the input (channels after the pipeline's preprocessing, classes, window),
so they are computed by building each pipeline's network for the dataset's shape.  A
pretrained model whose weights are not available here is counted through its ``*_scratch``
twin (same architecture).
"""

from __future__ import annotations

from benchmark.errors import NotRunnable
from benchmark.pipelines import PipelineSpec
from benchmark.preprocessing import PreprocessingConfig, resolve_preprocessing
from benchmark.preprocessing.template import TEMPLATE_CHANNELS, chs_info

__all__ = ["parameter_count", "input_shape"]


def input_shape(pipe: PipelineSpec, n_chans: int, base: PreprocessingConfig | None = None
                ) -> tuple[int, int, float]:
    """``(n_chans, n_times, sfreq)`` a pipeline sees for a dataset with ``n_chans`` channels."""
    pre = resolve_preprocessing(base or PreprocessingConfig(), pipe.preprocessing)
    chans = len(TEMPLATE_CHANNELS) if pre.template != "none" else n_chans
    return chans, pre.n_times, pre.sfreq


def parameter_count(pipe: PipelineSpec, n_chans: int, n_outputs: int,
                    base: PreprocessingConfig | None = None) -> int | None:
    """Trainable-size figure of ``pipe`` for a dataset (``None`` for non-neural pipelines)."""
    from benchmark.models import count_parameters, get_model_entry, list_models

    chans, n_times, sfreq = input_shape(pipe, n_chans, base)
    # Positions only matter to channel interpolation (a frozen buffer, not a parameter):
    # template names stand in for a dataset's own when the pipeline keeps its channels.
    shape = dict(n_chans=chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                 chs_info=chs_info(TEMPLATE_CHANNELS[:chans]) if chans <= len(TEMPLATE_CHANNELS)
                 else None)
    # Pretrained models: count their scratch twin, so no weights are fetched for a count.
    twins = [f"{m}_scratch" for m in pipe.model_names
             if get_model_entry(m).pretrained and f"{m}_scratch" in list_models()]
    try:
        est = get_model_entry(twins[0]).factory(**shape) if twins else pipe.build(**shape)
    except NotRunnable:
        return None
    return count_parameters(est, initialize=True)  # None: not a network


def model_size_table(df):
    """Parameters per model (rows) and dataset (columns), from a results table alone.

    Each finished row records its pipeline (``pipeline`` JSON), the channels the model saw
    (``n_chans``) and the classes; the network is rebuilt from those.
    """
    import json

    import pandas as pd

    ok = df[df["status"] == "ok"].drop_duplicates(["dataset", "model"])
    out: dict[tuple[str, str], str] = {}
    for _, row in ok.iterrows():
        doc = json.loads(row["pipeline"])
        pipe = PipelineSpec(name=doc["name"], steps=doc["steps"],
                            preprocessing={"alignment": "none", "template": "none"})
        pre = json.loads(row["preprocessing"])
        base = PreprocessingConfig(**pre).with_overrides(template="none", alignment="none")
        n = parameter_count(pipe, int(row["n_chans"]), int(row["n_classes"]), base)
        out[(row["model"], row["dataset"])] = f"{n:,}" if n is not None else "—"
    if not out:
        return pd.DataFrame()
    table = pd.Series(out).unstack()
    table.index.name, table.columns.name = "model", None
    return table.fillna("")
