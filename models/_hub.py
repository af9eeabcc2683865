"""Files from the Hugging Face Hub: the cache first, then a download, else NotRunnable.

Shared by every model with pretrained weights.  Offline (no network, or
``HF_HUB_OFFLINE``) with nothing cached, the error is one line saying where the cache
is and how to get the file; a failed download is remembered for the rest of the
process, so a grid of units does not retry it once per unit.  :func:`prefetch` fills
the cache ahead of a run (``python -m benchmark download --weights``).
"""

from __future__ import annotations

from pathlib import Path

from benchmark.errors import NotRunnable, UserError

__all__ = ["hub_file", "prefetch", "split_hub_source", "SAVE_PRETRAINED_FILES"]

#: The files of a braindecode ``save_pretrained`` folder, as published on the Hub.
SAVE_PRETRAINED_FILES = ("config.json", "model.safetensors")

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


def split_hub_source(source: str) -> tuple[str, str | None]:
    """``"hf://OWNER/REPO[/FILE]"`` as ``("OWNER/REPO", "FILE" or None)``.

    Raises
    ------
    UserError
        Fewer than two parts after ``hf://``.
    """
    parts = source.removeprefix("hf://").strip("/").split("/")
    if len(parts) < 2:
        raise UserError(f"bad Hub source {source!r}: use hf://OWNER/REPO[/FILE]")
    return "/".join(parts[:2]), "/".join(parts[2:]) or None


def prefetch(repo: str, filename: str | None = None) -> str:
    """Download Hub weights into the Hugging Face cache (needs network).

    Parameters
    ----------
    repo : str
        ``OWNER/REPO`` on the Hub.
    filename : str, optional
        One file of the repository (its path is returned); without it, the
        :data:`SAVE_PRETRAINED_FILES` of a braindecode ``save_pretrained`` folder (the
        folder is returned).

    Raises
    ------
    UserError
        The download failed; one line that names the manual alternative.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no retry chatter: a failure is one line
    files = (filename,) if filename else SAVE_PRETRAINED_FILES
    try:
        paths = [hf_hub_download(repo, f) for f in files]
    except Exception as exc:
        what, fix = ((f"{repo}/{filename}", "copy the file by hand and pass --checkpoint PATH")
                     if filename else
                     (repo, f"copy its {' and '.join(files)} into a folder and pass "
                            "--checkpoint FOLDER"))
        raise UserError(f"cannot download {what} ({type(exc).__name__}); check the network, "
                        f"or {fix}") from None
    return paths[0] if filename else str(Path(paths[0]).parent)
