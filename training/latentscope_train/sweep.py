"""Does the latent space hold up: faces moved far along the main axes of w, judged.

    python -m latentscope_train.sweep --model ../assets/models/utkface64 [--axes 8] [--sigmas 3] [--n 200]

The explorer's first directions are GANSpace's: the principal axes of w (pca0, pca1, ...;
Härkönen et al. 2020), stepped in units of σ, as `latentscope directions pca` computes
them: the axes from every token of seeds' un-truncated w, σ the standard deviation along
the axis of what an edit moves, each seed's token mean (an edit moves every token).
`--unit token` measures σ on single tokens instead (the unit of the seventh release and
before), which puts ±3σ √tokens times further out. A model whose faces turn to colour
blobs at ±3σ is fragile there. For each of the first `--axes` axes and each sign, this moves the w of
seeds 0..N-1 by `--sigmas` σ and reports the share of the images in which the judge
(MTCNN, as in evaluate.py) still finds a face, with the unmoved faces as the reference.
The axes come from `--pca-samples` seeds' w (numpy's eigh; an axis's sign is arbitrary,
so a row is named by its index and sign only).
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from . import facecheck
from .atomic import write_text
from .export import load_exported
from .imageio import to_uint8
from .model import Generator
from .rng import seed_z


def seed_w(G: Generator, seeds: range) -> torch.Tensor:
    """[len(seeds), T, w_dim]: the un-truncated w of the engine's latents for the seeds."""
    z = torch.from_numpy(np.stack([seed_z(s, G.cfg.tokens, G.cfg.z_dim) for s in seeds]))
    with torch.no_grad():
        return G.map(z)


UNITS = ("face", "token")


def principal_axes(G: Generator, samples: int, first_seed: int = 1_000_000, unit: str = "face") -> tuple[np.ndarray, np.ndarray]:
    """(axes [k, w_dim] largest variance first, σ along each) of w over every token of
    `samples` seeds (from first_seed, apart from the judged ones). σ is of the seeds' token
    means (unit "face", what an edit moves, as the engine measures it) or of single tokens."""
    w = torch.cat([seed_w(G, range(s, min(s + 500, first_seed + samples)))
                   for s in range(first_seed, first_seed + samples, 500)]).double().numpy()   # [N, T, w_dim]
    var, vec = np.linalg.eigh(np.cov(w.reshape(-1, G.cfg.w_dim), rowvar=False))
    axes = vec[:, np.argsort(var)[::-1]].T
    moved = w.mean(axis=1) if unit == "face" else w.reshape(-1, G.cfg.w_dim)
    return axes.astype(np.float32), (moved @ axes.T).std(axis=0).astype(np.float32)


def render(G: Generator, w: torch.Tensor, batch: int = 50) -> np.ndarray:
    out = []
    with torch.no_grad():
        for i in range(0, len(w), batch):
            out.append(to_uint8(G.synthesis(G.broadcast(w[i:i + batch]), noise_mode="const")))
    return np.concatenate(out)


def sweep(G: Generator, axes: int = 8, sigmas: float = 3.0, n: int = 200, pca_samples: int = 5000, unit: str = "face") -> dict:
    ok, version = facecheck.facenet_available()
    if not ok:
        raise SystemExit(version)
    vec, sd = principal_axes(G, pca_samples, unit=unit)
    w = seed_w(G, range(n))
    rows = {"unmoved": float(facecheck.detect(render(G, w))["found"].mean())}
    for k in range(min(axes, len(vec))):
        for sign in (-1, 1):
            moved = w + sign * sigmas * float(sd[k]) * torch.from_numpy(vec[k])
            rows[f"pca{k}{'+' if sign > 0 else '-'}"] = float(facecheck.detect(render(G, moved))["found"].mean())
    edited = [v for key, v in rows.items() if key != "unmoved"]
    return {"judge": f"MTCNN (facenet-pytorch {version}) detection rate, images upscaled to "
                     f"{facecheck.DETECT_SIZE}x{facecheck.DETECT_SIZE}",
            "n": n, "sigmas": sigmas, "unit": unit, "axes": min(axes, len(vec)), "pca_samples": pca_samples,
            "detection_rate": {k: round(v, 4) for k, v in rows.items()},
            "mean_moved": round(float(np.mean(edited)), 4), "worst_moved": round(float(np.min(edited)), 4)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="exported model folder")
    p.add_argument("--axes", type=int, default=8, help="the first this many principal axes")
    p.add_argument("--sigmas", type=float, default=3.0, help="how far along each, in standard deviations")
    p.add_argument("--n", type=int, default=200, help="seeds 0..N-1")
    p.add_argument("--pca-samples", type=int, default=5000, help="seeds whose w make the axes")
    p.add_argument("--unit", choices=UNITS, default="face",
                   help="σ of faces' token means (what an edit moves; default) or of single tokens")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default=None, help="also write the results here as JSON")
    args = p.parse_args(argv)
    if args.axes < 1 or args.n < 1 or args.pca_samples < 2 or args.sigmas <= 0:
        p.error("--axes, --n must be at least 1, --pca-samples at least 2, --sigmas above 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        G = load_exported(args.model).eval()
    except (OSError, ValueError, KeyError) as e:
        p.exit(2, f"sweep: {e}\n")
    res = {"model": args.model, **sweep(G, args.axes, args.sigmas, args.n, args.pca_samples, args.unit)}
    text = json.dumps(res, indent=2)
    if args.out:
        write_text(args.out, text + "\n")
    print(text)
    return res


if __name__ == "__main__":
    main()
