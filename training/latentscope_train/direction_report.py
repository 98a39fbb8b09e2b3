"""Evidence that a model's directions do what their names say.

    python -m latentscope_train.direction_report --model ../assets/models/utkface64 \
        --data ../../shared/datasets/utkface64 --figures ../docs/figures --json report.json

1. Named directions, measured by the *judge* (attribute_classifier.JUDGE, a classifier
   the directions were not fitted with; landmarks.py's judge network for yaw
   and smile): `--seeds` faces (apart from the labelled and the calibration
   faces) walked from -3 to +3 steps along each direction with its defaults
   (tokens, layers, step). Per step: the mean of every attribute; the own
   attribute's range, the rank correlation of step and score (Spearman, per
   face, then the median), the cross-effects (other attributes' change per
   step), and the share of end images in which MTCNN finds a face. A random
   unit vector with the defaults of `age` is the control.
2. Where each attribute lives: the same ±3 step edit limited to each layer
   set and to each single token, on `--local-seeds` faces.
3. PCA against random directions: the variance of fresh w samples along each
   saved PCA component, divided by the mean variance along random unit vectors.
4. Figures: the PCA spectrum, the named sweeps, the per-token bars and a sweep
   sheet of the named directions.

Numbers refer to the model in --model (its config.json's training.kimg).
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from . import directions_io, faces, scoring
from .attribute_classifier import DEFAULT_CACHE, PINNED
from .directions_doc import weights_sha256

EVAL_FIRST_SEED = 1 << 42
OFFSETS = np.arange(-3, 4, dtype=np.float64)


SCORE_OF = {"age": "age", "gender": "female", "yaw": "yaw", "smile": "smile"}


def own_score(name: str) -> str:
    return SCORE_OF[name.split("|")[0]]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Rank correlation (ties broken by order; scores are continuous)."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    d = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
    return float((rx * ry).sum() / d) if d else float("nan")


def walk(G, judge, d, seeds: np.ndarray, face_check: bool = True, offsets=OFFSETS, layers="default", tokens="default") -> dict:
    """The judge's scores along `d` with its defaults (or the given layers/tokens)."""
    from . import facecheck
    layers = (tuple(d.layers) if d.layers else None) if layers == "default" else layers
    tokens = d.tokens if tokens == "default" else tokens
    per = {}
    found = []
    for i, a in enumerate(offsets):
        off = np.tile((a * d.step_length * d.vector)[None], (len(seeds), 1))
        _, imgs = faces.generate(G, seeds, offsets=off, layers=layers, tokens=tokens)
        for k, v in judge(imgs).items():
            per.setdefault(k, np.full((len(offsets), len(seeds)), np.nan))[i] = v
        if i in (0, len(offsets) - 1):
            found.append(facecheck.detect(faces.to_uint8(imgs))["found"] if face_check else np.ones(len(seeds), bool))
    means = {k: [float(np.nanmean(v[i])) if np.isfinite(v[i]).any() else float("nan") for i in range(len(offsets))] for k, v in per.items()}
    slopes = {k: float(np.polyfit(offsets, m, 1)[0]) if np.all(np.isfinite(m)) else float("nan") for k, m in means.items()}
    return {"offsets": list(map(float, offsets)), "means": means, "slopes": slopes, "per_face": per,
            "detected_ends": float(np.concatenate(found).mean())}


def summarise(name: str, w: dict) -> dict:
    key = own_score(name)
    per = w["per_face"][key]
    rho = [spearman(np.array(w["offsets"]), per[:, j]) for j in range(per.shape[1]) if np.isfinite(per[:, j]).all()]
    m = w["means"][key]
    return {"score": key, "means": w["means"], "slopes": w["slopes"], "low": m[0], "high": m[-1],
            "monotonic": bool(np.all(np.diff(m) > 0)), "spearman_median": float(np.median(rho)) if rho else float("nan"),
            "faces": int(per.shape[1]), "detected_ends": w["detected_ends"]}


def localise(G, judge, d, seeds: np.ndarray, sets: dict, tokens: int) -> dict:
    """Own change and cross-changes at ±3 steps: per layer set (the direction's
    tokens) and per single token (the direction's layers)."""
    ends = np.array([OFFSETS[0], OFFSETS[-1]])
    def change(layers, toks):
        w = walk(G, judge, d, seeds, face_check=False, offsets=ends, layers=layers, tokens=toks)
        return {k: m[1] - m[0] for k, m in w["means"].items()}
    return {"layers": {n: change(tuple(r), "default") for n, r in sets.items()},
            "tokens": [change("default", [t]) for t in range(tokens)]}


def pca_vs_random(G, dirs: list, samples_seeds: int = 4000, randoms: int = 1000) -> dict:
    """Variance of fresh w along saved PCA components vs random unit vectors."""
    w = faces.sample_w(G, samples_seeds, first=EVAL_FIRST_SEED).astype(np.float64)
    w -= w.mean(0)
    cov = w.T @ w / len(w)
    total = float(np.trace(cov))
    rng = np.random.default_rng(0)
    r = rng.standard_normal((randoms, cov.shape[0]))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    rand = float(np.einsum("ij,jk,ik->i", r, cov, r).mean())
    pcs = [d for d in dirs if d.method == directions_io.PCA]
    var = [float(d.vector.astype(np.float64) @ cov @ d.vector.astype(np.float64)) for d in pcs]
    sefa = [d for d in dirs if d.method == directions_io.SEFA and d.layers is None]
    sefa_var = [float(d.vector.astype(np.float64) @ cov @ d.vector.astype(np.float64)) for d in sefa]
    return {"samples": len(w), "total_variance": total, "random_share": rand / total, "names": [d.name for d in pcs],
            "share": [v / total for v in var], "ratio_to_random": [v / rand for v in var],
            "sefa_ratio_to_random": [v / rand for v in sefa_var]}


def spectrum_figure(pca: dict, path: str, kimg):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    share = np.array(pca["share"])
    k = np.arange(len(share))
    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=110)
    ax.bar(k, share * 100, color="#4a7ab7", label="PCA component")
    ax.axhline(pca["random_share"] * 100, color="#c44", ls="--", label=f"random direction (mean, {pca['random_share'] * 100:.2f}%)")
    ax.set_xlabel("component")
    ax.set_ylabel("variance of w explained (%)")
    ax2 = ax.twinx()
    ax2.plot(k, np.cumsum(share) * 100, color="#333", marker=".", lw=1, label="cumulative")
    ax2.set_ylabel("cumulative (%)")
    ax2.set_ylim(0, 100)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="center right", fontsize=8)
    ax.set_title(f"PCA of w, {pca['samples']:,} samples (model at {kimg} kimg)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def sweep_figure(named: dict, path: str, kimg):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = [k for k in ("age", "female", "yaw", "smile") if any(k in r["means"] for r in named.values())]
    labels = {"age": "predicted age (years)", "female": "P(female)", "yaw": "yaw", "smile": "smile"}
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3.2), dpi=110, squeeze=False)
    for ax, k in zip(axes[0], keys):
        for name, r in named.items():
            if k in r["means"]:
                own = r["score"] == k
                ax.plot(OFFSETS, r["means"][k], marker="o", ms=3, lw=2 if own else 0.8, alpha=1 if own else 0.6, label=name)
        ax.set_xlabel("steps")
        ax.set_ylabel(f"judge: mean {labels[k]}")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle(f"Walking the named directions, the judge's scores (model at {kimg} kimg)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def token_figure(local: dict, named: dict, path: str, kimg):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [n for n in local if "|" not in n]
    fig, axes = plt.subplots(1, len(names), figsize=(3.0 * len(names), 2.8), dpi=110, squeeze=False)
    for ax, n in zip(axes[0], names):
        key = named[n]["score"]
        v = [t[key] for t in local[n]["tokens"]]
        ax.bar(range(len(v)), v, color="#4a7ab7")
        ax.set_title(f"{n} on one token", fontsize=9)
        ax.set_xlabel("token")
        ax.set_ylabel(f"change of {key}, -3 to +3 steps", fontsize=8)
        ax.set_xticks(range(len(v)))
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Where the named directions live (model at {kimg} kimg)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def sweep_sheet(G, dirs: list, seed: int, path: str):
    """Rows: the named directions; columns: -3 ... +3 steps of one face."""
    from .imageio import save_grid
    imgs = []
    seeds = np.array([seed], dtype=np.uint64)
    for d in dirs:
        for a in OFFSETS:
            _, im = faces.generate(G, seeds, offsets=(a * d.step_length * d.vector)[None],
                                        layers=tuple(d.layers) if d.layers else None, tokens=d.tokens)
            imgs.append(im)
    save_grid(torch.cat(imgs), path, cols=len(OFFSETS))


def markdown(report: dict) -> str:
    out = []
    c = report["judge"]
    out.append(f"Model: {report['model']} at {report['kimg']} kimg. Judge (held-out real images, n = {c['images']}): "
               f"age MAE {c['age_mae']:.2f} years, gender accuracy {c['gender_accuracy']:.3f}.\n")
    out.append("| direction | attribute at -3 → +3 steps | per step | Spearman | monotonic | faces at the ends |")
    out.append("| --- | ---: | ---: | ---: | :---: | ---: |")
    for name, s in report["named"].items():
        cell = name.replace("|", "\\|")      # a bare | would end the table cell
        out.append(f"| `{cell}` | {s['low']:.3g} → {s['high']:.3g} | {s['slopes'][s['score']]:+.3g} | {s['spearman_median']:+.2f} "
                   f"| {'yes' if s['monotonic'] else 'no'} | {s['detected_ends'] * 100:.0f}% |")
    p = report["pca"]
    out.append("")
    out.append(f"PCA vs random ({p['samples']:,} fresh w samples): a random unit direction carries {p['random_share'] * 100:.2f}% of the variance "
               f"(1/w_dim = {100 / report['w_dim']:.2f}%).\n")
    out.append("| component | share of variance | × random |")
    out.append("| --- | ---: | ---: |")
    for n, s, r in list(zip(p["names"], p["share"], p["ratio_to_random"]))[:8]:
        out.append(f"| `{n}` | {s * 100:.2f}% | {r:.1f} |")
    k = min(8, len(p["share"]))
    out.append(f"| top {k} together | {sum(p['share'][:k]) * 100:.1f}% | {sum(p['share'][:k]) / (k * p['random_share']):.1f} |")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="utkface64 folder (for the cached judge's key, or to train it)")
    p.add_argument("--cache", default=DEFAULT_CACHE)
    p.add_argument("--epochs", type=int, default=8, help="classifier settings (as given to attributes.py)")
    p.add_argument("--pinned", default=PINNED, help="folder of the pinned classifiers ('' for none: cached or trained ones)")
    p.add_argument("--seeds", type=int, default=100, help="faces per walk")
    p.add_argument("--local-seeds", type=int, default=40, help="faces per layer-set and per-token edit")
    p.add_argument("--sheet-seed", type=int, default=7, help="the face of the sweep sheet")
    p.add_argument("--no-landmarks", action="store_true", help="leave out yaw and smile")
    p.add_argument("--no-face-check", action="store_true", help="do not count faces at the walks' ends (MTCNN)")
    p.add_argument("--figures", default=None, help="folder for the PNGs")
    p.add_argument("--json", default=None, help="write the numbers to this file")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from .export import load_exported
    from . import named_directions as nd
    G = load_exported(args.model)
    config = json.load(open(os.path.join(args.model, "config.json")))
    kimg = (config.get("training") or {}).get("kimg")
    dirs = directions_io.read(os.path.join(args.model, "directions"), G.cfg.w_dim)
    named_dirs = [d for d in dirs if d.method == directions_io.ATTRIBUTE and d.name.split("|")[0] in SCORE_OF]
    judge, metrics = scoring.scorer("judge", args.data, args.cache or None, args.epochs, not args.no_landmarks,
                                    pinned_dir=args.pinned or None)
    seeds = np.arange(EVAL_FIRST_SEED, EVAL_FIRST_SEED + args.seeds, dtype=np.uint64)
    local_seeds = seeds[:args.local_seeds]
    named, local = {}, {}
    for d in named_dirs:
        if own_score(d.name) not in ("age", "female") and not judge.landmark_network:
            continue
        named[d.name] = {"tokens": d.tokens, "layers": d.layers, "step": d.step_length, "sigma": d.sigma, "unit": d.unit,
                         **summarise(d.name, walk(G, judge, d, seeds, not args.no_face_check))}
        r = named[d.name]
        print(f"{d.name:11s}: {r['score']} {r['low']:.3g} -> {r['high']:.3g} ({r['slopes'][r['score']]:+.3g} per step, "
              f"Spearman {r['spearman_median']:+.2f}, faces at the ends {r['detected_ends'] * 100:.0f}%)", flush=True)
    # The control: a random unit vector with age's defaults (tokens, layers, step).
    if "age" in named:
        a = next(d for d in named_dirs if d.name == "age")
        v = np.random.default_rng(1).standard_normal(G.cfg.w_dim)
        ctrl = directions_io.Direction("random", (v / np.linalg.norm(v)).astype(np.float32), a.sigma, directions_io.ATTRIBUTE,
                                       layers=a.layers, tokens=a.tokens, step=a.step_length)
        wk = walk(G, judge, ctrl, seeds, not args.no_face_check)
        named["random"] = {"tokens": a.tokens, "layers": a.layers, "step": a.step_length, "sigma": a.sigma, **summarise("age", wk)}
        print(f"random     : age {named['random']['low']:.3g} -> {named['random']['high']:.3g}", flush=True)
    sets = nd.layer_sets([s.res for s in G.cfg.layer_specs()])
    for d in named_dirs:
        if d.name in named:
            local[d.name] = localise(G, judge, d, local_seeds, sets, G.cfg.tokens)
            t = [x[own_score(d.name)] for x in local[d.name]["tokens"]]
            print(f"{d.name:11s}: change per single token " + " ".join(f"{v:+.3g}" for v in t), flush=True)
    for r in named.values():
        r.pop("per_face", None)
    pca = pca_vs_random(G, dirs)
    report = {"model": config["name"], "kimg": kimg, "weights_sha256": weights_sha256(args.model), "w_dim": G.cfg.w_dim, "judge": metrics, "named": named, "local": local,
              "local_faces": len(local_seeds), "layer_sets": {k: list(v) for k, v in sets.items()}, "pca": pca,
              "cos": {f"{a}·{b}": float(x.vector @ y.vector) for x in named_dirs for y in named_dirs
                      for a, b in [(x.name, y.name)] if a < b}}
    print()
    print(markdown(report))
    if args.figures:
        os.makedirs(args.figures, exist_ok=True)
        if pca["names"]:
            spectrum_figure(pca, os.path.join(args.figures, "pca-spectrum.png"), kimg)
        if named:
            sweep_figure(named, os.path.join(args.figures, "attribute-sweeps.png"), kimg)
            token_figure(local, named, os.path.join(args.figures, "attribute-tokens.png"), kimg)
            sweep_sheet(G, [d for d in named_dirs if d.name in named], args.sheet_seed, os.path.join(args.figures, "attribute-sweep.png"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
