"""Where a model's fine texture comes from: interventions on a trained generator.

    python -m latentscope_train.stripes --model ../assets/models/NAME [--data DIR] [--out stripes.json] [--figure F.png]

The first release shows dashed stripe textures across eyes, brows and mouth. This
measures, without training, which ingredient carries them: each variant changes one
thing in the trained generator (the positional encoding of the 32x32 or 64x64
layers zeroed or blurred; the attention keys zeroed, so every pixel takes the mean
style) and renders the same latents. `hf` is the high-frequency energy of the
images (mean absolute difference to their 3x3 box blur, in [-1, 1] units), next to
the same figure for real faces when --data is given; `change` is the mean absolute
difference to the unchanged model's images.
"""
from __future__ import annotations

import argparse
import copy
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .data import DEFAULT_DATA, load_images, to_tensor
from .export import load_exported
from .imageio import save_grid
from .rng import seed_z
from .atomic import write_text


def hf_energy(imgs: torch.Tensor) -> float:
    """[B, 3, H, W] in [-1, 1] -> mean |x - box3x3(x)| (edges replicated)."""
    blur = F.avg_pool2d(F.pad(imgs, (1, 1, 1, 1), mode="replicate"), 3, 1)
    return (imgs - blur).abs().mean().item()


def _blur_pos(pos: torch.Tensor, res: int) -> torch.Tensor:
    g = pos.t().reshape(1, -1, res, res)
    return F.avg_pool2d(F.pad(g, (1, 1, 1, 1), mode="replicate"), 3, 1).reshape(-1, res * res).t()


def variants(G) -> dict[str, "torch.nn.Module"]:
    """name -> a modified copy of G (per-pixel encodings, as load_exported gives)."""
    out = {"unchanged": G}

    def edit(name, res_set, fn):
        H = copy.deepcopy(G)
        with torch.no_grad():
            for layer in H.synthesis.layers:
                if layer.spec.res in res_set:
                    fn(layer)
        out[name] = H

    for res in (32, 64):
        edit(f"pos {res}x{res} zeroed", {res}, lambda l: l.pos_grid.zero_())
        edit(f"pos {res}x{res} blurred 3x3", {res},
             lambda l: l.pos_grid.copy_(_blur_pos(l.pos(), l.res).t().reshape_as(l.pos_grid)))
        edit(f"keys {res}x{res} zeroed (uniform attention)", {res}, lambda l: l.keys.zero_())
    return out


def measure(G, n: int = 64, data: str | None = None) -> tuple[dict, torch.Tensor]:
    z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in range(n)])).float()
    rows, shown = {}, []
    with torch.no_grad():
        base = G(z, noise_mode="const")
        for name, H in variants(G).items():
            img = base if H is G else H(z, noise_mode="const")
            rows[name] = dict(hf=round(hf_energy(img), 4), change=round((img - base).abs().mean().item(), 4))
            shown.append(img[:8])
    result = dict(n=n, variants=rows)
    if data:
        real, _ = load_images(data, limit=n)
        result["real_hf"] = round(hf_energy(to_tensor(real)), 4)
    return result, torch.cat(shown)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("--data", default=None, help=f"real faces for the reference figure (e.g. {DEFAULT_DATA})")
    p.add_argument("--n", type=int, default=64, help="seeds 0..N-1")
    p.add_argument("--out", default=None, help="write the table as JSON")
    p.add_argument("--figure", default=None, help="write 8 faces per variant (one row each) as PNG")
    a = p.parse_args(argv)
    if a.data and not os.path.isdir(a.data):
        raise SystemExit(f"--data: {a.data} is not a folder")
    result, imgs = measure(load_exported(a.model), a.n, a.data)
    for name, r in result["variants"].items():
        print(f"{name:40s} hf {r['hf']:.4f}  change {r['change']:.4f}")
    if "real_hf" in result:
        print(f"{'real faces':40s} hf {result['real_hf']:.4f}")
    if a.out:
        write_text(a.out, json.dumps(result, indent=2) + "\n")
    if a.figure:
        save_grid(F.interpolate(imgs, scale_factor=2, mode="nearest"), a.figure, cols=8)
    return result


if __name__ == "__main__":
    main()
