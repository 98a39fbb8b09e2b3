"""How sure the discriminator of a training checkpoint is of the real images.

    python -m latentscope_train.overfitting --checkpoint RUN/checkpoint.pt [--checkpoint ...] --data DIR [--n 1024]

Karras et al., "Training Generative Adversarial Networks with Limited Data" (2020), section
3: a discriminator that starts to memorise its training images grows ever more sure of them,
and r_t = E[sign(D(real))] measures it without held-out data (0: D cannot tell, 1: every real
image is called real). ADA keeps r_t near 0.6 by augmenting more when it rises above. This
reports r_t for the checkpoint's D on N training images, augmented as the run augments them
(its `--augment`, after its `--d-view`), beside the share of G's own images (the trained G, not G_ema: what D is
trained against) that D calls fake, the mean logits of both and the AUC: the chance that a real
image's logit is above a fake's. r_t moves with D's overall offset, which swings from one
checkpoint to the next; the AUC does not, and says how well D tells the two apart. Full and
compact checkpoints are read alike; no network judges anything here.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .atomic import write_text
from .augment import diff_augment
from .data import DEFAULT_DATA, cached_images, to_tensor
from .model import Discriminator, Generator, GeneratorConfig
from .pyramid import coarse_view


def load_networks(path: str) -> tuple[Generator, Discriminator, dict]:
    """The checkpoint's trained G and D (float32, eval mode) and the checkpoint itself."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise SystemExit(f"{path}: no such checkpoint")
    except Exception as e:  # torch.load's errors for a file that is not one it wrote vary by content
        raise SystemExit(f"{path}: not a training checkpoint ({type(e).__name__}: {e})")
    if not isinstance(ck, dict) or "D" not in ck or "G" not in ck or "config" not in ck:
        raise SystemExit(f"{path}: not a training checkpoint (no G, D and config in it)")
    cfg = GeneratorConfig.from_dict(ck["config"])
    G = Generator(cfg)
    D = Discriminator(cfg, channels=ck.get("d_channels"), detail=ck.get("d_detail", 0))
    G.load_state_dict({k: v.float() for k, v in ck["G"].items()})
    D.load_state_dict({k: v.float() for k, v in ck["D"].items()})
    return G.eval(), D.eval(), ck


@torch.no_grad()
def measure(G: Generator, D: Discriminator, reals_u8: np.ndarray, policy: str, seed: int = 0,
            batch: int = 128, view: int = 0) -> dict:
    """r_t on the real images, and D's view of as many of G's images (view: the run's --d-view)."""
    seen = lambda x: diff_augment(coarse_view(x, view) if view else x, policy)
    torch.manual_seed(seed)  # the augmentation's and the latents' draws
    n = len(reals_u8)
    real, fake = [], []
    for i in range(0, n, batch):
        b = reals_u8[i:i + batch]
        real.append(D(seen(to_tensor(b))))
        z = torch.randn(len(b), G.cfg.tokens, G.cfg.z_dim)
        fake.append(D(seen(G(z))))
    lr, lf = torch.cat(real).flatten(), torch.cat(fake).flatten()
    return {
        "n": n,
        "r_t": round(torch.sign(lr).mean().item(), 4),
        "real_logit": round(lr.mean().item(), 4),
        "fake_called_fake": round((lf < 0).float().mean().item(), 4),
        "fake_logit": round(lf.mean().item(), 4),
        "auc": round(auc(lr, lf), 4),
    }


def auc(pos: torch.Tensor, neg: torch.Tensor) -> float:
    """P(pos > neg) + P(pos == neg) / 2 over all pairs: the Mann-Whitney statistic."""
    greater = (pos[:, None] > neg[None, :]).float().mean()
    ties = (pos[:, None] == neg[None, :]).float().mean()
    return (greater + ties / 2).item()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", action="append", required=True, help="train.py checkpoint, full or compact (repeat)")
    p.add_argument("--data", default=DEFAULT_DATA, help="the training images' folder of zip shards")
    p.add_argument("--n", type=int, default=1024, help="real images (a fixed random choice) and as many fakes")
    p.add_argument("--augment", default=None, help="augmentation policy (default: the run's own --augment)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--out", default=None, help="also write the figures here as JSON")
    args = p.parse_args(argv)
    if args.n < 1:
        raise SystemExit("--n must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    nets = {path: load_networks(path) for path in args.checkpoint}  # a bad file fails before the data is read
    images = cached_images(args.data, None)
    pick = np.random.default_rng(0).choice(len(images), min(args.n, len(images)), replace=False)
    reals = images[np.sort(pick)]
    rows = {}
    for path, (G, D, ck) in nets.items():
        policy = args.augment if args.augment is not None else ck.get("args", {}).get("augment", "")
        row = measure(G, D, reals, policy, view=ck.get("args", {}).get("d_view", 0))
        row["kimg"] = round(ck["nimg"] / 1000, 3) if "nimg" in ck else None
        rows[path] = row
        print(f"{path}: {row['kimg']} kimg, r_t {row['r_t']:.3f} (real logit {row['real_logit']:+.2f}), "
              f"G's images called fake {row['fake_called_fake']:.3f} (logit {row['fake_logit']:+.2f}), "
              f"AUC {row['auc']:.3f}", flush=True)
    if args.out:
        write_text(args.out, json.dumps(rows, indent=2) + "\n")
    return rows


if __name__ == "__main__":
    main()
