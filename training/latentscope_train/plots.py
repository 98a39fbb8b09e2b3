"""Figures for the docs: the training loss curves and an 8x8 grid of samples.

    python -m latentscope_train.plots --run RUN_DIR [--model ../assets/models/NAME] --out ../docs/

Writes OUT/training-loss.png (from RUN_DIR/log.csv) and OUT/samples-8x8.png
(seeds 0...63, constant noise; from --model when given, else from the EMA
generator in RUN_DIR/checkpoint.pt). Either input may be left out: --run alone
without a checkpoint makes only the loss plot, --model alone only the grid.
"""
from __future__ import annotations

import argparse
import csv
import os

import numpy as np
import torch

from .export import load_exported
from .imageio import save_grid
from .model import Generator, GeneratorConfig
from .rng import seed_z
from .atomic import write_atomically

LOSS_PNG = "training-loss.png"
GRID_PNG = "samples-8x8.png"


def read_log(path: str) -> dict[str, np.ndarray]:
    """log.csv -> column name -> float array (blank or 'nan' cells become NaN).
    A resumed run appends to the same file, starting again from the step of
    its checkpoint; the rows it repeats replace the older ones."""
    def num(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    with open(path, newline="") as f:
        rows: list[dict] = []
        for r in csv.DictReader(f):
            while rows and num(rows[-1].get("step")) >= num(r.get("step")):
                rows.pop()
            rows.append(r)
    if not rows:
        raise SystemExit(f"{path} has no rows yet")
    return {k: np.array([num(r.get(k)) for r in rows]) for k in rows[0]}


def smooth(y: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average ignoring NaNs (same length as y)."""
    if window <= 1 or len(y) < 3:
        return y
    window = min(window, len(y))
    ok = np.isfinite(y).astype(np.float64)
    v = np.where(ok > 0, y, 0.0)
    k = np.ones(window)
    num = np.convolve(v, k, mode="same")
    den = np.convolve(ok, k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def plot_losses(log_path: str, out_png: str, title: str | None = None) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log = read_log(log_path)
    x = log["kimg"]
    window = max(1, len(x) // 50)
    panels = [("losses", ["loss_G", "loss_D"]), ("discriminator logits", ["D_real", "D_fake"]), ("R1 penalty", ["r1"])]
    panels = [(t, [c for c in cols if c in log]) for t, cols in panels]
    panels = [(t, cols) for t, cols in panels if cols]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.6 * len(panels)), sharex=True, squeeze=False)
    for ax, (name, cols) in zip(axes[:, 0], panels):
        for c in cols:
            line, = ax.plot(x, log[c], alpha=0.25, linewidth=0.8)
            ax.plot(x, smooth(log[c], window), color=line.get_color(), linewidth=1.6, label=c)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
        if name == "R1 penalty":
            ax.set_yscale("log")
    axes[-1, 0].set_xlabel("thousands of real images shown (kimg)")
    hours = np.nanmax(log["seconds"]) / 3600 if "seconds" in log else float("nan")
    fig.suptitle(title or f"training: {x[-1]:.0f} kimg, step {log['step'][-1]:.0f}, {hours:.1f} h of training")
    fig.tight_layout()
    write_atomically(out_png, lambda tmp: fig.savefig(tmp, dpi=110, format="png"), suffix=".png")
    plt.close(fig)
    return out_png


def checkpoint_generator(path: str) -> Generator:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    G = Generator(GeneratorConfig.from_dict(ck["config"]))
    G.load_state_dict(ck["G_ema"])
    return G.eval()


def sample_grid(G: Generator, out_png: str, psi: float = 1.0, seeds: int = 64, scale: int = 2) -> str:
    cfg = G.cfg
    z = torch.from_numpy(np.stack([seed_z(s, cfg.tokens, cfg.z_dim) for s in range(seeds)]))
    with torch.no_grad():
        imgs = torch.cat([G(z[i:i + 16], psi=psi, noise_mode="const") for i in range(0, seeds, 16)])
    save_grid(imgs, out_png, cols=8, scale=scale)
    return out_png


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", default=None, help="run folder (log.csv, checkpoint.pt)")
    p.add_argument("--model", default=None, help="exported model folder for the sample grid")
    p.add_argument("--out", required=True, help="folder for the PNGs")
    p.add_argument("--psi", type=float, default=1.0)
    p.add_argument("--scale", type=int, default=2, help="pixel scale of the sample grid")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.run and not args.model:
        raise SystemExit("give --run, --model or both")
    written = []
    if args.run:
        log = os.path.join(args.run, "log.csv")
        if not os.path.exists(log):
            raise SystemExit(f"{log} does not exist")
        written.append(plot_losses(log, os.path.join(args.out, LOSS_PNG)))
    G = None
    if args.model:
        G = load_exported(args.model)
    elif args.run and os.path.exists(os.path.join(args.run, "checkpoint.pt")):
        G = checkpoint_generator(os.path.join(args.run, "checkpoint.pt"))
    if G is not None:
        written.append(sample_grid(G, os.path.join(args.out, GRID_PNG), args.psi, scale=args.scale))
    for w in written:
        print("wrote", os.path.abspath(w))
    return written


if __name__ == "__main__":
    main()
