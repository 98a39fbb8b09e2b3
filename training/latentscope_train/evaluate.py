"""Judge an exported generator against real faces with an independent network.

    python -m latentscope_train.evaluate --model ../assets/models/NAME --data DIR [--n 1000] [--psi 1.0] --out results.json

The judge is facenet-pytorch's pretrained MTCNN (weights shipped in its wheel,
nothing is downloaded; see facecheck.py). For N generated samples (seeds
0...N-1, the same latents the Swift engine draws for those seeds) and for N
real images it reports:

  * detection_rate: the share of images in which MTCNN finds a face at its
    default thresholds (images upscaled to 160x160);
  * mean_detection_prob: MTCNN's best-box probability averaged over all images
    (0 where nothing was found);
  * onet_face_prob: the O-Net face probability of the whole image at 48x48;
  * fd_onet: the Frechet distance between O-Net features (256-d) of the
    generated images and of the real set A, and, as the floor, between two
    disjoint real sets A and B of the same size N ("real_vs_real").

With --smooth, every image (real and generated) first loses the finest level of its
Laplacian pyramid (pyramid.py: the 64x64 detail, what a 5-tap Gaussian blur and 2x
subsampling take away), so the judge sees the faces without their finest texture:
comparing the two runs of it tells how much of a distance is fine texture.

Lower FD is better; a perfect generator would be near the real-vs-real floor.
FD depends on N, so compare numbers only at the same N.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from . import facecheck
from .atomic import write_text
from .data import DEFAULT_DATA, load_images
from .export import load_exported
from .imageio import to_uint8
from .model import Generator, NoiseMode
from .pyramid import without_finest_detail
from .rng import seed_z


def generate(G: Generator, n: int, psi: float = 1.0, first_seed: int = 0, noise_mode: str = "random",
             noise_seed: int = 0, batch: int = 50) -> np.ndarray:
    """uint8 [n, R, R, 3] images for seeds first_seed...first_seed+n-1."""
    cfg = G.cfg
    torch.manual_seed(noise_seed)  # per-pixel noise (noise_mode "random")
    out = []
    with torch.no_grad():
        for i in range(0, n, batch):
            seeds = range(first_seed + i, first_seed + min(i + batch, n))
            z = torch.from_numpy(np.stack([seed_z(s, cfg.tokens, cfg.z_dim) for s in seeds]))
            out.append(to_uint8(G(z, psi=psi, noise_mode=noise_mode)))
    return np.concatenate(out)


def real_sets(data: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint random sets of n real images (fewer if the data is small)."""
    images, _ = load_images(data)
    if len(images) < 2:
        raise SystemExit(f"{data}: need at least 2 real images, found {len(images)}")
    m = min(n, len(images) // 2)
    if m < n:
        print(f"note: {data} holds {len(images)} images; using {m} per real set instead of {n}", flush=True)
    idx = np.random.default_rng(seed).permutation(len(images))
    return images[idx[:m]], images[idx[m:2 * m]]


def image_stats(images: np.ndarray) -> tuple[dict, np.ndarray]:
    det = facecheck.detect(images)
    feats, faceness = facecheck.onet_features(images)
    stats = {
        "n": int(len(images)),
        "detection_rate": round(float(det["found"].mean()), 4),
        "mean_detection_prob": round(float(det["prob"].mean()), 4),
        "onet_face_prob": round(float(faceness.mean()), 4),
    }
    return stats, feats


def _generated_vs_real(fake: np.ndarray, real_feats: np.ndarray, first_seed: int) -> tuple[dict, dict]:
    """(detection stats, judge figures) of one set of generated images against real set A."""
    stats, feats = image_stats(fake)
    return stats, {
        "seeds": [first_seed, first_seed + len(fake) - 1],
        "fd_onet": round(facecheck.frechet_distance(feats, real_feats), 5),
        # Variety: total variance (trace of the covariance) of the generated features
        # over the real ones'; 1 = as varied as real faces, below = too alike.
        "variance_ratio_onet": round(float(np.var(feats, axis=0).sum() / np.var(real_feats, axis=0).sum()), 4),
        "detection_rate": stats["detection_rate"],
    }


def evaluate(G: Generator, data: str, n: int = 1000, psi: float = 1.0, first_seed: int = 0,
             noise_mode: str = "random", real_seed: int = 0, sets: int = 1, smooth: bool = False) -> dict:
    """The judge's figures for seeds first_seed...first_seed+n-1. With sets > 1, also for
    the next disjoint sets of n seeds, against the same real images, under `seed_sets`:
    how much the figures move with the sample alone (the error bar of a comparison)."""
    ok, version = facecheck.facenet_available()
    if not ok:
        raise SystemExit(version)
    t0 = time.time()
    real_a, real_b = real_sets(data, n, real_seed)
    n = len(real_a)
    view = without_finest_detail if smooth else (lambda images: images)
    real_a, real_b = view(real_a), view(real_b)
    real_stats, real_feats = image_stats(real_a)
    real_b_feats, _ = facecheck.onet_features(real_b)
    per_set, fake_stats = [], None
    for k in range(sets):
        fake = generate(G, n, psi, first_seed + k * n, noise_mode)
        if fake.shape[1:3] != real_a.shape[1:3]:
            raise SystemExit(f"the model makes {fake.shape[1]}px images, the data is {real_a.shape[1]}px")
        fake = view(fake)
        stats, figures = _generated_vs_real(fake, real_feats, first_seed + k * n)
        fake_stats = fake_stats or stats
        per_set.append(figures)
    first = per_set[0]
    results = {
        "judge": {
            "package": f"facenet-pytorch {version}",
            "detector": f"MTCNN, default thresholds {facecheck.load_mtcnn().thresholds}, min face "
                        f"{facecheck.load_mtcnn().min_face_size}px, images upscaled bilinearly to "
                        f"{facecheck.DETECT_SIZE}x{facecheck.DETECT_SIZE}",
            "features": f"O-Net prelu5 (256-d) on images resized (area) to {facecheck.ONET_SIZE}x{facecheck.ONET_SIZE}",
        },
        "n": n,
        "psi": psi,
        "smooth": smooth,
        "seeds": first["seeds"],
        "noise_mode": noise_mode,
        "generated": fake_stats,
        "real": real_stats,
        "fd_onet": {
            "generated_vs_real": first["fd_onet"],
            "real_vs_real": round(facecheck.frechet_distance(real_b_feats, real_feats), 5),
        },
        "variance_ratio_onet": {
            "generated_vs_real": first["variance_ratio_onet"],
            "real_b_vs_real": round(float(np.var(real_b_feats, axis=0).sum() / np.var(real_feats, axis=0).sum()), 4),
        },
    }
    if sets > 1:
        summary = {key: {"mean": round(float(np.mean([f[key] for f in per_set])), 5),
                         "sd": round(float(np.std([f[key] for f in per_set], ddof=1)), 5)}
                   for key in ("fd_onet", "variance_ratio_onet", "detection_rate")}
        results["seed_sets"] = {"sets": per_set, **summary}
    results["seconds"] = round(time.time() - t0, 1)
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder (config.json + generator.safetensors)")
    p.add_argument("--data", default=DEFAULT_DATA, help="folder of 64x64 zip shards (as the training data)")
    p.add_argument("--n", type=int, default=1000, help="generated samples, and real images per real set")
    p.add_argument("--psi", type=float, default=1.0, help="truncation (1.0: none)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--sets", type=int, default=1,
                   help="judge this many disjoint sets of N seeds (first-seed, first-seed+N, ...) and report "
                        "each and their mean and standard deviation under seed_sets (the top level stays the first set's)")
    p.add_argument("--noise", default="random", choices=[m.value for m in NoiseMode])
    p.add_argument("--smooth", action="store_true",
                   help="judge every image (real and generated) without its finest pyramid level (the 64x64 detail)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--out", default=None, help="write the results here as JSON (also printed)")
    args = p.parse_args(argv)
    if args.n < 2:
        raise SystemExit("--n must be at least 2")
    if args.sets < 1:
        raise SystemExit("--sets must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        G = load_exported(args.model)
    except FileNotFoundError as e:
        raise SystemExit(str(e))
    results = {"model": os.path.basename(os.path.normpath(args.model)), "data": os.path.abspath(args.data),
               **evaluate(G, args.data, args.n, args.psi, args.first_seed, args.noise, sets=args.sets,
                          smooth=args.smooth)}
    text = json.dumps(results, indent=2)
    if args.out:
        write_text(args.out, text + "\n")
    print(text)
    return results


if __name__ == "__main__":
    main()
