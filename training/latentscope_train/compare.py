"""The same seeds from several models, one row per model, for judging them by eye.

    python -m latentscope_train.compare --model ../assets/models/utkface64 --model /tmp/run-model \
        --seeds 100-107 --scale 4 --out compare.png

Each row draws the given seeds with constant noise (the engine's `--noise const`), so rows
differ only by their models. Models warm-started from one another draw related faces for
the same seed, which makes their faults easy to tell apart; `--scale` enlarges each pixel
to a block, as the explorer shows a face, so fine textures (stripes, grain) stay visible.
Prints each row's fine texture (`stripes.hf_energy`; real faces: about 0.037).

`--real DIR` adds a first row of real faces from DIR (the judge's real set A), and
`--detail` puts under every row its finest Laplacian level (pyramid.finest_detail, x4,
grey = 0): the 64x64 texture on its own, where broken edges and patchwork show plainly.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from .evaluate import real_sets
from .export import load_exported
from .imageio import from_uint8, save_grid
from .pyramid import finest_detail
from .rng import seed_z
from .stripes import hf_energy


def parse_seeds(spec: str) -> list[int]:
    """'100-107' or '3,5,9' (or a mix: '0-3,9') -> seeds; ranges are inclusive."""
    seeds = []
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        if not a.isdigit() or (b and not b.isdigit()):
            raise ValueError(f"--seeds: {part!r} is not a seed or a range like 100-107")
        lo, hi = int(a), int(b or a)
        if hi < lo:
            raise ValueError(f"--seeds: the range {part!r} ends before it starts")
        seeds.extend(range(lo, hi + 1))
    if not seeds or len(seeds) > 64:
        raise ValueError(f"--seeds: 1 to 64 seeds per row, got {len(seeds)}")
    return seeds


def rows(models: list[str], seeds: list[int]) -> torch.Tensor:
    """[len(models) * len(seeds), 3, R, R]: the seeds of each model in turn."""
    out = []
    for path in models:
        G = load_exported(path)
        z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in seeds]))
        with torch.no_grad():
            out.append(G(z, noise_mode="const"))
    if len({tuple(r.shape[1:]) for r in out}) > 1:
        raise ValueError("the models draw images of different sizes: " +
                         ", ".join(f"{m} {r.shape[-1]}px" for m, r in zip(models, out)))
    return torch.cat(out)


def real_row(data: str, n: int) -> torch.Tensor:
    """The first n faces of the judge's real set A, [n, 3, R, R] in [-1, 1]."""
    real, _ = real_sets(data, n, 0)
    return from_uint8(real[:n])


def with_detail(imgs: torch.Tensor, cols: int) -> torch.Tensor:
    """Every row of cols images followed by a row of its finest detail, amplified 4x."""
    out = []
    for row in imgs.split(cols):
        out += [row, (4 * finest_detail(row)).clamp(-1, 1)]
    return torch.cat(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", required=True, help="exported model folder (repeat: one row each)")
    p.add_argument("--seeds", default="100-107", help="seeds of every row, e.g. 100-107 or 2,5,9")
    p.add_argument("--scale", type=int, default=4, help="pixels per image pixel")
    p.add_argument("--real", default=None, metavar="DIR", help="a first row of real faces from this data folder")
    p.add_argument("--detail", action="store_true", help="under every row, its finest pyramid level (x4)")
    p.add_argument("--out", required=True, help="PNG to write")
    args = p.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        if not 1 <= args.scale <= 16:
            raise ValueError("--scale must be 1 to 16")
        imgs = rows(args.model, seeds)
        names = list(args.model)
        if args.real:
            real = real_row(args.real, len(seeds))
            if real.shape[1:] != imgs.shape[1:]:
                raise ValueError(f"{args.real} holds {real.shape[-1]}px faces, the models draw {imgs.shape[-1]}px")
            imgs, names = torch.cat([real, imgs]), [f"real faces ({args.real})"] + names
        with torch.no_grad():
            shown = with_detail(imgs, len(seeds)) if args.detail else imgs
        save_grid(shown, args.out, cols=len(seeds), scale=args.scale)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"compare: {e}\n")
    except SystemExit as e:  # real_sets on a folder without images
        p.exit(2, f"compare: {e}\n")
    for i, m in enumerate(names):
        print(f"row {i + 1}: {m}  hf {hf_energy(imgs[i * len(seeds):(i + 1) * len(seeds)]):.4f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
