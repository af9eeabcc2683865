"""The suite as users install and run it: recipes as package data, no import shadowing.

``tox -e wheel`` (run by CI) goes further: it installs the built wheel into a clean
environment and checks its rows against the editable install's.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.errors import UserError
from benchmark.pipelines import builtin_pipeline_dir, default_pipeline_dirs, discover_pipelines

ROOT = Path(__file__).resolve().parents[2]
RECIPES = sorted(p.name for p in (ROOT / "pipelines").glob("*") if p.suffix in (".yml", ".yaml"))


def test_every_recipe_is_found_through_the_package():
    assert len(RECIPES) >= 20
    found = builtin_pipeline_dir()
    assert sorted(p.name for p in found.glob("*") if p.suffix in (".yml", ".yaml")) == RECIPES
    specs = discover_pipelines()
    for recipe in RECIPES:
        spec = specs[Path(recipe).stem]
        assert Path(spec.source).parent == found
    # what the recipes change: csp_lda without the template, eegnet's own schedule, mdm at all
    assert specs["csp_lda"].preprocessing["template"] == "none"
    assert specs["eegnet"].source.endswith("eegnet.yml")
    assert "mdm" in specs and specs["mdm"].source.endswith("mdm.yml")


def test_missing_recipes_are_a_one_line_error(monkeypatch, capsys, tmp_path):
    import benchmark.pipelines as pipelines

    real = pipelines.importlib.util.find_spec
    monkeypatch.setattr(pipelines.importlib.util, "find_spec",
                        lambda name, *a: None if name == "benchmark.recipes" else real(name, *a))
    monkeypatch.setattr(pipelines, "SOURCE_TREE", tmp_path)  # nor a source tree beside it
    with pytest.raises(UserError, match="pipeline files .* are missing"):
        builtin_pipeline_dir()
    assert main(["list", "models"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the built-in pipeline files") and "pip install ." in err
    assert "\n" not in err


def test_a_missing_benchmark_pipelines_folder_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(tmp_path / "no_such_folder"))
    with pytest.raises(UserError, match="BENCHMARK_PIPELINES names .*no_such_folder"):
        default_pipeline_dirs()


def _copy_sources(to: Path) -> Path:
    to.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, to / name)
    for folder in ("benchmark", "models", "pipelines"):
        shutil.copytree(ROOT / folder, to / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return to


@pytest.mark.integration
def test_the_wheel_ships_every_module_and_recipe_in_one_namespace(tmp_path):
    src = _copy_sources(tmp_path / "src")
    # a .yaml recipe ships like a .yml one (discovery takes both)
    yaml_recipe = (ROOT / "pipelines" / "ts_lr.yml").read_text().replace("name: ts_lr",
                                                                         "name: ts_lr_yaml")
    (src / "pipelines" / "ts_lr_yaml.yaml").write_text(yaml_recipe)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--disable-pip-version-check", "-q",
                           "-w", str(tmp_path / "dist"), str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"benchmark/recipes/{r}" for r in [*RECIPES, "ts_lr_yaml.yaml"]}
    wanted |= {f"benchmark/models/{p.name}" for p in (ROOT / "models").glob("*.py")}
    wanted |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "benchmark").rglob("*.py")}
    assert wanted <= names, sorted(wanted - names)
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"benchmark"}  # no top-level `models` or `pipelines` to collide with


def _hostile_project(where: Path) -> Path:
    """A researcher's folder whose own models/ and pipelines/ must never be imported."""
    spec = importlib.util.spec_from_file_location("check_wheel", ROOT / "tools" / "check_wheel.py")
    check_wheel = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_wheel)
    return check_wheel.hostile_folder(where)


@pytest.mark.integration
def test_a_projects_own_models_and_pipelines_folders_do_not_shadow_the_suite(tmp_path):
    project = _hostile_project(tmp_path / "project")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=project,
                              capture_output=True, text=True)

    listed = run("list", "models")
    assert listed.returncode == 0, listed.stderr
    assert "was imported" not in listed.stderr
    names = {line.split()[0] for line in listed.stdout.splitlines()[1:] if line.strip()}
    assert {"csp_lda", "mdm", "eegnet", "mirepnet"} <= names
    done = run("run", "--models", "mdm,csp_lda", "--datasets", "SynBNCI2014004",
               "--subjects", "1", "--out", "res")
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(project / "res" / "results.csv")
    assert sorted(rows["model"]) == ["csp_lda", "mdm"] and set(rows["status"]) == {"ok"}
    # the recipes ran, not the registry's defaults: csp_lda without the 45-channel template
    assert rows.set_index("model").loc["csp_lda", "n_chans"] == 3


@pytest.mark.integration
def test_a_projects_own_models_package_can_hold_a_plugin(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "__init__.py").write_text("")
    (project / "models" / "mine.py").write_text(textwrap.dedent('''
        from benchmark.models import register_model

        @register_model(tags=("classical",), paper="a project's own model")
        def project_lda(n_chans=None, n_outputs=None, n_times=None, sfreq=None, chs_info=None):
            from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
            return LinearDiscriminantAnalysis()
    '''))
    done = subprocess.run([sys.executable, "-m", "benchmark", "list", "models", "--plugin",
                           "models.mine"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "project_lda" in done.stdout and "csp_lda" in done.stdout


@pytest.mark.integration
def test_the_top_level_name_models_is_retired_with_a_message():
    done = subprocess.run([sys.executable, "-c", "import models"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "imported as benchmark.models" in done.stderr


@pytest.mark.integration
def test_the_console_command_runs_where_a_benchmark_py_would_hijack_python_m(tmp_path):
    (tmp_path / "benchmark.py").write_text("raise SystemExit('the project\\'s own benchmark.py')\n")
    command = Path(sys.executable).parent / "mirepnet-benchmark"
    done = subprocess.run([str(command), "list", "models"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "mdm" in done.stdout and "own benchmark.py" not in done.stderr
    hijacked = subprocess.run([sys.executable, "-m", "benchmark", "list", "models"],
                              cwd=tmp_path, capture_output=True, text=True)
    assert "own benchmark.py" in hijacked.stderr  # why README names the command


@pytest.mark.integration
def test_a_source_tree_runs_from_its_root_without_an_installation():
    """As where a wheel is installed but the checkout's root comes first on sys.path."""
    code = ("import sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
            "from benchmark.cli import main\n"
            "raise SystemExit(main(['list', 'models', '--details']))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "pipelines/mdm.yml" in done.stdout and "pipelines/csp_lda.yml" in done.stdout


def test_models_in_a_pipeline_file_names_the_registry_and_else_a_projects_package(
        tmp_path, monkeypatch):
    from benchmark.models.classical import Float64

    mdm = discover_pipelines()["mdm"]
    assert mdm.steps[0]["from"] == "models.classical"  # its digest as before the rename
    assert isinstance(mdm.build(3, 2, 1000, 250.0).steps[0][1], Float64)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("")
    (tmp_path / "models" / "mine.py").write_text(
        "from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as MyLDA\n")
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "mine.yml").write_text(
        "name: mine_lda\npipeline:\n  - from: models.mine\n    name: MyLDA\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(recipes))
    built = discover_pipelines()["mine_lda"].build(3, 2, 1000, 250.0)
    assert type(built).__module__ == "sklearn.discriminant_analysis"
