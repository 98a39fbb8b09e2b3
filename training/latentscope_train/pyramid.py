"""The Laplacian pyramid of ProGAN (Karras et al. 2018, appendix D): a 5-tap
[1, 4, 6, 4, 1] Gaussian, subsampling by 2, and its exact transpose to go back up.

Three users share it so that they mean the same thing by "the finest detail": the
sliced Wasserstein distance per level (swd.py), the judge without the finest level
(evaluate --smooth) and the discriminator's detail head (model.DetailHead).
Differentiable; every function takes and returns float [B, C, H, W].
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

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


def laplacian_pyramid(images: torch.Tensor, min_res: int = 16) -> list[torch.Tensor]:
    """[B, 3, R, R] -> details at R, R/2, ... down to the Gaussian rest at min_res."""
    levels, x = [], images
    while x.shape[-1] > min_res:
        small = down(x)
        levels.append(x - up(small))
        x = small
    levels.append(x)
    return levels
