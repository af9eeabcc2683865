"""Declarative pipeline files, in the manner of MOABB's ``pipelines/*.yml``.

A file declares one pipeline::

    name: csp_lda                 # what --models selects
    paradigms: [LeftRightImagery, MotorImagery]
    citations: [...]
    tags: [classical]             # optional; registry tags are added
    preprocessing:                # which shared steps this pipeline gets
      alignment: ea               # ea | none
      template: none              # idw | spline | none
    pipeline:                     # scikit-learn steps, in order
      - from: models              # a registry model: its factory gets the data shape
        name: csp_lda
        parameters: {nfilter: 6}
      - from: sklearn.preprocessing   # or any importable class, as in MOABB
        name: StandardScaler

Files are read with ``yaml.safe_load`` (no code execution); every key is checked, and a
typo gets a one-line "did you mean" error.  A registered model without a file runs
with its factory defaults and the default preprocessing.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchmark
from benchmark.errors import UserError, did_you_mean
from benchmark.preprocessing.config import digest

__all__ = ["PipelineSpec", "load_pipeline_file", "discover_pipelines", "select_pipelines",
           "default_pipeline_dirs", "builtin_pipeline_dir"]

_FILE_KEYS = {"name", "paradigms", "citations", "tags", "preprocessing", "pipeline", "description"}
_STEP_KEYS = {"from", "name", "parameters"}
_PRE_KEYS = {"alignment", "template"}
DEFAULT_MODELS = ("csp_lda", "ts_lr", "mdm")


@dataclass
class PipelineSpec:
    """A named pipeline: estimator steps, the shared preprocessing it gets, its tags."""

    name: str
    steps: list[dict[str, Any]]
    preprocessing: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    source: str = "registry"
    paradigms: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    description: str = ""
    builtin: bool = False  # a recipe shipped with the suite (benchmark.recipes)

    def to_dict(self) -> dict:
        return {"name": self.name, "steps": self.steps, "preprocessing": self.preprocessing}

    def digest(self) -> str:
        return digest(self.to_dict())

    @property
    def origin(self) -> str:
        """Where the pipeline comes from, as shown to users.

        A built-in recipe is named by its place in the repository (``pipelines/x.yml``),
        the same in a wheel and in a checkout; other files by their path.
        """
        return f"pipelines/{Path(self.source).name}" if self.builtin else self.source

    @property
    def model_names(self) -> list[str]:
        return [s["name"] for s in self.steps if s["from"] == "models"]

    def accepts(self, parameter: str) -> list[str]:
        """Names of this pipeline's registry models whose factory takes ``parameter``."""
        import inspect

        from benchmark.models import get_model_entry

        return [m for m in self.model_names
                if parameter in inspect.signature(get_model_entry(m).factory).parameters]

    def with_parameters(self, **params) -> "PipelineSpec":
        """Copy whose registry-model steps that accept them get ``params`` (e.g. a checkpoint)."""
        from dataclasses import replace

        steps = []
        for step in self.steps:
            step = dict(step)
            if step["from"] == "models":
                wanted = {k: v for k, v in params.items() if step["name"] in self.accepts(k)}
                step["parameters"] = {**(step.get("parameters") or {}), **wanted}
            steps.append(step)
        return replace(self, steps=steps)

    @property
    def strategy(self) -> str:
        """The adaptation strategy of its foundation model (``finetune``: its file's value
        or the factory's default, ``full``); ``""`` for a pipeline without one."""
        import inspect

        from benchmark.models import get_model_entry

        for step in self.steps:
            if step["from"] == "models" and step["name"] in self.accepts("finetune"):
                given = (step.get("parameters") or {}).get("finetune")
                if given is not None:
                    return str(given)
                factory = get_model_entry(step["name"]).factory
                return str(inspect.signature(factory).parameters["finetune"].default)
        return ""

    def strategies(self) -> tuple[str, ...]:
        """The strategies its foundation model takes (``()`` without one)."""
        from benchmark.models import model_strategies

        models = self.accepts("finetune")
        return model_strategies(models[0]) if models else ()

    def with_strategy(self, strategy: str) -> "PipelineSpec":
        """Copy whose foundation model adapts with ``strategy``; the file's options of
        other strategies (LoRA's rank under a probe) are left out.  Unchanged (the same
        digest) where it already has that strategy."""
        from dataclasses import replace

        from benchmark.models import options_for_strategy

        if strategy == self.strategy:
            return self
        steps = []
        for step in self.steps:
            step = dict(step)
            if step["from"] == "models" and step["name"] in self.accepts("finetune"):
                kept = options_for_strategy(strategy, dict(step.get("parameters") or {}))
                step["parameters"] = {**kept, "finetune": strategy}
            steps.append(step)
        return replace(self, steps=steps)

    def build(self, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info=None,
              **runtime):
        """Instantiate the scikit-learn estimator for data of the given shape.

        ``runtime`` holds settings of where the unit runs, not of what it computes (the
        worker's ``device``): each goes to the registry models whose factory takes it,
        over the pipeline file's value, and none is part of :meth:`digest`.
        """
        from sklearn.pipeline import make_pipeline

        from benchmark.models import create_model

        estimators = []
        for step in self.steps:
            params = dict(step.get("parameters") or {})
            if step["from"] == "models":
                params.update({k: v for k, v in runtime.items()
                               if step["name"] in self.accepts(k)})
                est = create_model(step["name"], n_chans=n_chans, n_outputs=n_outputs,
                                   n_times=n_times, sfreq=sfreq, chs_info=chs_info, **params)
            else:
                est = _import_class(step, self.source)(**params)
            estimators.append(est)
        return estimators[0] if len(estimators) == 1 else make_pipeline(*estimators)


def _registry_module(name: str) -> str | None:
    """``benchmark.models.X`` for a step's ``from: models.X`` when the registry has X.

    In a pipeline file ``models`` names the suite's model registry (as ``from: models``
    selects a registry model), whatever its import path: the file, and so its digest,
    stays the same wherever the suite is installed.  A module the registry lacks is
    imported as written (a project's own ``models`` package).
    """
    if not name.startswith("models."):
        return None
    candidate = f"benchmark.{name}"
    try:
        return candidate if importlib.util.find_spec(candidate) is not None else None
    except ImportError:
        return None


def _import_class(step: dict, source: str):
    try:
        module = importlib.import_module(_registry_module(step["from"]) or step["from"])
    except ImportError:
        raise UserError(
            f"pipeline {source}: cannot import module {step['from']!r}; fix the 'from' of step "
            f"{step['name']!r} or install the package"
        ) from None
    try:
        return getattr(module, step["name"])
    except AttributeError:
        names = [n for n in dir(module) if not n.startswith("_")]
        hint = did_you_mean(step["name"], names).strip()
        hint = f" ({hint})" if hint else ""
        raise UserError(
            f"pipeline {source}: {step['from']} has no {step['name']!r}{hint}; fix the step's name"
        ) from None


def _unknown_key(key: str, valid: set[str], where: str) -> UserError:
    hint = did_you_mean(key, sorted(valid))
    return UserError(f"{where}: unknown key {key!r}; {hint}valid keys are "
                     f"{', '.join(sorted(valid))}")


def _as_tuple(value, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise UserError(f"{where}: {what} must be a list")
    return tuple(str(v) for v in value)


def load_pipeline_file(path: str | os.PathLike) -> PipelineSpec:
    """Parse and validate one pipeline file (safe YAML)."""
    import yaml

    path = Path(path)
    where = f"pipeline file {path}"
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{where} is not valid YAML{at}; fix its syntax") from None
    if not isinstance(doc, dict):
        raise UserError(f"{where} must be a mapping with keys 'name' and 'pipeline'")
    for key in doc:
        if key not in _FILE_KEYS:
            raise _unknown_key(str(key), _FILE_KEYS, where)
    for required in ("name", "pipeline"):
        if required not in doc:
            raise UserError(f"{where} lacks the key {required!r}")
    name = str(doc["name"]).strip()
    if not name or any(c in name for c in " /\\,*?"):
        raise UserError(f"{where}: name {name!r} must be a single word "
                        "(no spaces, commas or globs)")
    steps = doc["pipeline"]
    if not isinstance(steps, list) or not steps:
        raise UserError(f"{where}: 'pipeline' must be a non-empty list of steps")
    clean = []
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise UserError(f"{where}: step {i} must be a mapping with 'from' and 'name'")
        for key in step:
            if key not in _STEP_KEYS:
                raise _unknown_key(str(key), _STEP_KEYS, f"{where}, step {i}")
        if "from" not in step or "name" not in step:
            raise UserError(f"{where}: step {i} needs both 'from' and 'name'")
        params = step.get("parameters") or {}
        if not isinstance(params, dict):
            raise UserError(f"{where}: step {i} 'parameters' must be a mapping")
        clean.append({"from": str(step["from"]), "name": str(step["name"]), "parameters": params})
    pre = doc.get("preprocessing") or {}
    if not isinstance(pre, dict):
        raise UserError(f"{where}: 'preprocessing' must be a mapping")
    for key in pre:
        if key not in _PRE_KEYS:
            raise _unknown_key(str(key), _PRE_KEYS, f"{where}, preprocessing")
    spec = PipelineSpec(
        name=name,
        steps=clean,
        preprocessing={k: str(v) for k, v in pre.items()},
        tags=_as_tuple(doc.get("tags"), "tags", where),
        source=str(path),
        paradigms=_as_tuple(doc.get("paradigms"), "paradigms", where),
        citations=_as_tuple(doc.get("citations"), "citations", where),
        description=str(doc.get("description") or ""),
    )
    _check_models_exist(spec, where)
    return spec


def _check_models_exist(spec: PipelineSpec, where: str) -> None:
    from benchmark.models import get_model_entry

    tags = list(spec.tags)
    for model in spec.model_names:
        try:
            entry = get_model_entry(model)
        except UserError as exc:
            raise UserError(f"{where}: {exc}") from None
        tags.extend(t for t in entry.tags if t not in tags)
    spec.tags = tuple(tags)


RECIPES_PACKAGE = "benchmark.recipes"
#: What a pipeline file is called (setup.cfg ships the same as package data).
RECIPE_SUFFIXES = (".yml", ".yaml")
#: The source tree whose pipelines/ to use when no installation maps benchmark.recipes
#: (None where the suite is installed; see benchmark/__init__.py).
SOURCE_TREE = benchmark.SOURCE_TREE


def builtin_pipeline_dir() -> Path:
    """The pipeline files shipped with the package.

    They live in the repository's top-level ``pipelines/`` folder, which setup.cfg maps
    to the package ``benchmark.recipes``: a wheel installs them beside the code, an
    editable install finds them in the checkout.  Missing files are an error, never a
    silent fallback to the registry's defaults (which would change what a model runs).
    """
    fix = ("reinstall the suite (`pip install .` from the repository, or "
           "`python3 -m tox -e tests --notest`)")
    try:
        spec = importlib.util.find_spec(RECIPES_PACKAGE)
    except ImportError:
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    # a source tree imported as such (see benchmark/__init__.py): pipelines/ beside it
    if SOURCE_TREE is not None:
        locations.append(str(SOURCE_TREE / "pipelines"))
    for location in locations:
        if any(p.suffix in RECIPE_SUFFIXES for p in Path(location).glob("*")):
            return Path(location)
    raise UserError(f"the built-in pipeline files (package {RECIPES_PACKAGE}, the repository's "
                    f"pipelines/ folder) are missing from this installation; {fix}")


def default_pipeline_dirs() -> list[Path]:
    """The built-in pipeline files, plus ``$BENCHMARK_PIPELINES`` (os.pathsep list)."""
    dirs = [builtin_pipeline_dir()]
    extra = os.environ.get("BENCHMARK_PIPELINES", "")
    for entry in (p for p in extra.split(os.pathsep) if p):
        if not Path(entry).is_dir():
            raise UserError(f"BENCHMARK_PIPELINES names {entry!r}, which is not a folder; "
                            "fix the variable or create the folder")
        dirs.append(Path(entry))
    return dirs


def discover_pipelines(dirs: list[Path] | None = None) -> dict[str, PipelineSpec]:
    """All pipelines: one per pipeline file, plus a default one per file-less model."""
    from benchmark.models import get_model_entry, list_models

    specs: dict[str, PipelineSpec] = {}
    dirs = default_pipeline_dirs() if dirs is None else dirs
    builtin = builtin_pipeline_dir().resolve() if dirs else None
    for d in dirs:
        if not Path(d).is_dir():
            raise UserError(f"pipeline folder {d} does not exist; pass an existing folder")
        for path in sorted(p for p in Path(d).glob("*") if p.suffix in RECIPE_SUFFIXES):
            spec = load_pipeline_file(path)
            spec.builtin = Path(d).resolve() == builtin
            if spec.name in specs:
                raise UserError(
                    f"pipeline name {spec.name!r} is declared twice ({specs[spec.name].source} "
                    f"and {path}); rename one"
                )
            specs[spec.name] = spec
    for model in list_models():
        if model not in specs:
            entry = get_model_entry(model)
            specs[model] = PipelineSpec(
                name=model,
                steps=[{"from": "models", "name": model, "parameters": {}}],
                tags=entry.tags,
                source=f"registry ({entry.module})",
            )
    return dict(sorted(specs.items()))


def select_pipelines(selection: str | list[str],
                     specs: dict[str, PipelineSpec]) -> list[PipelineSpec]:
    """Resolve ``--models``: ``all``, ``default``, names, globs and tags, comma separated."""
    items = selection.split(",") if isinstance(selection, str) else list(selection)
    chosen: list[str] = []
    all_tags = {t for s in specs.values() for t in s.tags}
    for item in (i.strip() for i in items):
        if not item:
            continue
        low = item.lower()
        if low == "all":
            names = list(specs)
        elif low == "default":
            names = [n for n in DEFAULT_MODELS if n in specs]
        elif low in specs:
            names = [low]
        elif item in specs:
            names = [item]
        elif low in all_tags:
            names = [n for n, s in specs.items() if low in s.tags]
        elif any(ch in item for ch in "*?["):
            names = [n for n in specs if fnmatch.fnmatchcase(n, low)]
            if not names:
                raise UserError(f"no model matches {item!r}; `python -m benchmark list models`")
        else:
            hint = did_you_mean(low, list(specs) + sorted(all_tags), n=3, cutoff=0.5,
                                quote=False)
            raise UserError(
                f"unknown model {item!r}: {hint}`python -m benchmark list models` shows the "
                f"{len(specs)} available (names, globs and tags work)"
            )
        chosen.extend(n for n in names if n not in chosen)
    if not chosen:
        raise UserError("no model selected; pass --models all, default, names, globs or tags")
    return [specs[n] for n in chosen]
