"""Files from the Hugging Face Hub: the cache first, then a download, else NotRunnable.

Shared by every model with pretrained weights.  Offline (no network, or
``HF_HUB_OFFLINE``) with nothing cached, the error is one line saying where the cache
is and how to get the file; a failed download is remembered for the rest of the
process, so a grid of units does not retry it once per unit.
"""

from __future__ import annotations

from benchmark.errors import NotRunnable

__all__ = ["hub_file"]

_FAILURES: dict[tuple[str, str, str], str] = {}


def _offline_message(label: str, model: str, repo: str, filename: str, cache: str, why: str) -> str:
    return (
        f"{label} weights unavailable: {repo}/{filename} is not in the Hugging Face cache "
        f"({cache}) and the Hub cannot be reached ({why}); pass --checkpoint PATH to a local "
        f"copy, or prefetch it where there is network with "
        f"`python -m benchmark download --weights {model}` (or `hf download {repo} {filename}`)"
    )


def hub_file(repo: str, filename: str, *, model: str, label: str) -> str:
    """Local path of ``repo/filename`` (cache, then download).

    Raises
    ------
    NotRunnable
        Neither cached nor downloadable; the message names the fix.
    """
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no retry chatter: failures get one line below
    cache = str(constants.HF_HUB_CACHE)
    key = (repo, filename, cache)
    try:
        return hf_hub_download(repo, filename, local_files_only=True)
    except (OSError, ValueError):
        pass  # not cached yet
    if constants.HF_HUB_OFFLINE:
        raise NotRunnable(_offline_message(label, model, repo, filename, cache,
                                           "HF_HUB_OFFLINE is set"))
    if key in _FAILURES:  # fail once per process, not once per unit
        raise NotRunnable(_FAILURES[key])
    try:
        return hf_hub_download(repo, filename)
    except Exception as exc:  # network, missing repo or file, HTTP errors
        text = str(exc).splitlines()[0][:120] if str(exc) else ""
        why = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        _FAILURES[key] = _offline_message(label, model, repo, filename, cache, why)
        raise NotRunnable(_FAILURES[key]) from None
