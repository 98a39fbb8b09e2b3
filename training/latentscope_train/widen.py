"""Widen an exported model's layers at some resolutions without changing what it draws.

    python -m latentscope_train.widen --model ../assets/models/utkface64 --channels '{"32": 96, "64": 48}' --out /tmp/wide

A warm start for a generator with more capacity where the faces need it (the 32x32 and
64x64 layers), so training does not begin again from nothing. Every feature channel of
a widened resolution is copied k times (k = new width / old width), each copy inside
its head's block of channels. That keeps every LayerNorm exact (a set of channels each
repeated k times has the same mean and variance) and every style exact (values and
positional encodings are copied). Where a layer reads the copies, each of its query and
conv weights is split between them in shares drawn at random per weight (`--seed`) that
sum to one, so the sums are those of the original.

The shares matter: copies read with equal weights get the same gradients and stay
copies (Net2Net adds noise to their weights instead, which in training here left the
copies' updates 0.99 alike after 12 kimg, docs/training.md). With shares that differ
from one output to the next, each copy's gradient is another mix of the outputs'
gradients, and the copies grow apart from the first step. Everything else is copied bit
for bit, so the latent space (mapping, w_avg, the directions' W) is the source model's.
config.json records the widening under `training.widened`.
"""
from __future__ import annotations

import argparse
import json
import os

import torch

from .export import model_config, read_export, write_export
from .model import Generator, GeneratorConfig


def channel_map(width: int, factor: int, heads: int) -> torch.Tensor:
    """For each channel of the widened layout, the source channel it copies: head h's
    block of factor*width/heads channels holds its width/heads channels `factor` times."""
    group = width // heads
    j = torch.arange(width * factor)
    return (j // (group * factor)) * group + (j % (group * factor)) % group


def split_shares(src: torch.Tensor, shape: tuple, gen: torch.Generator) -> torch.Tensor:
    """Shares [shape[0], len(src), *shape[1:]] for a weight that reads widened channels
    along dim 1: uniform random, summing to one over the copies of each source channel."""
    full = (shape[0], len(src), *shape[1:])
    raw = torch.rand(full, generator=gen, dtype=torch.float64) + 1e-3   # never all on one copy
    total = torch.zeros((shape[0], int(src.max()) + 1, *shape[1:]), dtype=torch.float64).index_add_(1, src, raw)
    return (raw / total.index_select(1, src)).float()


def widen(src_dir: str, out: str, channels: dict, seed: int = 0, name: str | None = None) -> dict:
    """Writes the widened model to `out` and returns its config. channels: resolution
    (str or int) -> new width, a whole multiple of the current one."""
    config, t, metadata = read_export(src_dir)
    t = {k: v.float() for k, v in t.items()}
    cfg = GeneratorConfig.from_dict(config)

    gen = torch.Generator().manual_seed(seed)
    maps, new_channels = {}, dict(cfg.channels)
    for res, width in sorted(((str(r), int(c)) for r, c in channels.items()), key=lambda rc: int(rc[0])):
        if res not in cfg.channels:
            raise ValueError(f"{src_dir} has no {res}x{res} layers (resolutions {', '.join(cfg.channels)})")
        old = cfg.ch(int(res))
        if width < old or width % old:
            raise ValueError(f"{res}x{res}: {width} channels is not a whole multiple of the current {old}")
        if width == old:
            continue
        if res == "4":
            raise ValueError("the 4x4 layers read the learned constant; widen 8x8 and finer")
        src = channel_map(old, width // old, cfg.heads)
        maps[res] = src
        new_channels[res] = width

    out_t = dict(t)
    for spec in cfg.layer_specs():
        p = f"synthesis.{spec.name}."
        r_in = str(spec.res // 2 if spec.up else spec.res)
        r_out = str(spec.res)
        if r_in in maps:  # the layer reads widened features: copy per channel, split the reads
            m = maps[r_in]
            out_t[p + "pos"] = t[p + "pos"][:, m]
            out_t[p + "value.weight"] = t[p + "value.weight"][m]
            out_t[p + "value.bias"] = t[p + "value.bias"][m]
            for key in ("query.weight", "conv.weight"):
                w = t[p + key]
                out_t[p + key] = w[:, m] * split_shares(m, (w.shape[0], *w.shape[2:]), gen)
        if not spec.is_torgb and r_out in maps:  # the layer writes widened features
            m = maps[r_out]
            out_t[p + "conv.weight"] = out_t[p + "conv.weight"][m]
            out_t[p + "bias"] = t[p + "bias"][m]

    wide_cfg = GeneratorConfig.from_dict({**config, "channels": new_channels})
    shapes = Generator(wide_cfg)  # for the counts model_config records; its weights are not used
    new_config = model_config(shapes, name or config.get("name") or os.path.basename(os.path.normpath(out)),
                              config.get("dtype", "float32"))
    training = dict(config.get("training") or {})
    training["widened"] = {"from": {r: cfg.ch(int(r)) for r in maps}, "to": {r: new_channels[r] for r in maps},
                           "seed": seed, "source": os.path.basename(os.path.normpath(src_dir))}
    new_config["training"] = training
    dtype = torch.float16 if new_config["dtype"] == "float16" else torch.float32
    write_export(out, new_config, {k: v.to(dtype).contiguous() for k, v in out_t.items()}, metadata)
    return new_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--channels", required=True, help='JSON: resolution -> new width, e.g. \'{"32": 96, "64": 48}\'')
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--seed", type=int, default=0, help="seed of the shares")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        channels = json.loads(args.channels)
        if not isinstance(channels, dict):
            raise ValueError("--channels must be a JSON object, resolution -> width")
        config = widen(args.model, args.out, channels, args.seed, args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"widen: {e}\n")
    w = config["training"]["widened"]
    changed = ", ".join(f"{r}x{r} {w['from'][r]} -> {w['to'][r]}" for r in w["to"]) or "nothing"
    print(f"widened {changed}; {config['synthesis_flops'] / 1e9:.3f} GFLOP per image: {args.out}")


if __name__ == "__main__":
    main()
