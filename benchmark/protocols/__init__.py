"""Evaluation protocols: which trials calibrate a model and which test it.

Every protocol is a :class:`Protocol` (``select``, ``split``, ``n_splits``, ``scope``), so
every model of a run sees exactly the same trials for a given unit, and
:func:`split_identity` says what a unit's split depends on.

* ``paper`` (:class:`PaperSplit`): the release's seeded 30 % / 70 % split per subject;
* ``fewshot`` (:class:`FewShotSplit`): ``k`` trials per class on a fixed test part;
* ``loso`` (:class:`LeaveOneSubjectOut`): every other subject trains, optionally with
  ``k`` target trials per class;
* ``cross-session`` (:class:`CrossSessionSplit`): leave one session out;
* ``within-session`` (:class:`WithinSessionCV`): MOABB's stratified 5-fold per session.
"""

from __future__ import annotations

import inspect

from benchmark.errors import UserError, did_you_mean
from benchmark.protocols.base import Fold, Protocol, SplitIdentity, split_digest, split_identity
from benchmark.protocols.paper import PaperSplit
from benchmark.protocols.sessions import CrossSessionSplit, WithinSessionCV
from benchmark.protocols.shots import FewShotSplit, LeaveOneSubjectOut

__all__ = ["Protocol", "PaperSplit", "FewShotSplit", "LeaveOneSubjectOut", "CrossSessionSplit",
           "WithinSessionCV", "PROTOCOLS", "get_protocol", "protocol_from_dict", "Fold",
           "SplitIdentity", "split_identity", "split_digest"]

PROTOCOLS: dict[str, type[Protocol]] = {
    "paper": PaperSplit, "fewshot": FewShotSplit, "loso": LeaveOneSubjectOut,
    "cross-session": CrossSessionSplit, "within-session": WithinSessionCV}


def get_protocol(name: str, **kwargs) -> Protocol:
    """A protocol by name, with "did you mean" on failure; ``kwargs`` it does not take are
    ignored (the CLI passes every protocol option)."""
    try:
        cls = PROTOCOLS[name]
    except KeyError:
        hint = did_you_mean(name, PROTOCOLS, cutoff=0.4)
        raise UserError(
            f"unknown protocol {name!r}: {hint}available: {', '.join(PROTOCOLS)}"
        ) from None
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in kwargs.items() if k in accepted and v is not None})


def protocol_from_dict(config: dict) -> Protocol:
    """The protocol a row's ``protocol_config`` describes (name, version, parameters).

    Raises
    ------
    UserError
        The name is unknown, or the version is not the one this suite implements (the
        row was made by another version of the protocol).
    """
    params = dict(config)
    name, version = params.pop("name", None), params.pop("version", None)
    protocol = get_protocol(str(name), **{k: (tuple(v) if isinstance(v, list) else v)
                                          for k, v in params.items()})
    if version is not None and str(version) != protocol.version:
        raise UserError(f"protocol {name} version {version} was made by another version of the "
                        f"suite (this one implements version {protocol.version}); rerun it")
    return protocol
