import math

import pytest
import torch

from latentscope_train import pyramid


def test_the_pyramid_adds_back_up_to_the_image():
    x = torch.randn(2, 3, 64, 64)
    levels = pyramid.laplacian_pyramid(x)
    assert [lv.shape[-1] for lv in levels] == [64, 32, 16]
    rebuilt = levels[-1]
    for detail in reversed(levels[:-1]):
        rebuilt = detail + pyramid.up(rebuilt)
    assert torch.allclose(rebuilt, x, atol=1e-5)
    flat = torch.full((1, 3, 64, 64), 0.3)
    assert pyramid.laplacian_pyramid(flat)[0].abs().max() < 1e-6  # a flat image has no detail


def test_the_finest_detail_keeps_pixel_patterns_and_drops_smooth_shading():
    i = torch.arange(64.0)
    checker = ((i[:, None] + i[None, :]) % 2 * 2 - 1).expand(1, 3, 64, 64)
    assert torch.allclose(pyramid.finest_detail(checker), checker, atol=1e-6)  # the 5-tap kernel sums to 0 on it
    wave = torch.sin(2 * math.pi * i / 32)[None, :].expand(1, 3, 64, 64)  # two periods across the image
    inner = pyramid.finest_detail(wave)[..., 4:-4, 4:-4]  # away from the reflected borders
    assert inner.abs().max() < 0.05 * wave.abs().max()


def test_the_detail_is_differentiable_for_the_discriminator():
    x = torch.randn(1, 3, 64, 64, requires_grad=True)
    pyramid.finest_detail(x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_the_coarse_view_keeps_the_shading_and_drops_the_finer_levels():
    i = torch.arange(64.0)
    checker = ((i[:, None] + i[None, :]) % 2 * 2 - 1).expand(1, 3, 64, 64)
    wave = torch.sin(2 * math.pi * i / 64)[None, :].expand(1, 3, 64, 64)  # one period across the image
    view = pyramid.coarse_view(checker + wave, 16)
    assert view.shape == (1, 3, 64, 64)
    inner = (view - wave)[..., 8:-8, 8:-8]  # away from the reflected borders
    assert inner.abs().max() < 0.1  # the pixel pattern is gone, the shading stays
    assert pyramid.laplacian_pyramid(view)[0].abs().max() < 0.05  # nothing left at the finest level
    assert torch.equal(pyramid.coarse_view(checker, 64), checker)  # the whole image at its own size
    with pytest.raises(ValueError, match="no pyramid level at 24px"):
        pyramid.coarse_view(checker, 24)
