"""Export the attribute classifier (attribute_classifier.AttributeNet) beside a model, for
the Swift engine (Sources/Engine/AttributeClassifier.swift reads it):

    python -m latentscope_train.classifier_export --checkpoint ~/.cache/latentscope/attribute-classifier/KEY.pt \\
        --out ../assets/models/utkface64

Writes MODEL/attributes.safetensors and MODEL/attributes.json (format in
docs/model-format.md). BatchNorm is folded into the convolution before it, in
eval mode: each block becomes one convolution with a bias, then ReLU, so the
engine runs plain im2col + GEMM. Weights are F32. Each file goes to a
temporary file renamed into place, the weights first.

The network, as the format's version 1 fixes it: the image (3 x input x input,
in [-1, 1], as the generator makes it) -> 2x2 average pooling -> the blocks
(3x3 convolution, padding 1, the block's stride, bias, ReLU) -> the mean over
pixels -> Linear(last channels, hidden) -> ReLU -> Linear(hidden, outputs).
Output "age" is linear (x scale = years); "female" is a sigmoid (P(female)).
"""
from __future__ import annotations

import argparse
import json
import math
import os

import torch
import torch.nn as nn
from safetensors.torch import save

from .attribute_classifier import AGE_SCALE, AttributeNet, load_saved
from .atomic import write_bytes, write_text
from .export import _sorted_metadata

FORMAT = "latentscope-attributes"
FORMAT_VERSION = 1
TRAINED_INPUT = 64          # UTKFace64: the images the classifier learns from
OUTPUTS = [{"name": "age", "label": "years", "kind": "linear", "scale": AGE_SCALE},
           {"name": "female", "label": "P(female)", "kind": "sigmoid"}]


def blocks_of(net: AttributeNet) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """The (conv, batch norm) pairs of the feature blocks, checked against the
    layout version 1 of the format describes."""
    out = []
    for i, block in enumerate(net.features):
        conv, bn, act = block[0], block[1], block[2]
        if not (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d) and isinstance(act, nn.ReLU)):
            raise ValueError(f"feature block {i} is not Conv2d + BatchNorm2d + ReLU")
        if conv.kernel_size != (3, 3) or conv.padding != (1, 1) or conv.bias is not None or conv.groups != 1 \
                or conv.dilation != (1, 1) or conv.stride[0] != conv.stride[1]:
            raise ValueError(f"feature block {i}: expected a 3x3 convolution, padding 1, square stride, no bias")
        out.append((conv, bn))
    return out


def folded_tensors(net: AttributeNet) -> dict[str, torch.Tensor]:
    """Name -> F32 tensor with each BatchNorm (running statistics, eval mode)
    folded into its convolution: w' = w * g / sqrt(var + eps), b' = beta - mean * g / sqrt(var + eps)."""
    t: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for i, (conv, bn) in enumerate(blocks_of(net)):
            scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
            t[f"features.{i}.weight"] = conv.weight.double() * scale[:, None, None, None]
            t[f"features.{i}.bias"] = bn.bias.double() - bn.running_mean.double() * scale
        linears = [m for m in net.head if isinstance(m, nn.Linear)]
        if len(linears) != 2:
            raise ValueError(f"the head has {len(linears)} linear layers, expected 2")
        t["hidden.weight"], t["hidden.bias"] = linears[0].weight, linears[0].bias
        t["output.weight"], t["output.bias"] = linears[1].weight, linears[1].bias
    return {k: v.detach().float().contiguous().clone() for k, v in t.items()}


def description(net: AttributeNet, input_size: int, metrics: dict | None) -> dict:
    blocks = [{"channels": conv.out_channels, "stride": conv.stride[0]} for conv, _ in blocks_of(net)]
    linears = [m for m in net.head if isinstance(m, nn.Linear)]
    if linears[1].out_features != len(OUTPUTS):
        raise ValueError(f"the classifier has {linears[1].out_features} outputs, expected {len(OUTPUTS)}")
    clean = {}
    for k, v in (metrics or {}).items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"metric {k!r} is {v!r}; metrics are finite numbers")
        clean[str(k)] = v
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "input": int(input_size), "blocks": blocks,
            "hidden": linears[0].out_features, "outputs": OUTPUTS, "metrics": clean}


def export_classifier(net: AttributeNet, folder: str, metrics: dict | None = None, input_size: int = TRAINED_INPUT) -> dict:
    """Writes folder/attributes.safetensors and folder/attributes.json (the
    folder must exist: it is a model folder). Returns the JSON written."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: no such folder (export the classifier into a model folder)")
    if not 2 <= input_size <= 1024:
        raise ValueError(f"input size {input_size}, expected 2 ... 1024 pixels")
    net.eval()
    tensors = folded_tensors(net)
    info = description(net, input_size, metrics)
    bad = [k for k, v in tensors.items() if not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"tensor {bad[0]} has non-finite values after folding")
    blob = _sorted_metadata(save(tensors, metadata={"format": FORMAT, "format_version": str(FORMAT_VERSION)}))
    write_bytes(os.path.join(folder, "attributes.safetensors"), blob)
    write_text(os.path.join(folder, "attributes.json"), json.dumps(info, indent=2) + "\n")
    return info


def folded_forward(tensors: dict[str, torch.Tensor], info: dict, images: torch.Tensor) -> torch.Tensor:
    """The exported network on float images [N, 3, R, R]: raw outputs [N, outputs]
    (what the engine computes; for tests and the fixture)."""
    import torch.nn.functional as F
    x = F.avg_pool2d(images.float(), 2)
    for i, b in enumerate(info["blocks"]):
        x = F.relu(F.conv2d(x, tensors[f"features.{i}.weight"], tensors[f"features.{i}.bias"], stride=b["stride"], padding=1))
    x = x.mean(dim=(2, 3))
    x = F.relu(x @ tensors["hidden.weight"].T + tensors["hidden.bias"])
    return x @ tensors["output.weight"].T + tensors["output.bias"]


def named_outputs(raw: torch.Tensor) -> dict[str, list[float]]:
    """Raw outputs [N, 2] -> {"age": years, "female": P(female)} per image."""
    return {"age": (raw[:, 0] * AGE_SCALE).tolist(), "female": torch.sigmoid(raw[:, 1]).tolist()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True,
                   help="a saved classifier: pinned (training/classifiers/*.pt) or cached (~/.cache/latentscope/attribute-classifier/*.pt)")
    p.add_argument("--out", required=True, help="the model folder to write attributes.json and attributes.safetensors into")
    p.add_argument("--input", type=int, default=None,
                   help=f"the image size the engine feeds it (default {TRAINED_INPUT}, which must be the model's resolution)")
    args = p.parse_args(argv)
    try:
        net, metrics = load_saved(args.checkpoint)
    except ValueError as e:
        p.error(str(e))
    size = args.input
    config_path = os.path.join(args.out, "config.json")
    if size is None:
        size = TRAINED_INPUT
        if os.path.exists(config_path):
            res = json.load(open(config_path)).get("resolution")
            if res != size:
                p.error(f"{config_path}: the model makes {res}x{res} images, the classifier was trained on "
                        f"{size}x{size}; pass --input {res} to export it for this model anyway")
    try:
        info = export_classifier(net, args.out, metrics, input_size=size)
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    shown = ", ".join(f"{k} {v:g}" for k, v in info["metrics"].items() if isinstance(v, (int, float)))
    print(f"wrote {os.path.join(args.out, 'attributes.json')} and attributes.safetensors "
          f"({len(info['blocks'])} blocks, input {size}x{size}){'; held out: ' + shown if shown else ''}")


if __name__ == "__main__":
    main()
