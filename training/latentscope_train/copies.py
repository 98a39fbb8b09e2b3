"""How far the channel copies of a widened generator have grown apart in training.

    python -m latentscope_train.copies --init RUN.init --checkpoint RUN/checkpoint.pt

`widen` starts a wider G whose new channels are copies of the old ones. The copies only
add capacity once they differ; if they stay alike, the wide G is the narrow one at twice
the cost. For every layer that writes a widened resolution, this compares the rows of its
conv weight that write the copies of one source channel: the cosine between the copies'
updates since the start (1 = they moved alike; random directions in a row of n weights
give about 1/sqrt(n)) and between their weights now (1 at the start). It prints, per
layer, the median over source channels (the mean over pairs of copies for each).

Reads full (train.py) and compact checkpoints; `--net G` looks at the trained G instead of
its moving average.
"""
from __future__ import annotations

import argparse
import json
import statistics

import torch
import torch.nn.functional as F

from .export import generator_tensors, read_export
from .model import Generator, GeneratorConfig
from .widen import channel_map


def _pair_cosines(rows: torch.Tensor, src: torch.Tensor) -> list[float]:
    """Per source channel, the mean cosine over pairs of its copies' rows."""
    out = []
    for c in range(int(src.max()) + 1):
        r = rows[src == c]
        if len(r) < 2:
            continue
        sim = F.cosine_similarity(r[:, None], r[None], dim=-1)
        i, j = torch.triu_indices(len(r), len(r), 1)
        out.append(sim[i, j].mean().item())
    return out


def divergence(init: dict, now: dict, config: dict) -> list[dict]:
    """Rows of {layer, channels, update_cos, weight_cos} for the layers writing widened
    features. init, now: exported tensors (generator_tensors) of the same widened layout;
    config: the widened model's config (its training.widened says what was copied)."""
    widened = (config.get("training") or {}).get("widened")
    if not widened:
        raise ValueError("the starting model was not made by latentscope_train.widen (no training.widened in its config)")
    cfg = GeneratorConfig.from_dict(config)
    maps = {r: channel_map(int(widened["from"][r]), int(widened["to"][r]) // int(widened["from"][r]), cfg.heads)
            for r in widened["to"]}
    rows = []
    for spec in cfg.layer_specs():
        r = str(spec.res)
        if spec.is_torgb or r not in maps:
            continue
        key = f"synthesis.{spec.name}.conv.weight"
        if init[key].shape != now[key].shape:
            raise ValueError(f"{key}: {tuple(now[key].shape)} in the checkpoint, {tuple(init[key].shape)} at the start")
        w0, w1 = init[key].flatten(1).double(), now[key].flatten(1).double()
        rows.append(dict(layer=spec.name, channels=int(w0.shape[0]),
                         update_cos=statistics.median(_pair_cosines(w1 - w0, maps[r])),
                         weight_cos=statistics.median(_pair_cosines(w1, maps[r]))))
    return rows


def load_generator(checkpoint: str, net: str = "G_ema") -> Generator:
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if net not in ck:
        raise ValueError(f"{checkpoint} holds no {net} (it has {', '.join(k for k in ck if k.startswith(('G', 'D')))})")
    G = Generator(GeneratorConfig.from_dict(ck["config"]))
    G.load_state_dict({k: v.float() for k, v in ck[net].items()})
    return G


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--init", required=True, help="the widened model the run started from (widen's --out, RUN.init)")
    p.add_argument("--checkpoint", required=True, help="a full or compact training checkpoint of that run")
    p.add_argument("--net", default="G_ema", choices=["G_ema", "G"])
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = p.parse_args(argv)
    try:
        config, init, _ = read_export(args.init)
        now = generator_tensors(load_generator(args.checkpoint, args.net))
        rows = divergence({k: v.float() for k, v in init.items()}, now, config)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        p.exit(2, f"copies: {e}\n")
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'layer':<12} {'channels':>8} {'update cos':>11} {'weight cos':>11}")
    for r in rows:
        print(f"{r['layer']:<12} {r['channels']:>8} {r['update_cos']:>11.3f} {r['weight_cos']:>11.3f}")


if __name__ == "__main__":
    main()
