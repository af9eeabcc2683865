"""Make torchaudio importable beside a CPU-only torch.

braindecode imports torchaudio at import time.  The only torchaudio wheels on PyPI for
Linux are CUDA builds whose compiled extension (``torchaudio/lib/*.so``) links against
``libc10_cuda.so``; beside a CPU build of torch that library is absent, so
``import torchaudio`` (and with it ``import braindecode``) raises ``OSError``.

torchaudio is designed to run without its extension: when ``torchaudio/lib`` holds no
extension library it sets ``_IS_TORCHAUDIO_EXT_AVAILABLE = False`` and uses its
pure-PyTorch code (what braindecode uses — ``lfilter``, ``filtfilt``, ``fftconvolve``,
``Resample``, ``Spectrogram`` — all work).  This script checks whether torchaudio
imports; only if it fails with that loading error on a CPU torch does it remove the
unloadable extension files, then checks again.  On a machine where torchaudio imports
(a matching CUDA torch, say) it changes nothing.

Usage: ``python tools/fix_torchaudio.py`` inside the environment to fix.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path


def _import_error() -> str | None:
    proc = subprocess.run([sys.executable, "-c", "import torchaudio"], capture_output=True,
                          text=True)
    return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]


def main() -> int:
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or spec.origin is None:
        print("fix_torchaudio: torchaudio is not installed; nothing to do")
        return 0
    error = _import_error()
    if error is None:
        print("fix_torchaudio: torchaudio imports; nothing to do")
        return 0
    import torch

    if torch.version.cuda is not None or "Could not load this library" not in error:
        print(f"fix_torchaudio: torchaudio fails to import for another reason: {error}",
              file=sys.stderr)
        return 1
    lib = Path(spec.origin).parent / "lib"
    removed = sorted(p.name for p in lib.glob("*.so"))
    for name in removed:
        (lib / name).unlink()
    error = _import_error()
    if error is not None:
        print(f"fix_torchaudio: still failing after removing {removed}: {error}", file=sys.stderr)
        return 1
    print(f"fix_torchaudio: removed torchaudio's CUDA-only extension {removed}; "
          "torchaudio now runs its pure-PyTorch code beside CPU torch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
