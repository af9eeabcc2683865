"""An open benchmark suite for EEG motor-imagery decoding around MIRepNet.

Run it as ``python -m benchmark`` (or the ``mirepnet-benchmark`` command); see README.md.
"""

from pathlib import Path as _Path

__version__ = "0.2.0"

# The repository keeps models/ and pipelines/ beside benchmark/; an installation (wheel or
# editable) maps them to benchmark.models and benchmark.recipes.  When this package is
# imported from a source tree instead (python -m benchmark run from the repository's root,
# which puts the root first on sys.path even where a wheel is installed), the root joins
# this package's search path so that benchmark.models is the models/ beside it: the code
# that runs is then the checkout's, all of it.  benchmark.pipelines.builtin_pipeline_dir
# finds pipelines/ the same way.
_root = _Path(__file__).resolve().parent.parent
#: The repository this package was imported from, or None where it is installed.
SOURCE_TREE = (_root if (_root / "setup.cfg").is_file()
               and (_root / "models" / "registry.py").is_file() else None)
if SOURCE_TREE is not None:
    __path__.append(str(SOURCE_TREE))
