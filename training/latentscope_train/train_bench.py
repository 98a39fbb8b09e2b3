"""Training throughput: images per second of `train.py` steps, variant against baseline.

    python -m latentscope_train.train_bench [--steps 6] [--variants baseline,channels_last,...] [train.py options]

Every variant builds a fresh Trainer on the given train.py options (--config,
--d-channels, --batch, ... as for a real run; D-only warm-up steps are off) and
runs `--warmup` steps untimed, then `--steps` timed steps; it reports the median
step time, images per second and the ratio to the baseline, measured in the same
run. The images are random (the speed of a step does not depend on them), so no
dataset is needed. The step after a multiple of --r1-interval is the R1 step;
the timed steps skip it, so the figures are for the plain G + D step.

Variants: baseline; channels_last (G and D weights in NHWC); compile
(torch.compile, inductor, of G and D; its compile time is reported apart);
batch16, batch64 (the images per step); threads1 (one intra-op thread).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import torch

from . import train

VARIANTS = ("baseline", "channels_last", "compile", "batch16", "batch64", "threads1")


def trainer_args(variant: str, train_argv: list[str], folder: str):
    extra = {"batch16": ["--batch", "16"], "batch64": ["--batch", "64"], "threads1": ["--threads", "1"]}.get(variant, [])
    return train.parse_args(["--run", folder, "--data", folder, *train_argv, *extra, "--d-warmup", "0"])


def trainer_for(variant: str, args):
    t = train.Trainer(args)
    if variant == "channels_last":
        t.G.to(memory_format=torch.channels_last)
        t.D.to(memory_format=torch.channels_last)
    if variant == "compile":
        t.G_train = torch.compile(t.G_train)
        t.D = t.D_train = torch.compile(t.D)
    return t


def measure(variant: str, train_argv: list[str], steps: int, warmup: int, threads: int | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        # Random faces in the trainer's image cache: it reads them instead of the data.
        args = trainer_args(variant, train_argv, folder)
        res = train.load_config(args.config).resolution
        rng = np.random.default_rng(0)
        np.save(os.path.join(folder, "images-cache.npy"), rng.integers(0, 256, (512, res, res, 3), dtype=np.uint8))
        torch.set_num_threads(threads or os.cpu_count())
        t = trainer_for(variant, args)
        interval = t.args.r1_interval
        t0 = time.perf_counter()
        for _ in range(warmup):
            t.train_step()
        first = time.perf_counter() - t0
        times = []
        while len(times) < steps:
            r1 = interval > 0 and t.step % interval == 0
            s = time.perf_counter()
            t.train_step()
            if not r1:
                times.append(time.perf_counter() - s)
        med = statistics.median(times)
        return {"variant": variant, "batch": t.args.batch, "threads": torch.get_num_threads(), "median_s": med,
                "images_per_s": t.args.batch / med, "warmup_s": first, "steps": steps}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=6, help="timed steps per variant")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compile: includes compiling)")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, from {', '.join(VARIANTS)}")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args, train_argv = p.parse_known_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        p.error(f"unknown variant {', '.join(bad) or '(none)'}; choose from {', '.join(VARIANTS)}")
    if args.steps < 1 or args.warmup < 1:
        p.error("--steps and --warmup must be at least 1")
    if "baseline" in variants:  # measured first: every ratio is against it
        variants.remove("baseline")
    variants.insert(0, "baseline")
    threads_arg = train.parse_args(["--run", ".", *train_argv]).threads
    rows = []
    for v in variants:
        try:
            rows.append(measure(v, train_argv, args.steps, args.warmup, 1 if v == "threads1" else threads_arg))
        except Exception as e:  # a variant this PyTorch cannot run (e.g. compile without a C compiler)
            rows.append({"variant": v, "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"})
    base = rows[0].get("images_per_s")
    for r in rows:
        if "images_per_s" in r and base:
            r["ratio"] = r["images_per_s"] / base
    if args.json:
        print(json.dumps({"torch": torch.__version__, "rows": rows}))
        return
    print(f"torch {torch.__version__}, {args.steps} timed steps per variant (median), ratios against the baseline")
    print(f"{'variant':14s} {'batch':>5s} {'threads':>7s} {'ms/step':>8s} {'images/s':>8s} {'ratio':>6s} {'warm-up s':>9s}")
    for r in rows:
        if "error" in r:
            print(f"{r['variant']:14s} failed: {r['error']}")
        else:
            print(f"{r['variant']:14s} {r['batch']:5d} {r['threads']:7d} {r['median_s'] * 1000:8.0f} "
                  f"{r['images_per_s']:8.2f} {r['ratio']:6.2f} {r['warmup_s']:9.1f}")


if __name__ == "__main__":
    main()
