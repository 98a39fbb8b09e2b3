#!/usr/bin/env python3
"""PyTorch eager baseline for `latentscope bench`.

    python3 training/bench_torch.py --model assets/models/NAME --threads 1 [--runs 20] [--warmup 3] [--warmup-seconds 0.5] --json

Loads the exported model (config.json + generator.safetensors) with
latentscope_train.export.load_exported and times the whole z -> image pass
(mapping, broadcast, synthesis) in eager mode under torch.inference_mode, at
batch 1 and at batch 16. Inputs are fixed tensors made once before timing: z
from a seeded torch.Generator and one explicit noise tensor per noise layer,
so no random numbers are drawn inside the timed region. Each case runs
untimed until it has run --warmup times and for --warmup-seconds (threads
placed on cores, caches and allocators settled), then --runs times; the median
is reported.

With --json, stdout is one JSON object and nothing else:
  {"batch1_ms": ..., "batch16_ms_per_image": ..., "batch16_ms": ..., "threads": N,
   "torch": "2.x", "runs": K, "warmup": W, "model": NAME, "resolution": R}
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def fixed_inputs(G, batch: int, seed: int = 0):
    import torch
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(batch, G.cfg.tokens, G.cfg.z_dim, generator=gen)
    noise = [torch.randn(batch, 1, s.res, s.res, generator=gen) if s.noise and not s.is_torgb else None
             for s in G.cfg.layer_specs()]
    return z, noise


def time_batch(G, batch: int, runs: int, warmup: int, warmup_seconds: float = 0.0) -> float:
    """Median wall time in milliseconds of one z -> image pass at this batch size."""
    import torch
    z, noise = fixed_inputs(G, batch)
    times = []
    with torch.inference_mode():
        start, done = time.perf_counter(), 0
        while done < warmup or time.perf_counter() - start < warmup_seconds:
            G.synthesis(G.broadcast(G.map(z)), noise=noise)
            done += 1
        for _ in range(runs):
            t0 = time.perf_counter()
            img = G.synthesis(G.broadcast(G.map(z)), noise=noise)
            times.append(time.perf_counter() - t0)
    assert img.shape == (batch, 3, G.cfg.resolution, G.cfg.resolution)
    return statistics.median(times) * 1000.0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (match the Swift bench's --threads)")
    p.add_argument("--runs", type=int, default=20, help="timed runs per batch size (median reported)")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    p.add_argument("--warmup-seconds", type=float, default=0.5, help="and untimed for at least this long")
    p.add_argument("--json", action="store_true", help="print one JSON object only")
    args = p.parse_args(argv)
    if args.threads < 1 or args.runs < 1 or args.warmup < 0 or args.warmup_seconds < 0:
        p.error("--threads and --runs must be >= 1, --warmup and --warmup-seconds >= 0")
    if not os.path.exists(os.path.join(args.model, "config.json")):
        print(f"bench_torch: {args.model} has no config.json (export a model first)", file=sys.stderr)
        return 2

    import torch
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass
    from latentscope_train.export import load_exported

    G = load_exported(args.model)
    b1 = time_batch(G, 1, args.runs, args.warmup, args.warmup_seconds)
    b16 = time_batch(G, 16, args.runs, args.warmup, args.warmup_seconds)
    name = json.load(open(os.path.join(args.model, "config.json"))).get("name", os.path.basename(args.model))
    result = {
        "batch1_ms": round(b1, 3),
        "batch16_ms_per_image": round(b16 / 16, 3),
        "batch16_ms": round(b16, 3),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "runs": args.runs,
        "warmup": args.warmup,
        "warmup_seconds": args.warmup_seconds,
        "model": name,
        "resolution": G.cfg.resolution,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"PyTorch {result['torch']} eager, {result['threads']} thread(s), model {name}:")
        print(f"  batch 1:  {result['batch1_ms']:.2f} ms/image")
        print(f"  batch 16: {result['batch16_ms_per_image']:.2f} ms/image ({result['batch16_ms']:.1f} ms per batch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
