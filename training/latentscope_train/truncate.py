"""Bake a per-resolution truncation (or extrapolation) of the styles into a trained model.

    python -m latentscope_train.truncate --model /tmp/trained --psi 4:1.15,8:1.15 --out /tmp/trained-psi

StyleGAN's truncation trick draws w' = w_avg + psi (w - w_avg): psi < 1 trades variety
for typical faces, psi > 1 spreads the faces further from the average one. Applied to
the layers of some resolutions only, it changes what those layers decide (at 4x4 and
8x8: the head's shape, pose and the face's proportions) and leaves the rest as trained
(docs/training.md, "Wider coarse styles: the eighth release").

A layer's style is an affine function of each token's w (the `value` projection; the
attention's keys do not depend on w), so the truncation is exact in the weights:
value(w') = psi W w + b + (1 - psi) W w_avg. The file format does not change, w_avg
still draws the average face, and truncation chosen at run time composes with it
(psi_run x psi_baked at those layers). config.json records the factors under
`training.style_psi`; applying it twice multiplies them.
"""
from __future__ import annotations

import argparse
import os

import torch

from .export import read_export, write_export
from .per_res import compose_factors, parse_per_res, require_layers_at


def parse_psi(spec: str) -> dict[int, float]:
    """'4:1.15,8:1.15' -> {4: 1.15, 8: 1.15}; every psi must lie in (0, 2]."""
    return parse_per_res(spec, "--psi", "PSI", lambda s: 0 < s <= 2, "psi must be above 0 and at most 2",
                         example="8:1.15")


def truncate(src: str, out: str, psis: dict[int, float], name: str | None = None) -> dict:
    """Writes the model with the style affine of every layer at a resolution in `psis`
    truncated toward w_avg by its psi to `out` (may be `src`) and returns its config."""
    config, tensors, metadata = read_export(src)
    weights_path = os.path.join(src, "generator.safetensors")
    require_layers_at(config, psis, src)
    if "w_avg" not in tensors:
        raise KeyError(f"{weights_path}: tensor 'w_avg' missing")
    w_avg = tensors["w_avg"].double()
    for layer in config["layers"]:
        psi = psis.get(layer["res"])
        if psi is None:
            continue
        prefix = f"synthesis.{layer['name']}.value"
        for part in ("weight", "bias"):
            if f"{prefix}.{part}" not in tensors:
                raise KeyError(f"{weights_path}: tensor {prefix + '.' + part!r} missing")
        weight, bias = tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"]
        shift = (1.0 - psi) * (weight.double() @ w_avg)   # what w_avg's style loses with the scaled weight
        tensors[f"{prefix}.weight"] = (weight.double() * psi).to(weight.dtype)
        tensors[f"{prefix}.bias"] = (bias.double() + shift).to(bias.dtype)
    config["name"] = name or config.get("name") or os.path.basename(os.path.normpath(out))
    config["training"] = {**(config.get("training") or {}),
                          "style_psi": compose_factors(config.get("training") or {}, "style_psi", psis)}
    write_export(out, config, tensors, metadata)
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--psi", required=True,
                   help="RES:PSI[,RES:PSI...]: the styles of the layers at RES x RES drawn from w_avg + PSI (w - w_avg)")
    p.add_argument("--out", required=True, help="model folder to write (may be --model itself)")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        config = truncate(args.model, args.out, parse_psi(args.psi), args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"truncate: {e}\n")
    print(f"styles truncated by psi {config['training']['style_psi']}: {args.out}")


if __name__ == "__main__":
    main()
