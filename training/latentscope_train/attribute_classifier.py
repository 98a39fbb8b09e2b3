"""The attribute classifier: a small CNN trained on the real UTKFace images (age
regression, gender classification), evaluated on a held-out tenth of them (ids
ending in 0) and cached under ~/.cache/latentscope keyed by the data's checksums
and the training settings. Two of them play roles: the *labeller* (LABELLER),
whose labels fit the named directions and which is exported with the model, and
the *judge* (JUDGE), which only measures them (direction_report.py).

The two networks the shipped directions were made with are pinned in
training/classifiers/ under the same keys and take precedence over the cache:
retrained on another machine (other thread counts, other BLAS) they come out a
little different, and the named directions would change with them rather than
with the model. `attributes --retrain` replaces them on purpose.
"""
from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .atomic import write_atomically

ARCH_VERSION = 1
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "latentscope")
PINNED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "classifiers")
AGE_SCALE = 30.0                # the age head predicts age / AGE_SCALE



class AttributeNet(nn.Module):
    """64x64 RGB in [-1, 1] -> (age / AGE_SCALE, gender logit). Small on purpose:
    it trains on a laptop CPU in minutes. The input is pooled to 32x32."""

    def __init__(self, width: int = 16):
        super().__init__()
        c = [width, width * 2, width * 4, width * 4]

        def block(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.features = nn.Sequential(
            block(3, c[0], 1), block(c[0], c[0], 1),          # 32x32
            block(c[0], c[1], 2), block(c[1], c[1], 1),       # 16x16
            block(c[1], c[2], 2), block(c[2], c[2], 1),       # 8x8
            block(c[2], c[3], 2),                             # 4x4
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(c[3], 64), nn.ReLU(inplace=True), nn.Linear(64, 2))

    def forward(self, x):
        x = F.avg_pool2d(x, 2)
        x = self.features(x)
        return self.head(F.adaptive_avg_pool2d(x, 1))


def predict(net: AttributeNet, images: torch.Tensor, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """images float [N, 3, 64, 64] in [-1, 1] -> (age in years, P(female))."""
    net.eval()
    ages, probs = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = net(images[i:i + batch].float())
            ages.append(out[:, 0] * AGE_SCALE)
            probs.append(torch.sigmoid(out[:, 1]))
    return torch.cat(ages).numpy(), torch.cat(probs).numpy()


def split_ids(ids: list[str]) -> np.ndarray:
    """True for held-out images: ids whose number ends in 0 (a tenth; the data
    set is shuffled across ids, so this is a fair sample)."""
    return np.array([int(i) % 10 == 0 for i in ids])


def evaluate(net: AttributeNet, images_u8: np.ndarray, ages: np.ndarray, genders: np.ndarray) -> dict:
    from .data import to_tensor
    pa, pg = predict(net, to_tensor(images_u8))
    return {"age_mae": float(np.abs(pa - ages).mean()), "gender_accuracy": float(((pg > 0.5) == (genders == 1)).mean()),
            "images": int(len(ages))}


def train_classifier(images_u8: np.ndarray, ages: np.ndarray, genders: np.ndarray, epochs: int = 8, batch: int = 64,
                     lr: float = 2e-3, width: int = 16, seed: int = 0, log=print) -> AttributeNet:
    """Adam with a cosine schedule; L1 loss on age / AGE_SCALE, BCE on gender;
    random horizontal flips and ±2 pixel shifts."""
    from .data import to_tensor
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = AttributeNet(width)
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    n = len(images_u8)
    steps = epochs * ((n + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1), pct_start=0.15)
    age_t = torch.from_numpy(ages.astype(np.float32)) / AGE_SCALE
    gen_t = torch.from_numpy(genders.astype(np.float32))
    t0 = time.time()
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(n, generator=g).numpy()
        tot_a = tot_g = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            x = to_tensor(images_u8[idx])
            flip = torch.rand(len(idx), generator=g) < 0.5
            x[flip] = x[flip].flip(-1)
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=g))
            x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
            out = net(x)
            la = F.l1_loss(out[:, 0], age_t[idx])
            lg = F.binary_cross_entropy_with_logits(out[:, 1], gen_t[idx])
            opt.zero_grad(set_to_none=True)
            (la + lg).backward()
            opt.step()
            sched.step()
            tot_a += la.item() * len(idx)
            tot_g += lg.item() * len(idx)
        log(f"epoch {ep + 1}/{epochs}: age L1 {tot_a / n * AGE_SCALE:.2f} years, gender BCE {tot_g / n:.3f} ({time.time() - t0:.0f} s)")
    return net.eval()


def data_key(data_dir: str, settings: dict) -> str:
    """Cache key: the data's checksums (or labels), the architecture version and the training settings."""
    h = hashlib.sha256()
    for name in ("SHA256SUMS", "labels.csv"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            h.update(open(p, "rb").read())
            break
    h.update(json.dumps({"arch": ARCH_VERSION, **settings}, sort_keys=True).encode())
    return h.hexdigest()[:16]


def classifier(data_dir: str, cache_dir: str | None = DEFAULT_CACHE, epochs: int = 8, width: int = 16,
               retrain: bool = False, seed: int = 0, pinned_dir: str | None = PINNED, pin: bool = False,
               log=print) -> tuple[AttributeNet, dict]:
    """The pinned classifier for `data_dir` and these settings, else the cached one,
    else a newly trained one (then cached, and pinned with `pin`). `retrain` skips
    both lookups. Returns (net, held-out metrics)."""
    from .data import load_images, load_labels
    settings = {"epochs": epochs, "width": width} | ({"seed": seed} if seed else {})
    key = data_key(data_dir, settings) + ".pt"
    path = os.path.join(cache_dir, "attribute-classifier", key) if cache_dir else None
    pinned = os.path.join(pinned_dir, key) if pinned_dir else None
    if not retrain:
        for where, p in (("pinned", pinned), ("cached", path)):
            if p and os.path.exists(p):
                net, metrics = load_saved(p)
                log(f"classifier: {where} {p}")
                return net, metrics
    images, ids = load_images(data_dir)
    labels = load_labels(data_dir)
    ages = np.array([labels[i]["age"] for i in ids], dtype=np.float32)
    genders = np.array([labels[i]["gender"] for i in ids], dtype=np.int64)
    held = split_ids(ids)
    log(f"classifier: training on {int((~held).sum())} images, {int(held.sum())} held out")
    t0 = time.time()
    net = train_classifier(images[~held], ages[~held], genders[~held], epochs=epochs, width=width, seed=seed, log=log)
    metrics = evaluate(net, images[held], ages[held], genders[held])
    metrics["train_seconds"] = round(time.time() - t0, 1)
    metrics["baseline_age_mae"] = float(np.abs(ages[held] - np.median(ages[~held])).mean())
    metrics["baseline_gender_accuracy"] = float(max(genders[held].mean(), 1 - genders[held].mean()))
    log(f"classifier: held-out age MAE {metrics['age_mae']:.2f} years (predicting the median: {metrics['baseline_age_mae']:.2f}), "
        f"gender accuracy {metrics['gender_accuracy']:.3f} (majority class: {metrics['baseline_gender_accuracy']:.3f})")
    # No paths inside: a pinned file is the same on every machine.
    state = {"state": net.state_dict(), "width": width, "metrics": metrics, "settings": settings}
    for p in (path, pinned if pin else None):
        if p:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            write_atomically(p, lambda tmp: torch.save(state, tmp))
            log(f"classifier: saved {p}")
    return net, metrics


def load_saved(path: str) -> tuple[AttributeNet, dict]:
    """A classifier written by classifier(): (net in eval mode, held-out metrics).
    Tensors and plain values only (weights_only), so a pinned file runs no code."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path}: not a saved attribute classifier ({e})") from None
    if not isinstance(ck, dict) or "state" not in ck or "width" not in ck:
        raise ValueError(f"{path}: not a saved attribute classifier (expected the keys 'state' and 'width')")
    net = AttributeNet(int(ck["width"]))
    net.load_state_dict(ck["state"])
    return net.eval(), dict(ck.get("metrics") or {})


# The two classifiers' settings: different widths and seeds, so the judge is another network.
LABELLER = {"width": 16, "seed": 0}
JUDGE = {"width": 24, "seed": 1}
