"""Figures printed by ``python -m benchmark perf [preprocessing|classical|mirepnet|jobs|zoo|all]``.

Preprocessing: the suite's vectorised Euclidean alignment + template mapping against a
plain per-trial loop of the same maths (``np.cov`` per trial, a per-trial matrix
product), on 288 trials x 22 channels x 1000 samples (one BCI IV 2a session at 250 Hz).

Classical end to end: the suite's engine (``--protocol within-session``, 5-fold CV per
session) against MOABB's own ``WithinSessionEvaluation`` running the same scikit-learn
pipelines (Euclidean alignment + CSP-LDA / TS-LR / MDM) on the same demo subjects at the
same band, rate and window: wall-clock seconds and mean accuracy of each.

MIRepNet: inference (evaluation mode, no gradient) and training steps (forward, loss,
backward, Adam step) in trials/s at batch 8 and 64, with the embedding's two linear
convolutions computed as released (conv1 then conv2) and fused into one convolution.

Jobs: the same grid run with ``--jobs 1`` and ``--jobs 2`` (warm epoch cache): speed-up.
"""

from __future__ import annotations

import time

import numpy as np

from benchmark.datasets.catalogue import BNCI2014001_CHANNELS as BCI2A_CHANNELS
from benchmark.preprocessing import (
    RELEASE_2D_POSITIONS,
    TEMPLATE_CHANNELS,
    PreprocessingConfig,
    apply_preprocessing,
    inv_sqrtm,
    normalise_channel_name,
    template_matrix,
)


def per_trial_reference(X: np.ndarray, ch_names) -> np.ndarray:
    """Euclidean alignment and template mapping written trial by trial (BLAS per trial)."""
    R = np.zeros((X.shape[1], X.shape[1]))
    for x in X:
        R += np.cov(x)
    R /= len(X)
    P = inv_sqrtm(R)
    M = template_matrix(ch_names, "idw")
    out = np.empty((len(X), M.shape[0], X.shape[2]), dtype=X.dtype)
    for i, x in enumerate(X):
        out[i] = M @ (P @ x)
    return out


def release_style_reference(X: np.ndarray, ch_names) -> np.ndarray:
    """As the release's code is organised: per trial, per template channel, a copy or an
    inverse-distance mix computed from the 2-D coordinates."""
    R = np.mean([np.cov(x) for x in X], axis=0)
    P = inv_sqrtm(R)
    names = [normalise_channel_name(c) for c in ch_names]
    out = np.empty((len(X), len(TEMPLATE_CHANNELS), X.shape[2]), dtype=X.dtype)
    for i, x in enumerate(X):
        aligned = P @ x
        for r, target in enumerate(TEMPLATE_CHANNELS):
            if target in names:
                out[i, r] = aligned[names.index(target)]
                continue
            tx, ty = RELEASE_2D_POSITIONS[target]
            weights = []
            for name in names:
                sx, sy = RELEASE_2D_POSITIONS[name]
                weights.append(1.0 / (np.hypot(tx - sx, ty - sy) + 1e-6))
            weights = np.array(weights) / np.sum(weights)
            out[i, r] = weights @ aligned
    return out


def vectorised(X: np.ndarray, ch_names) -> np.ndarray:
    """The suite's path: one batched Gram product, one fused operator."""
    return apply_preprocessing(X, ch_names, PreprocessingConfig(template="idw"))[0]


def _best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def preprocessing_throughput(n_trials=288, n_chans=22, n_times=1000, repeats=5):
    """Trials per second of the suite's path and of the two per-trial references.

    Returns a dict with ``vectorised``, ``per_trial``, ``release_style`` (trials/s) and
    ``max_abs_diff`` (largest difference between the suite's output and the references).
    """
    rng = np.random.default_rng(0)
    names = list(BCI2A_CHANNELS)[:n_chans]
    X = (rng.standard_normal((n_trials, n_chans, n_times)) * 10).astype(np.float32)
    out = vectorised(X, names)
    diff = max(float(np.max(np.abs(out - ref(X, names))))
               for ref in (per_trial_reference, release_style_reference))
    figures = {"max_abs_diff": diff}
    for key, fn, r in (("vectorised", vectorised, repeats),
                       ("per_trial", per_trial_reference, repeats),
                       ("release_style", release_style_reference, 1)):
        figures[key] = n_trials / _best_of(lambda fn=fn: fn(X, names), r)
    # The floor: allocating and writing the output (45 x n_times float32 per trial) alone.
    figures["write_floor"] = n_trials / _best_of(
        lambda: np.empty((n_trials, 45, n_times), np.float32).fill(1.0), repeats)
    return figures


def mirepnet_throughput(batch_sizes=(8, 64), repeats: int = 3, device: str = "cpu",
                        n_times: int = 1000) -> list[dict]:
    """Trials/s of MIRepNet inference and training steps, fused vs released embedding.

    Returns one dict per (batch size, embedding): ``batch``, ``fused``, ``inference``,
    ``train_step`` (trials/s), ``embedding_s`` (seconds of the embedding's convolutions
    in one inference batch) and ``max_abs_diff`` (fused vs unfused logits, same weights).
    """
    import torch

    from benchmark.models._mirepnet_arch import MIRepNet

    torch.manual_seed(0)
    model = MIRepNet(n_outputs=2, n_chans=45, n_times=n_times, sfreq=250.0).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-6)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def timed(fn) -> float:
        fn()  # warm-up
        sync()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - t0)
        return min(times)

    rows = []
    for batch in batch_sizes:
        x = torch.randn(batch, 45, n_times, device=device)
        y = torch.randint(0, 2, (batch,), device=device)
        model.eval()
        with torch.no_grad():
            model.embedding.fused = False
            ref = model(x)
            model.embedding.fused = True
            diff = float((model(x) - ref).abs().max())

        def conv_only():
            emb = model.embedding
            with torch.no_grad():
                if emb.fused:
                    w, b = emb.fused_kernel()
                    torch.nn.functional.conv2d(x.unsqueeze(1), w, b)
                else:
                    emb.conv2(emb.conv1(x.unsqueeze(1)))

        def infer():
            with torch.no_grad():
                model(x)

        def step():
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

        for fused in (False, True):
            model.embedding.fused = fused
            model.eval()
            t_inf = timed(infer)
            t_emb = timed(conv_only)
            model.train()
            t_step = timed(step)
            rows.append({"batch": batch, "fused": fused, "inference": batch / t_inf,
                         "train_step": batch / t_step, "inference_s": t_inf,
                         "embedding_s": t_emb, "train_step_s": t_step, "max_abs_diff": diff})
    return rows


def _print_mirepnet(repeats: int) -> None:
    import torch

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        name = (torch.cuda.get_device_name(0) if device == "cuda"
                else f"CPU, {torch.get_num_threads()} threads")
        rows = mirepnet_throughput(repeats=repeats, device=device)
        print(f"MIRepNet (45 x 1000 input, 2 classes) on {name}; logits of fused and released "
              f"embeddings agree to {max(r['max_abs_diff'] for r in rows):.1e}:")
        print("  batch  embedding   inference trials/s (s/batch, of which convs)   "
              "train step trials/s (s/step)")
        for r in rows:
            print(f"  {r['batch']:>5}  {'fused' if r['fused'] else 'released':<9}  "
                  f"{r['inference']:>10,.0f} ({r['inference_s']:.3f} s, {r['embedding_s']:.3f} s)"
                  f"{'':>14}{r['train_step']:>8,.0f} ({r['train_step_s']:.3f} s)")
        for batch in sorted({r["batch"] for r in rows}):
            ref, fast = (next(r for r in rows if r["batch"] == batch and r["fused"] is f)
                         for f in (False, True))
            print(f"  batch {batch}: fused is {fast['inference'] / ref['inference']:.1f}x faster "
                  f"at inference, {fast['train_step'] / ref['train_step']:.1f}x per training step")


def zoo_epoch_times(dataset: str = "SynBNCI2014001", subject: int = 1, epochs: int = 2,
                    train_size: float = 0.3, names=None) -> list[dict]:
    """Parameters and seconds per training epoch of every deep pipeline on one demo subject.

    The subject's calibration split (``train_size`` of its trials, the paper protocol)
    goes through each pipeline's preprocessing; each model trains ``epochs`` epochs with
    its pipeline's batch size; the figure is the mean seconds per epoch.  Pretrained
    models are timed through their ``*_scratch`` twin (same network, no weights needed).
    """
    from benchmark.datasets import get_dataset_spec, load_subject
    from benchmark.model_sizes import parameter_count
    from benchmark.pipelines import discover_pipelines
    from benchmark.preprocessing import PreprocessingConfig, chs_info
    from benchmark.protocols import PaperSplit
    from benchmark.models import get_model_entry

    spec = get_dataset_spec(dataset)
    data = PaperSplit().select(load_subject(spec, subject, PreprocessingConfig()), spec.session)
    y = np.array([list(spec.classes).index(c) for c in data.y])
    train = next(iter(PaperSplit(train_size=train_size).split(y, 0))).train
    rows = []
    for name, pipe in discover_pipelines().items():
        if "deep" not in pipe.tags or (names and name not in names):
            continue
        if any(get_model_entry(m).pretrained for m in pipe.model_names):
            continue  # timed as its scratch twin
        pre = PreprocessingConfig().with_overrides(**pipe.preprocessing)
        X, names_out = apply_preprocessing(data.X[train], data.ch_names, pre)
        est = pipe.with_parameters(max_epochs=epochs).build(
            n_chans=X.shape[1], n_outputs=len(spec.classes), n_times=X.shape[2], sfreq=data.sfreq,
            chs_info=chs_info(names_out))
        t0 = time.perf_counter()
        est.fit(X, y[train])
        rows.append({"model": name, "params": parameter_count(pipe, len(data.ch_names),
                                                              len(spec.classes)),
                     "n_train": len(train), "s_per_epoch": (time.perf_counter() - t0) / epochs})
    return rows


CLASSICAL = ("csp_lda", "ts_lr", "mdm")


def _suite_run(specs, models, protocol, subjects, out, cache, jobs=1, seeds=(0,)) -> tuple:
    """Seconds and the finished rows of one engine run."""
    from benchmark.engine import RunConfig, run_benchmark
    from benchmark.pipelines import discover_pipelines, select_pipelines
    from benchmark.results import read_results

    cfg = RunConfig(pipelines=select_pipelines(",".join(models), discover_pipelines()),
                    datasets=specs, protocol=protocol, seeds=list(seeds), out=str(out),
                    subjects=subjects, jobs=jobs, cache_dir=str(cache))
    t0 = time.perf_counter()
    summary = run_benchmark(cfg, log=lambda m: None)
    seconds = time.perf_counter() - t0
    if summary.failed:
        raise RuntimeError(f"perf run failed: {summary.failed[:3]}")
    return seconds, read_results(out)


def _moabb_run(specs, models, subjects, seed=0) -> tuple:
    """Seconds and mean accuracy per model of MOABB's WithinSessionEvaluation."""
    import tempfile

    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import MotorImagery
    from sklearn.pipeline import make_pipeline

    from benchmark.datasets.loading import configure_moabb
    from benchmark.pipelines import discover_pipelines
    from benchmark.preprocessing import EuclideanAlignment

    configure_moabb()
    pre = PreprocessingConfig()
    pipes = discover_pipelines()
    scores = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in specs:
            dataset = spec.instantiate()
            dataset.subject_list = list(subjects)
            paradigm = MotorImagery(events=list(spec.classes), n_classes=len(spec.classes),
                                    fmin=pre.fmin, fmax=pre.fmax, tmin=0.0, tmax=pre.window_s,
                                    resample=pre.sfreq)
            built = {name: make_pipeline(EuclideanAlignment(), pipes[name].build(
                n_chans=spec.n_chans, n_outputs=len(spec.classes), n_times=pre.n_times,
                sfreq=pre.sfreq)) for name in models}
            evaluation = WithinSessionEvaluation(paradigm=paradigm, datasets=[dataset],
                                                 random_state=seed, overwrite=True,
                                                 hdf5_path=tmp, n_jobs=1)
            scores.append(evaluation.process(built))
    seconds = time.perf_counter() - t0
    import pandas as pd

    df = pd.concat(scores)
    return seconds, df.groupby("pipeline")["score"].mean().to_dict(), len(df)


def classical_vs_moabb(datasets: str = "demo", subjects=(1, 2, 3, 4), models=CLASSICAL) -> dict:
    """The engine (cold and warm epoch cache) and MOABB on the same within-session work."""
    import tempfile
    from pathlib import Path

    from benchmark.datasets import resolve_datasets
    from benchmark.protocols import WithinSessionCV

    specs = resolve_datasets(datasets)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cold, rows = _suite_run(specs, models, WithinSessionCV(), list(subjects), tmp / "a",
                                tmp / "cache")
        warm, _ = _suite_run(specs, models, WithinSessionCV(), list(subjects), tmp / "b",
                             tmp / "cache")
    ok = rows[rows["status"] == "ok"]
    moabb_s, moabb_acc, moabb_rows = _moabb_run(specs, models, subjects)
    return {"datasets": [s.name for s in specs], "subjects": list(subjects),
            "fits": len(ok), "suite_cold": cold, "suite_warm": warm, "moabb": moabb_s,
            "moabb_sessions": moabb_rows,
            "suite_acc": ok.groupby("model")["score"].mean().to_dict(), "moabb_acc": moabb_acc}


def jobs_speedup(datasets: str = "demo", subjects=(1, 2, 3, 4), models=CLASSICAL,
                 protocol=None, jobs=(1, 2)) -> dict:
    """Seconds of one grid with each number of jobs (warm epoch cache, fresh results)."""
    import tempfile
    from pathlib import Path

    from benchmark.datasets import resolve_datasets
    from benchmark.protocols import WithinSessionCV

    specs = resolve_datasets(datasets)
    protocol = protocol or WithinSessionCV()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _suite_run(specs, ("csp_lda",), protocol, list(subjects), tmp / "warm-up", tmp / "cache")
        for n in jobs:
            out[n], rows = _suite_run(specs, models, protocol, list(subjects), tmp / f"jobs{n}",
                                      tmp / "cache", jobs=n)
            out[f"units_{n}"] = rows["unit_id"].nunique()
    return out


def _print_classical() -> None:
    f = classical_vs_moabb()
    print(f"classical pipelines end to end ({', '.join(CLASSICAL)}), within-session 5-fold CV, "
          f"{len(f['datasets'])} demo datasets x subjects {f['subjects'][0]}-{f['subjects'][-1]}, "
          f"{f['fits']} fits each side:")
    print(f"  MOABB WithinSessionEvaluation     {f['moabb']:>7.1f} s")
    print(f"  suite, cold epoch cache           {f['suite_cold']:>7.1f} s   "
          f"{f['moabb'] / f['suite_cold']:.2f}x MOABB's speed")
    print(f"  suite, warm epoch cache           {f['suite_warm']:>7.1f} s   "
          f"{f['moabb'] / f['suite_warm']:.2f}x MOABB's speed")
    print("  mean accuracy (suite / MOABB; alignment of the test part differs, see "
          "benchmark/perf.py): " + ", ".join(
              f"{m} {f['suite_acc'].get(m, float('nan')):.3f} / "
              f"{f['moabb_acc'].get(m, float('nan')):.3f}" for m in CLASSICAL))


def _print_jobs() -> None:
    import os

    from benchmark.protocols import PaperSplit

    print(f"--jobs speed-up on {os.cpu_count()} cores (warm epoch cache):")
    eegnet = {"models": ("eegnet",), "protocol": PaperSplit(),
              "datasets": "SynBNCI2014004,SynBNCI2014001", "subjects": (1, 2)}
    for label, kwargs in (("classical, within-session", {}), ("eegnet, paper protocol", eegnet)):
        f = jobs_speedup(**kwargs)
        print(f"  {label:<26} {f['units_1']} units: --jobs 1 {f[1]:.1f} s, --jobs 2 {f[2]:.1f} s,"
              f" speed-up {f[1] / f[2]:.2f}x")


def main(what: str = "all", repeats: int = 3) -> int:
    import os

    print(f"CPU cores: {os.cpu_count()}")
    if what in ("zoo", "all"):
        rows = zoo_epoch_times()
        print("deep models on SynBNCI2014001 subject 1 (30 % calibration split, 24 trials, "
              "45-channel template, 1000 samples), CPU:")
        print("  model                parameters   s per training epoch")
        for r in rows:
            print(f"  {r['model']:<18} {r['params']:>12,}   {r['s_per_epoch']:>6.2f}")
        if what == "zoo":
            return 0
    if what in ("mirepnet", "all"):
        _print_mirepnet(repeats)
        if what == "mirepnet":
            return 0
    if what in ("classical", "all"):
        _print_classical()
        if what == "classical":
            return 0
    if what in ("jobs", "all"):
        _print_jobs()
        if what == "jobs":
            return 0
    f = preprocessing_throughput()
    print("preprocessing (EA + 45-channel template), 288 trials x 22 channels x 1000 samples, "
          f"float32 (outputs agree to {f['max_abs_diff']:.1e}):")
    print(f"  suite (batched, fused)        {f['vectorised']:>9,.0f} trials/s")
    print(f"  per-trial loop, BLAS per trial {f['per_trial']:>8,.0f} trials/s   "
          f"suite is {f['vectorised'] / f['per_trial']:.1f}x faster")
    print(f"  release-style per-channel loop {f['release_style']:>8,.0f} trials/s   "
          f"suite is {f['vectorised'] / f['release_style']:.0f}x faster")
    print(f"  (only writing the output array  {f['write_floor']:>8,.0f} trials/s: the memory "
          f"floor of any implementation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
