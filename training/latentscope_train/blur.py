"""Low-pass a trained model's attention maps at chosen resolutions.

    python -m latentscope_train.blur --model /tmp/trained --passes 64:1 --out /tmp/trained-blur

Where a layer's attention is sharp, neighbouring pixels take their styles from different
tokens and the face gets blotches and broken contours (docs/training.md, "Blurred
attention at 64x64"). `attention_blur` in config.json filters every attention map of the
layers at a resolution with [1,2,1]/4 along x and y (edges replicated) between the
softmax and the style, PASSES times: a pixel's style then changes smoothly from one
pixel to the next, and each pixel still weighs its tokens to a sum of one. No weight
changes; the mapping, w_avg and the directions' W stay valid. The model is written
with format_version 2, which engines older than the field refuse (docs/model-format.md).
"""
from __future__ import annotations

import argparse
import os

from .export import FORMAT_VERSION_BLUR, read_export, write_export
from .model import GeneratorConfig
from .per_res import parse_per_res, require_layers_at


def parse_passes(spec: str) -> dict[int, int]:
    """'64:1' -> {64: 1}; every count a whole number from 0 (none) to 8."""
    raw = parse_per_res(spec, "--passes", "PASSES", lambda k: k == int(k) and 0 <= k <= 8,
                        "the passes must be a whole number from 0 to 8", example="64:1")
    return {r: int(k) for r, k in raw.items()}


def blur(src: str, out: str, passes: dict[int, int], name: str | None = None) -> dict:
    """Writes the model with `attention_blur` set at the resolutions of `passes` (0 removes
    it there) to `out` (may be `src`) and returns its config."""
    config, tensors, metadata = read_export(src)
    require_layers_at(config, passes, src)
    applied = {int(r): int(k) for r, k in (config.get("attention_blur") or {}).items()}
    applied.update(passes)
    applied = {str(r): k for r, k in sorted(applied.items()) if k > 0}
    GeneratorConfig.from_dict({**config, "attention_blur": applied})  # the reference model's own checks
    config.pop("attention_blur", None)
    if applied:
        config["attention_blur"] = applied
        config["format_version"] = FORMAT_VERSION_BLUR
    else:
        config["format_version"] = 1
    config["name"] = name or config.get("name") or os.path.basename(os.path.normpath(out))
    write_export(out, config, tensors, metadata)
    return config


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder to read")
    p.add_argument("--passes", required=True, help="RES:PASSES[,RES:PASSES...]: blur the attention of the layers at RES x RES")
    p.add_argument("--out", required=True, help="model folder to write (may be --model itself)")
    p.add_argument("--name", default=None, help="model name (default: the source model's)")
    args = p.parse_args(argv)
    try:
        config = blur(args.model, args.out, parse_passes(args.passes), args.name)
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"blur: {e}\n")
    print(f"attention blur {config.get('attention_blur', {})}: {args.out}")


if __name__ == "__main__":
    main()
