"""The datasets of the MIRepNet paper, by the paper's names, named suites, and lookup.

:func:`get_dataset_spec` finds a name in this catalogue first and then among MOABB's
motor-imagery datasets (:mod:`benchmark.datasets.moabb_index`), so any of them runs by its
MOABB class name; the suites ``moabb-mi`` and ``moabb-lr`` hold those.

Facts (MOABB class, classes, session) follow ``shared/reference/mirepnet.md``; the
MIRepNet paper is Liu et al., arXiv 2507.20254 (2025).  The ``demo`` suite holds five
synthetic sets (:class:`benchmark.datasets.synthetic.SyntheticMI`) that mimic the
montages, rates and classes of the five downstream sets at a size that runs on a laptop;
the ``demo-full`` suite has their real shapes too: subjects (9/12/9/8/9), trials per
class of the session the paper uses (72/100/80/20/72, so 144/200/160/40/288 per subject:
the paper's 1296/2400/~1400/320/2592 trials), channels and rates, in one session, so that
the cost of the full grid can be measured without the real data (``perf gpu``).
"""

from __future__ import annotations

import fnmatch

from benchmark.datasets import moabb_index
from benchmark.datasets.spec import SYNTHETIC_CLASS, DatasetSpec
from benchmark.errors import UserError, did_you_mean

__all__ = ["DatasetSpec", "DATASETS", "SUITES", "MOABB_SUITES", "get_dataset_spec",
           "resolve_datasets", "suite_names"]

BNCI2014001_CHANNELS = (
    "Fz", "FC3", "FC1", "FCz", "FC2", "FC4", "C5", "C3", "C1", "Cz", "C2",
    "C4", "C6", "CP3", "CP1", "CPz", "CP2", "CP4", "P1", "Pz", "P2", "POz",
)  # fmt: skip
BNCI2015001_CHANNELS = (
    "FC3", "FCz", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP3", "CPz", "CP4",
)  # fmt: skip
ALEXMI_CHANNELS = (
    "Fpz", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8", "P7", "P3", "Pz", "P4", "P8",
)  # fmt: skip
BNCI2014004_CHANNELS = ("C3", "Cz", "C4")
PHYSIONET_CHANNELS = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz",
    "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2", "F4", "F6", "F8", "FT7", "FT8", "T7", "T8",
    "T9", "T10", "TP7", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3",
    "POz", "PO4", "PO8", "O1", "Oz", "O2", "Iz",
)  # fmt: skip

_SYNTHETIC = SYNTHETIC_CLASS
_PRETRAIN_CLASSES = ("left_hand", "right_hand", "feet")


def _moabb(cls: str) -> str:
    return f"moabb.datasets:{cls}"


def _demo(name, mimics, channels, sfreq, classes, n_subjects, trials, seed,
          role="demo", n_sessions=1) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        moabb_class=_SYNTHETIC,
        classes=tuple(c for c in classes if c != "rest"),
        session="0",
        role=role,
        n_subjects=n_subjects,
        n_chans=len(channels),
        sfreq=sfreq,
        kwargs=dict(
            channels=channels,
            sfreq=sfreq,
            classes=tuple(classes),
            n_subjects=n_subjects,
            trials_per_class=trials,
            seed=seed,
            variant=name.lower(),
            **({"n_sessions": n_sessions} if n_sessions > 1 else {}),
        ),
        pretrain_classes=tuple(c for c in classes if c in _PRETRAIN_CLASSES),
        mimics=mimics,
        note=f"synthetic; mimics {mimics}'s montage, rate and classes",
    )


_ENTRIES = [
    # -- the five downstream sets of the paper ------------------------------------------
    DatasetSpec("BNCI2014001", _moabb("BNCI2014_001"), ("left_hand", "right_hand"), "0train",
                "downstream", 9, 22, 250.0, note="BCI IV 2a, session T, 2 classes"),
    DatasetSpec("BNCI2014001-4", _moabb("BNCI2014_001"),
                ("left_hand", "right_hand", "feet", "tongue"), "0train", "downstream", 9, 22,
                250.0, note="BCI IV 2a, session T, 4 classes"),
    DatasetSpec("BNCI2014004", _moabb("BNCI2014_004"), ("left_hand", "right_hand"), "3test",
                "downstream", 9, 3, 250.0,
                note="BCI IV 2b, first evaluation session; first 4 s of MOABB's [3, 7.5] s epoch"),
    DatasetSpec("BNCI2015001", _moabb("BNCI2015_001"), ("right_hand", "feet"), "0A",
                "downstream", 12, 13, 512.0, note="session A"),
    DatasetSpec("AlexMI", _moabb("AlexMI"), ("right_hand", "feet"), "0", "downstream", 8, 16,
                512.0, note="MOABB's AlexMI has right hand, feet, rest (the paper's table says "
                "left/right); rest is left out"),
    # -- the seven pretraining sets ------------------------------------------------------
    DatasetSpec("BNCI2014002", _moabb("BNCI2014_002"), ("right_hand", "feet"), None, "pretrain",
                14, 15, 512.0, pretrain_classes=("right_hand", "feet")),
    DatasetSpec("PhysionetMI", _moabb("PhysionetMI"), ("left_hand", "right_hand"), None,
                "pretrain", 109, 64, 160.0, kwargs={"imagined": True, "executed": False},
                pretrain_classes=_PRETRAIN_CLASSES,
                note="imagery runs only; left vs right hand for evaluation"),
    DatasetSpec("Dreyer2023", _moabb("Dreyer2023"), ("left_hand", "right_hand"), None,
                "pretrain", 87, 27, 512.0, pretrain_classes=("left_hand", "right_hand")),
    DatasetSpec("Weibo2014", _moabb("Weibo2014"), ("left_hand", "right_hand"), None, "pretrain",
                10, 60, 200.0, pretrain_classes=_PRETRAIN_CLASSES),
    DatasetSpec("Zhou2016", _moabb("Zhou2016"), ("left_hand", "right_hand"), None, "pretrain",
                4, 14, 250.0, pretrain_classes=_PRETRAIN_CLASSES),
    DatasetSpec("Lee2019", _moabb("Lee2019_MI"), ("left_hand", "right_hand"), None, "pretrain",
                54, 62, 1000.0, pretrain_classes=("left_hand", "right_hand")),
    DatasetSpec("Cho2017", _moabb("Cho2017"), ("left_hand", "right_hand"), None, "pretrain",
                52, 64, 512.0, pretrain_classes=("left_hand", "right_hand")),
    # -- the embedded synthetic demo sets -------------------------------------------------
    _demo("SynBNCI2014001", "BNCI2014001", BNCI2014001_CHANNELS, 250.0,
          ("left_hand", "right_hand"), 4, 40, 2014001, n_sessions=2),
    _demo("SynBNCI2014001-4", "BNCI2014001-4", BNCI2014001_CHANNELS, 250.0,
          ("left_hand", "right_hand", "feet", "tongue"), 4, 30, 20140014, n_sessions=2),
    _demo("SynBNCI2014004", "BNCI2014004", BNCI2014004_CHANNELS, 250.0,
          ("left_hand", "right_hand"), 4, 40, 2014004, n_sessions=2),
    _demo("SynBNCI2015001", "BNCI2015001", BNCI2015001_CHANNELS, 512.0, ("right_hand", "feet"),
          4, 40, 2015001, n_sessions=2),
    _demo("SynAlexMI", "AlexMI", ALEXMI_CHANNELS, 512.0, ("right_hand", "feet"), 4, 30, 1),
    # -- demo-full: the five downstream sets' real shapes (subjects, trials of the session
    #    used, channels, rates), to measure the grid's cost without the real data ----------
    _demo("SynFullBNCI2014001", "BNCI2014001", BNCI2014001_CHANNELS, 250.0,
          ("left_hand", "right_hand"), 9, 72, 12014001, role="demo-full"),
    _demo("SynFullBNCI2015001", "BNCI2015001", BNCI2015001_CHANNELS, 512.0,
          ("right_hand", "feet"), 12, 100, 12015001, role="demo-full"),
    _demo("SynFullBNCI2014004", "BNCI2014004", BNCI2014004_CHANNELS, 250.0,
          ("left_hand", "right_hand"), 9, 80, 12014004, role="demo-full"),
    _demo("SynFullAlexMI", "AlexMI", ALEXMI_CHANNELS, 512.0, ("right_hand", "feet"), 8, 20,
          11, role="demo-full"),
    _demo("SynFullBNCI2014001-4", "BNCI2014001-4", BNCI2014001_CHANNELS, 250.0,
          ("left_hand", "right_hand", "feet", "tongue"), 9, 72, 120140014, role="demo-full"),
    # -- synthetic pretraining sets (other subjects than the demo sets) -------------------
    _demo("SynPhysionetMI", "PhysionetMI", PHYSIONET_CHANNELS, 160.0,
          ("left_hand", "right_hand", "feet", "rest"), 10, 20, 109, role="demo-pretrain"),
    _demo("SynWeibo2014", "Weibo2014", PHYSIONET_CHANNELS[:60], 200.0,
          ("left_hand", "right_hand", "feet"), 6, 20, 2014, role="demo-pretrain"),
]  # fmt: skip

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _ENTRIES}

SUITES: dict[str, tuple[str, ...]] = {
    "five": ("BNCI2014001", "BNCI2015001", "BNCI2014004", "AlexMI", "BNCI2014001-4"),
    "pretrain7": ("BNCI2014002", "PhysionetMI", "Dreyer2023", "Weibo2014", "Zhou2016",
                  "Lee2019", "Cho2017"),
    "demo": ("SynBNCI2014001", "SynBNCI2015001", "SynBNCI2014004", "SynAlexMI",
             "SynBNCI2014001-4"),
    "demo-full": ("SynFullBNCI2014001", "SynFullBNCI2015001", "SynFullBNCI2014004",
                  "SynFullAlexMI", "SynFullBNCI2014001-4"),
    "demo-pretrain": ("SynPhysionetMI", "SynWeibo2014"),
}  # fmt: skip


MOABB_SUITES = moabb_index.MOABB_SUITES


def suite_names(suite: str) -> tuple[str, ...]:
    """The dataset names of a suite (``five``, ``moabb-lr``, ...; any case).

    Raises
    ------
    KeyError
        ``suite`` is not a suite.
    """
    key = suite.strip().lower()
    if key in SUITES:
        return SUITES[key]
    if key in MOABB_SUITES:
        return moabb_index.suite_members(key)
    raise KeyError(suite)


def get_dataset_spec(name: str) -> DatasetSpec:
    """Look a dataset up by name (any case), with "did you mean" on failure.

    The catalogue's names come first (the paper's ``BNCI2014001`` keeps its settings),
    then MOABB's motor-imagery datasets by class name (``BNCI2014_001``,
    ``Schirrmeister2017``) or by a deprecated MOABB name, each built from MOABB's
    metadata (:func:`benchmark.datasets.moabb_index.moabb_spec`).
    """
    by_lower = {k.lower(): v for k, v in DATASETS.items()}
    try:
        return by_lower[name.strip().lower()]
    except KeyError:
        pass
    found = moabb_index.find_moabb_name(name)
    if found is not None:
        return moabb_index.moabb_spec(found)
    choices = list(DATASETS) + list(SUITES) + list(MOABB_SUITES) + list(moabb_index.moabb_names())
    hint = did_you_mean(name, choices, n=3, cutoff=0.5, quote=False)
    raise UserError(
        f"unknown dataset {name!r}: {hint}`python -m benchmark list datasets` shows the "
        "catalogue, MOABB's motor-imagery datasets and the suites"
    ) from None


def resolve_datasets(selection: str | list) -> list[DatasetSpec]:
    """Turn ``"five"``, ``"moabb-lr"``, ``"demo,AlexMI,Schirrmeister2017"`` or globs over
    the catalogue's names (``"Syn*"``) into dataset specs."""
    items = selection.split(",") if isinstance(selection, str) else list(selection)
    out: list[DatasetSpec] = []
    for item in items:
        if isinstance(item, DatasetSpec):  # already resolved (tests, scripts)
            if item not in out:
                out.append(item)
            continue
        item = item.strip()
        if not item:
            continue
        try:
            names = suite_names(item)
        except KeyError:
            if any(ch in item for ch in "*?["):
                names = [n for n in DATASETS if fnmatch.fnmatch(n.lower(), item.lower())]
                if not names:
                    raise UserError(f"no dataset matches {item!r} in the catalogue (globs match "
                                    "its names; name MOABB's datasets one by one, or use the "
                                    "suite moabb-mi or moabb-lr); `python -m benchmark list "
                                    "datasets`") from None
            else:
                names = [item]
        for spec in (get_dataset_spec(n) for n in names):
            if spec not in out:
                out.append(spec)
    if not out:
        raise UserError("no dataset selected; pass --datasets demo, five, moabb-lr or dataset "
                        "names")
    return out
