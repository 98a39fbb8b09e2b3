"""Named attribute directions (InterFaceGAN, Shen et al. 2020): `age`, `gender`
and the conditional `age|gender`.

    python -m latentscope_train.attributes --model ../assets/models/utkface64 --data ../../shared/datasets/utkface64

1. An attribute classifier: a small CNN trained on the real UTKFace images
   (age regression, gender classification), evaluated on a held-out tenth of
   the images (ids ending in 0). Cached under ~/.cache/latentscope keyed by
   the data's checksums and the training settings, so a re-exported model
   reuses it.
2. Generated samples: `--samples` seeds from a fixed first seed, z from
   rng.seed_z (the engine's seed -> z map), un-truncated, constant noise. For
   each we keep the token-mean w: every edit moves all tokens by the same
   offset, which moves the token mean by exactly that offset, so a boundary in
   the space of token means is the one an edit crosses.
3. Linear boundaries as InterFaceGAN fits them: the samples with the top and
   bottom `--ratio` of the classifier's score (predicted age; P(female)), a
   linear SVM between the two groups (70% fit, 30% to report accuracy), the unit
   normal is the direction. Signs: `age` points older, `gender` points to
   "female" (UTKFace's label 1). `age|gender` is `age` with its `gender`
   component projected out (InterFaceGAN's conditional editing), normalised.
4. σ of each direction is measured on per-token w samples, like every other
   direction (PCA, SeFa), so "+1" means the same spread for all of them.

Writes MODEL/directions (merged: earlier `attribute` directions are replaced,
PCA/SeFa/other entries keep their place).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import directions_io
from .rng import GOLDEN, MASK, STREAM_MUL, STREAM_Z

ARCH_VERSION = 1
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "latentscope")
LABEL_FIRST_SEED = 1 << 41      # seeds of the labelled samples (away from the faces users type)
SIGMA_FIRST_SEED = 1 << 40      # the engine's WSampler.defaultFirstSeed
AGE_SCALE = 30.0                # the age head predicts age / AGE_SCALE


# MARK: - seeds -> z, vectorised over seeds

def seed_z_batch(seeds: np.ndarray, tokens: int, z_dim: int) -> np.ndarray:
    """rng.seed_z for many seeds at once: float32 [len(seeds), tokens, z_dim].
    SplitMix64 runs across seeds in numpy uint64 (arithmetic wraps mod 2^64, as
    in the reference); Box-Muller in float64, rounded to float32."""
    n = tokens * z_dim
    state = np.asarray(seeds, dtype=np.uint64) ^ np.uint64((STREAM_Z * STREAM_MUL) & MASK)
    out = np.empty((len(state), n + (n & 1)), dtype=np.float64)
    golden = np.uint64(GOLDEN)
    m1, m2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)

    def uniform():
        nonlocal state
        state = state + golden
        z = state
        z = (z ^ (z >> s30)) * m1
        z = (z ^ (z >> s27)) * m2
        z = z ^ (z >> s31)
        return (z >> s11).astype(np.float64) * (1.0 / (1 << 53))

    with np.errstate(over="ignore"):
        for i in range(0, out.shape[1], 2):
            u1, u2 = uniform(), uniform()
            r = np.sqrt(-2.0 * np.log(1.0 - u1))
            out[:, i] = r * np.cos(2.0 * np.pi * u2)
            out[:, i + 1] = r * np.sin(2.0 * np.pi * u2)
    return out[:, :n].astype(np.float32).reshape(len(state), tokens, z_dim)


# MARK: - classifier

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
               retrain: bool = False, log=print) -> tuple[AttributeNet, dict]:
    """The cached classifier for `data_dir`, or a newly trained one (then cached).
    Returns (net, held-out metrics)."""
    from .data import load_images, load_labels
    settings = {"epochs": epochs, "width": width}
    path = os.path.join(cache_dir, "attribute-classifier", data_key(data_dir, settings) + ".pt") if cache_dir else None
    if path and os.path.exists(path) and not retrain:
        ck = torch.load(path, map_location="cpu", weights_only=False)
        net = AttributeNet(ck["width"])
        net.load_state_dict(ck["state"])
        log(f"classifier: cached {path}")
        return net.eval(), ck["metrics"]
    images, ids = load_images(data_dir)
    labels = load_labels(data_dir)
    ages = np.array([labels[i]["age"] for i in ids], dtype=np.float32)
    genders = np.array([labels[i]["gender"] for i in ids], dtype=np.int64)
    held = split_ids(ids)
    log(f"classifier: training on {int((~held).sum())} images, {int(held.sum())} held out")
    t0 = time.time()
    net = train_classifier(images[~held], ages[~held], genders[~held], epochs=epochs, width=width, log=log)
    metrics = evaluate(net, images[held], ages[held], genders[held])
    metrics["train_seconds"] = round(time.time() - t0, 1)
    metrics["baseline_age_mae"] = float(np.abs(ages[held] - np.median(ages[~held])).mean())
    metrics["baseline_gender_accuracy"] = float(max(genders[held].mean(), 1 - genders[held].mean()))
    log(f"classifier: held-out age MAE {metrics['age_mae']:.2f} years (predicting the median: {metrics['baseline_age_mae']:.2f}), "
        f"gender accuracy {metrics['gender_accuracy']:.3f} (majority class: {metrics['baseline_gender_accuracy']:.3f})")
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + f".tmp-{os.getpid()}"
        torch.save({"state": net.state_dict(), "width": width, "metrics": metrics, "settings": settings, "data": os.path.abspath(data_dir)}, tmp)
        os.replace(tmp, path)
    return net, metrics


# MARK: - generated samples

def generate(G, seeds: np.ndarray, batch: int = 64, offsets: np.ndarray | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """Token sets and images of `seeds` (un-truncated, constant noise).
    `offsets` [len(seeds), w_dim], when given, is added to every token of every
    layer (an edit). Returns (w [N, T, w_dim] before the offset, images [N, 3, R, R])."""
    cfg = G.cfg
    ws, imgs = [], []
    with torch.no_grad():
        for i in range(0, len(seeds), batch):
            z = torch.from_numpy(seed_z_batch(seeds[i:i + batch], cfg.tokens, cfg.z_dim))
            w = G.map(z)
            ws.append(w.numpy())
            we = w if offsets is None else w + torch.from_numpy(offsets[i:i + batch].astype(np.float32))[:, None, :]
            imgs.append(G.synthesis(G.broadcast(we), noise_mode="const"))
    return np.concatenate(ws), torch.cat(imgs)


def sample_w(G, seeds: int, first: int = SIGMA_FIRST_SEED) -> np.ndarray:
    """Per-token w of consecutive seeds: [seeds * tokens, w_dim] (mapping only)."""
    cfg = G.cfg
    out = []
    with torch.no_grad():
        for i in range(0, seeds, 512):
            s = np.arange(first + i, first + min(i + 512, seeds), dtype=np.uint64)
            out.append(G.map(torch.from_numpy(seed_z_batch(s, cfg.tokens, cfg.z_dim))).reshape(-1, cfg.w_dim).numpy())
    return np.concatenate(out)


# MARK: - boundaries

def fit_linear_svm(x: np.ndarray, y: np.ndarray, c: float = 1.0, iters: int = 300) -> tuple[np.ndarray, float]:
    """A linear SVM: min ½‖w‖² + C Σ max(0, 1 − y(w·x + b))² (squared hinge and
    C = 1, liblinear's LinearSVC defaults), by L-BFGS in float64. x [n, d], y in
    {−1, +1}. The codes are only centred, not standardised: rescaling the axes
    would change which hyperplane has the widest margin, and standardising tilts
    the normal toward w's low-variance axes, where a step of one σ barely
    changes the face (a weaker edit per σ, measured in docs/directions.md)."""
    mu = x.mean(0)
    xt = torch.from_numpy(x - mu).double()
    yt = torch.from_numpy(y.astype(np.float64))
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=iters, line_search_fn="strong_wolfe", tolerance_grad=1e-9)

    def closure():
        opt.zero_grad()
        loss = 0.5 * w.dot(w) + c * torch.clamp(1 - yt * (xt @ w + b), min=0).square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    wn = w.detach().numpy()
    return wn, float(b.detach()) - float(wn @ mu)


def boundary(codes: np.ndarray, scores: np.ndarray, ratio: float = 0.1, val: float = 0.3, seed: int = 0) -> tuple[np.ndarray, dict]:
    """InterFaceGAN's train_boundary: the top and bottom `ratio` of samples by
    score become the two classes (+1 high, −1 low), `val` of each held out to
    measure accuracy, a linear SVM fitted on the rest. Returns (unit normal
    pointing to high scores, stats)."""
    n = len(scores)
    k = max(2, int(round(n * ratio)))
    order = np.argsort(scores)
    low, high = order[:k], order[::-1][:k]
    rng = np.random.default_rng(seed)
    low, high = rng.permutation(low), rng.permutation(high)
    nv = int(round(k * val))
    tr = np.concatenate([high[nv:], low[nv:]])
    va = np.concatenate([high[:nv], low[:nv]])
    y = np.concatenate([np.ones(k - nv), -np.ones(k - nv)])
    yv = np.concatenate([np.ones(nv), -np.ones(nv)])
    w, b = fit_linear_svm(codes[tr], y)
    acc_tr = float((np.sign(codes[tr] @ w + b) == y).mean())
    acc_va = float((np.sign(codes[va] @ w + b) == yv).mean()) if nv else float("nan")
    d = w / np.linalg.norm(w)
    return d.astype(np.float32), {"per_class": k, "train_accuracy": acc_tr, "val_accuracy": acc_va,
                                  "score_low": float(scores[low].max()), "score_high": float(scores[high].min())}


def project_out(d: np.ndarray, *others: np.ndarray) -> np.ndarray:
    """`d` with the span of `others` removed (InterFaceGAN's conditional
    boundary, Gram-Schmidt for more than one), normalised."""
    basis = []
    for o in others:
        v = o.astype(np.float64)
        for q in basis:
            v = v - (v @ q) * q
        basis.append(v / np.linalg.norm(v))
    r = d.astype(np.float64)
    for q in basis:
        r = r - (r @ q) * q
    return (r / np.linalg.norm(r)).astype(np.float32)


def attribute_directions(G, net: AttributeNet, samples: int = 6000, ratio: float = 0.1, sigma_seeds: int = 2000,
                         batch: int = 64, log=print) -> tuple[list, dict]:
    """Labels `samples` generated faces and fits `age`, `gender`, `age|gender`."""
    t0 = time.time()
    seeds = np.arange(LABEL_FIRST_SEED, LABEL_FIRST_SEED + samples, dtype=np.uint64)
    ages, probs, means = [], [], []
    for i in range(0, samples, 512):
        w, imgs = generate(G, seeds[i:i + 512], batch=batch)
        a, p = predict(net, imgs)
        ages.append(a); probs.append(p); means.append(w.mean(axis=1))
        log(f"labelled {min(i + 512, samples)}/{samples} generated faces ({time.time() - t0:.0f} s)")
    ages, probs, codes = np.concatenate(ages), np.concatenate(probs), np.concatenate(means).astype(np.float64)
    age_d, age_s = boundary(codes, ages, ratio)
    gen_d, gen_s = boundary(codes, probs, ratio)
    cond = project_out(age_d, gen_d)
    wsamp = sample_w(G, sigma_seeds)
    vecs = np.stack([age_d, gen_d, cond])
    sig = directions_io.sigmas(vecs, wsamp)
    stats = {"samples": samples, "ratio": ratio, "age": age_s, "gender": gen_s,
             "label_age_mean": float(ages.mean()), "label_age_std": float(ages.std()),
             "label_female_share": float((probs > 0.5).mean()), "cos_age_gender": float(age_d @ gen_d),
             "seconds": round(time.time() - t0, 1)}
    dirs = [directions_io.Direction(n, v, float(s), "attribute") for n, v, s in zip(["age", "gender", "age|gender"], vecs, sig)]
    return dirs, stats, {"codes": codes, "age": ages, "female": probs, "w": wsamp}


def standardised_svm_normal(codes: np.ndarray, scores: np.ndarray, ratio: float) -> np.ndarray:
    """The alternative fit: the same SVM on standardised codes, its normal mapped back."""
    sd = codes.std(0) + 1e-8
    d, _ = boundary(codes / sd, scores, ratio)
    d = d / sd
    return (d / np.linalg.norm(d)).astype(np.float32)


def compare_fits(G, net: AttributeNet, labelled: dict, ratio: float, faces: int = 40, log=print) -> list[dict]:
    """How far ±3σ along each candidate normal moves the classifier's scores, on
    `faces` faces apart from the labelled ones: the raw-code SVM (shipped), the
    SVM on standardised codes, and the plain difference of the two groups' means."""
    from .direction_report import EVAL_FIRST_SEED
    seeds = np.arange(EVAL_FIRST_SEED, EVAL_FIRST_SEED + faces, dtype=np.uint64)
    rows = []
    for attr in ("age", "female"):
        codes, sc = labelled["codes"], labelled[attr]
        k = max(2, int(round(len(sc) * ratio)))
        order = np.argsort(sc)
        cands = {"svm": boundary(codes, sc, ratio)[0], "svm-standardised": standardised_svm_normal(codes, sc, ratio),
                 "mean-difference": codes[order[-k:]].mean(0) - codes[order[:k]].mean(0)}
        for name, d in cands.items():
            d = (d / np.linalg.norm(d)).astype(np.float32)
            sigma = float(directions_io.sigmas(d[None], labelled["w"])[0])
            ends = []
            for a in (-3, 3):
                _, imgs = generate(G, seeds, offsets=np.tile(a * sigma * d[None], (faces, 1)))
                ends.append(predict(net, imgs))
            da, df = ends[1][0] - ends[0][0], ends[1][1] - ends[0][1]
            rows.append({"attribute": attr, "fit": name, "sigma": sigma, "age_change": float(da.mean()), "age_up": float((da > 0).mean()),
                         "female_change": float(df.mean()), "female_up": float((df > 0).mean())})
            r = rows[-1]
            log(f"{attr:6s} {name:16s} σ {sigma:.3f}: -3σ -> +3σ age {r['age_change']:+6.2f} years ({r['age_up'] * 100:3.0f}% of faces up), "
                f"P(female) {r['female_change']:+.3f} ({r['female_up'] * 100:3.0f}% up)")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (config.json + generator.safetensors)")
    p.add_argument("--data", required=True, help="utkface64 folder (zip shards + labels.csv)")
    p.add_argument("--samples", type=int, default=6000, help="generated faces to label (<= 10000)")
    p.add_argument("--ratio", type=float, default=0.1, help="top/bottom share of samples the SVM separates")
    p.add_argument("--epochs", type=int, default=8, help="classifier training epochs")
    p.add_argument("--width", type=int, default=16, help="classifier channels in its first layer")
    p.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder for the classifier ('' for none)")
    p.add_argument("--retrain", action="store_true", help="train the classifier even when a cached one exists")
    p.add_argument("--out", default=None, help="directions folder (default MODEL/directions)")
    p.add_argument("--stats", default=None, help="write the classifier and boundary numbers to this JSON file")
    p.add_argument("--compare-fits", type=int, default=0, metavar="FACES",
                   help="also compare the SVM with a standardised SVM and the mean difference on this many faces")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if not 100 <= args.samples <= 10000:
        p.error("--samples must be between 100 and 10000")
    torch.set_num_threads(args.threads)
    from .export import load_exported
    G = load_exported(args.model)
    net, metrics = classifier(args.data, args.cache or None, epochs=args.epochs, width=args.width, retrain=args.retrain)
    dirs, stats, labelled = attribute_directions(G, net, samples=args.samples, ratio=args.ratio)
    if args.compare_fits:
        stats["fit_comparison"] = compare_fits(G, net, labelled, args.ratio, faces=args.compare_fits)
    for d, key in zip(dirs, ["age", "gender", None]):
        extra = f", SVM accuracy {stats[key]['val_accuracy']:.3f} on held-out extremes" if key else ""
        print(f"{d.name}: σ {d.sigma:.3f}{extra}")
    print(f"cos(age, gender) = {stats['cos_age_gender']:+.3f}")
    out = args.out or os.path.join(args.model, "directions")
    merged = directions_io.merge(out, dirs, lambda d: d.method == "attribute", G.cfg.w_dim)
    print(f"saved age, gender, age|gender to {out} ({len(merged)} in the folder)")
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump({"classifier": metrics, "boundaries": stats}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
