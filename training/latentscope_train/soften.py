"""Soften a trained model's attention at chosen resolutions.

    python -m latentscope_train.soften --model /tmp/trained --scale 64:0.6 --out /tmp/trained-soft

Every pixel of a styled layer takes its style from the tokens through a softmax over
keys · query. Where that softmax is sharp, neighbouring pixels switch between tokens'
styles and the face gets blocky, broken texture (docs/training.md, "Softer attention
at 64x64"). Multiplying a layer's keys by s < 1 divides the temperature of its
attention by s: every pixel mixes more tokens, the style field is smoother. Nothing
else changes (the mapping, w_avg and the directions' W stay valid), and the engine
reads the result as any export. config.json records the factors under
`training.attention_scale`; applying it twice multiplies them.
"""
from __future__ import annotations

import argparse
import os

from .export import read_export, write_export
from .per_res import compose_factors, parse_per_res, require_layers_at


def parse_scales(spec: str) -> dict[int, float]:
    """'64:0.6,32:0.9' -> {64: 0.6, 32: 0.9}; every factor must lie in (0, 4]."""
    return parse_per_res(spec, "--scale", "FACTOR", lambda s: 0 < s <= 4, "the factor must be above 0 and at most 4")


def soften(src: str, out: str, scales: dict[int, float], name: str | None = None) -> dict:
    """Writes the model with the keys of every layer at a resolution in `scales` multiplied
    by its factor to `out` (may be `src`) and returns its config."""
    config, tensors, metadata = read_export(src)
    weights_path = os.path.join(src, "generator.safetensors")
    require_layers_at(config, scales, src)
    layers = []
    for layer in config["layers"]:
        if layer["res"] not in scales:
            continue
        key = f"synthesis.{layer['name']}.keys"
        if key not in tensors:
            raise KeyError(f"{weights_path}: tensor {key!r} missing")
        keys = tensors[key]
        tensors[key] = (keys.float() * scales[layer["res"]]).to(keys.dtype)
        layers.append(layer["name"])
    config["name"] = name or config.get("name") or os.path.basename(os.path.normpath(out))
    config["training"] = {**(config.get("training") or {}),
                          "attention_scale": compose_factors(config.get("training") or {}, "attention_scale", scales)}
    write_export(out, config, tensors, metadata)
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--scale", required=True, help="RES:FACTOR[,RES:FACTOR...]: the keys of the layers at RES x RES times FACTOR")
    p.add_argument("--out", required=True, help="model folder to write (may be --model itself)")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        config = soften(args.model, args.out, parse_scales(args.scale), args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"soften: {e}\n")
    print(f"attention scaled by {config['training']['attention_scale']}: {args.out}")


if __name__ == "__main__":
    main()
