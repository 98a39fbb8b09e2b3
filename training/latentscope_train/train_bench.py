"""Training throughput: images per second of `train.py` steps, variant against baseline.

    python -m latentscope_train.train_bench [--steps 6] [--variants baseline,channels_last,...] [train.py options]

Every variant builds a fresh Trainer on the given train.py options (--config,
--d-channels, --batch, ... as for a real run; D-only warm-up steps are off) and
runs `--warmup` steps untimed; then the variants take turns, one timed step each
per round, for `--steps` rounds, so a change in the machine's load hits them
alike. It reports each variant's median step time, images per second and the
ratio to the baseline. The images are random (the speed of a step does not
depend on them), so no dataset is needed. Steps at a multiple of --r1-interval
add the R1 penalty; they are run untimed, so the figures are for the plain
G + D step.

Variants: baseline; channels_last (G and D weights in NHWC); compile
(torch.compile, inductor, of G and D; its compile time is reported apart);
batch16, batch64 (the images per step); threads1 (one intra-op thread). Any other
change of train.py options is a variant of its own: `--variant NAME='OPTIONS'` adds
OPTIONS after the baseline's (a later --config or --d-channels replaces the earlier),
e.g. the narrow generator against a widened one:

    python -m latentscope_train.train_bench --variants baseline \
        --config '{"pos_grid": 32, "channels": {"4": 128, "8": 128, "16": 64, "32": 96, "64": 48}}' \
        --variant "narrow=--config '{\"pos_grid\": 32}'"

(OPTIONS is split as a shell would split it, so quote a JSON value inside it.)
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import tempfile
import time

import numpy as np
import torch

from . import train

VARIANTS = ("baseline", "channels_last", "compile", "batch16", "batch64", "threads1")


BUILT_IN = {"batch16": ["--batch", "16"], "batch64": ["--batch", "64"], "threads1": ["--threads", "1"]}


def trainer_args(variant: str, train_argv: list[str], folder: str, custom: dict | None = None):
    extra = (custom or {}).get(variant) or BUILT_IN.get(variant, [])
    return train.parse_args(["--run", folder, "--data", folder, *train_argv, *extra, "--d-warmup", "0"])


def parse_variant(spec: str) -> tuple[str, list[str]]:
    """'NAME=OPTIONS' -> (NAME, the options split as a shell would)."""
    name, sep, options = spec.partition("=")
    name = name.strip()
    if not sep or not name or not options.strip():
        raise ValueError(f"--variant {spec!r}: expected NAME='train.py options'")
    if name in VARIANTS:
        raise ValueError(f"--variant {name}: the name of a built-in variant")
    return name, shlex.split(options)


def trainer_for(variant: str, args):
    t = train.Trainer(args)
    if variant == "channels_last":
        t.G.to(memory_format=torch.channels_last)
        t.D.to(memory_format=torch.channels_last)
    if variant == "compile":
        t.G_train = torch.compile(t.G_train)
        t.D = t.D_train = torch.compile(t.D)
    return t


def measure(variants: list[str], train_argv: list[str], steps: int, warmup: int, threads: int | None,
            custom: dict | None = None) -> list[dict]:
    """Builds every variant's trainer, warms each up, then times them round-robin, one
    step of each per round: a machine whose load changes during the run slows every
    variant alike, so the ratios hold where absolute figures would not."""
    with tempfile.TemporaryDirectory() as root:
        runs, rows = [], []
        for v in variants:
            row = {"variant": v}
            rows.append(row)
            try:
                folder = os.path.join(root, v)
                os.makedirs(folder)
                args = trainer_args(v, train_argv, folder, custom)
                res = train.load_config(args.config).resolution
                # Random faces in the trainer's image cache: it reads them instead of the data.
                rng = np.random.default_rng(0)
                np.save(os.path.join(folder, "images-cache.npy"), rng.integers(0, 256, (512, res, res, 3), dtype=np.uint8))
                # a variant's own --threads N counts; 'auto' (a running training's setting) means all cores here
                n_threads = args.threads if isinstance(args.threads, int) else (threads if isinstance(threads, int) else os.cpu_count())
                if v == "threads1":
                    n_threads = 1
                torch.set_num_threads(n_threads)
                t = trainer_for(v, args)
                t0 = time.perf_counter()
                for _ in range(warmup):
                    t.train_step()
                row.update(batch=t.args.batch, threads=n_threads, warmup_s=time.perf_counter() - t0, times=[])
                runs.append((t, row))
            except Exception as e:  # a variant this PyTorch cannot run (e.g. compile without a C compiler)
                row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        for _ in range(steps):
            for t, row in runs:
                if "error" in row:
                    continue
                interval = t.args.r1_interval
                torch.set_num_threads(row["threads"])
                while interval > 0 and t.step % interval == 0:  # the R1 step is not the plain step
                    t.train_step()
                s = time.perf_counter()
                try:
                    t.train_step()
                except Exception as e:
                    row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                    continue
                row["times"].append(time.perf_counter() - s)
        for _, row in runs:
            times = row.pop("times", [])
            if "error" not in row and times:
                med = statistics.median(times)
                row.update(median_s=med, images_per_s=row["batch"] / med, steps=len(times))
        return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=6, help="timed steps per variant")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compile: includes compiling)")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, from {', '.join(VARIANTS)}")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=OPTIONS",
                   help="a variant of your own: train.py options added to the baseline's (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args, train_argv = p.parse_known_args(argv)
    try:
        custom = dict(parse_variant(v) for v in args.variant)
        for name, options in custom.items():
            train.parse_args(["--run", ".", *train_argv, *options])   # refused here, not after the others ran
    except (ValueError, SystemExit) as e:
        p.error(str(e) if isinstance(e, ValueError) else f"--variant: its options are not train.py's")
    variants = [v for v in args.variants.split(",") if v] + [v for v in custom if v not in args.variants.split(",")]
    bad = [v for v in variants if v not in VARIANTS and v not in custom]
    if bad or not variants:
        p.error(f"unknown variant {', '.join(bad) or '(none)'}; choose from {', '.join(VARIANTS)}")
    if args.steps < 1 or args.warmup < 1:
        p.error("--steps and --warmup must be at least 1")
    if "baseline" in variants:  # measured first: every ratio is against it
        variants.remove("baseline")
    variants.insert(0, "baseline")
    threads_arg = train.parse_args(["--run", ".", *train_argv]).threads
    rows = measure(variants, train_argv, args.steps, args.warmup, threads_arg, custom)
    base = rows[0].get("images_per_s")
    for r in rows:
        if "images_per_s" in r and base:
            r["ratio"] = r["images_per_s"] / base
    if args.json:
        print(json.dumps({"torch": torch.__version__, "rows": rows}))
        return
    print(f"torch {torch.__version__}, {args.steps} rounds of one timed step per variant (median), ratios against the baseline")
    print(f"{'variant':14s} {'batch':>5s} {'threads':>7s} {'ms/step':>8s} {'images/s':>8s} {'ratio':>6s} {'warm-up s':>9s}")
    for r in rows:
        if "error" in r:
            print(f"{r['variant']:14s} failed: {r['error']}")
        else:
            print(f"{r['variant']:14s} {r['batch']:5d} {r['threads']:7d} {r['median_s'] * 1000:8.0f} "
                  f"{r['images_per_s']:8.2f} {r['ratio']:6.2f} {r['warmup_s']:9.1f}")


if __name__ == "__main__":
    main()
