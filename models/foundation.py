"""General EEG foundation models from braindecode, pretrained and from scratch.

Each model has two registry entries: ``NAME`` with the weights braindecode publishes on
the Hugging Face Hub (checked loading, see :mod:`benchmark.models._braindecode_hub`; not runnable,
with the reason, when they cannot be had — never random weights under this name) and
``NAME_scratch``, the same network from random weights.

Channel handling: these models get the shared preprocessing (EA, 45-channel template) and
braindecode's ``Interpolated*`` variant projects the template channels onto the montage
the model was pretrained on (MNE spherical splines on standard positions); CBraMod accepts
any channel set and reads the 45 template channels directly.  Sampling rate: input is
resampled from the shared 250 Hz to the model's native rate (200 or 256 Hz).

References
----------
* BIOT: Yang, Westover, Sun, NeurIPS 2023.
* BENDR: Kostas, Aroca-Ouellette, Rudzicz, Front. Hum. Neurosci. 15, 2021.
* LaBraM: Jiang, Zhao, Lu, ICLR 2024.
* CBraMod: Wang et al., ICLR 2025.
* EEGPT: Wang et al., NeurIPS 2024.
"""

from __future__ import annotations

from benchmark.errors import NotRunnable
from ._recipe import FINETUNING, RECIPE_PARAMETERS, Network, Signal, deep_model
from ._strategies import GENERIC_STRATEGIES
from .registry import register_model

#: the classification head inside :class:`~benchmark.models._braindecode_hub.ResampledBackbone`
HEAD = "backbone.final_layer"

# name -> (backbone class, Hub repository, native rate, paper, extra tags)
FOUNDATION: dict[str, tuple] = {
    "biot": ("InterpolatedBIOT", "braindecode/biot-pretrained-six-datasets-18chs", 200.0,
             "Yang et al., NeurIPS 2023", ()),
    "bendr": ("InterpolatedBENDR", "braindecode/braindecode-bendr", 256.0,
              "Kostas et al., Front. Hum. Neurosci. 15, 2021", ()),
    "labram": ("InterpolatedLaBraM", "braindecode/labram-pretrained", 200.0,
               "Jiang et al., ICLR 2024", ()),
    "cbramod": ("CBraMod", "braindecode/cbramod-pretrained", 200.0, "Wang et al., ICLR 2025", ()),
    "eegpt": ("InterpolatedEEGPT", "braindecode/eegpt-pretrained", 256.0,
              "Wang et al., NeurIPS 2024", ()),
}


def _check_signal(name: str, backbone: str, n_chans: int, chs_info) -> None:
    """Not runnable on signals the channel interpolation cannot map."""
    if chs_info is None and backbone.startswith("Interpolated"):
        raise NotRunnable(f"{name} maps channels onto its pretraining montage by position and "
                          "needs chs_info (channel names and positions); pass chs_info, or run "
                          "it through the suite, which always does")
    if backbone.startswith("Interpolated") and n_chans < 4:
        raise NotRunnable(f"{name} interpolates onto its pretraining montage with spherical "
                          f"splines, which need at least 4 channels (got {n_chans}); keep the "
                          "shared 45-channel template")


def _make_factories(name: str, backbone: str, repo: str, native_sfreq: float):
    """The pretrained factory (takes ``checkpoint``) and the scratch one (does not)."""

    def network(weights) -> Network:
        from ._braindecode_hub import ResampledBackbone

        architecture = weights.architecture if weights is not None else {}
        return Network(ResampledBackbone, {"backbone": backbone, "native_sfreq": native_sfreq,
                                           "architecture": architecture}, weights)

    def pretrained(signal: Signal, *, checkpoint: str = "hub") -> Network:
        from ._braindecode_hub import BraindecodeHubWeights

        _check_signal(name, backbone, signal.n_chans, signal.chs_info)
        return network(BraindecodeHubWeights.from_source(checkpoint, default_repo=repo,
                                                         model=name, label=name))

    def scratch(signal: Signal) -> Network:
        _check_signal(name, backbone, signal.n_chans, signal.chs_info)
        return network(None)

    # the paper's recipe for every foundation model; the pipeline files name the optimizer
    options = dict(tunable=(*RECIPE_PARAMETERS, "optimizer"), module_kwargs=False,
                   head=HEAD, strategies=GENERIC_STRATEGIES)
    return (deep_model(FINETUNING, name=name, **options,
                       doc=f"braindecode's {backbone} with the published weights ({repo}), "
                           f"fed at {native_sfreq:g} Hz")(pretrained),
            deep_model(FINETUNING, name=f"{name}_scratch", **options,
                       doc=f"braindecode's {backbone} from random weights (no pretraining), "
                           f"fed at {native_sfreq:g} Hz")(scratch))


for _name, (_backbone, _repo, _sfreq, _paper, _tags) in FOUNDATION.items():
    _pre, _scr = _make_factories(_name, _backbone, _repo, _sfreq)
    register_model(_pre, tags=("foundation", "deep", "heavy", *_tags), paper=_paper,
                   pretrained=f"hf://{_repo}")
    register_model(_scr, tags=("foundation", "deep", "heavy", *_tags), paper=_paper)
