import pytest
from sklearn.base import clone

from benchmark.errors import UserError
from benchmark.pipelines import discover_pipelines, load_pipeline_file, select_pipelines


def _write(tmp_path, text, name="p.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_project_pipelines_load_and_build():
    specs = discover_pipelines()
    assert {"csp_lda", "ts_lr", "eegnet", "mdm"} <= set(specs)
    assert specs["csp_lda"].preprocessing == {"alignment": "ea", "template": "none"}
    assert specs["eegnet"].preprocessing["template"] == "idw"
    assert "classical" in specs["mdm"].tags  # a file-only pipeline
    est = specs["mdm"].build(n_chans=3, n_outputs=2, n_times=100, sfreq=250.0)
    assert [type(s).__name__ for s in clone(est).named_steps.values()] == ["Float64", "Covariances",
                                                                           "MDM"]


def test_select_by_name_glob_tag_all_default():
    specs = discover_pipelines()
    names = lambda sel: [p.name for p in select_pipelines(sel, specs)]  # noqa: E731
    assert names("default") == ["csp_lda", "ts_lr", "mdm"]
    assert names("ts_*,csp_lda") == ["ts_lr", "csp_lda"]
    assert set(names("classical")) == {"csp_lda", "ts_lr", "mdm", "fbcsp"}
    assert set(names("all")) == set(specs)
    with pytest.raises(UserError, match="did you mean csp_lda"):
        select_pipelines("csp_ldaa", specs)


def test_typos_get_one_line_did_you_mean(tmp_path):
    bad_key = _write(tmp_path, "name: x\npipeline:\n  - from: models\n    name: csp_lda\n"
                     "    paramters: {}\n")
    with pytest.raises(UserError, match="unknown key 'paramters'; did you mean 'parameters'"):
        load_pipeline_file(bad_key)
    bad_model = _write(tmp_path, "name: x\npipeline:\n  - from: models\n    name: cspp_lda\n")
    with pytest.raises(UserError, match="did you mean csp_lda"):
        load_pipeline_file(bad_model)
    bad_yaml = _write(tmp_path, "name: x\npipeline: [\n")
    with pytest.raises(UserError, match="not valid YAML at line"):
        load_pipeline_file(bad_yaml)
    bad_class = _write(tmp_path, "name: x\npipeline:\n  - from: pyriemann.classification\n"
                       "    name: MDMM\n")
    spec = load_pipeline_file(bad_class)
    with pytest.raises(UserError, match="did you mean 'MDM'"):
        spec.build(n_chans=3, n_outputs=2, n_times=10, sfreq=1.0)
    bad_pre = _write(tmp_path, "name: x\npreprocessing: {templat: idw}\npipeline:\n"
                     "  - from: models\n    name: ts_lr\n")
    with pytest.raises(UserError, match="did you mean 'template'"):
        load_pipeline_file(bad_pre)


def test_yaml_is_loaded_safely(tmp_path):
    evil = _write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\npipeline: []\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_pipeline_file(evil)


def test_extra_pipeline_folder_adds_a_baseline(tmp_path, monkeypatch):
    _write(tmp_path, "name: ts_svm\npipeline:\n  - from: pyriemann.estimation\n"
           "    name: Covariances\n"
           "  - from: pyriemann.tangentspace\n    name: TangentSpace\n"
           "  - from: sklearn.svm\n    name: SVC\n",
           "ts_svm.yml")
    monkeypatch.setenv("BENCHMARK_PIPELINES", str(tmp_path))
    assert "ts_svm" in discover_pipelines()
