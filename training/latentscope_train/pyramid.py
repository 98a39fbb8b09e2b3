"""The Laplacian pyramid of ProGAN (Karras et al. 2018, appendix D): a 5-tap
[1, 4, 6, 4, 1] Gaussian, subsampling by 2, and its exact transpose to go back up.

Its users share it so that they mean the same thing by "the finest detail": the
sliced Wasserstein distance per level (swd.py), the judge without the finest level
(evaluate --smooth), the discriminator's detail head (model.DetailHead) and the
discriminator's coarse view (train.py --d-view).
Differentiable; every function but the last takes and returns float [B, C, H, W].
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .imageio import from_uint8, to_uint8

_TAPS = (1.0, 4.0, 6.0, 4.0, 1.0)


def _kernel(x: torch.Tensor) -> torch.Tensor:
    t = torch.tensor(_TAPS, dtype=x.dtype, device=x.device) / 16.0
    return (t[:, None] * t[None, :]).expand(x.shape[1], 1, 5, 5)


def down(x: torch.Tensor) -> torch.Tensor:
    """Blur and keep every second pixel: [B, C, H, W] -> [B, C, H/2, W/2]."""
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), _kernel(x), stride=2, groups=x.shape[1])


def up(x: torch.Tensor) -> torch.Tensor:
    """Zeros between samples, then the same kernel (x4 for the zeros): the transpose of down."""
    B, C, H, W = x.shape
    z = x.new_zeros(B, C, H * 2, W * 2)
    z[:, :, ::2, ::2] = x * 4
    return F.conv2d(F.pad(z, (2, 2, 2, 2), mode="reflect"), _kernel(x), groups=C)


def finest_detail(x: torch.Tensor) -> torch.Tensor:
    """The pyramid's finest level: what one octave of blurring takes away."""
    return x - up(down(x))


def coarse_view(x: torch.Tensor, res: int) -> torch.Tensor:
    """The image without its pyramid levels finer than res: blurred and subsampled down to
    res x res, then back up to its own size. What a discriminator that judges only the
    coarse content of a face sees (train.py --d-view)."""
    size = x.shape[-1]
    if res >= size:
        return x
    if size % res or (size // res) & (size // res - 1):
        raise ValueError(f"a {size}px image has no pyramid level at {res}px")
    small = x
    while small.shape[-1] > res:
        small = down(small)
    while small.shape[-1] < size:
        small = up(small)
    return small


def laplacian_pyramid(images: torch.Tensor, min_res: int = 16) -> list[torch.Tensor]:
    """[B, 3, R, R] -> details at R, R/2, ... down to the Gaussian rest at min_res."""
    levels, x = [], images
    while x.shape[-1] > min_res:
        small = down(x)
        levels.append(x - up(small))
        x = small
    levels.append(x)
    return levels


def without_finest_detail(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N, R, R, 3] images with their finest level removed (blurred and subsampled
    by 2, then upsampled back to R): what evaluate --smooth judges."""
    return to_uint8(up(down(from_uint8(images_u8))))
