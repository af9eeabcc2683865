"""``python -m benchmark verify``: a results folder re-derives and checks its own splits."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.errors import NotRunnable
from benchmark.results import ResultStore
from benchmark.verify import verify_results


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """A real run: paper on one demo set and loso on another (one configuration per dataset
    and model in a folder), csp_lda and ts_lr, subjects 1-3."""
    out = tmp_path_factory.mktemp("verify") / "res"
    for protocol, dataset in (("paper", "SynAlexMI"), ("loso", "SynBNCI2014004")):
        assert main(["run", "--protocol", protocol, "--models", "csp_lda,ts_lr", "--datasets",
                     dataset, "--subjects", "1-3", "--out", str(out), "--quiet"]) == 0
    return out


def _copy(good_run, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(good_run, folder)
    return folder


def _edit_units(folder, edit, old=False):
    """Apply ``edit(row)`` to every row of ``units/`` and rewrite ``results.csv`` from them;
    ``old``: also make every unit one written before predictions were kept."""
    for path in sorted((folder / "units").glob("*.json")):
        unit = json.loads(path.read_text())
        for row in unit["rows"]:
            edit(row)
        if old:  # as version 0.1 of the suite wrote it
            unit.pop("predictions", None), unit.pop("format", None)
            path.with_suffix(".npz").unlink(missing_ok=True)
            for row in unit["rows"]:
                versions = json.loads(row["versions"])
                row["versions"] = json.dumps({**versions, "mirepnet-benchmark": "0.1.0"},
                                             sort_keys=True)
        path.write_text(json.dumps(unit))
    ResultStore(folder).export_csv()


def _rows(folder):
    return [row for p in sorted((folder / "units").glob("*.json"))
            for row in json.loads(p.read_text())["rows"]]


def test_a_real_run_passes(good_run, capsys):
    verdict = verify_results(good_run)
    assert verdict.problems == [] and verdict.warnings == []
    assert (verdict.n_rows, verdict.n_units) == (12, 12)
    assert main(["verify", str(good_run)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["verify: OK, 12 rows of 12 units checked"]
    # the report shows the verdict at the top of index.html and in its printed summary
    assert main(["report", str(good_run), "--reference", "ts_lr"]) == 0
    assert "verify: OK, 12 rows of 12 units checked" in capsys.readouterr().out
    html = (good_run / "report" / "index.html").read_text()
    assert html.index("verify: OK, 12 rows of 12 units checked") < html.index("<nav>")
    assert (good_run / "report" / "verify.txt").read_text().strip().endswith("checked")


def test_every_loso_target_with_subject_1s_split_fails(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)
    first = {(r["model"], r["fold"]): r["split"] for r in _rows(folder)
             if r["protocol"] == "loso" and r["subject"] == 1}
    assert len(set(first.values())) == 1  # the models of a target share its split

    def tamper(row):
        if row["protocol"] == "loso":
            row["split"] = first[row["model"], row["fold"]]

    _edit_units(folder, tamper)
    verdict = verify_results(folder)
    assert len(verdict.problems) == 4, verdict.problems  # targets 2 and 3, two models
    for subject in (2, 3):
        for model in ("csp_lda", "ts_lr"):
            assert any(f"SynBNCI2014004 subject {subject} seed 0 fold 0 k=0 (loso, {model}" in p
                       and f"split {first[model, 0]} recorded, the data and protocol give" in p
                       for p in verdict.problems), (subject, model)
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert sum(line.startswith("problem: ") for line in out) == 4
    assert out[-1] == "verify: 4 problem(s) in 12 rows of 12 units"
    # the report still renders, with the verdict on top
    assert main(["report", str(folder)]) == 0
    assert "verify: 4 problem(s)" in capsys.readouterr().out
    assert "verdict bad" in (folder / "report" / "index.html").read_text()


def test_n_test_off_by_one_fails(good_run, tmp_path):
    folder = _copy(good_run, tmp_path)
    target = next(r for r in _rows(folder) if r["protocol"] == "paper" and r["subject"] == 2)

    def tamper(row):
        if row["unit_id"] == target["unit_id"]:
            row["n_test"] += 1

    _edit_units(folder, tamper)
    verdict = verify_results(folder)
    assert len(verdict.problems) == 2, verdict.problems
    n = target["n_test"]
    assert all(f"unit {target['unit_id']}" in p for p in verdict.problems)
    assert f"n_test {n + 1} recorded, the split has {n}" in verdict.problems[0]
    assert f"its predictions hold {n} test trials, the row records n_test {n + 1}" \
        in verdict.problems[1]


def test_results_csv_that_disagrees_with_units_fails(good_run, tmp_path):
    folder = _copy(good_run, tmp_path)
    csv = pd.read_csv(folder / "results.csv")
    csv.loc[0, "score"] = csv.loc[0, "score"] + 0.01
    dropped = csv.loc[1, "unit_id"]
    csv.drop(index=1).to_csv(folder / "results.csv", index=False)
    problems = verify_results(folder).problems
    assert len(problems) == 2, problems
    assert any("in units/, " in p and "in results.csv" in p and "score" in p for p in problems)
    assert any(f"1 row(s) in units/ but not in results.csv: {dropped} fold 0" in p
               for p in problems)
    (folder / "results.csv").unlink()
    problems = verify_results(folder).problems
    assert problems == ["results.csv is missing while units/ holds 12 row(s); rerun the same "
                        "`python -m benchmark run` command to rewrite it"]


def test_identical_scores_across_subjects_warn(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)

    def same(row):
        if row["protocol"] == "paper" and row["model"] == "csp_lda":
            row["score"] = 0.75

    _edit_units(folder, same, old=True)  # (with predictions, the scores would not re-score)
    verdict = verify_results(folder)
    assert verdict.ok and len(verdict.warnings) == 2
    assert verdict.warnings[0].startswith("12 ok row(s) of 12 unit(s) were written before "
                                          "predictions were kept")
    assert "csp_lda scores 0.7500 on every one of the 3 subjects of SynAlexMI (paper)" \
        in verdict.warnings[1]
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[1].startswith("warning: csp_lda scores 0.7500")
    assert out[-1] == "verify: OK, 12 rows of 12 units checked, 2 warning(s)"


def test_what_cannot_be_checked_is_a_problem(good_run, tmp_path, monkeypatch):
    folder = _copy(good_run, tmp_path)
    _edit_units(folder, lambda row: row.update(dataset="NoSuchSet") if row["subject"] == 3
                else None)
    problems = verify_results(folder).problems
    assert "4 row(s) not checked: dataset 'NoSuchSet' is not in this suite's catalogue" in problems

    def missing(spec, subject, config, classes=None):
        raise NotRunnable(f"dataset {spec.name} subject {subject} is not in the MOABB cache")

    monkeypatch.setattr("benchmark.datasets.loading.load_subject", missing)
    problems = verify_results(good_run, use_cache=False).problems
    assert len(problems) == 4  # loso: subject 1 fails first; paper: subjects 1, 2 and 3
    assert all("not checked: the data could not be loaded here: dataset " in p
               and "is not in the MOABB cache" in p for p in problems)
    assert sum("dataset SynBNCI2014004 subject 1 " in p for p in problems) == 1
    assert sum("dataset SynAlexMI subject " in p for p in problems) == 3


def test_rows_without_a_split_are_skipped_and_failed_rows_checked(good_run, tmp_path):
    folder = _copy(good_run, tmp_path)
    paper = [r for r in _rows(folder) if r["protocol"] == "paper"]
    skipped, failed = [r for r in paper if r["subject"] == 1]
    other = next(r for r in paper if r["subject"] == 2 and r["model"] == "ts_lr")

    def edit(row):
        if row["unit_id"] == skipped["unit_id"]:
            row.update(status="not_runnable", split="", score=None, n_train=None, n_test=None)
        elif row["unit_id"] == failed["unit_id"]:  # a failed fold keeps its (wrong) split
            row.update(status="failed", split="0" * 16, score=None, n_train=None, n_test=None)
        elif row["unit_id"] == other["unit_id"]:  # one model of a unit with another split
            row.update(split="1" * 16)

    _edit_units(folder, edit)
    verdict = verify_results(folder)
    assert verdict.n_skipped == 1
    assert len(verdict.problems) == 3, verdict.problems
    assert any(f"unit {failed['unit_id']}" in p and "split 0000000000000000 recorded" in p
               for p in verdict.problems)
    assert any(f"unit {other['unit_id']}" in p and "split 1111111111111111 recorded" in p
               for p in verdict.problems)
    assert any("the models of SynAlexMI subject 2 seed 0 fold 0 do not share one split "
               "(1111111111111111: ts_lr; " in p and ": csp_lda)" in p for p in verdict.problems)
    assert verdict.line == "verify: 3 problem(s) in 12 rows of 12 units"


def test_duplicate_rows_and_overlapping_folds_fail(good_run, tmp_path, monkeypatch):
    folder = _copy(good_run, tmp_path)
    path = sorted((folder / "units").glob("*.json"))[0]
    unit = json.loads(path.read_text())
    unit["rows"] = unit["rows"] * 2
    path.write_text(json.dumps(unit))
    ResultStore(folder).export_csv()
    problems = verify_results(folder).problems
    assert f"unit {unit['unit_id']} fold 0 appears 2 times in units/" in problems
    assert f"unit {unit['unit_id']} fold 0 appears 2 times in results.csv" in problems

    from benchmark.protocols import Fold, PaperSplit

    real = PaperSplit.split

    def overlapping(self, y, seed, meta=None, target=None):
        for fold in real(self, y, seed, meta, target):
            yield Fold(train=np.concatenate([fold.train, fold.test[:2]]), test=fold.test)

    monkeypatch.setattr(PaperSplit, "split", overlapping)
    problems = verify_results(good_run).problems
    assert sum("calibration and test share 2 trial(s)" in p for p in problems) == 6


def test_exit_codes(good_run, tmp_path, capsys):
    assert main(["verify", str(good_run)]) == 0
    assert main(["verify", str(tmp_path / "nowhere")]) == 2
    assert "error: no results folder" in capsys.readouterr().err
    (tmp_path / "empty" / "units").mkdir(parents=True)
    assert main(["verify", str(tmp_path / "empty")]) == 2
    assert "error: no results in" in capsys.readouterr().err
    folder = _copy(good_run, tmp_path)
    _edit_units(folder, lambda row: row.update(n_train=row["n_train"] - 1))
    assert main(["verify", str(folder)]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("verify: 12 problem(s)")


def test_mixed_configurations_shots_sessions_and_csv_edits_fail(good_run, tmp_path):
    """Review of issue 13: what the first verify let through."""
    folder = _copy(good_run, tmp_path)
    csv = pd.read_csv(folder / "results.csv")
    csv.loc[0, "n_test"] += 5
    csv.loc[1, "subject"] = 9
    csv.loc[2, "metric"] = "roc_auc"
    csv.to_csv(folder / "results.csv", index=False)
    problems = verify_results(folder).problems
    assert len(problems) == 3 and all("in results.csv" in p for p in problems)
    for what in ("n_test", "subject 2.0 in units/, 9.0", "metric 'accuracy' in units/"):
        assert any(what in p for p in problems), what
    # rows of two configurations of one model and dataset (another window)
    folder = _copy(good_run, tmp_path / "b")

    def window(row):
        if row["protocol"] == "paper" and row["subject"] == 2:
            row["preprocessing"] = row["preprocessing"].replace('"window_s": 4.0',
                                                                '"window_s": 3.0')
            row["config_digest"] = "0" * 12

    _edit_units(folder, window)
    problems = verify_results(folder).problems
    assert any("csp_lda on SynAlexMI has rows of 2 configurations" in p for p in problems)
    # a learning-curve point with another k, a cross-session fold with another session
    folder = _copy(good_run, tmp_path / "c")
    _edit_units(folder, lambda row: row.update(shots=7) if row["protocol"] == "loso" else None)
    problems = verify_results(folder).problems
    assert len(problems) == 6 and all("shots 7 recorded, the fold has 0 per class" in p
                                      for p in problems)


def test_report_without_the_audit(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)
    assert main(["report", str(folder)]) == 0
    assert (folder / "report" / "verify.txt").is_file()
    capsys.readouterr()
    assert main(["report", str(folder), "--no-verify"]) == 0
    assert "verify:" not in capsys.readouterr().out
    assert not (folder / "report" / "verify.txt").exists()  # no stale verdict


# -- re-scoring every row from its stored predictions ---------------------------------------


def _npz(folder, uid):
    return folder / "units" / f"{uid}.npz"


def _rewrite_predictions(folder, uid, edit):
    """Edit a unit's stored arrays and record the new file's checksum in its JSON (a
    consistent forgery, which only the re-derived data can expose)."""
    import hashlib
    import io

    path = _npz(folder, uid)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    edit(arrays)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    data = buffer.getvalue()
    path.write_bytes(data)
    unit_path = folder / "units" / f"{uid}.json"
    unit = json.loads(unit_path.read_text())
    unit["predictions"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    unit_path.write_text(json.dumps(unit))


def test_every_row_is_rescored_from_its_predictions(good_run):
    units = {p.stem: json.loads(p.read_text()) for p in (good_run / "units").glob("*.json")}
    assert all(u["format"] == 2 and u["predictions"]["file"] == f"{uid}.npz"
               for uid, u in units.items())
    from benchmark.metrics import score_predictions
    from benchmark.predictions import read_unit_predictions

    for uid, unit in units.items():
        folds = read_unit_predictions(good_run / "units", unit["predictions"])
        for row in unit["rows"]:
            fold = folds[row["fold"]]
            assert len(fold.trial_ids) == row["n_test"] == len(fold.y_true)
            assert score_predictions("accuracy", fold.predictions()) == row["score"]
            assert np.allclose(fold.proba.sum(axis=1), 1)
            assert np.array_equal(np.asarray(unit["predictions"]["confusion"][str(row["fold"])]),
                                  fold.confusion())


def test_a_changed_score_fails(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)
    target = _rows(folder)[0]
    _edit_units(folder, lambda row: row.update(score=row["score"] + 1e-9)
                if row["unit_id"] == target["unit_id"] else None)
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[-1] == "verify: 1 problem(s) in 12 rows of 12 units"
    assert f"unit {target['unit_id']}): score " in out[0] and "its predictions give accuracy" \
        in out[0]


def test_a_changed_true_label_fails(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)
    target = next(r for r in _rows(folder) if r["protocol"] == "paper")
    raw = _npz(folder, target["unit_id"]).read_bytes()
    # 1. the file alone changed: its checksum no longer matches
    _rewrite_predictions(folder, target["unit_id"], lambda a: None)
    _npz(folder, target["unit_id"]).write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and "is not the one its JSON names" in out[0]
    # 2. a consistent forgery (checksum updated): the data's labels expose it
    folder = _copy(good_run, tmp_path / "b")

    def flip(arrays):
        arrays["fold0.y_true"][0] = 1 - arrays["fold0.y_true"][0]

    _rewrite_predictions(folder, target["unit_id"], flip)
    problems = verify_results(folder).problems
    assert any("1 stored true label(s) differ from the data's labels of those trials" in p
               for p in problems), problems
    assert all(f"unit {target['unit_id']}" in p for p in problems)
    # 3. trial ids out of the split's order
    folder = _copy(good_run, tmp_path / "c")
    _rewrite_predictions(folder, target["unit_id"], lambda a: a.update(
        {"fold0.ids": a["fold0.ids"][::-1].copy()}))
    assert any("the stored trial ids are not the test trials its split gives, in order" in p
               for p in verify_results(folder).problems)


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_deleted_or_truncated_predictions_file_fails(good_run, tmp_path, capsys, damage):
    folder = _copy(good_run, tmp_path)
    uid = _rows(folder)[3]["unit_id"]
    path = _npz(folder, uid)
    if damage == "deleted":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:100])
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith(f"problem: unit {uid}: its predictions file")
    assert ("is missing" if damage == "deleted" else "truncated, damaged or replaced") in out[0]


def test_probabilities_must_be_finite_and_sum_to_one(good_run, tmp_path):
    folder = _copy(good_run, tmp_path)
    uid = _rows(folder)[0]["unit_id"]
    _rewrite_predictions(folder, uid, lambda a: a["fold0.proba"].__setitem__(
        (0, 0), a["fold0.proba"][0, 0] + 0.01))
    problems = verify_results(folder).problems
    assert len(problems) == 1 and "probabilities that do not sum to 1" in problems[0]
    _rewrite_predictions(folder, uid, lambda a: a["fold0.proba"].__setitem__((0, 0), np.nan))
    assert any("not all finite" in p for p in verify_results(folder).problems)


def test_a_folder_from_before_predictions_says_so_in_one_line(good_run, tmp_path, capsys):
    folder = _copy(good_run, tmp_path)
    _edit_units(folder, lambda row: None, old=True)
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["warning: 12 ok row(s) of 12 unit(s) were written before predictions were "
                   "kept: their scores, ids and labels cannot be re-scored (rerun them into a "
                   "new --out to keep predictions)",
                   "verify: OK, 12 rows of 12 units checked, 1 warning(s)"]
    assert main(["report", str(folder), "--no-verify"]) == 0  # it still reports
    assert main(["report", str(folder), "--metric", "kappa"]) == 2
    assert "written before predictions were kept" in capsys.readouterr().err
    # a new-format unit whose predictions record was removed is a problem, not a warning
    folder = _copy(good_run, tmp_path / "b")
    path = sorted((folder / "units").glob("*.json"))[0]
    unit = json.loads(path.read_text())
    del unit["predictions"]
    path.write_text(json.dumps(unit))
    assert verify_results(folder).problems == [
        f"unit {unit['unit_id']}: 1 ok row(s) but no predictions record in its JSON"]


def test_a_unit_cannot_borrow_another_units_predictions(good_run, tmp_path):
    """Review of issue 21: the models of one split share ids, labels and often scores."""
    folder = _copy(good_run, tmp_path)
    rows = [r for r in _rows(folder) if r["protocol"] == "paper" and r["subject"] == 1]
    mine, theirs = (next(r for r in rows if r["model"] == m) for m in ("csp_lda", "ts_lr"))
    path = folder / "units" / f"{mine['unit_id']}.json"
    other = json.loads((folder / "units" / f"{theirs['unit_id']}.json").read_text())
    unit = json.loads(path.read_text())
    unit["predictions"] = other["predictions"]
    unit["rows"][0]["score"] = theirs["score"]
    path.write_text(json.dumps(unit))
    _npz(folder, mine["unit_id"]).unlink()
    ResultStore(folder).export_csv()
    problems = verify_results(folder).problems
    assert problems == [f"unit {mine['unit_id']}: its predictions record names "
                        f"'{theirs['unit_id']}.npz', not its own {mine['unit_id']}.npz; its 1 "
                        f"row(s) cannot be re-scored (rerun it: delete units/{mine['unit_id']}"
                        ".json and run again)"]
    # the file renamed to look like its own: the id inside it says whose it is
    import shutil as sh

    sh.copy(_npz(folder, theirs["unit_id"]), _npz(folder, mine["unit_id"]))
    unit["predictions"]["file"] = f"{mine['unit_id']}.npz"
    path.write_text(json.dumps(unit))
    assert any(f"holds unit '{theirs['unit_id']}''s predictions" in p
               for p in verify_results(folder).problems)


def test_a_downgraded_unit_or_a_bare_csv_is_a_problem_not_a_warning(good_run, tmp_path):
    """Review of issue 21: rows of this version without predictions cannot pass."""
    folder = _copy(good_run, tmp_path)
    path = sorted((folder / "units").glob("*.json"))[0]
    unit = json.loads(path.read_text())
    unit.pop("format"), unit.pop("predictions")
    unit["rows"][0]["score"] = 0.99
    path.write_text(json.dumps(unit))
    path.with_suffix(".npz").unlink()
    ResultStore(folder).export_csv()
    problems = verify_results(folder).problems
    assert len(problems) == 1 and "made by version 0.2 of the suite, which keeps predictions" \
        in problems[0]
    shutil.rmtree(folder / "units")  # results.csv alone
    problems = verify_results(folder).problems
    assert len(problems) == 12 and all("but none in units/ (there is none)" in p
                                       for p in problems)


def test_malformed_records_and_files_are_one_line_problems(good_run, tmp_path):
    import io

    folder = _copy(good_run, tmp_path)
    uids = [p.stem for p in sorted((folder / "units").glob("*.json"))]

    def set_record(uid, value):
        path = folder / "units" / f"{uid}.json"
        unit = json.loads(path.read_text())
        unit["predictions"] = value(unit["predictions"])
        path.write_text(json.dumps(unit))

    set_record(uids[0], lambda r: "x")
    set_record(uids[1], lambda r: {**r, "confusion": "x"})
    _rewrite_predictions(folder, uids[2], lambda a: a.pop("fold0.y_pred"))
    _rewrite_predictions(folder, uids[3], lambda a: a.update(
        {"foldX.ids": a["fold0.ids"]}))
    verdict = verify_results(folder)
    assert len(verdict.problems) == 4, verdict.problems
    assert "predictions record is malformed" in verdict.problems[0]
    assert "confusion matrix in its JSON is not that of its predictions" in verdict.problems[1]
    assert all("is incomplete" in p for p in verdict.problems[2:])
    assert main(["report", str(folder), "--metric", "kappa"]) == 0  # no traceback either
    del io


def test_a_moabb_fakedataset_folder_with_its_class_choice_verifies(tmp_path, capsys):
    """MOABB's FakeDataset (its seed fixed by the suite) with --classes and loso on every
    session: verify re-derives the same trials; rows that claim another class choice are
    found out.  (Trial ids number the selected trials within each run, so a choice with as
    many trials per run gives the same ids: the class choice is caught as a second choice
    in the folder, not by the split.)"""
    out = tmp_path / "fake"
    assert main(["run", "--datasets", "FakeDataset", "--classes", "left_hand,feet",
                 "--protocol", "loso", "--preset", "moabb", "--models", "csp_lda",
                 "--subjects", "1,2", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    verdict = verify_results(out)
    assert verdict.ok and (verdict.n_rows, verdict.n_units) == (4, 2), verdict.lines()
    rows = _rows(out)
    assert {r["classes"] for r in rows} == {"left_hand,feet"}
    assert {r["session"] for r in rows} == {"0", "1"}

    def claim_left_right(row):
        if row["subject"] == 1:
            row["classes"] = "left_hand,right_hand"

    _edit_units(out, claim_left_right)
    problems = verify_results(out).problems
    assert problems == ["csp_lda on FakeDataset has rows of 2 class choices (left_hand,feet; "
                        "left_hand,right_hand): the tables would average them; keep one "
                        "--classes per results folder"]
