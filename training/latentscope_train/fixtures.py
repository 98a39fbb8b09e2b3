"""Golden fixtures for the Swift engine's parity tests.

    python -m latentscope_train.fixtures [--shipped ../assets/models/utkface64] [--out ../Tests/EngineTests/Fixtures]
    python -m latentscope_train.fixtures --classifier-only    # the classifier fixture alone, for the committed tiny model
    python -m latentscope_train.fixtures --blur-only          # the blurred-attention fixture alone, from the committed tiny model

Writes:
  tiny-model/              a tiny random-weight model (config.json + generator.safetensors)
  tiny-golden.safetensors  its reference outputs: seeds' z, w, noise, images, every layer's attention,
                           a truncated image, a W+ style-mixed (per layer and per token) image without noise,
                           and a trace: every step's output of every layer for every seed
  shipped-golden.safetensors  the same for the shipped model, with two layers' attention and a trace of
                           every layer's output for the first seed (when --shipped is given)
  tiny-classifier/         a tiny random attribute classifier for the tiny model (attributes.json + .safetensors),
                           its batch norms' statistics randomised so that folding them is exercised
  tiny-classifier-reference.json  the unfolded classifier's outputs on a few deterministic 16x16 images
  tiny-blur-model/         the tiny model with attention_blur {"8": 1, "16": 2} (blur.py; the same weights)
  tiny-blur-golden.safetensors  its reference outputs as tiny-golden's, the trace for the first seed only

Everything is a pure function of fixed seeds: the weights come out bit for bit everywhere, the
reference outputs bit for bit on one machine and within float rounding (a few 1e-6) on another
CPU, far inside the parity tests' tolerances; so a rerun need not be committed.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

from .attribute_classifier import AttributeNet
from .blur import blur
from .classifier_export import export_classifier, named_outputs
from .export import export_generator, load_exported
from .model import TINY_CONFIG, Generator, GeneratorConfig
from .rng import seed_noise, seed_z


def make_tiny_model(out_dir: str) -> Generator:
    torch.manual_seed(1234)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG))
    with torch.no_grad():  # a fresh init has zero biases and noise strengths; make every term count
        for name, p in G.named_parameters():
            if name.endswith("bias") or name.endswith("noise_strength"):
                p.add_(torch.randn_like(p) * 0.3)
        G.w_avg.copy_(torch.randn_like(G.w_avg) * 0.5)
    export_generator(G, out_dir, "tiny", "float32")
    return load_exported(out_dir)


def randomised_classifier(width: int = 4, seed: int = 4321) -> AttributeNet:
    """An AttributeNet in eval mode whose batch norms are far from the identity (so
    folding them is exercised), its weights scaled up (a fresh init shrinks
    activations layer by layer) so the outputs are of order one and differ
    between images."""
    torch.manual_seed(seed)
    net = AttributeNet(width)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.3, 1.5)
                m.weight.uniform_(0.8, 2.0)
                m.bias.normal_(0, 0.3)
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                m.weight.mul_(2.0)
    return net.eval()


def make_tiny_classifier(G: Generator, out_dir: str, reference_path: str) -> None:
    """A width-4 AttributeNet for the tiny model's 16x16 images, exported, and the
    outputs of the unfolded network (eval mode) on deterministic images: two
    patterns and two of the tiny model's faces (constant noise)."""
    net = randomised_classifier(4, 4321)
    os.makedirs(out_dir, exist_ok=True)
    r = G.cfg.resolution
    export_classifier(net, out_dir, metrics={"images": 0}, input_size=r)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, r), torch.linspace(-1, 1, r), indexing="ij")
    pattern = torch.stack([torch.cos(3 * xx) * yy, torch.sin(2 * yy + xx), xx * yy])
    noise = torch.randn(3, r, r, generator=torch.Generator().manual_seed(99)).clamp(-1.5, 1.5)
    seeds = [0, 1]
    with torch.no_grad():
        z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in seeds]))
        faces = G.synthesis(G.broadcast(G.map(z)), noise_mode="const")
        images = torch.cat([pattern[None], noise[None], faces]).float()
        raw = net(images)
    names = ["pattern", "noise"] + [f"seed {s}" for s in seeds]
    entries = [{"name": n, "pixels": [float(v) for v in images[i].flatten()]} for i, n in enumerate(names)]
    for e, s in zip(entries[2:], seeds):
        e.update({"seed": s, "noise": "const"})
    out = {"resolution": r, "images": entries, "raw": raw.tolist(), **named_outputs(raw)}
    with open(reference_path, "w") as f:
        f.write(json.dumps(out) + "\n")


# The steps a trace records (StyledLayer.forward's names, the engine's LayerStep), in order.
# A toRGB layer has no `conv` in the engine, which adds that convolution straight onto the
# upsampled image; its `output` is the image so far. `input` is kept only where a layer
# upsamples: elsewhere it is the previous layer's output (or the learned constant).
TRACE_STEPS = ["input", "norm", "values", "logits", "attention", "style", "modulated", "conv", "output"]


def trace_tensors(G: Generator, seeds: list[int], w: torch.Tensor, noise: list, steps: list[str]) -> dict[str, torch.Tensor]:
    """`trace.LAYER.STEP` [len(seeds), ...] for the given seeds (the first of the fixture's), one
    image's layout as the engine's trace has it: [C, P], values [T, C], logits and attention
    [h, T, P]; and `trace_seeds`, the seeds traced."""
    n = len(seeds)
    layers: list[dict] = []
    with torch.no_grad():
        G.synthesis(G.broadcast(w[:n]), noise=[None if x is None else x[:n] for x in noise], trace=layers)
    out = {"trace_seeds": torch.tensor(seeds, dtype=torch.int64)}
    for spec, recorded in zip(G.cfg.layer_specs(), layers):
        for step in steps:
            if (step == "conv" and spec.is_torgb) or (step == "input" and not spec.up):
                continue
            out[f"trace.{spec.name}.{step}"] = recorded[step]
    return out


def reference(G: Generator, seeds: list[int], attn_layers: list[int] | None,
              trace_seeds: int = 0, trace_steps: list[str] = TRACE_STEPS) -> dict[str, torch.Tensor]:
    cfg = G.cfg
    specs = cfg.layer_specs()
    z = torch.from_numpy(np.stack([seed_z(s, cfg.tokens, cfg.z_dim) for s in seeds]))
    noises = [seed_noise(s, specs) for s in seeds]
    noise = [None if specs[i].is_torgb or not specs[i].noise else
             torch.from_numpy(np.stack([n[i] for n in noises])).unsqueeze(1) for i in range(len(specs))]
    out: dict[str, torch.Tensor] = {"seeds": torch.tensor(seeds, dtype=torch.int64), "z": z}
    with torch.no_grad():
        w = G.map(z)
        out["w"] = w
        img, attns = G.synthesis(G.broadcast(w), noise=noise, return_attn=True)
        out["image"] = img
        for i, n in enumerate(noise):
            if n is not None:
                out[f"noise.{i}"] = n[:, 0]
        for i, a in enumerate(attns):
            if attn_layers is None or i in attn_layers:
                out[f"attn.{i}"] = a
        out["image_psi"] = G.synthesis(G.broadcast(G.map(z, psi=0.5)), noise=noise)
        out["image_noise_const"] = G.synthesis(G.broadcast(w), noise_mode="const")
        # W+ mixing: layers >= cutoff from the next seed, token 1 everywhere from the one after.
        n = len(seeds)
        ws = G.broadcast(w).clone()
        cutoff = cfg.num_layers // 2
        ws[:, cutoff:] = G.broadcast(w[[(i + 1) % n for i in range(n)]])[:, cutoff:]
        ws[:, :, 1] = w[[(i + 2) % n for i in range(n)]][:, 1].unsqueeze(1)
        out["ws_mixed"] = ws
        out["image_mixed"] = G.synthesis(ws, noise_mode="off")
    if trace_seeds:
        out.update(trace_tensors(G, seeds[:trace_seeds], w, noise, trace_steps))
    return {k: v.contiguous() for k, v in out.items()}


TINY_BLUR = {8: 1, 16: 2}


def make_tiny_blur(out: str) -> None:
    """The committed tiny model with its 8x8 and 16x16 attention blurred, and its reference:
    at 16x16 the engine cuts layers into bands of rows, which a blur must not see."""
    blur(os.path.join(out, "tiny-model"), os.path.join(out, "tiny-blur-model"), TINY_BLUR, name="tiny-blur")
    G = load_exported(os.path.join(out, "tiny-blur-model"))
    save_file(reference(G, [0, 1, 2], None, trace_seeds=1), os.path.join(out, "tiny-blur-golden.safetensors"))


def main(argv=None):
    here = os.path.dirname(__file__)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(here, "..", "..", "Tests", "EngineTests", "Fixtures"))
    p.add_argument("--shipped", default=None, help="exported model folder to make shipped-golden from")
    p.add_argument("--classifier-only", action="store_true",
                   help="only the classifier fixture, for the tiny model already in OUT/tiny-model")
    p.add_argument("--blur-only", action="store_true",
                   help="only the blurred-attention fixture, for the tiny model already in OUT/tiny-model")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic reductions
    if args.blur_only:
        make_tiny_blur(args.out)
        print("blurred-attention fixture written to", os.path.abspath(args.out))
        return
    if args.classifier_only:
        make_tiny_classifier(load_exported(os.path.join(args.out, "tiny-model")), os.path.join(args.out, "tiny-classifier"),
                             os.path.join(args.out, "tiny-classifier-reference.json"))
        print("classifier fixture written to", os.path.abspath(args.out))
        return
    G = make_tiny_model(os.path.join(args.out, "tiny-model"))
    save_file(reference(G, [0, 1, 2], None, trace_seeds=3), os.path.join(args.out, "tiny-golden.safetensors"))
    make_tiny_classifier(G, os.path.join(args.out, "tiny-classifier"), os.path.join(args.out, "tiny-classifier-reference.json"))
    make_tiny_blur(args.out)
    if args.shipped:
        S = load_exported(args.shipped)
        names = [s.name for s in S.cfg.layer_specs()]
        layers = [names.index("b16.conv1"), names.index("b32.torgb")]
        # Every layer's output for one seed: about 1.5 MB at 64x64, where every step would be 25 MB.
        save_file(reference(S, [0, 42], layers, trace_seeds=1, trace_steps=["output"]),
                  os.path.join(args.out, "shipped-golden.safetensors"),
                  metadata={"model": json.load(open(os.path.join(args.shipped, "config.json")))["name"]})
    print("fixtures written to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
