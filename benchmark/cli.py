"""Command line: ``python -m benchmark {run,list,report,download}``."""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

from benchmark.errors import UserError

__all__ = ["main", "build_parser", "parse_int_list"]


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


def _default_out(datasets: str, protocol: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{datasets}_{protocol}").strip("-")
    return str(Path("results") / name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="Open benchmark of EEG motor-imagery decoders around MIRepNet.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="evaluate models on datasets; resumable")
    run.add_argument("--models", default="default",
                     help="'all', 'default' (csp_lda, ts_lr, mdm), names, globs or tags, "
                          "comma separated (default: default)")
    run.add_argument("--datasets", default="demo",
                     help="suite (demo, five, pretrain7), names or globs (default: demo)")
    run.add_argument("--protocol", default="paper", help="evaluation protocol (default: paper)")
    run.add_argument("--seeds", default="0", help="seeds, e.g. 0,1,2 (default: 0)")
    run.add_argument("--subjects", default=None, help="subjects, e.g. 1,2 or 1-5 (default: all)")
    run.add_argument("--out", default=None,
                     help="results folder (default: results/<datasets>_<protocol>); rerunning "
                          "with the same folder continues where it stopped")
    run.add_argument("--template", choices=["idw", "spline"], default=None,
                     help="channel-template method for models that use it (default: idw)")
    run.add_argument("--train-size", type=float, default=0.3,
                     help="calibration share of the paper protocol (default: 0.3)")
    run.add_argument("--stratify", action="store_true",
                     help="stratify the paper protocol's split by class (the release does not)")
    run.add_argument("--retry-failed", action="store_true",
                     help="run again the units stored as failed or not runnable")
    run.add_argument("--quiet", action="store_true", help="print only the final table")

    lst = sub.add_parser("list", help="list models, datasets or protocols")
    lst.add_argument("what", choices=["models", "datasets", "protocols", "suites"])
    lst.add_argument("--details", action="store_true", help="more columns")

    rep = sub.add_parser("report", help="write tables and figures of a results folder")
    rep.add_argument("results", help="a results folder (or its results.csv)")

    sub.add_parser("perf", help="print throughput figures of the suite's numeric code")

    dl = sub.add_parser("download", help="fetch datasets into the MOABB cache (needs network)")
    dl.add_argument("--datasets", default="five", help="suite or names (default: five)")
    dl.add_argument("--subjects", default=None, help="subjects (default: all)")
    return parser


def _cmd_run(args) -> int:
    from benchmark.datasets import resolve_datasets
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.protocols import get_protocol
    from benchmark.report import format_main_table, main_table, write_report
    from benchmark.results import read_results

    datasets = resolve_datasets(args.datasets)
    pipelines = select_pipelines(args.models, discover_pipelines())
    if not 0.0 < args.train_size < 1.0:
        raise UserError(f"--train-size must be between 0 and 1, got {args.train_size}")
    protocol = get_protocol(args.protocol, train_size=args.train_size, stratify=args.stratify)
    seeds = parse_int_list(args.seeds, "seed")
    subjects = parse_int_list(args.subjects, "subject") if args.subjects else None
    out = args.out or _default_out(args.datasets, args.protocol)
    cfg = RunConfig(pipelines=pipelines, datasets=datasets, protocol=protocol, seeds=seeds,
                    out=out, subjects=subjects, template=args.template,
                    retry_failed=args.retry_failed)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    log(f"running {len(pipelines)} model(s) x {len(datasets)} dataset(s) x {len(seeds)} seed(s), "
        f"protocol {protocol.name}, results in {out}")
    summary = run_benchmark(cfg, log=log)
    df = read_results(out)
    names = {p.name for p in pipelines}
    df = df[df["dataset"].isin([d.name for d in datasets]) & df["model"].isin(names)]
    grid = format_main_table(main_table(df))
    print()
    print("Accuracy (%), mean ± std over subjects:")
    print(grid.to_string() if not grid.empty else "(no finished units)")
    report = write_report(out, read_results(out))
    print(f"\n{summary.done} unit(s) run, {summary.skipped} already stored, "
          f"{len(summary.failed)} failed, {len(summary.not_runnable)} not runnable, "
          f"in {summary.seconds:.0f} s; table: {Path(out) / 'results.csv'}; report: {report}")
    for line in summary.failed[:20]:
        print(f"  failed: {line}")
    return 1 if summary.failed or (summary.not_runnable and summary.done == 0) else 0


def _cmd_list(args) -> int:
    import pandas as pd

    if args.what == "models":
        from benchmark.pipelines import discover_pipelines
        from models import get_model_entry

        rows = []
        for name, spec in discover_pipelines().items():
            entry = get_model_entry(spec.model_names[0]) if spec.model_names else None
            row = {"model": name, "tags": ",".join(spec.tags),
                   "description": spec.description or (entry.description if entry else "")}
            if args.details:
                row["paper"] = entry.paper if entry else "; ".join(spec.citations)
                row["pretrained"] = (entry.pretrained if entry else None) or "—"
                row["source"] = spec.source
            rows.append(row)
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "datasets":
        from benchmark.datasets import DATASETS, SUITES

        rows = [spec.describe() | ({"note": spec.note} if args.details else {})
                for spec in DATASETS.values()]
        print(pd.DataFrame(rows).to_string(index=False))
        print("\nsuites: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in SUITES.items()))
    elif args.what == "suites":
        from benchmark.datasets import SUITES

        for k, v in SUITES.items():
            print(f"{k}: {', '.join(v)}")
    else:
        from benchmark.protocols import PROTOCOLS

        for name, cls in PROTOCOLS.items():
            print(f"{name}: {(cls.__doc__ or '').strip().splitlines()[0]}")
    return 0


def _cmd_report(args) -> int:
    from benchmark.report import format_main_table, main_table, write_report
    from benchmark.results import read_results

    path = Path(args.results)
    df = read_results(path)
    root = path.parent if path.is_file() else path
    out = write_report(root, df)
    grid = format_main_table(main_table(df))
    print(grid.to_string() if not grid.empty else "(no finished units)")
    print(f"\nreport written to {out}")
    return 0


def _cmd_download(args) -> int:
    from benchmark.datasets import configure_moabb, data_home, resolve_datasets

    configure_moabb()
    failures = 0
    for spec in resolve_datasets(args.datasets):
        if spec.is_synthetic:
            print(f"{spec.name}: synthetic, nothing to download")
            continue
        dataset = spec.instantiate()
        subjects = parse_int_list(args.subjects, "subject") if args.subjects else dataset.subject_list
        try:
            dataset.download(subject_list=subjects)
            print(f"{spec.name}: {len(subjects)} subject(s) in {data_home()}")
        except OSError as exc:
            failures += 1
            print(f"{spec.name}: download failed ({type(exc).__name__}); check the network "
                  f"and that {data_home()} is writable", file=sys.stderr)
    return 1 if failures else 0


def _cmd_perf(args) -> int:
    from benchmark.perf import main as perf_main

    return perf_main()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for user errors, 130 on Ctrl-C)."""
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="braindecode")
    args = build_parser().parse_args(argv)
    handlers = {"run": _cmd_run, "list": _cmd_list, "report": _cmd_report,
                "download": _cmd_download, "perf": _cmd_perf}
    try:
        return handlers[args.command](args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: finished units are stored; run the same command again to continue",
              file=sys.stderr)
        return 130
