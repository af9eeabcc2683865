"""The perf figures as the lines ``python -m benchmark perf`` prints.

:func:`format_figures` is the one formatter: it takes what any benchmark of this package
returns and gives its lines, every size in them read from the figures.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Iterable

from benchmark.estimate import format_duration
from benchmark.perf.adaptation import AdaptationFigures
from benchmark.perf.classical import ClassicalVsMoabb
from benchmark.perf.gpu import GpuPerf, GridEstimate
from benchmark.perf.jobs import JobsFigures
from benchmark.perf.mirepnet import MIRepNetThroughput
from benchmark.perf.precision import PrecisionComparison
from benchmark.perf.preprocessing import PreprocessingThroughput
from benchmark.perf.pretrain import PretrainThroughput
from benchmark.perf.zoo import ZooEpochTimes

__all__ = ["format_figures"]


def _values(values: Iterable) -> str:
    """The distinct values, ``/`` between them (``"45"``, or ``"22/45"`` where they differ)."""
    return "/".join(str(v) for v in sorted(set(values))) or "no"


def _span(numbers: list[int]) -> str:
    """``"1-4"`` for a run of consecutive numbers, else ``"1, 3, 7"``."""
    if len(numbers) > 1 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(str(n) for n in numbers)


@singledispatch
def format_figures(figures) -> str:
    """The lines of a benchmark's figures, joined by newlines.

    Parameters
    ----------
    figures : ZooEpochTimes, MIRepNetThroughput, ClassicalVsMoabb, JobsFigures, \
PreprocessingThroughput, GpuPerf or a list of them
        What a benchmark of :mod:`benchmark.perf` returned.

    Returns
    -------
    str
        The text ``python -m benchmark perf`` prints for them.
    """
    raise TypeError(f"no perf layout for {type(figures).__name__}")


@format_figures.register
def _(figures: list) -> str:
    return "\n".join(format_figures(f) for f in figures)


@format_figures.register
def _(figures: ZooEpochTimes) -> str:
    shapes = figures.inputs.values()
    chans = _values(c for c, _ in shapes)
    channels = f"{chans}-channel template" if figures.on_template else f"{chans} channels"
    lines = [f"deep models on {figures.dataset} subject {figures.subject} "
             f"({figures.train_size * 100:g} % calibration split, "
             f"{_values(r['n_train'] for r in figures.rows)} trials, {channels}, "
             f"{_values(t for _, t in shapes)} samples), {figures.device}:",
             "  model                parameters   s per training epoch"]
    lines += [f"  {r['model']:<18} {r['params']:>12,}   {r['s_per_epoch']:>6.2f}"
              for r in figures.rows]
    return "\n".join(lines)


@format_figures.register
def _(figures: MIRepNetThroughput) -> str:
    rows = figures.rows
    lines = [f"MIRepNet ({figures.n_chans} x {figures.n_times} input, {figures.n_classes} "
             f"classes) on {figures.device}; logits of fused and released embeddings agree to "
             f"{max(r['max_abs_diff'] for r in rows):.1e}:",
             "  batch  embedding   inference trials/s (s/batch, of which convs)   "
             "train step trials/s (s/step)"]
    lines += [f"  {r['batch']:>5}  {'fused' if r['fused'] else 'released':<9}  "
              f"{r['inference']:>10,.0f} ({r['inference_s']:.3f} s, {r['embedding_s']:.3f} s)"
              f"{'':>14}{r['train_step']:>8,.0f} ({r['train_step_s']:.3f} s)" for r in rows]
    for batch in sorted({r["batch"] for r in rows}):
        ref, fast = (next(r for r in rows if r["batch"] == batch and r["fused"] is fused)
                     for fused in (False, True))
        lines.append(f"  batch {batch}: fused is {fast['inference'] / ref['inference']:.1f}x "
                     f"faster at inference, {fast['train_step'] / ref['train_step']:.1f}x per "
                     "training step")
    return "\n".join(lines)


@format_figures.register
def _(figures: ClassicalVsMoabb) -> str:
    f = figures
    which = f"{f.selection} datasets" if "," not in f.selection else "datasets"
    return "\n".join([
        f"classical pipelines end to end ({', '.join(f.models)}), within-session "
        f"{f.n_folds}-fold CV, {len(f.datasets)} {which} x subjects {_span(f.subjects)}, "
        f"{f.fits} fits each side:",
        f"  MOABB WithinSessionEvaluation     {f.moabb:>7.1f} s",
        f"  suite, cold epoch cache           {f.suite_cold:>7.1f} s   "
        f"{f.moabb / f.suite_cold:.2f}x MOABB's speed",
        f"  suite, warm epoch cache           {f.suite_warm:>7.1f} s   "
        f"{f.moabb / f.suite_warm:.2f}x MOABB's speed",
        "  mean accuracy (suite / MOABB; alignment of the test part differs, see "
        "benchmark/perf/classical.py): " + ", ".join(
            f"{m} {f.suite_acc.get(m, float('nan')):.3f} / "
            f"{f.moabb_acc.get(m, float('nan')):.3f}" for m in f.models)])


@format_figures.register
def _(figures: JobsFigures) -> str:
    lines = [f"--jobs speed-up on {figures.cores} cores (warm epoch cache):"]
    for label, grid in figures.grids.items():
        seconds = list(grid.seconds.values())
        runs = ", ".join(f"--jobs {n} {s:.1f} s" for n, s in grid.seconds.items())
        lines.append(f"  {label:<26} {grid.units} units: {runs}, "
                     f"speed-up {seconds[0] / seconds[-1]:.2f}x")
    return "\n".join(lines)


@format_figures.register
def _(figures: PreprocessingThroughput) -> str:
    f = figures.figures
    return "\n".join([
        f"preprocessing (EA + {figures.n_template}-channel template), {figures.n_trials} trials "
        f"x {figures.n_chans} channels x {figures.n_times} samples, {figures.dtype} "
        f"(outputs agree to {f['max_abs_diff']:.1e}):",
        f"  suite (batched, fused)        {f['vectorised']:>9,.0f} trials/s",
        f"  per-trial loop, BLAS per trial {f['per_trial']:>8,.0f} trials/s   "
        f"suite is {f['vectorised'] / f['per_trial']:.1f}x faster",
        f"  release-style per-channel loop {f['release_style']:>8,.0f} trials/s   "
        f"suite is {f['vectorised'] / f['release_style']:.0f}x faster",
        f"  (only writing the output array  {f['write_floor']:>8,.0f} trials/s: the memory "
        "floor of any implementation)"])


def _seconds(value) -> str:
    """A measured figure, or ``failed`` where the unit did not run (NaN)."""
    return "failed" if value is None or value != value else f"{value:.2f}"


@format_figures.register
def _(figures: GpuPerf) -> str:
    units = figures.units
    datasets = list(dict.fromkeys(u["dataset"] for u in units))
    names = {u["dataset"]: u["mimics"] for u in units}
    trials = {u["dataset"]: u["n_trials"] for u in units}
    width = [max(len(names[d]), 9) + 2 for d in datasets]
    label = {u["model"]: (u["model"] if u["measured_as"] == u["model"]
                          else f"{u['model']} (as {u['measured_as']})") for u in units}
    first = max([len(v) for v in label.values()] + [24]) + 2
    lines = [f"seconds per paper-protocol unit (seed 0, subject {units[0]['subject']} of each "
             f"demo-full set, warm epoch cache, --jobs 1) on {figures.device_name} "
             f"({figures.device}), {figures.precision}, torch {figures.torch}:",
             "  " + "model".ljust(first) + "".join(names[d].rjust(w)
                                                    for d, w in zip(datasets, width))
             + "  peak GPU MB",
             "  " + "trials per subject".ljust(first)
             + "".join(str(trials[d]).rjust(w) for d, w in zip(datasets, width))]
    for model in dict.fromkeys(u["model"] for u in units):
        mine = {u["dataset"]: u for u in units if u["model"] == model}
        peaks = [u["peak_mem_mb"] for u in mine.values()
                 if u["peak_mem_mb"] is not None and u["peak_mem_mb"] == u["peak_mem_mb"]]
        lines.append("  " + label[model].ljust(first)
                     + "".join(_seconds(mine[d]["s_per_unit"] if d in mine else None).rjust(w)
                               for d, w in zip(datasets, width))
                     + (f"{max(peaks):>13,.0f}" if peaks else f"{'-':>13}"))
    failed = [f"{u['model']} on {u['dataset']}: {u['status']}" for u in units
              if u["status"] != "ok" and u["model"] == u["measured_as"]]
    lines += [f"  failed: {line}" for line in failed]
    if figures.jobs:
        jobs = figures.jobs[0]
        lines.append(f"--jobs sharing {jobs['device_name']} ({jobs['device']}), {jobs['units']} "
                     f"units ({jobs['models'].replace('+', ', ')} on {jobs['dataset']}), units "
                     "per second once every worker has started:")
        lines += [f"  --jobs {j['jobs']:<2} {_seconds(j['steady_units_per_s'] or j['units_per_s'])}"
                  f" units/s, speed-up {j['speedup']:.2f}x (wall {j['wall_s']:.1f} s, of which "
                  f"~{j['startup_s']:.0f} s starting workers)" for j in figures.jobs]
    lines += [format_figures(e) for e in figures.estimates]
    if figures.csv is not None:
        lines.append(f"figures written to {figures.csv} (and its --jobs figures beside it); "
                     "run --dry-run on CUDA reads them")
    return "\n".join(lines)


@format_figures.register
def _(figures: GridEstimate) -> str:
    e = figures
    seeds = ",".join(str(s) for s in range(e.seeds))
    jobs = (f"--jobs {e.scaling.jobs} on one GPU (the best measured: {e.scaling.speedup:.2f}x "
            f"the throughput of --jobs 1, plus {e.scaling.startup_s:.0f} s starting workers)"
            if e.scaling.jobs > 1 else "--jobs 1 (no faster --jobs measured)")
    covered = (f"{e.units} units" if e.units == e.grid_units
               else f"the {e.units} of {e.grid_units} units with a figure")
    lines = [f"estimate of --models {e.models} --datasets {e.datasets} --seeds {seeds} (paper "
             f"protocol, {e.n_models} models, {covered}): ~{format_duration(e.seconds)} with "
             f"{jobs}; {format_duration(e.serial_s)} one unit after another"]
    if e.twins:
        lines.append(f"  pretrained {', '.join(e.twins)}: timed as the *_scratch pipeline of "
                     "the same network (random weights, no download; loading weights is not "
                     "counted)")
    if e.unmeasured:
        lines.append(f"  left out (no figure for some dataset): {', '.join(e.unmeasured)}")
    return "\n".join(lines)


@format_figures.register
def _(figures: PretrainThroughput) -> str:
    return "\n".join(figures.lines())


@format_figures.register
def _(figures: PrecisionComparison) -> str:
    return "\n".join(figures.lines())


@format_figures.register
def _(figures: AdaptationFigures) -> str:
    lines = [f"frozen-feature cache on {figures.dataset}, subjects "
             f"{_span(list(figures.subjects))}, seeds {_span(list(figures.seeds))}; fewshot k = "
             f"{', '.join(map(str, figures.shots))}; linear_probe and ridge_probe:",
             "  protocol  model              units  backbone trials (cache / none)   "
             "wall s (cache / none)   max score diff"]
    for r in figures.cache:
        fewer = r["forwarded_without"] / max(1, r["forwarded"])
        faster = r["seconds_without"] / max(1e-9, r["seconds"])
        lines.append(f"  {r['protocol']:<9} {r['model']:<18} {r['units']:>5}  "
                     f"{r['forwarded']:>7,} / {r['forwarded_without']:>7,} ({fewer:4.1f}x fewer)"
                     f"   {r['seconds']:7.1f} / {r['seconds_without']:7.1f} ({faster:3.1f}x)"
                     f"   {r['max_score_difference']:.1e}")
    if figures.strategies:
        lines += [f"strategies, fewshot on subject {figures.subjects[0]}, seed "
                  f"{figures.seeds[0]}:", "  model              strategy        units  "
                  "s per unit   parameters trained"]
        lines += [f"  {r['model']:<18} {r['strategy']:<14} {r['units']:>6}  "
                  f"{r['s_per_unit']:>10.1f}   {r['n_trainable'] or 0:>12,}"
                  for r in figures.strategies]
    return "\n".join(lines)
