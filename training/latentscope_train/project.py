"""How closely the synthesis network can draw given faces: project them into its latent space.

    python -m latentscope_train.project --model ../assets/models/NAME --data DIR [--n 200] [--own] \\
        [--out results.json] [--figure projection.png] [--against earlier.json]

Every target image gets the w (one per style token, shared by all layers: the W space the mapping
draws from, not a per-layer W+) whose image is nearest in pixels: the best of --starts mapped random
latents, then --steps of Adam on the mean squared error with a cosine-decayed step size. Only pixel
error is optimised; no network judges anything while the latents are fitted.

The targets are N real faces (the judge's real set B, so the figures sit beside `evaluate`'s) or,
with --own, N of the model's own images (seeds from --own-first-seed): faces the synthesis can
certainly draw. The two errors apart say what limits the model. If real faces come back as closely
as its own, the synthesis can draw them and only the mapping fails to pick them; if they come back
much worse, the synthesis network cannot draw them, and no refit of the mapping will.

It reports the per-image RMS pixel error (in [0, 1]) and, when the judge is installed, the judge's
O-Net Frechet distance and variance ratio of the targets and of their reconstructions against real
set A, beside those of as many of the model's samples (FD depends on N: compare at the same N).
The JSON keeps every face's error, so --against an earlier run's JSON (another model, the same
targets) compares two models face by face: how many faces come back closer, and the median paired
difference, which is far steadier than the difference of two medians.
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import torch

from . import facecheck
from .atomic import write_text
from .data import DEFAULT_DATA
from .evaluate import generate, real_sets
from .export import load_exported
from .imageio import from_uint8, save_grid, to_uint8
from .model import Generator, NoiseMode, module_device
from .rng import seed_z


def draw(G: Generator, w: torch.Tensor) -> torch.Tensor:
    """w [B, T, w_dim] -> images [B, 3, R, R]; the fixed noise, so that w alone decides."""
    return G.synthesis(G.broadcast(w), noise_mode=NoiseMode.CONST)


def project(G: Generator, targets: torch.Tensor, steps: int = 100, lr: float = 0.03, starts: int = 8,
            first_start_seed: int = 100_000) -> tuple[torch.Tensor, torch.Tensor]:
    """(w [B, T, w_dim], images [B, 3, R, R]) nearest in pixels to targets [B, 3, R, R] in [-1, 1]."""
    cfg = G.cfg
    B = len(targets)
    device = module_device(G)
    targets = targets.to(device)
    with torch.no_grad():
        best, best_err = None, None
        for k in range(starts):
            seeds = [first_start_seed + b * starts + k for b in range(B)]
            z = torch.from_numpy(np.stack([seed_z(s, cfg.tokens, cfg.z_dim) for s in seeds])).to(device)
            w = G.mapping(z)
            err = (draw(G, w) - targets).square().mean(dim=(1, 2, 3))
            if best is None:
                best, best_err = w, err
            else:
                better = err < best_err
                best[better], best_err = w[better], torch.minimum(err, best_err)
    w = best.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=lr)
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        loss = (draw(G, w) - targets).square().mean(dim=(1, 2, 3)).sum()  # each image its own problem
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        return w.detach(), draw(G, w)


def project_all(G: Generator, targets_u8: np.ndarray, steps: int, lr: float, starts: int,
                batch: int = 25, log=print) -> tuple[np.ndarray, np.ndarray]:
    """(w [N, T, w_dim], uint8 reconstructions [N, R, R, 3]) of uint8 targets [N, R, R, 3]."""
    for p in G.parameters():
        p.requires_grad_(False)
    ws, images, t0 = [], [], time.time()
    for i in range(0, len(targets_u8), batch):
        w, img = project(G, from_uint8(targets_u8[i:i + batch]), steps, lr, starts, 100_000 + i * starts)
        ws.append(w.cpu().numpy())
        images.append(to_uint8(img.cpu()))
        log(f"projected {i + len(w)}/{len(targets_u8)} ({time.time() - t0:.0f} s)")
    return np.concatenate(ws), np.concatenate(images)


def rms_error(a_u8: np.ndarray, b_u8: np.ndarray) -> np.ndarray:
    """Per-image RMS difference in [0, 1]."""
    d = (a_u8.astype(np.float64) - b_u8.astype(np.float64)) / 255.0
    return np.sqrt((d.reshape(len(d), -1) ** 2).mean(1))


def read_baseline(path: str, targets: str, n: int) -> dict:
    """An earlier --out JSON of the same targets, checked before any face is projected."""
    try:
        with open(path) as f:
            saved = json.load(f)
        per_face = saved["rms_error"]["per_face"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"--against {path}: not a project --out file with per-face errors ({e})")
    if saved.get("targets") != targets or len(per_face) != n:
        raise SystemExit(f"--against {path}: its targets are {saved.get('targets')!r} "
                         f"({len(per_face)} faces), not {targets!r} ({n})")
    return saved


def paired(err: np.ndarray, baseline: dict) -> dict:
    """Face-by-face comparison with another model's projection of the same targets: the
    difference of two models' errors on each face varies far less than the errors themselves."""
    d = err - np.asarray(baseline["rms_error"]["per_face"], dtype=np.float64)
    return {"model": baseline.get("model"), "closer": int((d < 0).sum()),
            "median_difference": round(float(np.median(d)), 5), "mean_difference": round(float(d.mean()), 5)}


def judged(images_u8: np.ndarray, real_feats: np.ndarray) -> dict:
    feats, _ = facecheck.onet_features(images_u8)
    return {"fd_onet": round(facecheck.frechet_distance(feats, real_feats), 5),
            "variance_ratio_onet": round(float(np.var(feats, 0).sum() / np.var(real_feats, 0).sum()), 4)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder (config.json + generator.safetensors)")
    p.add_argument("--data", default=DEFAULT_DATA, help="folder of 64x64 zip shards (real faces)")
    p.add_argument("--n", type=int, default=200, help="faces to project")
    p.add_argument("--own", action="store_true", help="project the model's own images instead of real faces")
    p.add_argument("--own-first-seed", type=int, default=5000, help="first seed of the model's images (--own)")
    p.add_argument("--steps", type=int, default=100, help="Adam steps per face")
    p.add_argument("--starts", type=int, default=8, help="mapped random latents tried before the first step")
    p.add_argument("--lr", type=float, default=0.03, help="Adam's first step size (cosine-decayed to 0)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--out", default=None, help="write the figures here as JSON")
    p.add_argument("--figure", default=None, help="PNG: 10 targets above their reconstructions")
    p.add_argument("--against", default=None,
                   help="an earlier --out JSON of the same targets (another model): compare face by face")
    args = p.parse_args(argv)
    if args.n < 1 or args.steps < 0 or args.starts < 1 or args.lr <= 0:
        raise SystemExit("--n and --starts must be at least 1, --steps at least 0 and --lr positive")
    if args.threads:
        torch.set_num_threads(args.threads)
    targets_name = (f"the model's own images, seeds {args.own_first_seed}-{args.own_first_seed + args.n - 1}"
                    if args.own else f"real set B, first {args.n}")
    baseline = read_baseline(args.against, targets_name, args.n) if args.against else None
    try:
        G = load_exported(args.model).eval()
    except FileNotFoundError as e:
        raise SystemExit(str(e))
    real_a, real_b = real_sets(args.data, max(args.n, 1000) if not args.own else 1000)
    if args.own:
        targets = generate(G, args.n, first_seed=args.own_first_seed, noise_mode="const")
    else:
        if len(real_b) < args.n:
            raise SystemExit(f"{args.data}: only {len(real_b)} real faces to project, not {args.n}")
        targets = real_b[:args.n]
    if targets.shape[1:3] != real_a.shape[1:3]:
        raise SystemExit(f"the model makes {targets.shape[1]}px images, the data is {real_a.shape[1]}px")
    _, recon = project_all(G, targets, args.steps, args.lr, args.starts)
    err = rms_error(recon, targets)
    results = {"model": args.model, "targets": targets_name, "n": args.n, "steps": args.steps, "starts": args.starts,
               "lr": args.lr, "rms_error": {"median": round(float(np.median(err)), 4),
                                            "mean": round(float(err.mean()), 4),
                                            "per_face": [round(float(e), 5) for e in err]}}
    print(f"RMS pixel error of the reconstructions: median {results['rms_error']['median']:.4f}, "
          f"mean {results['rms_error']['mean']:.4f} (N={args.n})")
    if baseline is not None:
        results["against"] = paired(err, baseline)
        a = results["against"]
        print(f"against {args.against}: {a['closer']} of {args.n} faces closer, paired difference "
              f"median {a['median_difference']:+.4f}, mean {a['mean_difference']:+.4f}")
    ok, why = facecheck.facenet_available()
    if ok:
        real_feats, _ = facecheck.onet_features(real_a)
        results["judge"] = {"targets": judged(targets, real_feats), "reconstructions": judged(recon, real_feats),
                            "samples": judged(generate(G, args.n), real_feats)}
        for k, v in results["judge"].items():
            print(f"{k:15s} O-Net FD {v['fd_onet']:.4f}, variance ratio {v['variance_ratio_onet']:.3f}")
    else:
        print(f"judge figures left out: {why}")
    if args.figure:
        k = min(10, args.n)
        save_grid(from_uint8(np.concatenate([targets[:k], recon[:k]])), args.figure, cols=k, scale=2)
    if args.out:
        write_text(args.out, json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
