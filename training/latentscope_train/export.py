"""Export a trained generator for the Swift engine.

    python -m latentscope_train.export --checkpoint RUN/checkpoint.pt --out ../assets/models/NAME [--dtype float16]

Writes NAME/config.json and NAME/generator.safetensors (the EMA generator). The
equalized-learning-rate scales are baked into the weights, so the engine does
plain linear algebra. Tensor names and shapes: docs/model-format.md.
"""
from __future__ import annotations

import argparse
import json
import os
import struct

import torch
from safetensors.torch import save

from .atomic import write_bytes, write_text
from .model import LN_EPS, LRELU_GAIN, LRELU_SLOPE, Generator, GeneratorConfig, count_params, synthesis_flops

FORMAT = "latentscope-generator"
FORMAT_VERSION = 1
# A model with attention_blur is written as version 2, so that an engine that does not know
# the field refuses it instead of drawing other faces; every other model stays version 1.
FORMAT_VERSION_BLUR = 2


def generator_tensors(G: Generator) -> dict[str, torch.Tensor]:
    """Name -> tensor with equalized-lr scales baked in (float32, contiguous)."""
    t: dict[str, torch.Tensor] = {}
    for i, fc in enumerate(G.mapping.fcs):
        w, b = fc.effective()
        t[f"mapping.{i}.weight"], t[f"mapping.{i}.bias"] = w, b
    t["w_avg"] = G.w_avg
    t["synthesis.const"] = G.synthesis.const
    for layer in G.synthesis.layers:
        p = f"synthesis.{layer.spec.name}."
        t[p + "pos"] = layer.pos()  # baked at the layer's resolution, [P, C]
        t[p + "query.weight"] = layer.query.effective()[0]
        t[p + "keys"] = layer.keys
        vw, vb = layer.value.effective()
        t[p + "value.weight"], t[p + "value.bias"] = vw, vb
        t[p + "conv.weight"] = layer.conv.weight * layer.conv.scale
        t[p + "bias"] = layer.bias
        if layer.noise_strength is not None:
            t[p + "noise_strength"] = layer.noise_strength.reshape(1)
            t[p + "noise_const"] = layer.noise_const.reshape(layer.spec.res, layer.spec.res)
    return {k: v.detach().float().contiguous().clone() for k, v in t.items()}


def format_version(cfg: GeneratorConfig) -> int:
    return FORMAT_VERSION_BLUR if cfg.attention_blur else FORMAT_VERSION


def model_config(G: Generator, name: str, dtype: str, extra: dict | None = None) -> dict:
    cfg = G.cfg
    return {
        "format": FORMAT,
        "format_version": format_version(cfg),
        "name": name,
        "dtype": dtype,
        **cfg.to_dict(),
        "layers": [s.to_dict() for s in cfg.layer_specs()],
        "lrelu_slope": LRELU_SLOPE,
        "lrelu_gain": LRELU_GAIN,
        "layernorm_eps": LN_EPS,
        "upsample": "bilinear-half-pixel",
        "parameters": count_params(G.synthesis) + count_params(G.mapping),
        "synthesis_flops": synthesis_flops(cfg),
        **(extra or {}),
    }


def _sorted_metadata(blob: bytes) -> bytes:
    """safetensors writes its __metadata__ map in a random order (a Rust
    HashMap), so two exports of the same weights could differ byte for byte.
    Rewrite that map with sorted keys: same bytes, same length, reproducible."""
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    if "__metadata__" not in header:
        return blob
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    if len(text) > n:  # cannot happen (same characters), but never corrupt a file
        return blob
    return blob[:8] + text.ljust(n, b" ") + blob[8 + n:]


def export_generator(G: Generator, out_dir: str, name: str, dtype: str = "float32", extra: dict | None = None):
    if dtype not in ("float32", "float16"):
        raise ValueError(f"dtype must be float32 or float16, not {dtype!r}")
    os.makedirs(out_dir, exist_ok=True)
    tensors = generator_tensors(G)
    if dtype == "float16":
        tensors = {k: v.half() for k, v in tensors.items()}
    config = model_config(G, name, dtype, extra)
    write_export(out_dir, config, tensors, {"format": FORMAT, "format_version": str(FORMAT_VERSION)})
    return config


def model_files(model_dir: str) -> tuple[str, str]:
    """(config.json, generator.safetensors) of an exported model folder; a clear error if either is missing."""
    config_path, weights_path = os.path.join(model_dir, "config.json"), os.path.join(model_dir, "generator.safetensors")
    for p in (config_path, weights_path):
        if not os.path.isfile(p):
            raise FileNotFoundError(f"{p}: no such file (is {model_dir} an exported model folder?)")
    return config_path, weights_path


def read_export(model_dir: str) -> tuple[dict, dict[str, torch.Tensor], dict]:
    """An exported model folder as (config, tensors, safetensors metadata), for tools
    that rewrite some tensors and keep the rest bit for bit (regrid, widen)."""
    from safetensors import safe_open
    config_path, weights_path = model_files(model_dir)
    config = json.load(open(config_path))
    with safe_open(weights_path, framework="pt") as f:
        return config, {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def write_export(out_dir: str, config: dict, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
    """The inverse of read_export; both files written atomically."""
    blob = _sorted_metadata(save(tensors, metadata=metadata))
    write_bytes(os.path.join(out_dir, "generator.safetensors"), blob)
    write_text(os.path.join(out_dir, "config.json"), json.dumps(config, indent=2) + "\n")


def load_exported(out_dir: str) -> Generator:
    """The inverse of export (used by tests and the PyTorch benchmark): a Generator
    whose forward equals the exported model's (scales stay baked: each
    equalized layer's runtime scale is set to 1)."""
    from safetensors.torch import load_file
    config_path, weights_path = model_files(out_dir)
    config = json.load(open(config_path))
    # The file holds the baked per-pixel encoding, so the copy uses a per-pixel one.
    G = Generator(GeneratorConfig.from_dict({**config, "pos_grid": 0}))
    t = {k: v.float() for k, v in load_file(weights_path).items()}
    with torch.no_grad():
        for i, fc in enumerate(G.mapping.fcs):
            fc.weight.copy_(t[f"mapping.{i}.weight"]); fc.bias.copy_(t[f"mapping.{i}.bias"])
            fc.scale, fc.lr_mul = 1.0, 1.0
        G.w_avg.copy_(t["w_avg"])
        G.synthesis.const.copy_(t["synthesis.const"])
        for layer in G.synthesis.layers:
            p = f"synthesis.{layer.spec.name}."
            layer.pos_grid.copy_(t[p + "pos"].t().reshape_as(layer.pos_grid))
            layer.query.weight.copy_(t[p + "query.weight"]); layer.query.scale = 1.0
            layer.keys.copy_(t[p + "keys"])
            layer.value.weight.copy_(t[p + "value.weight"]); layer.value.bias.copy_(t[p + "value.bias"])
            layer.value.scale, layer.value.lr_mul = 1.0, 1.0
            layer.conv.weight.copy_(t[p + "conv.weight"]); layer.conv.scale = 1.0
            layer.bias.copy_(t[p + "bias"])
            if layer.noise_strength is not None:
                layer.noise_strength.copy_(t[p + "noise_strength"][0])
                layer.noise_const.copy_(t[p + "noise_const"].view_as(layer.noise_const))
    return G.eval()


def init_from_exported(G: Generator, out_dir: str) -> None:
    """Warm start: copy an exported model's weights into a training Generator of the
    same widths (equalized-lr scales un-baked). Where G's positional encoding is a
    coarse grid and the file's is finer, the grid is the least-squares fit whose
    bilinear upsampling is closest to the file's encoding (its smooth part)."""
    src = load_exported(out_dir)
    if src.cfg.layer_specs() != G.cfg.layer_specs() or src.cfg.tokens != G.cfg.tokens \
            or src.cfg.heads != G.cfg.heads or src.cfg.head_dim != G.cfg.head_dim \
            or src.cfg.z_dim != G.cfg.z_dim or src.cfg.w_dim != G.cfg.w_dim \
            or src.cfg.mapping_layers != G.cfg.mapping_layers:
        raise ValueError(f"{out_dir}: another architecture than the one being trained")
    with torch.no_grad():
        for a, b in zip(G.mapping.fcs, src.mapping.fcs):
            a.weight.copy_(b.weight / a.scale); a.bias.copy_(b.bias / a.lr_mul)
        G.w_avg.copy_(src.w_avg)
        G.synthesis.const.copy_(src.synthesis.const)
        for a, b in zip(G.synthesis.layers, src.synthesis.layers):
            a.pos_grid.copy_(_fit_grid(b.pos(), a.pos_size, a.res))
            a.query.weight.copy_(b.query.weight / a.query.scale)
            a.keys.copy_(b.keys)
            a.value.weight.copy_(b.value.weight / a.value.scale); a.value.bias.copy_(b.value.bias / a.value.lr_mul)
            a.conv.weight.copy_(b.conv.weight / a.conv.scale)
            a.bias.copy_(b.bias)
            if a.noise_strength is not None:
                a.noise_strength.copy_(b.noise_strength); a.noise_const.copy_(b.noise_const)


def _fit_grid(pos: torch.Tensor, g: int, res: int) -> torch.Tensor:
    """pos [res*res, C] -> grid [C, g, g] minimising |upsample(grid) - pos|."""
    from .model import upsample_bilinear
    if g == res:
        return pos.t().reshape(-1, res, res)
    basis = torch.eye(g * g, dtype=torch.float64).view(g * g, 1, g, g)
    U = upsample_bilinear(basis, res).reshape(g * g, res * res).t()      # [P, g*g]
    sol = torch.linalg.lstsq(U, pos.double()).solution                   # [g*g, C]
    return sol.t().reshape(-1, g, g).float()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True, help="model folder, e.g. assets/models/utkface64")
    p.add_argument("--name", default=None, help="model name (default: the folder's name)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float16"])
    p.add_argument("--net", default="G_ema", choices=["G_ema", "G"],
                   help="which generator of the checkpoint: the moving average (what is released) or the trained G itself")
    p.add_argument("--w-avg-samples", type=int, default=20000, help="latents to estimate w_avg (0: keep the training average)")
    args = p.parse_args(argv)
    ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    G = Generator(GeneratorConfig.from_dict(ck["config"]))
    if args.net not in ck:
        p.exit(2, f"export: {args.checkpoint} holds no {args.net}\n")
    G.load_state_dict(ck[args.net])
    G.eval()
    if args.w_avg_samples:
        with torch.no_grad():  # a fresh, exact estimate of E[w] for truncation
            gen = torch.Generator().manual_seed(0)
            z = torch.randn(args.w_avg_samples, 1, G.cfg.z_dim, generator=gen)
            G.w_avg.copy_(G.mapping(z).mean(dim=(0, 1)))
    name = args.name or os.path.basename(os.path.normpath(args.out))
    extra = {"training": {"steps": ck["step"], "kimg": round(ck["nimg"] / 1000, 1),
                          "train_seconds": round(ck["train_seconds"]), "dataset": "UTKFace aligned & cropped, 64x64",
                          "license": "non-commercial research only (inherits the UTKFace licence)"}}
    if args.net != "G_ema":
        extra["training"]["net"] = args.net  # not the moving average a release ships
    cfg = export_generator(G, args.out, name, args.dtype, extra)
    size = os.path.getsize(os.path.join(args.out, "generator.safetensors"))
    print(f"exported {name}: {cfg['parameters']:,} parameters, {cfg['synthesis_flops'] / 1e9:.2f} GFLOP/image, {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
