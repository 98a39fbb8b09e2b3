"""Generated faces for the attribute pipeline: the token sets and images of seeds
(z from rng.seed_z, the engine's seed -> z map; un-truncated, constant noise),
optionally edited as the engine edits (an offset on some tokens of some layers),
and w samples for the directions' σ.
"""
from __future__ import annotations

import numpy as np
import torch

from .rng import SIGMA_FIRST_SEED, seed_z_batch


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


def sample_tokens(G, seeds: int, first: int = SIGMA_FIRST_SEED) -> np.ndarray:
    """Per-token w of consecutive seeds, token axis kept: [seeds, T, w_dim]."""
    return sample_w(G, seeds, first).reshape(seeds, G.cfg.tokens, G.cfg.w_dim)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3], as the engine quantises."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
