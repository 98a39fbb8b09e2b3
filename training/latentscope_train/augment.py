"""Differentiable augmentation for the discriminator (DiffAugment, Zhao et al.
2020): the same random transforms are applied to real and fake images, and
gradients flow through them to the generator, so D cannot memorise a small data
set while G still learns un-augmented images."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def brightness(x):
    return x + (torch.rand(x.size(0), 1, 1, 1, device=x.device) - 0.5)


def saturation(x):
    m = x.mean(dim=1, keepdim=True)
    return (x - m) * (torch.rand(x.size(0), 1, 1, 1, device=x.device) * 2) + m


def contrast(x):
    m = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - m) * (torch.rand(x.size(0), 1, 1, 1, device=x.device) + 0.5) + m


def translation(x, ratio=0.125):
    """Shift by up to ratio*size pixels, filling with zeros."""
    B, _, H, W = x.shape
    sh, sw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (B, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (B, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(H, device=x.device), torch.arange(W, device=x.device), indexing="ij")
    gy = (gy.unsqueeze(0) + dy).clamp(-1, H)
    gx = (gx.unsqueeze(0) + dx).clamp(-1, W)
    padded = F.pad(x, [1, 1, 1, 1])
    idx = (gy + 1) * (W + 2) + (gx + 1)                               # [B, H, W]
    flat = padded.flatten(2)                                          # [B, C, (H+2)(W+2)]
    return flat.gather(2, idx.flatten(1).unsqueeze(1).expand(-1, x.size(1), -1)).view_as(x)


def cutout(x, ratio=0.5):
    """Zero a square of side ratio*size, centred on a uniformly drawn pixel and clipped at the
    edges, as DiffAugment does (half the side: a quarter of the image when it lies inside)."""
    B, _, H, W = x.shape
    ch, cw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    cy = torch.randint(0, H + (1 - ch % 2), (B, 1, 1), device=x.device)
    cx = torch.randint(0, W + (1 - cw % 2), (B, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(H, device=x.device), torch.arange(W, device=x.device), indexing="ij")
    top, left = cy - ch // 2, cx - cw // 2
    inside = (gy >= top) & (gy < top + ch) & (gx >= left) & (gx < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"color": [brightness, saturation, contrast], "translation": [translation], "cutout": [cutout]}


def diff_augment(x: torch.Tensor, policy: str) -> torch.Tensor:
    """policy: comma-separated names from POLICIES, or '' for none."""
    for name in filter(None, policy.split(",")):
        if name not in POLICIES:
            raise ValueError(f"unknown augmentation {name!r}; choose from {', '.join(POLICIES)}")
        for f in POLICIES[name]:
            x = f(x)
    return x.contiguous()
