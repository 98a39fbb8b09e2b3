"""Refit an exported model's positional encodings as coarse learned grids.

    python -m latentscope_train.regrid --model ../assets/models/utkface64 --grid 32 --out /tmp/utkface64-g32

A free per-pixel positional encoding lets a generator paint a fixed pixel-level
pattern into every face (the stripes of the first release, docs/training.md). For
every layer finer than GRID, this replaces the encoding by the GRID x GRID grid
whose bilinear upsampling (model.upsample_bilinear, as a `pos_grid` model computes
it) is the least-squares fit of the original: the smooth part stays, patterns finer
than the grid's cells go. Every other tensor is copied bit for bit, so the model
keeps its latent space (mapping, w_avg, directions' W) and the engine reads the
result as it reads any export. config.json records the refit under
`training.pos_refit`.
"""
from __future__ import annotations

import argparse
import os

import torch

from .export import _fit_grid, read_export, write_export
from .model import upsample_bilinear


def refit_pos(pos: torch.Tensor, res: int, grid: int) -> torch.Tensor:
    """pos [res*res, C] -> the bilinear upsampling of its least-squares grid, [res*res, C]."""
    g = _fit_grid(pos.double(), grid, res).float()                      # [C, grid, grid]
    return upsample_bilinear(g.unsqueeze(0), res)[0].flatten(1).t().contiguous()


def regrid(src: str, out: str, grid: int, name: str | None = None) -> dict:
    """Writes the refitted model to `out` and returns its config. `out` may be `src`."""
    if grid < 1:
        raise ValueError(f"--grid must be at least 1, not {grid}")
    config, tensors, metadata = read_export(src)
    weights_path = os.path.join(src, "generator.safetensors")
    refit = []
    for layer in config["layers"]:
        res, key = layer["res"], f"synthesis.{layer['name']}.pos"
        if res <= grid:
            continue
        if key not in tensors:
            raise KeyError(f"{weights_path}: tensor {key!r} missing")
        pos = tensors[key]
        if tuple(pos.shape) != (res * res, layer["cin"]):
            raise ValueError(f"{weights_path}: tensor {key!r} has shape {tuple(pos.shape)}, "
                             f"expected {(res * res, layer['cin'])}")
        tensors[key] = refit_pos(pos.float(), res, grid).to(pos.dtype)
        refit.append(layer["name"])
    previous = int(config.get("pos_grid") or 0)
    config["pos_grid"] = grid if previous <= 0 else min(previous, grid)
    config["name"] = name or config.get("name") or os.path.basename(os.path.normpath(out))
    training = dict(config.get("training") or {})
    training["pos_refit"] = {"grid": grid, "layers": refit, "source": os.path.basename(os.path.normpath(src))}
    config["training"] = training
    write_export(out, config, tensors, metadata)
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--grid", type=int, required=True, help="grid size; layers finer than it are refitted")
    p.add_argument("--out", required=True, help="model folder to write (may be --model itself)")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        config = regrid(args.model, args.out, args.grid, args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"regrid: {e}\n")
    layers = config["training"]["pos_refit"]["layers"]
    print(f"refitted {len(layers)} layers ({', '.join(layers) or 'none'}) to a {args.grid}x{args.grid} grid: {args.out}")


if __name__ == "__main__":
    main()
