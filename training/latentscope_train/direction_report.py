"""Evidence that a model's directions do what their names say.

    python -m latentscope_train.direction_report --model ../assets/models/utkface64 \
        --data ../../shared/datasets/utkface64 --figures ../docs/figures --json report.json

1. Attribute sweeps: `--seeds` faces (seeds apart from those the boundaries
   were fitted on) moved along `age`, `gender`, `age|gender` and a random
   direction (control) from −3σ to +3σ, every token of every layer; the
   attribute classifier (attributes.py, cached) scores every image. Reports the
   mean predicted age and P(female) at each offset, least-squares slopes per σ,
   whether the mean rises monotonically, and the share of faces whose score is
   higher at +3σ than at −3σ.
2. PCA against random directions: the variance of fresh w samples along each
   saved PCA component, divided by the mean variance along random unit vectors.
3. Figures: the PCA explained-variance spectrum and the attribute sweep curves.

Numbers refer to the model in --model (its config.json's training.kimg).
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from . import attributes, directions_io

EVAL_FIRST_SEED = 1 << 42
OFFSETS = np.arange(-3, 4, dtype=np.float64)


def sweep(G, net, direction: np.ndarray, sigma: float, seeds: np.ndarray, offsets=OFFSETS, batch: int = 64) -> dict:
    """Mean (and per-seed) predicted age and P(female) along `direction`."""
    ages = np.zeros((len(offsets), len(seeds)))
    fem = np.zeros_like(ages)
    for i, a in enumerate(offsets):
        off = np.tile((a * sigma * direction)[None, :], (len(seeds), 1))
        _, imgs = attributes.generate(G, seeds, batch=batch, offsets=off)
        ages[i], fem[i] = attributes.predict(net, imgs)
    return {"faces": len(seeds), "offsets": offsets.tolist(), "age": ages.mean(1).tolist(), "female": fem.mean(1).tolist(),
            "age_slope": float(np.polyfit(offsets, ages.mean(1), 1)[0]),
            "female_slope": float(np.polyfit(offsets, fem.mean(1), 1)[0]),
            "age_monotonic": bool(np.all(np.diff(ages.mean(1)) > 0)),
            "female_monotonic": bool(np.all(np.diff(fem.mean(1)) > 0)),
            "age_up_share": float((ages[-1] > ages[0]).mean()),
            "female_up_share": float((fem[-1] > fem[0]).mean())}


def pca_vs_random(G, dirs: list, samples_seeds: int = 4000, randoms: int = 1000) -> dict:
    """Variance of fresh w along saved PCA components vs random unit vectors."""
    w = attributes.sample_w(G, samples_seeds, first=EVAL_FIRST_SEED).astype(np.float64)
    w -= w.mean(0)
    cov = w.T @ w / len(w)
    total = float(np.trace(cov))
    rng = np.random.default_rng(0)
    r = rng.standard_normal((randoms, cov.shape[0]))
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    rand = float(np.einsum("ij,jk,ik->i", r, cov, r).mean())
    pcs = [d for d in dirs if d.method == "pca"]
    var = [float(d.vector.astype(np.float64) @ cov @ d.vector.astype(np.float64)) for d in pcs]
    sefa = [d for d in dirs if d.method == "sefa" and d.layers is None]
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


def sweep_figure(sweeps: dict, path: str, kimg):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), dpi=110)
    for name, s in sweeps.items():
        axes[0].plot(s["offsets"], s["age"], marker="o", ms=3, label=name)
        axes[1].plot(s["offsets"], s["female"], marker="o", ms=3, label=name)
    axes[0].set_ylabel("mean predicted age (years)")
    axes[1].set_ylabel("mean P(female)")
    for a in axes:
        a.set_xlabel("offset (σ)")
        a.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Walking {len(sweeps)} directions, classifier scores (model at {kimg} kimg)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(report: dict) -> str:
    out = []
    c = report["classifier"]
    out.append(f"Model: {report['model']} at {report['kimg']} kimg. Classifier (held-out real images, n = {c['images']}): "
               f"age MAE {c['age_mae']:.2f} years (predicting the median: {c['baseline_age_mae']:.2f}), "
               f"gender accuracy {c['gender_accuracy']:.3f} (majority class: {c['baseline_gender_accuracy']:.3f}).\n")
    out.append("| direction | σ | age slope (years/σ) | age rises monotonically | faces older at +3σ | P(female) slope (/σ) | P(female) rises monotonically | faces more female at +3σ |")
    out.append("| --- | ---: | ---: | :---: | ---: | ---: | :---: | ---: |")
    for name, s in report["sweeps"].items():
        cell = name.replace("|", "\\|")      # a bare | would end the table cell
        out.append(f"| `{cell}` | {s['sigma']:.3f} | {s['age_slope']:+.2f} | {'yes' if s['age_monotonic'] else 'no'} | {s['age_up_share'] * 100:.0f}% "
                   f"| {s['female_slope']:+.3f} | {'yes' if s['female_monotonic'] else 'no'} | {s['female_up_share'] * 100:.0f}% |")
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
    p.add_argument("--data", required=True, help="utkface64 folder (for the cached classifier's key, or to train it)")
    p.add_argument("--cache", default=attributes.DEFAULT_CACHE)
    p.add_argument("--epochs", type=int, default=8, help="classifier settings (as given to attributes.py)")
    p.add_argument("--width", type=int, default=16, help="classifier settings (as given to attributes.py)")
    p.add_argument("--seeds", type=int, default=100, help="faces per sweep")
    p.add_argument("--figures", default=None, help="folder for pca-spectrum.png and attribute-sweeps.png")
    p.add_argument("--json", default=None, help="write the numbers to this file")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from .export import load_exported
    G = load_exported(args.model)
    config = json.load(open(os.path.join(args.model, "config.json")))
    kimg = (config.get("training") or {}).get("kimg")
    dirs = directions_io.read(os.path.join(args.model, "directions"), G.cfg.w_dim)
    by_name = {d.name: d for d in dirs}
    net, metrics = attributes.classifier(args.data, args.cache or None, epochs=args.epochs, width=args.width)
    seeds = np.arange(EVAL_FIRST_SEED, EVAL_FIRST_SEED + args.seeds, dtype=np.uint64)
    # The control: a random unit direction with its σ measured like the others'.
    rnd = np.random.default_rng(1).standard_normal(G.cfg.w_dim)
    rnd = (rnd / np.linalg.norm(rnd)).astype(np.float32)
    rnd_sigma = float(directions_io.sigmas(rnd[None], attributes.sample_w(G, 2000))[0])
    todo = [(n, by_name[n].vector, by_name[n].sigma) for n in ("age", "gender", "age|gender") if n in by_name]
    todo.append(("random", rnd, rnd_sigma))
    sweeps = {}
    for name, v, s in todo:
        sweeps[name] = {"sigma": s, **sweep(G, net, v, s, seeds)}
        r = sweeps[name]
        print(f"{name:11s} σ {s:.3f}: age {r['age'][0]:.1f} -> {r['age'][-1]:.1f} years (slope {r['age_slope']:+.2f}/σ, "
              f"monotonic {r['age_monotonic']}), P(female) {r['female'][0]:.2f} -> {r['female'][-1]:.2f} (slope {r['female_slope']:+.3f}/σ, "
              f"monotonic {r['female_monotonic']})", flush=True)
    pca = pca_vs_random(G, dirs)
    report = {"model": config["name"], "kimg": kimg, "w_dim": G.cfg.w_dim, "classifier": metrics, "sweeps": sweeps, "pca": pca,
              "cos": {f"{a}·{b}": float(by_name[a].vector @ by_name[b].vector)
                      for a, b in (("age", "gender"), ("age|gender", "gender")) if a in by_name and b in by_name}}
    if pca["names"]:
        print(f"PCA: pca0 carries {pca['share'][0] * 100:.2f}% of the variance, {pca['ratio_to_random'][0]:.1f}x a random direction "
              f"({pca['random_share'] * 100:.2f}%)")
    print()
    print(markdown(report))
    if args.figures:
        os.makedirs(args.figures, exist_ok=True)
        if pca["names"]:
            spectrum_figure(pca, os.path.join(args.figures, "pca-spectrum.png"), kimg)
        sweep_figure(sweeps, os.path.join(args.figures, "attribute-sweeps.png"), kimg)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
