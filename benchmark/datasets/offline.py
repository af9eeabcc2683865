"""Telling a network failure from other download failures, and not retrying it.

Without network, MOABB would try (and fail) to download every subject of a dataset in
turn.  Once one download of a dataset has failed for lack of network, the run loads its
other subjects inside :func:`network_refused`: a subject whose files are on this machine
loads as usual, and one that would need a download fails at once, without a connection
attempt, with :class:`NetworkRefused`.

The refusal is per thread (a Dask worker's other threads keep the network) and lasts
only for the block; it replaces the :mod:`socket` functions every Python network client
goes through (name resolution, ``create_connection``, ``connect`` of internet sockets)
while a block is open.  Written by hand: neither MOABB nor pooch has an offline switch.
"""

from __future__ import annotations

import re
import socket
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["NetworkRefused", "network_refused", "refusal", "is_network_failure", "network_cause"]

_local = threading.local()
_lock = threading.Lock()
_open_blocks = 0
_saved: list[tuple[object, str, object]] = []  # (owner, name, what its __dict__ held)
_ABSENT = object()
_INET = (socket.AF_INET, socket.AF_INET6)
# (owner, name, refuse only internet sockets): what Python network clients call
_TARGETS = ((socket, "getaddrinfo", False), (socket, "create_connection", False),
            (socket.socket, "connect", True), (socket.socket, "connect_ex", True))
# exception classes (by name, anywhere in the MRO) that mean "the network failed": the
# built-in ConnectionError and TimeoutError, socket.gaierror, and the wrappers of
# requests and urllib3 (whose HTTP status errors are not among them)
_NETWORK_CLASSES = {"ConnectionError", "TimeoutError", "gaierror", "herror", "Timeout",
                    "ConnectTimeoutError", "NewConnectionError", "NameResolutionError"}


class NetworkRefused(ConnectionRefusedError):
    """A connection refused by :func:`network_refused`; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(f"network access refused: {reason}")
        self.reason = reason

    def __reduce__(self):
        return (NetworkRefused, (self.reason,))


def _refusing(original, inet_only: bool):
    def refuse_in_a_refusing_block(*args, **kwargs):
        reason = getattr(_local, "reason", None)
        if reason is not None and (not inet_only or getattr(args[0], "family", None) in _INET):
            raise NetworkRefused(reason)
        return original(*args, **kwargs)

    refuse_in_a_refusing_block.refusing = True
    return refuse_in_a_refusing_block


def _install() -> None:
    for owner, name, inet_only in _TARGETS:
        _saved.append((owner, name, vars(owner).get(name, _ABSENT)))
        setattr(owner, name, _refusing(getattr(owner, name), inet_only))


def _uninstall() -> None:
    while _saved:
        owner, name, held = _saved.pop()
        if not getattr(getattr(owner, name, None), "refusing", False):
            continue  # replaced by someone else meanwhile: theirs stays
        if held is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, held)


@contextmanager
def network_refused(reason: str) -> Iterator[None]:
    """Refuse this thread's network connections inside the block.

    Parameters
    ----------
    reason : str
        Why, e.g. ``"the download of subject 1 failed (...)"``; carried by the
        :class:`NetworkRefused` that a connection attempt raises.
    """
    global _open_blocks
    with _lock:
        if _open_blocks == 0:
            _install()
        _open_blocks += 1
    previous = getattr(_local, "reason", None)
    _local.reason = reason
    try:
        yield
    finally:
        _local.reason = previous
        with _lock:
            _open_blocks -= 1
            if _open_blocks == 0:
                _uninstall()


def _chain(exc: BaseException | None) -> list[BaseException]:
    """``exc`` and what caused it: ``__cause__``, ``__context__``, urllib3's ``reason``
    and exceptions given as arguments (requests wraps urllib3's that way)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen) or len(seen) > 50:
            continue
        seen.append(e)
        linked = [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
        todo += [t for t in linked if isinstance(t, BaseException)]
    return seen


def refusal(exc: BaseException) -> NetworkRefused | None:
    """The :class:`NetworkRefused` behind ``exc``, if a refusing block stopped it."""
    return next((e for e in _chain(exc) if isinstance(e, NetworkRefused)), None)


def is_network_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (a failed download) comes from the network: no name resolution,
    a refused, reset or timed-out connection; not an HTTP error such as 404."""
    return any(cls.__name__ in _NETWORK_CLASSES
               for e in _chain(exc) for cls in type(e).__mro__)


def network_cause(exc: BaseException) -> str:
    """One short line: the host, if known, and the innermost error, e.g.
    ``lampx.tugraz.at: [Errno -3] Temporary failure in name resolution``."""
    chain = _chain(exc)
    root = next((e for e in reversed(chain) if str(e).strip()), chain[-1])
    text = str(root).strip().splitlines()[0] if str(root).strip() else type(root).__name__
    host = next((m.group(1) for e in chain
                 for m in [re.search(r"host='([^']+)'", str(e))] if m), None)
    if host and host not in text:
        text = f"{host}: {text}"
    return text if len(text) <= 160 else text[:157] + "..."
