"""Specialist MI decoders from braindecode, registered under the names of the MIRepNet paper.

Each entry wraps a braindecode model class (an ``EEGModuleMixin``) in the suite's
scikit-learn classifier (:func:`benchmark.models._deep.braindecode_classifier`); the training
recipe (optimizer, learning rate, epochs, batch size) is the factory's default and is
set per pipeline in ``pipelines/<name>.yml``.

References
----------
* ShallowConvNet, DeepConvNet: Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017.
* IFNet: Wang et al., IEEE TNSRE 31, 2023.
* EEG Conformer: Song et al., IEEE TNSRE 31, 2023.
* FBCNet: Mane et al., arXiv 2104.01233, 2021.
* ATCNet: Altaheri et al., IEEE TII 19(2), 2023.
"""

from __future__ import annotations

from ._deep import braindecode_classifier
from .registry import register_model

# name -> (braindecode class, paper, tags, optimizer)
SPECIALISTS = {
    "shallowconvnet": ("ShallowFBCSPNet", "Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017",
                       ("specialist", "deep"), "adamw"),
    "deepconvnet": ("Deep4Net", "Schirrmeister et al., Hum. Brain Mapp. 38(11), 2017",
                    ("specialist", "deep"), "adamw"),
    "ifnet": ("IFNet", "Wang et al., IEEE TNSRE 31, 2023", ("specialist", "deep"), "adamw"),
    "eegconformer": ("EEGConformer", "Song et al., IEEE TNSRE 31, 2023",
                     ("specialist", "deep", "heavy"), "adam"),
    "fbcnet": ("FBCNet", "Mane et al., arXiv 2104.01233, 2021", ("specialist", "deep"), "adam"),
    "atcnet": ("ATCNet", "Altaheri et al., IEEE Trans. Ind. Inform. 19(2), 2023",
               ("specialist", "deep", "heavy"), "adam"),
}


def _make_factory(name: str, class_name: str, optimizer: str):
    def factory(n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info=None, *,
                max_epochs: int = 100, batch_size: int = 8, lr: float = 1e-3,
                weight_decay: float = 0.0, device: str | None = None, **module_kwargs):
        import braindecode.models

        return braindecode_classifier(
            getattr(braindecode.models, class_name), n_chans=n_chans, n_outputs=n_outputs,
            n_times=n_times, sfreq=sfreq, chs_info=chs_info, max_epochs=max_epochs,
            batch_size=batch_size, lr=lr, weight_decay=weight_decay, optimizer=optimizer,
            device=device, module_kwargs=module_kwargs)

    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = __name__
    factory.__doc__ = (f"braindecode's {class_name}, trained with {optimizer} and a cosine "
                       "schedule (recipe in the pipeline file).")
    return factory


for _name, (_cls, _paper, _tags, _opt) in SPECIALISTS.items():
    register_model(_make_factory(_name, _cls, _opt), tags=_tags, paper=_paper)
