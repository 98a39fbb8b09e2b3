"""Widen an exported model's layers at some resolutions without changing what it draws.

    python -m latentscope_train.widen --model ../assets/models/utkface64 --channels '{"32": 96, "64": 48}' --out /tmp/wide

A warm start for a generator with more capacity where the faces need it (the 32x32 and
64x64 layers), so training does not begin again from nothing. Every feature channel of
a widened resolution is copied k times (k = new width / old width), each copy inside
its head's block of channels. That keeps every LayerNorm exact (a set of channels each
repeated k times has the same mean and variance) and every style exact (values and
positional encodings are copied). Where a layer reads the copies, its query and conv
weights are shared equally between them, so the sums are those of the original.

Exact copies would stay copies in training (they get the same gradients), so the conv
weights that write them are jittered by `--jitter` times the weights' RMS, with a
jitter that sums to zero over the copies of each channel (Net2Net's symmetry breaking):
the mean of the copies, which is what the next layer reads, moves only where a
LeakyReLU changes side, and the LayerNorm's variance only to second order. With
`--jitter 0` the widened model draws exactly what the source does. Everything else is
copied bit for bit, so the latent space (mapping, w_avg, the directions' W) is the
source model's. config.json records the widening under `training.widened`.
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


def zero_sum_jitter(src: torch.Tensor, shape: tuple, gen: torch.Generator) -> torch.Tensor:
    """Standard Gaussian jitter [len(src), *shape] less its mean over the rows that copy
    one source channel, so that it sums to zero over them."""
    d = torch.randn((len(src), *shape), generator=gen, dtype=torch.float64)
    width = int(src.max()) + 1
    mean = torch.zeros((width, *shape), dtype=torch.float64).index_add_(0, src, d)
    counts = torch.bincount(src, minlength=width).double().view(-1, *([1] * len(shape)))
    return (d - (mean / counts)[src]).float()


def widen(src_dir: str, out: str, channels: dict, jitter: float = 0.2, seed: int = 0,
          name: str | None = None) -> dict:
    """Writes the widened model to `out` and returns its config. channels: resolution
    (str or int) -> new width, a whole multiple of the current one; jitter: relative size
    of the symmetry-breaking jitter (0: an exact copy)."""
    if not jitter >= 0:
        raise ValueError(f"--jitter must be at least 0, not {jitter}")
    config, t, metadata = read_export(src_dir)
    t = {k: v.float() for k, v in t.items()}
    cfg = GeneratorConfig.from_dict(config)

    gen = torch.Generator().manual_seed(seed)
    maps, shares, new_channels = {}, {}, dict(cfg.channels)
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
        maps[res], shares[res] = src, torch.full((width,), old / width)
        new_channels[res] = width

    out_t = dict(t)
    for spec in cfg.layer_specs():
        p = f"synthesis.{spec.name}."
        r_in = str(spec.res // 2 if spec.up else spec.res)
        r_out = str(spec.res)
        if r_in in maps:  # the layer reads widened features: copy per channel, share the reads
            m, a = maps[r_in], shares[r_in]
            out_t[p + "pos"] = t[p + "pos"][:, m]
            out_t[p + "value.weight"] = t[p + "value.weight"][m]
            out_t[p + "value.bias"] = t[p + "value.bias"][m]
            out_t[p + "query.weight"] = t[p + "query.weight"][:, m] * a
            out_t[p + "conv.weight"] = t[p + "conv.weight"][:, m] * a.view(1, -1, 1, 1)
        if not spec.is_torgb and r_out in maps:  # the layer writes widened features
            m = maps[r_out]
            w = out_t[p + "conv.weight"][m]
            rms = w.square().mean(dim=(1, 2, 3), keepdim=True).sqrt()
            out_t[p + "conv.weight"] = w + zero_sum_jitter(m, tuple(w.shape[1:]), gen) * rms * jitter
            out_t[p + "bias"] = t[p + "bias"][m]

    wide_cfg = GeneratorConfig.from_dict({**config, "channels": new_channels})
    shapes = Generator(wide_cfg)  # for the counts model_config records; its weights are not used
    new_config = model_config(shapes, name or config.get("name") or os.path.basename(os.path.normpath(out)),
                              config.get("dtype", "float32"))
    training = dict(config.get("training") or {})
    training["widened"] = {"from": {r: cfg.ch(int(r)) for r in maps}, "to": {r: new_channels[r] for r in maps},
                           "jitter": jitter, "seed": seed, "source": os.path.basename(os.path.normpath(src_dir))}
    new_config["training"] = training
    dtype = torch.float16 if new_config["dtype"] == "float16" else torch.float32
    write_export(out, new_config, {k: v.to(dtype).contiguous() for k, v in out_t.items()}, metadata)
    return new_config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--channels", required=True, help='JSON: resolution -> new width, e.g. \'{"32": 96, "64": 48}\'')
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--jitter", type=float, default=0.2,
                   help="symmetry-breaking jitter of the copies, relative to the weights' RMS (0: exact)")
    p.add_argument("--seed", type=int, default=0, help="seed of the jitter")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        channels = json.loads(args.channels)
        if not isinstance(channels, dict):
            raise ValueError("--channels must be a JSON object, resolution -> width")
        config = widen(args.model, args.out, channels, args.jitter, args.seed, args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"widen: {e}\n")
    w = config["training"]["widened"]
    changed = ", ".join(f"{r}x{r} {w['from'][r]} -> {w['to'][r]}" for r in w["to"]) or "nothing"
    print(f"widened {changed}; {config['synthesis_flops'] / 1e9:.3f} GFLOP per image: {args.out}")


if __name__ == "__main__":
    main()
