"""Image grids as PNG (training samples, model-card figures)."""
from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image
from .atomic import write_atomically


def to_uint8(imgs: torch.Tensor) -> np.ndarray:
    """[B, 3, H, W] in [-1, 1] -> uint8 [B, H, W, 3] (rounded, clamped)."""
    x = (imgs.detach().float().clamp(-1, 1) + 1) * 127.5
    return x.round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def from_uint8(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> float [N, 3, H, W] in [-1, 1]; the inverse of to_uint8."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def save_grid(imgs: torch.Tensor, path: str, cols: int = 8, pad: int = 2, scale: int = 1):
    """Write images as one PNG grid, atomically (temp file + rename)."""
    arr = to_uint8(imgs)
    n, h, w, _ = arr.shape
    rows = (n + cols - 1) // cols
    canvas = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = arr[i]
    im = Image.fromarray(canvas)
    if scale > 1:
        im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    write_atomically(path, lambda tmp: im.save(tmp, format="PNG"), suffix=".png")
