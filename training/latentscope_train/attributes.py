"""Named attribute directions: `age`, `gender`, `yaw`, `smile` and the
conditional `age|gender`, `gender|age` (after InterFaceGAN, Shen et al. 2020;
named_directions.py has the method).

    python -m latentscope_train.attributes --model ../assets/models/utkface64 --data ../../shared/datasets/utkface64

1. Two attribute classifiers, small CNNs trained on the real UTKFace images
   (age regression, gender classification) and evaluated on a held-out tenth
   of the images (ids ending in 0): the *labeller* (width 16, seed 0), whose
   labels fit the directions and which is exported with the model, and the
   *judge* (width 24, seed 1), which only measures them (direction_report.py).
   Cached under ~/.cache/latentscope keyed by the data's checksums and the
   training settings, so a re-exported model reuses them.
2. Yaw and smile come from facial landmarks (landmarks.py), when its networks
   are installed; the labeller and the judge are different networks there too.
3. Generated samples: `--samples` seeds from a fixed first seed, z from
   rng.seed_z (the engine's seed -> z map), un-truncated, constant noise.
4. named_directions.py: the tokens and layers each attribute lives in, a
   ridge normal there, and a step calibrated on `--calibration-faces` other
   faces so that ±3 steps spans the attribute's range. Signs: `age` points
   older, `gender` to "female" (UTKFace's label 1).

Writes MODEL/directions (merged: earlier `attribute` directions are replaced,
PCA/SeFa/other entries keep their place) and the labeller to
MODEL/attributes.* (classifier_export.py) when that module is present.
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
from .rng import LABEL_FIRST_SEED, SIGMA_FIRST_SEED, seed_z_batch
from .atomic import write_atomically

ARCH_VERSION = 1
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "latentscope")
AGE_SCALE = 30.0                # the age head predicts age / AGE_SCALE


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
               retrain: bool = False, seed: int = 0, log=print) -> tuple[AttributeNet, dict]:
    """The cached classifier for `data_dir`, or a newly trained one (then cached).
    Returns (net, held-out metrics)."""
    from .data import load_images, load_labels
    settings = {"epochs": epochs, "width": width} | ({"seed": seed} if seed else {})
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
    net = train_classifier(images[~held], ages[~held], genders[~held], epochs=epochs, width=width, seed=seed, log=log)
    metrics = evaluate(net, images[held], ages[held], genders[held])
    metrics["train_seconds"] = round(time.time() - t0, 1)
    metrics["baseline_age_mae"] = float(np.abs(ages[held] - np.median(ages[~held])).mean())
    metrics["baseline_gender_accuracy"] = float(max(genders[held].mean(), 1 - genders[held].mean()))
    log(f"classifier: held-out age MAE {metrics['age_mae']:.2f} years (predicting the median: {metrics['baseline_age_mae']:.2f}), "
        f"gender accuracy {metrics['gender_accuracy']:.3f} (majority class: {metrics['baseline_gender_accuracy']:.3f})")
    if path:
        state = {"state": net.state_dict(), "width": width, "metrics": metrics, "settings": settings, "data": os.path.abspath(data_dir)}
        write_atomically(path, lambda tmp: torch.save(state, tmp))
    return net, metrics


# MARK: - generated samples

def generate(G, seeds: np.ndarray, batch: int = 64, offsets: np.ndarray | None = None,
             layers: tuple[int, int] | None = None, tokens: list[int] | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """Token sets and images of `seeds` (un-truncated, constant noise).
    `offsets` [len(seeds), w_dim], when given, is added to the tokens `tokens`
    (default all) of the layers `layers` ([first, last], default all): an edit,
    as the engine applies it. Returns (w [N, T, w_dim] before the edit, images [N, 3, R, R])."""
    cfg = G.cfg
    ws, imgs = [], []
    mask = None
    if offsets is not None and (layers is not None or tokens is not None):
        mask = torch.zeros(G.num_layers, cfg.tokens, 1)
        lo, hi = layers if layers is not None else (0, G.num_layers - 1)
        mask[lo:hi + 1, list(range(cfg.tokens)) if tokens is None else list(tokens)] = 1
    with torch.no_grad():
        for i in range(0, len(seeds), batch):
            z = torch.from_numpy(seed_z_batch(seeds[i:i + batch], cfg.tokens, cfg.z_dim))
            w = G.map(z)
            ws.append(w.numpy())
            wp = G.broadcast(w)
            if offsets is not None:
                off = torch.from_numpy(offsets[i:i + batch].astype(np.float32))[:, None, None, :]
                wp = wp + (off if mask is None else off * mask)
            imgs.append(G.synthesis(wp, noise_mode="const"))
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


# MARK: - scorers

LABELLER = {"width": 16, "seed": 0}
JUDGE = {"width": 24, "seed": 1}
CALIBRATION_FIRST_SEED = (1 << 41) + (1 << 32)   # apart from the labelled and the evaluated faces


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3], as the engine quantises."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


class Scorer:
    """Images -> {"age", "female", and "yaw", "smile" where landmarks are
    available}: one classifier and, optionally, one landmark network. Faces the
    landmark network does not find score NaN."""

    def __init__(self, net: AttributeNet, landmark_network: str | None = None):
        self.net = net
        self.landmark_network = landmark_network

    def __call__(self, images: torch.Tensor) -> dict[str, np.ndarray]:
        age, female = predict(self.net, images)
        out = {"age": age, "female": female}
        if self.landmark_network:
            from . import landmarks
            lm = landmarks.label(to_uint8(images), network=self.landmark_network)
            for k in ("yaw", "smile"):
                out[k] = np.where(lm["found"], lm[k], np.nan).astype(np.float64)
        return out


def scorer(role: str, data_dir: str, cache_dir: str | None, epochs: int = 8, landmarks_wanted: bool = True,
           log=print) -> tuple[Scorer, dict]:
    """The labeller's or the judge's Scorer and its classifier's held-out metrics."""
    net, metrics = classifier(data_dir, cache_dir, epochs=epochs, log=log, **(LABELLER if role == "labeller" else JUDGE))
    network = None
    if landmarks_wanted:
        try:
            from . import landmarks
            ok, why = landmarks.available()
        except ImportError as e:
            ok, why = False, str(e)
        if ok:
            network = role
        else:
            log(f"landmarks: not available ({why}); yaw and smile are left out")
    return Scorer(net, network), metrics


def score_seeds(G, score: Scorer, seeds: np.ndarray, batch: int = 64, chunk: int = 512, log=None, **edit):
    """(w [N, T, w_dim], scores) of `seeds`, generated in chunks (with `edit`, see generate)."""
    ws, parts = [], []
    offsets = edit.pop("offsets", None)
    for i in range(0, len(seeds), chunk):
        off = None if offsets is None else offsets[i:i + chunk]
        w, imgs = generate(G, seeds[i:i + chunk], batch=batch, offsets=off, **edit)
        ws.append(w)
        parts.append(score(imgs))
        if log:
            log(f"scored {min(i + chunk, len(seeds))}/{len(seeds)} generated faces")
    return np.concatenate(ws), {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def make_effect(G, score: Scorer, seeds: np.ndarray, face_check: bool = True):
    """named_directions.Effect on `seeds`: mean scores at -length and +length,
    and the share of the end images in which MTCNN finds a face."""
    from . import facecheck
    from .named_directions import finite_mean

    def effect(vector, length, layers, tokens):
        ends, found = {}, []
        for key, sign in (("low", -1), ("high", 1)):
            off = np.tile((sign * length * vector)[None].astype(np.float32), (len(seeds), 1))
            _, imgs = generate(G, seeds, offsets=off, layers=layers, tokens=tokens)
            ends[key] = {k: finite_mean(v) for k, v in score(imgs).items()}
            found.append(facecheck.detect(to_uint8(imgs))["found"] if face_check else np.ones(len(seeds), bool))
        return {**ends, "detected": float(np.concatenate(found).mean())}
    return effect


def sample_tokens(G, seeds: int, first: int = SIGMA_FIRST_SEED) -> np.ndarray:
    """Per-token w of consecutive seeds, token axis kept: [seeds, T, w_dim]."""
    return sample_w(G, seeds, first).reshape(seeds, G.cfg.tokens, G.cfg.w_dim)


def labelled_samples(G, labeller: Scorer, samples: int, cache: str | None, log=print) -> tuple[np.ndarray, dict]:
    """w and the labeller's scores of `samples` generated faces, cached under
    `cache` keyed by the generator's weights, the labeller's and the count
    (labelling is most of the time a rerun takes)."""
    seeds = np.arange(LABEL_FIRST_SEED, LABEL_FIRST_SEED + samples, dtype=np.uint64)
    path = None
    if cache:
        h = hashlib.sha256()
        for t in (G.state_dict(), labeller.net.state_dict()):
            for k, v in sorted(t.items()):
                h.update(k.encode())
                h.update(v.detach().cpu().numpy().tobytes())
        h.update(json.dumps({"samples": samples, "landmarks": labeller.landmark_network}).encode())
        path = os.path.join(cache, "labels", h.hexdigest()[:16] + ".npz")
        if os.path.exists(path):
            log(f"labels: cached {path}")
            z = np.load(path)
            return z["w"], {k[6:]: z[k] for k in z.files if k.startswith("score_")}
    w, scores = score_seeds(G, labeller, seeds, log=log)
    if path:
        write_atomically(path, lambda tmp: np.savez(tmp, w=w, **{f"score_{k}": v for k, v in scores.items()}), suffix=".npz")
    return w, scores


def named_directions(G, labeller: Scorer, samples: int, calibration_faces: int = 48, face_check: bool = True,
                     cache: str | None = None, log=print) -> tuple[list, dict]:
    """Labels, fits, localises and calibrates every named direction (named_directions.py)."""
    from . import named_directions as nd
    t0 = time.time()
    w, scores = labelled_samples(G, labeller, samples, cache, log=log)
    fits = nd.fit_all(w, scores, log=log)
    sets = nd.layer_sets([s.res for s in G.cfg.layer_specs()])
    cal = np.arange(CALIBRATION_FIRST_SEED, CALIBRATION_FIRST_SEED + calibration_faces, dtype=np.uint64)
    effect = make_effect(G, labeller, cal, face_check)
    wt = sample_tokens(G, 2000)
    token_rows = {}
    for name in list(fits):
        log(f"{name}: tokens")
        fits[name], token_rows[name] = nd.choose_token_set(fits[name], w, scores, wt, effect, log=log)
    fits |= nd.conditional(fits)
    base = {n: f for n, f in fits.items() if "|" not in n}
    dirs, stats = [], {"samples": samples, "calibration_faces": calibration_faces, "layer_sets": {k: list(v) for k, v in sets.items()},
                       "label_means": {k: nd.finite_mean(v) for k, v in scores.items()}, "directions": {}}
    chosen = {}
    for name, fit in fits.items():
        sigma = nd.token_sigma(wt, fit.vector, fit.tokens)
        root = name.split("|")[0]
        if root in chosen:
            layer_name, rows = chosen[root], None
        else:
            log(f"{name}: layers")
            layer_name, rows = nd.choose_layers(fit, [f for n, f in base.items() if n != name], sets, effect, nd.STEPS * sigma, log=log)
            chosen[root] = layer_name
        cal_res = nd.calibrate(fit, sets[layer_name], effect, start=nd.STEPS * sigma, log=log)
        per_step = cal_res["span_reached"] * (fit.target[1] - fit.target[0]) / (2 * nd.STEPS)
        dirs.append(nd.direction(name, fit, sigma, sets[layer_name], cal_res["length"], per_step))
        stats["directions"][name] = {"tokens": fit.tokens, "token_r2": fit.token_r2, "token_sets": token_rows.get(root),
                                     "r2": fit.r2, "target": list(fit.target),
                                     "sigma": sigma, "layers": layer_name, "layer_rows": rows, "calibration": cal_res,
                                     "step": cal_res["length"] / nd.STEPS, "per_step": per_step, "label": fit.attribute.label}
    order = ["age", "gender", "yaw", "smile", "age|gender", "gender|age"]
    dirs.sort(key=lambda d: order.index(d.name) if d.name in order else len(order))
    stats["seconds"] = round(time.time() - t0, 1)
    return dirs, stats


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (config.json + generator.safetensors)")
    p.add_argument("--data", required=True, help="utkface64 folder (zip shards + labels.csv)")
    p.add_argument("--samples", type=int, default=3000, help="generated faces to label (100-10000)")
    p.add_argument("--calibration-faces", type=int, default=48, help="faces the layer choice and the step are measured on")
    p.add_argument("--epochs", type=int, default=8, help="classifier training epochs")
    p.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder for the classifiers ('' for none)")
    p.add_argument("--retrain", action="store_true", help="train the classifiers even when cached ones exist")
    p.add_argument("--no-landmarks", action="store_true", help="leave out yaw and smile")
    p.add_argument("--no-face-check", action="store_true",
                   help="do not cap the step where MTCNN stops finding faces (for models too small to look like faces)")
    p.add_argument("--out", default=None, help="directions folder (default MODEL/directions)")
    p.add_argument("--stats", default=None, help="write the classifier and fit numbers to this JSON file")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if not 100 <= args.samples <= 10000:
        p.error("--samples must be between 100 and 10000")
    if args.calibration_faces < 2:
        p.error("--calibration-faces must be at least 2")
    torch.set_num_threads(args.threads)
    if not args.no_face_check:
        from .facecheck import facenet_available
        ok, why = facenet_available()
        if not ok:
            raise SystemExit(f"the face check needs facenet-pytorch ({why}): pip install --no-deps -r training/requirements-eval.txt, "
                             "or pass --no-face-check")
    from .export import load_exported
    G = load_exported(args.model)
    if args.retrain:
        for role in (LABELLER, JUDGE):
            classifier(args.data, args.cache or None, epochs=args.epochs, retrain=True, **role)
    labeller, metrics = scorer("labeller", args.data, args.cache or None, args.epochs, not args.no_landmarks)
    dirs, stats = named_directions(G, labeller, args.samples, args.calibration_faces, not args.no_face_check, args.cache or None)
    for d in dirs:
        print(f"{d.name}: tokens {d.tokens}, layers {d.layers[0]}-{d.layers[1]}, σ {d.sigma:.3f}, "
              f"step {d.step:.3f} ({d.unit['per_step']:+.3g} {d.unit['label']} per step)")
    out = args.out or os.path.join(args.model, "directions")
    merged = directions_io.merge(out, dirs, lambda d: d.method == directions_io.ATTRIBUTE, G.cfg.w_dim)
    print(f"saved {', '.join(d.name for d in dirs)} to {out} ({len(merged)} in the folder)")
    try:
        from .classifier_export import export_classifier
    except ImportError:
        export_classifier = None
    if export_classifier and not args.out:
        export_classifier(labeller.net, args.model, metrics)
        print(f"exported the labeller to {args.model}/attributes.safetensors")
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump({"classifier": metrics, "named": stats}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
