"""How sharp a model's attention is, layer by layer.

    python -m latentscope_train.attention_entropy --model ../assets/models/utkface64 [--model B ...] [--seeds 0-63]

Every pixel of a styled layer takes its style as a softmax-weighted mix of the tokens'
values. `entropy` is that softmax's entropy divided by log(tokens), averaged over
pixels, heads and seeds: 1 = every token weighs the same, 0 = one token takes all.
`peaked` is the share of (pixel, head) pairs whose strongest token has at least 0.9 of
the weight: where neighbouring pixels switch between such tokens, the face shows
blocky patches (docs/training.md, "Softer attention at 64x64"). Constant noise, ψ 1,
the engine's latents for the seeds.
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from .export import load_exported
from .model import NoiseMode
from .rng import seed_z


def parse_seeds(spec: str) -> list[int]:
    """'0-63' or '2,5,9' -> seeds."""
    seeds = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lo, dash, hi = part.partition("-")
        try:
            seeds.extend(range(int(lo), int(hi) + 1) if dash else [int(lo)])
        except ValueError:
            raise ValueError(f"--seeds wants ranges such as 0-63 or lists such as 2,5,9, not {part!r}") from None
    if not seeds or min(seeds) < 0:
        raise ValueError(f"--seeds {spec!r} names no seed, or a negative one")
    return seeds


def layer_entropy(G, z: torch.Tensor) -> list[dict]:
    """One row per styled layer: name, res, entropy, peaked (see the module's text)."""
    with torch.no_grad():
        _, maps = G(z, noise_mode=NoiseMode.CONST, return_attn=True)
    rows = []
    for layer, a in zip(G.synthesis.layers, maps):          # a: [B, heads, pixels, tokens]
        p = a.clamp_min(1e-12)
        h = -(p * p.log()).sum(-1) / math.log(a.shape[-1])
        rows.append(dict(name=layer.spec.name, res=layer.spec.res, entropy=h.mean().item(),
                         peaked=(a.amax(-1) >= 0.9).float().mean().item()))
    return rows


def model_entropy(model_dir: str, seeds: list[int]) -> list[dict]:
    G = load_exported(model_dir).eval()
    z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in seeds])).float()
    return layer_entropy(G, z)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", required=True, help="exported model folder (repeat: one column each)")
    p.add_argument("--seeds", default="0-63", help="seeds to average over, e.g. 0-63 or 2,5,9")
    args = p.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
        tables = [model_entropy(m, seeds) for m in args.model]
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"attention_entropy: {e}\n")
    names = [t["name"] for t in tables[0]]
    if any([t["name"] for t in table] != names for table in tables):
        p.exit(2, "attention_entropy: the models have different layers\n")
    print(f"entropy / peaked (seeds {args.seeds})")
    print(f"{'layer':<12}" + "".join(f"{m[-28:]:>28}" for m in args.model))
    for i, name in enumerate(names):
        print(f"{name:<12}" + "".join(f"{t[i]['entropy']:>20.3f} / {t[i]['peaked']:.3f}" for t in tables))


if __name__ == "__main__":
    main()
