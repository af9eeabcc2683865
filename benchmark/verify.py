"""``python -m benchmark verify DIR``: a results folder audits itself.

Every row records which trials calibrated and which tested its model (``split``, a hash
of the trial ids; ``n_train``, ``n_test``), the protocol (``protocol_config``) and the
preprocessing (``preprocessing``).  This module re-derives each row's split from the
data and the recorded protocol, without the engine or the worker (their caches are what
a wrong split would come from), and checks that:

* the split, ``n_train`` and ``n_test`` of every row with a split are what the data and
  the protocol give for the row's ``fold`` (rows ``not_runnable`` have none and are
  skipped; failed rows with a split are checked), and that no fold of the protocol is
  missing from a unit;
* calibration and test trials are disjoint (on the re-derived folds);
* the models of one unit share the split (rows of one dataset, subject, session, seed,
  fold, protocol and loading have one ``split``);
* no ``(unit_id, fold)`` appears twice;
* ``units/`` and ``results.csv`` agree (the same ``(unit_id, fold)`` rows, with the same
  split, score and status).

Where one dataset's scores are identical for every subject (per model, two or more
subjects) it warns: a sign of data or splits shared across subjects, not a proof.

Each (dataset, loading, subject) is loaded once (through the epoch cache, or MOABB with
``use_cache=False``) and only the trials' labels, sessions, runs and subjects are kept;
each (protocol, seed, subject) split is derived once, so a folder costs about one pass
over its data.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.errors import UserError

__all__ = ["Verdict", "verify_results", "verdict_for_report"]

_LOADING_FIELDS = ("fmin", "fmax", "sfreq", "window_s", "tmin")


@dataclass
class Verdict:
    """What :func:`verify_results` found."""

    n_rows: int = 0
    n_units: int = 0
    n_skipped: int = 0  # rows without a split (not runnable, or failed before the split)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def line(self) -> str:
        """The final verdict line."""
        if self.ok:
            text = f"verify: OK, {self.n_rows} rows of {self.n_units} units checked"
            if self.n_skipped:
                text += f" ({self.n_skipped} without a split skipped)"
            if self.warnings:
                text += f", {len(self.warnings)} warning(s)"
            return text
        return (f"verify: {len(self.problems)} problem(s) in {self.n_rows} rows of "
                f"{self.n_units} units")

    def lines(self) -> list[str]:
        """``problem: ...`` lines, ``warning: ...`` lines, then the verdict line."""
        return ([f"problem: {p}" for p in self.problems]
                + [f"warning: {w}" for w in self.warnings] + [self.line])


# -- reading the folder -------------------------------------------------------------------
def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _int(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _read_units(root: Path, problems: list[str], kept: dict[str, dict] | None = None
                ) -> list[dict] | None:
    """Every row of ``units/*.json`` (``None`` where there is no ``units/``); ``kept``
    receives each unit's ``{"format": ..., "predictions": record}``."""
    folder = root / "units"
    if not folder.is_dir():
        return None
    rows = []
    for path in sorted(folder.glob("*.json")):
        try:
            unit = json.loads(path.read_text())
            unit_rows = unit["rows"]
            uid = unit["unit_id"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"units/{path.name} cannot be read ({type(exc).__name__}); its "
                            "rows are not checked")
            continue
        if uid != path.stem:
            problems.append(f"units/{path.name} holds unit {uid!r}, not {path.stem!r}")
        if kept is not None:
            kept[str(uid)] = {"format": unit.get("format"),
                              "predictions": unit.get("predictions") or {}}
        for row in unit_rows:
            if row.get("unit_id") != uid:
                problems.append(f"units/{path.name} has a row of unit {row.get('unit_id')!r}")
            rows.append(row)
    return rows


def _read_csv(root: Path, problems: list[str]) -> pd.DataFrame | None:
    path = root / "results.csv"
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, dtype={c: str for c in _TEXT_COLUMNS + ("unit_id",)})
    except (OSError, ValueError) as exc:  # pandas' EmptyDataError included
        problems.append(f"results.csv cannot be read ({type(exc).__name__}: {exc})")
        return None


def _records(df: pd.DataFrame) -> list[dict]:
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _key(row: dict) -> tuple[str, int | None]:
    return _text(row.get("unit_id")), _int(row.get("fold"))


def _where(row: dict) -> str:
    """``DATASET subject S seed N fold F (MODEL, unit ID)``."""
    shots = _int(row.get("shots"))
    k = f" k={shots}" if shots is not None else ""
    return (f"{_text(row.get('dataset'))} subject {_int(row.get('subject'))} seed "
            f"{_int(row.get('seed'))} fold {_int(row.get('fold'))}{k} "
            f"({_text(row.get('protocol'))}, {_text(row.get('model'))}, unit "
            f"{_text(row.get('unit_id'))})")


# -- the checks on the rows alone ---------------------------------------------------------
def _duplicates(rows: list[dict], where: str, problems: list[str]) -> None:
    counts: dict = defaultdict(int)
    for row in rows:
        counts[_key(row)] += 1
    for (uid, fold), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if n > 1:
            problems.append(f"unit {uid} fold {fold} appears {n} times in {where}")


#: what a published table shows or is keyed by: compared between units/ and results.csv
_TEXT_COLUMNS = ("dataset", "session", "model", "finetune", "protocol", "protocol_version",
                 "status",
                 "metric", "split", "classes", "config_digest", "preprocessing",
                 "protocol_config", "pipeline")
_NUMBER_COLUMNS = ("subject", "seed", "shots", "score", "n_train", "n_test", "n_classes",
                   "n_chans", "n_params", "n_trainable", "data_trials")


def _agreement(units: list[dict], csv: pd.DataFrame | None, problems: list[str]) -> None:
    """``units/`` and ``results.csv``: the same rows, with the same values in every column
    a table shows or groups by."""
    if csv is None:
        if units:
            problems.append(f"results.csv is missing while units/ holds {len(units)} row(s); "
                            "rerun the same `python -m benchmark run` command to rewrite it")
        return
    by_unit = {_key(r): r for r in units}
    by_csv = {_key(r): r for r in _records(csv)}
    only_units = sorted(set(by_unit) - set(by_csv), key=str)
    only_csv = sorted(set(by_csv) - set(by_unit), key=str)
    for what, keys in (("units/ but not in results.csv", only_units),
                       ("results.csv but not in units/", only_csv)):
        if keys:
            shown = ", ".join(f"{u} fold {f}" for u, f in keys[:5])
            more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
            problems.append(f"{len(keys)} row(s) in {what}: {shown}{more} (results.csv is "
                            "stale or edited; rerun the run command to rewrite it)")
    for key in sorted(set(by_unit) & set(by_csv), key=str):
        a, b = by_unit[key], by_csv[key]
        diffs = []
        for col in _TEXT_COLUMNS:
            if _text(a.get(col)) != _text(b.get(col)):
                diffs.append(f"{col} {_text(a.get(col)) or '(none)'!r} in units/, "
                             f"{_text(b.get(col)) or '(none)'!r} in results.csv")
        for col in _NUMBER_COLUMNS:
            sa, sb = _float(a.get(col)), _float(b.get(col))
            if not (np.isnan(sa) and np.isnan(sb)) and not np.isclose(sa, sb, rtol=1e-9, atol=0):
                diffs.append(f"{col} {sa!r} in units/, {sb!r} in results.csv")
        if diffs:
            problems.append(f"{_where(a)}: " + "; ".join(diffs))


def _shared_splits(rows: list[dict], problems: list[str]) -> None:
    """The models of one unit (same data, subject, seed, fold, protocol) share a split."""
    groups: dict = defaultdict(dict)
    for row in rows:
        split = _text(row.get("split"))
        if not split:
            continue
        key = (_text(row.get("dataset")), _int(row.get("subject")), _text(row.get("session")),
               _int(row.get("seed")), _int(row.get("fold")), _text(row.get("protocol_config")),
               _loading_text(row))
        groups[key].setdefault(split, []).append(_text(row.get("model")))
    for (dataset, subject, _, seed, fold, _, _), splits in groups.items():
        if len(splits) > 1:
            shown = "; ".join(f"{s}: {', '.join(sorted(set(models)))}"
                              for s, models in sorted(splits.items()))
            problems.append(f"the models of {dataset} subject {subject} seed {seed} fold {fold} "
                            f"do not share one split ({shown})")


def _one_configuration(rows: list[dict], problems: list[str]) -> None:
    """One configuration (metric and class choice) per (dataset, model): tables average
    their rows.  Rows without classes (failed rows of older runs) count as any choice."""
    configs: dict = defaultdict(set)
    choices: dict = defaultdict(set)
    for row in rows:  # (a foundation model under each --finetune strategy is one model each)
        strategy = _text(row.get("finetune"))
        model = _text(row.get("model")) + (f" ({strategy})" if strategy not in ("", "full")
                                           else "")
        pair = (_text(row.get("dataset")), model)
        configs[pair].add((_text(row.get("config_digest")), _text(row.get("metric"))))
        if _text(row.get("classes")):
            choices[pair].add(_text(row.get("classes")))
    for (dataset, model), found in sorted(configs.items()):
        if len(found) > 1:
            problems.append(f"{model} on {dataset} has rows of {len(found)} configurations "
                            "(preprocessing, protocol, pipeline or metric differ): the tables "
                            "would average them; keep one configuration per results folder")
    for (dataset, model), found in sorted(choices.items()):
        if len(found) > 1:
            problems.append(f"{model} on {dataset} has rows of {len(found)} class choices "
                            f"({'; '.join(sorted(found))}): the tables would average them; "
                            "keep one --classes per results folder")


def _identical_scores(rows: list[dict], warnings: list[str]) -> None:
    """Warn where every subject of a dataset has the same score (per model and protocol)."""
    scores: dict = defaultdict(lambda: defaultdict(list))
    for row in rows:
        score = _float(row.get("score"))
        if _text(row.get("status")) != "ok" or np.isnan(score):
            continue
        key = (_text(row.get("dataset")), _text(row.get("model")) + (
               f" ({_text(row.get('finetune'))})" if _text(row.get("finetune")) not in
               ("", "full") else ""), _text(row.get("protocol_config")))
        scores[key][_int(row.get("subject"))].append(score)
    for (dataset, model, config), by_subject in sorted(scores.items()):
        if len(by_subject) < 2:
            continue
        means = np.array([np.mean(v) for v in by_subject.values()])
        if np.ptp(means) <= 1e-12:
            protocol = _protocol_name(config)
            warnings.append(f"{model} scores {means[0]:.4f} on every one of the "
                            f"{len(by_subject)} subjects of {dataset} ({protocol}): data or "
                            "splits may be shared across subjects")


def _protocol_name(config: str) -> str:
    try:
        return str(json.loads(config).get("name"))
    except (ValueError, AttributeError):
        return "?"


# -- re-deriving the splits ---------------------------------------------------------------
def _loading_text(row: dict) -> str:
    """The loading part of a row's preprocessing, as canonical JSON (``""``: unreadable)."""
    try:
        pre = json.loads(_text(row.get("preprocessing")))
        return json.dumps({k: pre.get(k) for k in _LOADING_FIELDS if k in pre}, sort_keys=True)
    except (ValueError, AttributeError):
        return ""


@dataclass(frozen=True)
class _Unloadable:
    """Why a unit's trials could not be loaded here."""

    reason: str


class _Deriver:
    """Loads each (dataset, loading, subject) once and derives each split once."""

    def __init__(self, cache_dir: str | None, use_cache: bool):
        self.cache = None
        if use_cache:
            from benchmark.datasets.cache import EpochCache

            self.cache = EpochCache(cache_dir)
        self._raw: dict = {}
        self._selected: dict = {}
        self._folds: dict = {}

    def _load(self, spec, subject: int, loading_text: str):
        """One subject's trials without the signals (labels, sessions, runs, subjects)."""
        key = (spec.name, spec.classes, loading_text, subject)
        if key not in self._raw:
            from benchmark.datasets.loading import SubjectData, load_subject
            from benchmark.preprocessing import PreprocessingConfig

            config = PreprocessingConfig(**json.loads(loading_text))
            data = (self.cache.load(spec, subject, config) if self.cache is not None
                    else load_subject(spec, subject, config))
            self._raw[key] = SubjectData(
                data.dataset, data.subject, np.empty((len(data.y), 0, 0), np.float32),
                np.asarray(data.y), np.asarray(data.sessions), np.asarray(data.runs),
                list(data.ch_names), data.sfreq, np.asarray(data.subjects))
        return self._raw[key]

    def data(self, spec, protocol, subject: int, loading_text: str):
        """``(trials, labels, trial ids)`` a unit uses: the subject's, or every subject's
        for a dataset-scope protocol; or why they could not be loaded."""
        who = "all" if protocol.scope == "dataset" else subject
        key = (spec.name, spec.classes, loading_text, who, protocol.all_sessions)
        if key not in self._selected:
            from benchmark.datasets.loading import SubjectData

            try:
                if protocol.scope == "dataset":
                    data = SubjectData.concatenate(
                        [protocol.select(self._load(spec, s, loading_text), spec.session)
                         for s in spec.subject_ids])
                else:
                    data = protocol.select(self._load(spec, subject, loading_text), spec.session)
            except UserError as exc:  # NotRunnable included: data missing here
                self._selected[key] = _Unloadable(str(exc))
            except Exception as exc:  # a loader failure the loader does not translate
                self._selected[key] = _Unloadable(f"{type(exc).__name__}: {exc}")
            else:
                classes = list(spec.classes)
                unknown = sorted(set(map(str, data.y)) - set(classes))
                if unknown:
                    self._selected[key] = _Unloadable(
                        f"{spec.name} gives classes {unknown} outside the catalogue's {classes}")
                else:
                    y = np.array([classes.index(c) for c in data.y], dtype=int)
                    self._selected[key] = (data, y, data.trial_ids())
        return self._selected[key]

    def folds(self, spec, protocol, config_text: str, subject: int, seed: int,
              loading_text: str) -> "dict | Exception | _Unloadable":
        """``{fold: (split, n_train, n_test, shared trials, shots, session, test trial ids,
        test labels)}`` of one unit (session: the test session where the protocol picks
        one; ids and labels in the order of the test part), the exception
        the protocol raised, or why the data could not be loaded."""
        who = "all" if protocol.scope == "dataset" else subject
        key = (spec.name, spec.classes, loading_text, who, config_text, int(seed), int(subject))
        if key not in self._folds:
            from benchmark.protocols import split_digest

            loaded = self.data(spec, protocol, subject, loading_text)
            if isinstance(loaded, _Unloadable):
                return loaded
            data, y, ids = loaded
            try:
                out = {}
                for fold in protocol.split(y, int(seed), meta=data, target=int(subject)):
                    shared = len(np.intersect1d(fold.train, fold.test))
                    out[int(fold.fold)] = (split_digest(fold, ids), len(fold.train),
                                           len(fold.test), shared, fold.shots, fold.session,
                                           ids[fold.test], y[fold.test])
                self._folds[key] = out
            except Exception as exc:  # the protocol gives no split for these trials
                self._folds[key] = exc
        return self._folds[key]


def _check_splits(rows: list[dict], deriver: _Deriver, problems: list[str],
                  tested: dict | None = None) -> int:
    """Compare every row's split with the re-derived one; the rows skipped (no split).

    ``tested`` receives ``{(unit id, fold): (test trial ids, test labels)}`` of every row
    whose split was re-derived (what :func:`_check_predictions` compares with).
    """
    from benchmark.datasets import get_dataset_spec
    from benchmark.protocols import protocol_from_dict

    skipped = 0
    not_checked: dict = defaultdict(int)  # reason -> rows
    specs: dict = {}
    protocols: dict = {}
    seen_folds: dict = defaultdict(set)  # (unit, derivation key) -> folds with rows
    derived: dict = {}  # (unit, derivation key) -> folds, for the missing-fold check
    for row in rows:
        split = _text(row.get("split"))
        status = _text(row.get("status"))
        if not split:
            if status == "ok":
                problems.append(f"{_where(row)}: an ok row without a split")
            else:
                skipped += 1
            continue
        name, classes = _text(row.get("dataset")), _text(row.get("classes"))
        if (name, classes) not in specs:
            try:
                spec = get_dataset_spec(name)
            except UserError:
                spec = f"dataset {name!r} is not in this suite's catalogue"
            if classes and not isinstance(spec, str):  # the row's choice (--classes)
                try:
                    spec = spec.with_classes(classes.split(","))
                except UserError as exc:
                    spec = f"dataset {name!r} has no classes {classes!r} here ({exc})"
            specs[(name, classes)] = spec
        spec = specs[(name, classes)]
        if isinstance(spec, str):
            not_checked[spec] += 1
            continue
        config_text = _text(row.get("protocol_config"))
        if config_text not in protocols:
            try:
                protocols[config_text] = protocol_from_dict(json.loads(config_text))
            except (UserError, ValueError, TypeError, AttributeError) as exc:
                protocols[config_text] = f"protocol {config_text!r} cannot be rebuilt ({exc})"
        protocol = protocols[config_text]
        if isinstance(protocol, str):
            not_checked[protocol] += 1
            continue
        loading = _loading_text(row)
        try:
            from benchmark.preprocessing import PreprocessingConfig

            PreprocessingConfig(**json.loads(loading))
        except (UserError, ValueError, TypeError) as exc:
            not_checked[f"{name}: preprocessing {_text(row.get('preprocessing'))!r} cannot be "
                        f"rebuilt ({exc})"] += 1
            continue
        subject, seed, fold = _int(row.get("subject")), _int(row.get("seed")), _int(row.get("fold"))
        if subject is None or seed is None or fold is None:
            problems.append(f"{_where(row)}: subject, seed or fold is missing")
            continue
        folds = deriver.folds(spec, protocol, config_text, subject, seed, loading)
        if isinstance(folds, _Unloadable):
            not_checked[f"the data could not be loaded here: {folds.reason}"] += 1
            continue
        if isinstance(folds, Exception):
            problems.append(f"{_where(row)}: the row records split {split}, but the "
                                f"protocol gives no split for these trials "
                            f"({type(folds).__name__}: {folds})")
            continue
        unit = (_text(row.get("unit_id")), spec.name, loading, config_text, subject, seed)
        seen_folds[unit].add(fold)
        derived[unit] = folds
        if fold not in folds:
            problems.append(f"{_where(row)}: the protocol gives folds {sorted(folds)} for "
                            f"these trials, not fold {fold}")
            continue
        want, n_train, n_test, shared, shots, session, test_ids, test_y = folds[fold]
        if tested is not None:
            tested[(_text(row.get("unit_id")), fold)] = (test_ids, test_y)
        if shared:
            problems.append(f"{_where(row)}: calibration and test share {shared} trial(s)")
        diffs = []
        if split != want:
            diffs.append(f"split {split} recorded, the data and protocol give {want}")
        if shots is not None and _int(row.get("shots")) != int(shots):
            diffs.append(f"shots {_text(row.get('shots')) or '(none)'} recorded, the fold has "
                         f"{shots} per class")
        if session is not None and _text(row.get("session")) != str(session):
            diffs.append(f"session {_text(row.get('session'))!r} recorded, the fold tests on "
                         f"session {session!r}")
        for col, n in (("n_train", n_train), ("n_test", n_test)):
            got = _int(row.get(col))
            if got is not None and got != n:
                diffs.append(f"{col} {got} recorded, the split has {n}")
            elif got is None and status == "ok":
                diffs.append(f"{col} not recorded")
        if diffs:
            problems.append(f"{_where(row)}: " + "; ".join(diffs))
    for unit, folds in derived.items():
        missing = sorted(set(folds) - seen_folds[unit])
        if missing:
            problems.append(f"unit {unit[0]} ({unit[1]} subject {unit[4]} seed {unit[5]}) has no "
                            f"row for fold(s) {missing} that its protocol gives")
    for reason, n in not_checked.items():
        problems.append(f"{n} row(s) not checked: {reason}")
    return skipped


# -- re-scoring from the stored predictions ------------------------------------------------
#: how far a recomputed score may lie from the recorded one
SCORE_TOLERANCE = 1e-12


def _check_fold_predictions(row: dict, fold, record: dict, tested, problems: list[str]) -> None:
    """One ok row against its stored predictions: ids, labels, probabilities, confusion,
    score."""
    from benchmark.metrics import MetricUnavailable, score_predictions

    where = _where(row)
    n_test = _int(row.get("n_test"))
    ids, y_true = np.asarray(fold.trial_ids), np.asarray(fold.y_true)
    if n_test is not None and len(ids) != n_test:
        problems.append(f"{where}: its predictions hold {len(ids)} test trials, the row "
                        f"records n_test {n_test}")
    if not (len(y_true) == len(ids) == len(fold.y_pred)):
        problems.append(f"{where}: its predictions have {len(ids)} trial ids, {len(y_true)} "
                        f"true and {len(fold.y_pred)} predicted classes")
        return
    if tested is not None:
        want_ids, want_y = tested
        if len(want_ids) != len(ids) or not np.array_equal(want_ids.astype(str), ids.astype(str)):
            problems.append(f"{where}: the stored trial ids are not the test trials its split "
                            "gives, in order")
        elif not np.array_equal(np.asarray(want_y, dtype=int), y_true.astype(int)):
            wrong = int(np.sum(np.asarray(want_y, dtype=int) != y_true.astype(int)))
            problems.append(f"{where}: {wrong} stored true label(s) differ from the data's "
                            "labels of those trials")
    from benchmark.metrics import predictions_problem

    problem = predictions_problem(fold.predictions())
    if problem:
        problems.append(f"{where}: its stored predictions have {problem}")
    confusion = record.get("confusion")
    stored = confusion.get(str(fold.fold)) if isinstance(confusion, dict) else None
    try:
        same = stored is not None and np.array_equal(np.asarray(stored, dtype=np.int64),
                                                     fold.confusion())
    except (TypeError, ValueError):
        same = False
    if not same:
        problems.append(f"{where}: the confusion matrix in its JSON is not that of its "
                        "predictions")
    metric = _text(row.get("metric")) or "accuracy"
    try:
        again = score_predictions(metric, fold.predictions())
    except (MetricUnavailable, UserError, ValueError) as exc:
        problems.append(f"{where}: its {metric} cannot be recomputed from its predictions "
                        f"({exc})")
        return
    recorded = _float(row.get("score"))
    if not abs(again - recorded) <= SCORE_TOLERANCE:
        problems.append(f"{where}: score {recorded!r} recorded, its predictions give "
                        f"{metric} {again!r}")


#: the first version of the suite that keeps every unit's predictions
KEPT_SINCE = (0, 2)


def _suite_version(row: dict) -> tuple[int, ...] | None:
    """The suite's version that made a row (from its ``versions``), ``None`` if unknown."""
    try:
        text = json.loads(_text(row.get("versions")) or "{}").get("mirepnet-benchmark", "")
        return tuple(int(p) for p in str(text).split(".")[:2])
    except (ValueError, AttributeError, TypeError):
        return None


def _check_predictions(root: Path, rows: list[dict], meta: dict[str, dict] | None,
                       tested: dict, problems: list[str], warnings: list[str]) -> None:
    """Re-score every ok row from its unit's stored predictions (module docstring)."""
    from benchmark.predictions import UNIT_FORMAT, PredictionsError, read_unit_predictions

    ok = [r for r in rows if _text(r.get("status")) == "ok"]
    older: dict[str, int] = defaultdict(int)
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for row in ok:
        by_unit[_text(row.get("unit_id"))].append(row)
    newer = any((i.get("format") or 0) >= UNIT_FORMAT for i in (meta or {}).values())
    for uid, unit_rows in sorted(by_unit.items()):
        info = (meta or {}).get(uid)
        record = (info or {}).get("predictions") or {}
        if not record:
            made_by = sorted({_suite_version(r) for r in unit_rows} - {None})
            where = "its JSON" if info is not None else "units/ (there is none)"
            if info is not None and (info.get("format") or 0) >= UNIT_FORMAT:
                problems.append(f"unit {uid}: {len(unit_rows)} ok row(s) but no predictions "
                                "record in its JSON")
            elif made_by and made_by[-1] >= KEPT_SINCE:
                problems.append(f"unit {uid}: {len(unit_rows)} ok row(s) made by version "
                                f"{'.'.join(map(str, made_by[-1]))} of the suite, which keeps "
                                f"predictions, but none in {where}")
            elif info is not None and newer:
                problems.append(f"unit {uid}: {len(unit_rows)} ok row(s) without predictions "
                                "in a folder whose other units keep theirs")
            else:
                older[uid] = len(unit_rows)
            continue
        try:
            folds = read_unit_predictions(root / "units", record, uid)
        except PredictionsError as exc:
            problems.append(f"unit {uid}: {exc}; its {len(unit_rows)} row(s) cannot be "
                            "re-scored (rerun it: delete units/" + f"{uid}.json and run again)")
            continue
        seen = set()
        for row in unit_rows:
            fold_no = _int(row.get("fold"))
            fold = folds.get(fold_no)
            if fold is None:
                problems.append(f"{_where(row)}: no stored predictions for this fold")
                continue
            seen.add(fold_no)
            _check_fold_predictions(row, fold, record, tested.get((uid, fold_no)), problems)
        extra = sorted(set(folds) - seen)
        if extra:
            problems.append(f"unit {uid}: predictions of fold(s) {extra} without an ok row")
    if older:
        warnings.append(f"{sum(older.values())} ok row(s) of {len(older)} unit(s) were written "
                        "before predictions were kept: their scores, ids and labels cannot be "
                        "re-scored (rerun them into a new --out to keep predictions)")


# -- the entry points ---------------------------------------------------------------------
def verify_results(path: str | Path, cache_dir: str | None = None,
                   use_cache: bool = True) -> Verdict:
    """Audit a results folder (see the module docstring).

    Parameters
    ----------
    path : path
        The ``--out`` folder of a run (or its ``results.csv``).
    cache_dir : path, optional
        Epoch cache folder (default: ``$BENCHMARK_CACHE`` or ``~/.cache/mirepnet-benchmark``).
    use_cache : bool
        Load through the epoch cache (``False``: through MOABB for every subject).

    Raises
    ------
    UserError
        The folder does not exist or holds no results.
    """
    root = Path(path)
    if root.is_file():
        root = root.parent
    if not root.is_dir():
        raise UserError(f"no results folder {root}; pass the --out folder of a "
                        "`python -m benchmark run`")
    verdict = Verdict()
    problems = verdict.problems
    meta: dict[str, dict] = {}
    units = _read_units(root, problems, meta)
    csv = _read_csv(root, problems)
    if not units and (csv is None or csv.empty):
        if problems:  # unreadable files, nothing else: that is the verdict
            return verdict
        raise UserError(f"no results in {root}: expected {root}/units/*.json or "
                        f"{root}/results.csv; pass the --out folder of a `python -m benchmark run`")
    if units:
        rows = units
        _duplicates(units, "units/", problems)
        if csv is not None:
            _duplicates(_records(csv), "results.csv", problems)
        _agreement(units, csv, problems)
    else:
        rows = _records(csv)
        _duplicates(rows, "results.csv", problems)
        if units is not None:  # units/ is there but holds no readable unit
            _agreement([], csv, problems)
    verdict.n_rows = len(rows)
    verdict.n_units = len({_text(r.get("unit_id")) for r in rows})
    _shared_splits(rows, problems)
    _one_configuration(rows, problems)
    tested: dict = {}
    verdict.n_skipped = _check_splits(rows, _Deriver(cache_dir, use_cache), problems, tested)
    _check_predictions(root, rows, meta if units else None, tested, problems, verdict.warnings)
    _identical_scores(rows, verdict.warnings)
    return verdict


def verdict_for_report(results_dir: str | Path, **kwargs: Any) -> Verdict | None:
    """:func:`verify_results` of a report's folder, ``None`` where it holds no results.

    :func:`benchmark.reporting.write_report` shows it (``verdict=``); the report itself
    reads the results table only, so the audit, which loads the data, runs here.
    """
    try:
        return verify_results(results_dir, **kwargs)
    except UserError:
        return None
