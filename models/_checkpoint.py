"""What every loader of pretrained weights shares: its error, its load plan, file digests.

Used by the MIRepNet checkpoints (:mod:`benchmark.models._mirepnet_weights`) and the
published braindecode weights (:mod:`benchmark.models._braindecode_hub`); torch-free.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from benchmark.errors import UserError

__all__ = ["CheckpointError", "LoadPlan", "file_sha256"]


class CheckpointError(UserError):
    """A checkpoint that cannot be used as a model's weights (one line, names the fix)."""


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks.

    Written by hand because ``hashlib.file_digest`` needs Python 3.11 and the suite
    supports 3.10.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class LoadPlan:
    """Which checkpoint keys load, which are skipped on purpose, which model keys stay new."""

    loaded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    adapted: dict[str, str] = field(default_factory=dict)  # loaded after a documented change

    def skipped_by_reason(self) -> dict[str, int]:
        groups: dict[str, int] = {}
        for reason in self.skipped.values():
            groups[reason] = groups.get(reason, 0) + 1
        return groups

    def summary(self) -> str:
        skipped = "; ".join(f"{n} {reason}" for reason, n in self.skipped_by_reason().items())
        new = ", ".join(self.new) or "nothing"
        adapted = "".join(f"; {k} {why}" for k, why in self.adapted.items())
        return (f"loaded {len(self.loaded)} tensors{adapted}; skipped {skipped or 'nothing'}; "
                f"initialised at random: {new}")

    def to_dict(self) -> dict:
        out = {"loaded": len(self.loaded), "skipped": self.skipped_by_reason(), "new": self.new}
        return out | ({"adapted": dict(self.adapted)} if self.adapted else {})
