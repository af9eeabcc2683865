"""Command line: ``python -m benchmark COMMAND``.

Commands: run, list, report, verify, download, checkpoint, pretrain, evidence, perf.  This
module parses the arguments, calls the package that does the work and prints the outcome
(tables, summaries); the messages of the modules below it are log records, which
:mod:`benchmark.console` shows as they were printed before.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.console import console_logging
from benchmark.errors import UserError
from benchmark.progress import MODES

if TYPE_CHECKING:  # the engine is imported when a command needs it
    from benchmark.engine import RunConfig, RunSummary

__all__ = ["main", "build_parser", "parse_int_list", "parse_window"]

logger = logging.getLogger(__name__)


def parse_int_list(text: str, what: str) -> list[int]:
    """Parse ``"0,1,2"`` or ``"1-5,8"`` into integers; a one-line error otherwise."""
    out: list[int] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise UserError(
                f"bad {what} {part!r} in {text!r}: use non-negative integers such as 0,1,2 or 1-5"
            )
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise UserError(f"bad {what} range {part!r}: the end is before the start")
        out.extend(i for i in range(lo, hi + 1) if i not in out)
    if not out:
        raise UserError(f"no {what} given in {text!r}")
    return out


def parse_window(text: str) -> tuple[float, float]:
    """Parse ``"0,3"`` (seconds after the task onset) into ``(0.0, 3.0)``."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        start, end = (float(p) for p in parts)
    except ValueError:
        raise UserError(f"bad --window {text!r}: give START,END in seconds after the task "
                        "onset, e.g. 0,3") from None
    if not (0 <= start < end and math.isfinite(end)):
        raise UserError(f"bad --window {text!r}: need 0 <= START < END, e.g. 0,3")
    return start, end


def _default_out(datasets: str, protocol: str, classes: str | None = None) -> str:
    chosen = f"{datasets}_{classes}_{protocol}" if classes else f"{datasets}_{protocol}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", chosen).strip("-")
    return str(Path("results") / name)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command: one ``_add_*`` function per command."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="Open benchmark of EEG motor-imagery decoders around MIRepNet.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_run, _add_list, _add_report, _add_verify, _add_perf, _add_download,
                _add_checkpoint, _add_pretrain, _add_evidence):
        add(sub)
    return parser


def _add_plugin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import a module that registers extra models (repeatable)")


def _add_cache(parser: argparse.ArgumentParser,
               cache: str = "epoch cache folder (default: $BENCHMARK_CACHE or "
                            "~/.cache/mirepnet-benchmark)",
               no_cache: str = "load every subject through MOABB, without the epoch cache"
               ) -> None:
    parser.add_argument("--cache", default=None, metavar="DIR", help=cache)
    parser.add_argument("--no-cache", action="store_true", help=no_cache)


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="evaluate models on datasets; resumable")
    run.set_defaults(handler=_cmd_run)
    _add_plugin(run)
    run.add_argument("--models", default="default",
                     help="'all', 'default' (csp_lda, ts_lr, mdm), names, globs or tags, "
                          "comma separated (default: default)")
    run.add_argument("--datasets", default="demo",
                     help="suite (demo, five, pretrain7, moabb-mi, moabb-lr), catalogue names, "
                          "globs over them, or any MOABB motor-imagery dataset by its class "
                          "name, e.g. Schirrmeister2017 (default: demo)")
    run.add_argument("--classes", default=None, metavar="CLASS,CLASS",
                     help="the classes to evaluate, e.g. left_hand,right_hand (MOABB event "
                          "names, checked against each dataset's; default: the catalogue's, "
                          "or left/right hand where a MOABB dataset has both, otherwise all its "
                          "imagery classes); recorded in every row")
    run.add_argument("--protocol", default="paper",
                     help="evaluation protocol: paper (30 %% / 70 %% split), fewshot (learning "
                          "curves over --shots), loso (leave one subject out, optionally with "
                          "--shots target trials), cross-session, within-session; default: "
                          "paper")
    run.add_argument("--seeds", default="0", help="seeds, e.g. 0,1,2 (default: 0)")
    run.add_argument("--subjects", default=None, help="subjects, e.g. 1,2 or 1-5 (default: all)")
    run.add_argument("--out", default=None,
                     help="results folder (default: results/<datasets>_<protocol>); rerunning "
                          "with the same folder continues where it stopped")
    run.add_argument("--metric", default="accuracy",
                     help="score: accuracy (default, as the paper), balanced_accuracy, kappa, "
                          "f1_macro, roc_auc (one-vs-rest macro for more than two classes), "
                          "log_loss, brier or ece; recorded in every row (report --metric "
                          "re-scores a folder with another)")
    run.add_argument("--preset", default="paper",
                     help="preprocessing: paper (MIRepNet: 8-30 Hz, 250 Hz, 4 s, alignment and "
                          "template as each pipeline file says) or moabb (MOABB's paradigm "
                          "defaults: 8-32 Hz, the dataset's task interval and native rate, no "
                          "alignment, no template; with within-session, MOABB's folds)")
    run.add_argument("--window", default=None, metavar="START,END",
                     help="seconds after the task onset that make a trial, e.g. 0,3 (default: "
                          "each dataset's window in the catalogue, the paper's 0,4)")
    run.add_argument("--template", choices=["idw", "spline"], default=None,
                     help="channel-template method for models that use it (default: idw)")
    run.add_argument("--train-size", type=float, default=0.3,
                     help="calibration share of the paper protocol (default: 0.3)")
    run.add_argument("--shots", default=None,
                     help="fewshot: calibration trials per class, e.g. 1,2,5,10 (default: "
                          "1,2,5,10,20,30, capped by what a subject has); loso: labelled target "
                          "trials per class added to training (default: none)")
    run.add_argument("--stratify", action="store_true",
                     help="stratify the paper protocol's split by class (the release does not)")
    run.add_argument("--retry-failed", action="store_true",
                     help="run again the units stored as failed or not runnable")
    run.add_argument("--checkpoint", action="append", default=[], metavar="[MODEL=]PATH",
                     help="weights for pretrained models: 'hub', hf://OWNER/REPO[/FILE], a "
                          "MIRepNet .pth file or a braindecode save_pretrained folder; MODEL= "
                          "limits it to one model; repeatable")
    run.add_argument("--jobs", type=int, default=1,
                     help="run units in N local worker processes (default: 1, this process); "
                          "with GPUs they share them, spread evenly (N may exceed the GPUs)")
    run.add_argument("--device", default="auto", metavar="auto|cpu|cuda|cuda:N",
                     help="where the deep models run (default: auto, CUDA when present); "
                          "recorded in every row")
    run.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32",
                     help="deep models' training and inference precision: fp32, or mixed "
                          "precision with autocast (bf16; fp16 with loss scaling, CUDA only); "
                          "recorded in every row (default: fp32)")
    run.add_argument("--finetune", default=None, metavar="STRATEGIES",
                     help="adaptation strategies of the foundation models, an axis of the run "
                          "like --seeds: full, linear_probe, ridge_probe, lora, dora, ia3, "
                          "lp_ft (mirepnet also frozen_embedding), comma separated (default: "
                          "each pipeline file's, full); models that train from scratch run "
                          "full only")
    run.add_argument("--no-feature-cache", action="store_true",
                     help="recompute a frozen backbone's features in every fold (the cache "
                          "keeps them per backbone and input trial; rows are the same)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run units on a Dask distributed cluster, e.g. tcp://HOST:8786 "
                          "(workers need this package installed and the data/weights)")
    run.add_argument("--dry-run", action="store_true",
                     help="print the grid (units by dataset and model) and an estimate of its "
                          "cost, run nothing")
    _add_cache(run)
    run.add_argument("--progress", choices=MODES, default="auto",
                     help="a progress bar (auto: on a terminal), one line per unit (auto: in "
                          "logs), or only failures")
    run.add_argument("--quiet", action="store_true",
                     help="print only failures and the final table (--progress none)")


def _add_list(sub) -> None:
    lst = sub.add_parser("list", help="list models, datasets or protocols")
    lst.set_defaults(handler=_cmd_list)
    lst.add_argument("what", choices=["models", "datasets", "protocols", "suites"])
    lst.add_argument("--details", action="store_true", help="more columns")
    _add_plugin(lst)
    lst.add_argument("--dataset", default="BNCI2014001",
                     help="with --details: count parameters for this dataset's shape "
                          "(default: BNCI2014001)")


def _add_report(sub) -> None:
    rep = sub.add_parser("report", help="write tables and figures of a results folder")
    rep.set_defaults(handler=_cmd_report)
    rep.add_argument("results", help="a results folder (or its results.csv)")
    rep.add_argument("--reference", default="mirepnet",
                     help="model every other is tested against (default: mirepnet; the best on "
                          "average when it has no results)")
    rep.add_argument("--model-sizes", action="store_true",
                     help="count parameters by building every model's network for the datasets' "
                          "shapes (also models that did not run) instead of reading the rows")
    rep.add_argument("--metric", default=None,
                     help="re-score every row from its stored predictions with this metric "
                          "(accuracy, balanced_accuracy, kappa, f1_macro, roc_auc, log_loss, "
                          "brier, ece) and write the report to DIR/report-METRIC/; nothing is "
                          "rerun")
    rep.add_argument("--no-verify", action="store_true",
                     help="skip the audit (verify), which loads the trials of every row: "
                          "where the data are not on this machine")
    _add_cache(rep, cache="epoch cache the audit loads trials through (the run's --cache)",
               no_cache="the audit loads through MOABB, without the epoch cache")


def _add_verify(sub) -> None:
    ver = sub.add_parser("verify", help="re-derive every row's split from the data and check "
                                        "a results folder; exit 0 only when all holds")
    ver.set_defaults(handler=_cmd_verify)
    ver.add_argument("results", help="a results folder (the --out of a run)")
    _add_cache(ver)


def _add_perf(sub) -> None:
    perf = sub.add_parser("perf", help="print throughput figures of the suite's numeric code")
    perf.set_defaults(handler=_cmd_perf)
    perf.add_argument("what", nargs="?",
                      choices=["preprocessing", "classical", "mirepnet", "jobs", "zoo",
                               "pretrain", "precision", "gpu", "adaptation", "all"],
                      default="all", help="which figures (default: all but precision; gpu "
                                          "needs CUDA)")
    perf.add_argument("--repeats", type=int, default=3, help="timed repetitions (default: 3)")
    perf.add_argument("--csv", default=None, metavar="PATH",
                      help="gpu: write the figures there, the --jobs ones beside it as "
                           "<name>_jobs.csv (default: $BENCHMARK_GPU_FIGURES or "
                           "results/perf/gpu.csv, which run --dry-run reads on CUDA)")
    perf.add_argument("--models", default=None,
                      help="gpu: models to measure, as run --models takes them (default: all; "
                           "a pretrained model runs as its _scratch twin)")
    perf.add_argument("--jobs", default="1,2,4,8",
                      help="gpu: --jobs values sharing one GPU to measure (default: 1,2,4,8)")
    perf.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32",
                      help="gpu, pretrain: the deep models' precision (default: fp32)")
    perf.add_argument("--device", default="auto", metavar="auto|cpu|cuda|cuda:N",
                      help="pretrain, precision: where to train (default: auto)")
    perf.add_argument("--workers", type=int, default=0,
                      help="pretrain: DataLoader worker processes (default: 0)")
    perf.add_argument("--datasets", default="demo",
                      help="precision: the datasets of the paired grid (default: demo)")
    perf.add_argument("--subjects", default=None,
                      help="precision: subjects of every dataset (default: all)")
    perf.add_argument("--seeds", default="0,1,2",
                      help="precision, adaptation: seeds (default: 0,1,2)")
    perf.add_argument("--shots", default=None,
                      help="adaptation: few-shot levels (default: 1,2,5,10,20)")
    perf.add_argument("--no-loso", action="store_true",
                      help="adaptation: compare the cache under fewshot only")
    perf.add_argument("--out", default="results/perf/precision",
                      help="precision: folder of its fp32/ and bf16/ results folders; a rerun "
                           "continues (default: results/perf/precision)")


def _add_download(sub) -> None:
    dl = sub.add_parser("download", help="fetch datasets into the MOABB cache and model weights "
                                         "into the Hugging Face cache (needs network)")
    dl.set_defaults(handler=_cmd_download)
    dl.add_argument("--datasets", default=None,
                    help="suite or names (default: five, unless only --weights is given)")
    dl.add_argument("--subjects", default=None, help="subjects (default: all)")
    dl.add_argument("--weights", default=None,
                    help="pretrained weights to fetch: model names (mirepnet,labram) or all")


def _add_checkpoint(sub) -> None:
    ck = sub.add_parser("checkpoint", help="check a MIRepNet checkpoint and say what would load")
    ck.set_defaults(handler=_cmd_checkpoint)
    ck.add_argument("source", nargs="?", default="hub",
                    help="a .pth file, 'hub' or hf://OWNER/REPO/FILE")
    ck.add_argument("--n-outputs", type=int, default=2, help="classes of the task (default: 2)")


def _add_pretrain(sub) -> None:
    pt = sub.add_parser("pretrain", help="hybrid pretraining of MIRepNet; resumable")
    pt.set_defaults(handler=_cmd_pretrain)
    pt.add_argument("--datasets", default="pretrain7", help="suite or names (default: pretrain7)")
    pt.add_argument("--out", required=True, help="output folder (checkpoint, state, pool, logs)")
    pt.add_argument("--epochs", type=int, default=50, help="epochs (default: 50)")
    pt.add_argument("--mask-ratio", type=float, default=0.5, help="share of masked tokens (0.5)")
    pt.add_argument("--cls-weight", type=float, default=1.0,
                    help="weight of the classification loss next to reconstruction (1.0)")
    pt.add_argument("--batch-size", type=int, default=64, help="batch size (64)")
    pt.add_argument("--lr", type=float, default=5e-4, help="AdamW learning rate (5e-4)")
    pt.add_argument("--weight-decay", type=float, default=0.05, help="AdamW weight decay (0.05)")
    pt.add_argument("--balance", choices=["trials", "datasets"], default="trials",
                    help="draw batches from all trials, or each dataset equally often")
    pt.add_argument("--subjects", default=None, help="subjects of every dataset (default: all)")
    pt.add_argument("--max-subjects", type=int, default=None, help="first N subjects per dataset")
    pt.add_argument("--template", choices=["idw", "spline"], default="idw",
                    help="channel-template method (default: idw, as released)")
    _add_screening(pt)
    pt.add_argument("--skip-missing", action="store_true",
                    help="pretrain on the available datasets when some are not downloaded")
    pt.add_argument("--pretrain-classes", choices=["mi3", "all"], default="mi3",
                    help="pool the trials of left hand, right hand, feet (mi3, default, as the "
                         "paper's trial counts) or of every class (all: the others count for "
                         "reconstruction only)")
    pt.add_argument("--seed", type=int, default=0, help="seed of everything (0)")
    pt.add_argument("--device", default="auto", metavar="auto|cpu|cuda|cuda:N",
                    help="where to train (default: auto, the first GPU when present; cuda means "
                         "cuda:0); recorded in config.json and history.csv")
    pt.add_argument("--precision", default="fp32", metavar="fp32|bf16|fp16",
                    help="fp32, or mixed precision with autocast: bf16, or fp16 with loss "
                         "scaling (CUDA only); part of the run's settings (default: fp32)")
    pt.add_argument("--workers", type=int, default=0, metavar="N",
                    help="DataLoader worker processes reading batches ahead (default: 0, the "
                         "main process); the batches and results do not change")
    pt.add_argument("--restart", action="store_true", help="ignore a previous run in --out")
    pt.add_argument("--log-every", type=int, default=50, help="print the loss every N steps")


def _add_screening(pt: argparse.ArgumentParser) -> None:
    """``pretrain``'s rules for the subjects that enter the pool."""
    pt.add_argument("--screen-reject-uv", type=float, default=400.0,
                    help="reject trials above this peak-to-peak amplitude, µV (400)")
    pt.add_argument("--screen-max-rejected", type=float, default=0.25,
                    help="drop subjects with a larger share of rejected trials (0.25)")
    pt.add_argument("--screen-min-labelled", type=int, default=20,
                    help="drop subjects with fewer labelled trials (20)")
    pt.add_argument("--screen-margin", type=float, default=0.05,
                    help="drop subjects whose cross-validated TS+LR accuracy is not above "
                         "chance by this margin (0.05)")
    pt.add_argument("--no-screen-decoding", action="store_true",
                    help="skip the decodability screen (keep the amplitude rules)")


def _add_evidence(sub) -> None:
    ev = sub.add_parser("evidence", help="pretrained vs scratch MIRepNet on synthetic subjects")
    ev.set_defaults(handler=_cmd_evidence)
    ev.add_argument("--out", default="results/evidence", help="working folder")
    ev.add_argument("--seeds", default="0,1,2", help="fine-tuning seeds (0,1,2)")
    ev.add_argument("--epochs", type=int, default=30, help="pretraining epochs (30)")
    ev.add_argument("--train-size", type=float, default=0.2,
                    help="calibration share of the held-out subjects' trials (0.2)")


def _run_config(args: argparse.Namespace) -> RunConfig:
    """The run that ``run``'s arguments describe (each checked, with a one-line error)."""
    from benchmark.datasets import resolve_datasets
    from benchmark.engine import RunConfig
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.models import with_checkpoints
    from benchmark.protocols import get_protocol

    datasets = resolve_datasets(args.datasets)
    if args.classes is not None:
        datasets = [spec.with_classes(args.classes.split(",")) for spec in datasets]
    pipelines = with_checkpoints(select_pipelines(args.models, discover_pipelines()),
                                 args.checkpoint)
    if not 0.0 < args.train_size < 1.0:
        raise UserError(f"--train-size must be between 0 and 1, got {args.train_size}")
    shots = tuple(parse_int_list(args.shots, "shot")) if args.shots else None
    protocol = get_protocol(args.protocol, train_size=args.train_size, stratify=args.stratify,
                            shots=shots)
    if shots and not hasattr(protocol, "shots"):
        raise UserError(f"--shots applies to the fewshot and loso protocols, not "
                        f"{protocol.name!r}; add --protocol fewshot or drop --shots")
    seeds = parse_int_list(args.seeds, "seed")
    subjects = parse_int_list(args.subjects, "subject") if args.subjects else None
    out = args.out or _default_out(args.datasets, args.protocol, args.classes)
    return RunConfig(pipelines=pipelines, datasets=datasets, protocol=protocol, seeds=seeds,
                     out=out, subjects=subjects, template=args.template, metric=args.metric,
                     preset=args.preset,
                     window=parse_window(args.window) if args.window else None,
                     retry_failed=args.retry_failed, jobs=args.jobs, scheduler=args.scheduler,
                     cache_dir=args.cache, use_cache=not args.no_cache,
                     plugins=tuple(args.plugin), device=args.device, precision=args.precision,
                     finetune=(tuple(s.strip() for s in args.finetune.split(","))
                               if args.finetune is not None else None),
                     feature_cache=not args.no_feature_cache)


def _cmd_run(args) -> int:
    from benchmark.engine import run_benchmark, run_device, strategy_pipelines, trains_networks
    from benchmark.progress import make_progress
    from benchmark.metrics import METRIC_TITLES, greater_is_better
    from benchmark.reporting import (format_main_table, largest_shots, main_table,
                                     with_strategy_labels, write_report)
    from benchmark.verify import verdict_for_report

    cfg = _run_config(args)
    if args.dry_run:
        from benchmark.estimate import describe_dry_run

        print(describe_dry_run(cfg))
        return 0
    pipelines, datasets, out = cfg.pipelines, cfg.datasets, cfg.out
    cfg.device = run_device(cfg)  # a GPU that is not here: one line before anything runs
    progress = make_progress("none" if args.quiet else args.progress)
    say = logger.info  # INFO: --quiet silences it
    say(
        f"running {len(pipelines)} model(s) x {len(datasets)} dataset(s) x {len(cfg.seeds)} "
        f"seed(s), protocol {cfg.protocol.name}, results in {out}"
        + (f", deep models on {cfg.device} in {cfg.precision}"
           if trains_networks(pipelines) else "")
        + (f", {args.jobs} jobs" if args.jobs > 1 else "")
        + (f", Dask scheduler {args.scheduler}" if args.scheduler else ""))
    for line in strategy_pipelines(cfg)[1]:  # a strategy a model does not take: one line
        print(f"not run: {line}")
    _preflight_weights(pipelines, say)
    summary = run_benchmark(cfg, progress=progress)
    rows = _read_rows(out)
    names = {p.name for p in pipelines}
    df = rows[rows["dataset"].isin([d.name for d in datasets]) & rows["model"].isin(names)]
    df = with_strategy_labels(df)
    grid = format_main_table(main_table(largest_shots(df)), greater_is_better(args.metric))
    print()
    print(f"{METRIC_TITLES[args.metric]}, mean ± std over subjects:")
    print(grid.to_string() if not grid.empty else "(no finished units)")
    report = write_report(out, rows, verdict=verdict_for_report(
        out, cache_dir=args.cache, use_cache=not args.no_cache))
    _print_run_summary(summary, out, report)
    return summary.exit_status()


def _print_run_summary(summary: RunSummary, out: str, report: Path) -> None:
    """What the run did, what failed or could not run, and the report's audit."""
    busy = f", {summary.busy} left to another run on this folder" if summary.busy else ""
    print(f"\n{summary.done} unit(s) run, {summary.skipped} already stored, "
          f"{len(summary.failed)} failed, {len(summary.not_runnable)} not runnable{busy}, "
          f"in {summary.seconds:.0f} s; table: {Path(out) / 'results.csv'}; report: {report}")
    for line in summary.failed[:20]:
        print(f"  failed: {line}")
    if summary.failed:
        print("  (`--retry-failed` runs failed units again)")
    for what, reason in summary.reasons.items():
        print(f"  not runnable: {what}: {reason}")
    for missing in summary.missing.values():  # one line per dataset, with the fetch command
        print(f"  not runnable: {missing.line()}")
    _print_verdict(report)


def _preflight_weights(pipelines, log) -> None:
    """Check pretrained weights once, before the grid: bad files stop here, with one line."""
    from benchmark.models import preflight_weights
    from benchmark.preprocessing import TEMPLATE_CHANNELS, chs_info

    for line in preflight_weights(pipelines, chs_info(TEMPLATE_CHANNELS)):
        log(line)


def _cmd_checkpoint(args) -> int:
    from benchmark.models import MIRepNetWeights

    weights = MIRepNetWeights.from_source(args.source, n_outputs=args.n_outputs)
    print(f"file: {weights.path}\nsha256: {weights.sha256}")
    for note in weights.notes:
        print(f"note: {note}")
    print(f"loaded: {weights.plan['loaded']} tensors")
    for reason, n in weights.plan["skipped"].items():
        print(f"skipped: {n} tensor(s), {reason}")
    print(f"initialised at random: {', '.join(weights.plan['new']) or 'nothing'}")
    return 0


def _cmd_pretrain(args) -> int:
    from benchmark.preprocessing import PreprocessingConfig
    from benchmark.pretraining import PretrainConfig, ScreeningRule, pretrain

    rule = ScreeningRule(reject_uv=args.screen_reject_uv, max_rejected=args.screen_max_rejected,
                         min_labelled=args.screen_min_labelled,
                         min_accuracy_margin=(None if args.no_screen_decoding
                                              else args.screen_margin))
    cfg = PretrainConfig(
        datasets=args.datasets, out=args.out, epochs=args.epochs, mask_ratio=args.mask_ratio,
        cls_weight=args.cls_weight, batch_size=args.batch_size, lr=args.lr,
        weight_decay=args.weight_decay, balance=args.balance,
        subjects=parse_int_list(args.subjects, "subject") if args.subjects else None,
        max_subjects=args.max_subjects, screening=rule,
        preprocessing=PreprocessingConfig(template=args.template), skip_missing=args.skip_missing,
        pretrain_classes=args.pretrain_classes, seed=args.seed, device=args.device,
        precision=args.precision, workers=args.workers, log_every=args.log_every)
    pretrain(cfg, restart=args.restart)  # its lines are log records (benchmark.console)
    return 0


def _cmd_evidence(args) -> int:
    from benchmark.evidence import run_evidence

    return run_evidence(out=args.out, seeds=parse_int_list(args.seeds, "seed"), epochs=args.epochs,
                        train_size=args.train_size)


def _cmd_list(args) -> int:
    from benchmark import listing

    if args.what == "models":
        print(listing.models_table(args.details, args.dataset).to_string(index=False))
    elif args.what == "datasets":
        print("The catalogue (the MIRepNet paper's datasets by its names, and synthetic sets):")
        print(listing.datasets_table(args.details).to_string(index=False))
        print("\nMOABB's motor-imagery datasets (run any by its name; classes: the default "
              "choice, --classes picks others):")
        print(listing.moabb_datasets_table(args.details).to_string(index=False))
        print("\nsuites: " + "; ".join(listing.suites()))
    else:
        print("\n".join(listing.suites() if args.what == "suites" else listing.protocols()))
    return 0


def _cmd_report(args) -> int:
    from benchmark.metrics import METRIC_TITLES, check_metric, greater_is_better, metric_of
    from benchmark.reporting import (format_main_table, largest_shots, main_table,
                                     missing_summary, with_strategy_labels, write_report)
    from benchmark.verify import verdict_for_report

    path = Path(args.results)
    df = _read_rows(path)
    root = path.parent if path.is_file() else path
    folder, rescored = "report", ""
    if args.metric is not None:
        check_metric(args.metric)
        df, rescored = _rescored(df, root, args.metric)
        folder = f"report-{args.metric}"
    verdict = None if args.no_verify else verdict_for_report(
        root, cache_dir=args.cache, use_cache=not args.no_cache)
    sizes = None
    if args.model_sizes:  # builds the networks: imported only when asked
        from benchmark.model_sizes import model_size_table

        sizes = model_size_table(df)
    out = write_report(root, df, reference=args.reference, verdict=verdict, sizes=sizes,
                       folder=folder, rescored=rescored)
    metric = metric_of(df)
    shown = with_strategy_labels(df)
    grid = format_main_table(main_table(largest_shots(shown)), greater_is_better(metric))
    if rescored:
        print(rescored)
    print(f"{METRIC_TITLES[metric]}, mean ± std over subjects:")
    print(grid.to_string() if not grid.empty else "(no finished units)")

    for line in missing_summary(shown)[:20]:
        print(f"  missing: {line}")
    _print_verdict(out)
    print(f"\nreport written to {out}; open {out / 'index.html'}")
    return 0


def _read_rows(path):
    """The stored rows, each with its adaptation strategy (``finetune``): rows stored
    before the column existed get their pipeline's (``full`` for a foundation model), so
    that a folder continued with ``--finetune`` reports its earlier ``full`` rows as
    ``full`` (:func:`benchmark.engine.row_strategies`)."""
    from benchmark.engine import row_strategies
    from benchmark.results import read_results

    rows = read_results(path)
    return rows.assign(finetune=row_strategies(rows)) if not rows.empty else rows


def _rescored(df, root: Path, metric: str):
    """``df`` re-scored as ``metric`` from the stored predictions, and the sentence that
    says so (or a one-line error where no row could be re-scored)."""
    from benchmark.metrics import metric_of
    from benchmark.predictions import rescore_rows

    before = metric_of(df)
    out, counts = rescore_rows(df, root, metric)
    if counts["rescored"] == 0 and (df["status"] == "ok").any():
        raise UserError(f"no row of {root} can be re-scored as {metric}: "
                        + ("its units were written before predictions were kept; rerun them "
                           "into a new --out" if counts["without"] else
                           "the models give no probabilities" if counts["unavailable"] else
                           "their predictions files are missing or damaged (see verify)"))
    text = (f"Scores recomputed from the stored predictions as {metric} (the runs scored "
            f"{before}); nothing was rerun: {counts['rescored']} row(s) re-scored")
    left = {"without": "without stored predictions (written before they were kept)",
            "unreadable": "whose predictions file is missing or damaged",
            "unavailable": f"whose model gives no probabilities, which {metric} needs"}
    text += "".join(f"; {counts[k]} row(s) {why} left out" for k, why in left.items()
                    if counts[k])
    return out, text + "."


def _print_verdict(report: Path) -> None:
    """Print what ``write_report``'s audit found (``report/verify.txt``): problems, warnings,
    the verdict."""
    from benchmark.reporting import VERDICT_FILE

    verdict = report / VERDICT_FILE
    if verdict.is_file():
        *details, final = verdict.read_text().splitlines() or [""]
        print()
        for line in details[:20]:
            print(line)
        if len(details) > 20:
            print(f"... and {len(details) - 20} more line(s) in {verdict}")
        print(final)


def _cmd_verify(args) -> int:
    from benchmark.verify import verify_results

    verdict = verify_results(args.results, cache_dir=args.cache, use_cache=not args.no_cache)
    for line in verdict.lines():
        print(line)
    return 0 if verdict.ok else 1


def _cmd_download(args) -> int:
    from benchmark.datasets import download_datasets, resolve_datasets

    failures = 0
    if args.weights:
        from benchmark.models import prefetch_weights

        for name, path, problem in prefetch_weights(args.weights):
            if problem:  # one line per model; the others still download
                failures += 1
                print(f"{name}: {problem}", file=sys.stderr)
            else:
                print(f"{name}: {path}")
        if args.datasets is None:
            return 1 if failures else 0
    datasets = resolve_datasets(args.datasets or "five")
    subjects = parse_int_list(args.subjects, "subject") if args.subjects else None
    failures += download_datasets(datasets, subjects)  # a line per dataset, logged
    return 1 if failures else 0


def _cmd_perf(args) -> int:
    from benchmark.perf import PerfOptions, Unmeasured
    from benchmark.perf import main as perf_main

    options = PerfOptions(repeats=args.repeats, csv=args.csv, models=args.models,
                          jobs=tuple(parse_int_list(args.jobs, "--jobs value")),
                          precision=args.precision, device=args.device, workers=args.workers,
                          datasets=args.datasets, seeds=tuple(parse_int_list(args.seeds, "seed")),
                          subjects=(tuple(parse_int_list(args.subjects, "subject"))
                                    if args.subjects else None), out=args.out,
                          shots=(tuple(parse_int_list(args.shots, "shot")) if args.shots
                                 else None), loso=not args.no_loso)
    unmeasured = False
    for block in perf_main(args.what, options=options):  # each printed once measured
        if isinstance(block, Unmeasured):  # no CUDA device: one line, nothing measured
            unmeasured = True
            print(block, file=sys.stderr, flush=True)
        else:
            print(block, flush=True)
    return 1 if unmeasured and args.what != "all" else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for user errors, 130 on Ctrl-C)."""
    from benchmark.process import quiet_warnings

    if importlib.util.find_spec("benchmark.models") is None:
        print("error: benchmark.models is missing: this checkout is not installed; run "
              "`pip install -e .` (or `python3 -m tox -e tests --notest`)", file=sys.stderr)
        return 2
    quiet_warnings()
    args = build_parser().parse_args(argv)
    try:
        with console_logging(quiet=getattr(args, "quiet", False)):
            if getattr(args, "plugin", None):
                from benchmark.models import load_builtin_models, load_plugin

                load_builtin_models()
                for module in args.plugin:
                    load_plugin(module)
            return args.handler(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: finished work (units, pretraining epochs) is stored; run the same "
              "command again to continue", file=sys.stderr)
        return 130
