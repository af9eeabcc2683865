"""Files from elsewhere (checkpoints, pipeline files, caches) never run code when read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("benchmark", "models") for p in (ROOT / d).rglob("*.py"))


def _calls(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            yield owner, name, {k.arg: k.value for k in node.keywords}, node.lineno


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_code_runs_from_files(path):
    for owner, name, kw, line in _calls(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        assert name not in ("eval", "exec") or owner, f"{where}: {name}()"
        assert not (owner == "yaml" and name in ("load", "unsafe_load", "full_load")), where
        assert not (owner == "pickle" and name in ("load", "loads")), where
        if owner == "torch" and name == "load":
            value = kw.get("weights_only")
            assert isinstance(value, ast.Constant) and value.value is True, \
                f"{where}: torch.load without weights_only=True"
        if owner == "np" and name == "load":
            value = kw.get("allow_pickle")
            assert value is None or (isinstance(value, ast.Constant)
                                     and value.value is False), where


def test_a_pickled_object_in_a_checkpoint_is_refused(tmp_path):
    import torch

    from benchmark.models import CheckpointError, MIRepNetWeights

    class Payload:
        def __reduce__(self):
            return (print, ("code ran",))

    path = tmp_path / "evil.pth"
    torch.save({"x": Payload()}, path)
    with pytest.raises(CheckpointError, match="weights_only"):
        MIRepNetWeights.from_source(str(path), n_outputs=2)
