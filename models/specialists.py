"""Specialist MI decoders from braindecode, registered under the names of the MIRepNet paper.

Each row of :data:`SPECIALISTS` is a braindecode model class (an ``EEGModuleMixin``)
trained by the suite's scikit-learn classifier with the row's :class:`Recipe` (optimizer,
learning rate, epochs, batch size; the factory's defaults), which each pipeline sets in
``pipelines/<name>.yml``.

References
----------
* EEGNet: Lawhern et al., J. Neural Eng. 15(5), 056013, 2018.
* ShallowConvNet, DeepConvNet: Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017.
* IFNet: Wang et al., IEEE TNSRE 31, 2023.
* EEG Conformer: Song et al., IEEE TNSRE 31, 2023.
* FBCNet: Mane et al., arXiv 2104.01233, 2021.
* ATCNet: Altaheri et al., IEEE TII 19(2), 2023.
"""

from __future__ import annotations

from ._recipe import Network, Recipe, Signal, deep_model
from .registry import register_model

__all__ = ["SPECIALISTS"]

_DEEP = ("specialist", "deep")
_ADAM = Recipe(optimizer="adam")

# name -> (braindecode class, paper, tags, recipe)
SPECIALISTS = {
    "eegnet": ("EEGNet", "Lawhern et al., J. Neural Eng. 15(5), 2018", _DEEP, Recipe()),
    "shallowconvnet": ("ShallowFBCSPNet", "Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017",
                       _DEEP, Recipe()),
    "deepconvnet": ("Deep4Net", "Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017", _DEEP,
                    Recipe()),
    "ifnet": ("IFNet", "Wang et al., IEEE TNSRE 31, 2023", _DEEP, Recipe()),
    "eegconformer": ("EEGConformer", "Song et al., IEEE TNSRE 31, 2023", (*_DEEP, "heavy"),
                     _ADAM),
    "fbcnet": ("FBCNet", "Mane et al., arXiv 2104.01233, 2021", _DEEP, _ADAM),
    "atcnet": ("ATCNet", "Altaheri et al., IEEE Trans. Ind. Inform. 19(2), 2023",
               (*_DEEP, "heavy"), _ADAM),
}


def _braindecode_network(class_name: str):
    """The network function of a braindecode class (imported when a model is built)."""

    def network(signal: Signal) -> Network:
        import braindecode.models

        return Network(getattr(braindecode.models, class_name))

    return network


for _name, (_cls, _paper, _tags, _recipe) in SPECIALISTS.items():
    _doc = (f"braindecode's {_cls}, trained with {_recipe.optimizer} and a cosine schedule "
            "(recipe in the pipeline file).")
    register_model(deep_model(_recipe, name=_name, doc=_doc)(_braindecode_network(_cls)),
                   tags=_tags, paper=_paper)
