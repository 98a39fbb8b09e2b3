import pytest
import torch

from latentscope_train.augment import POLICIES, diff_augment

POLICY_STRINGS = ["", "color", "translation", "cutout", "translation,color", "color,translation,cutout"]


@pytest.mark.parametrize("policy", POLICY_STRINGS)
def test_shape_and_gradient(policy):
    torch.manual_seed(0)
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    y = diff_augment(x, policy)
    assert y.shape == x.shape and y.is_contiguous()
    (g,) = torch.autograd.grad(y.square().sum(), x)
    assert g.shape == x.shape and torch.isfinite(g).all()
    assert g.abs().sum() > 0


def test_every_policy_is_covered():
    assert set(POLICIES) <= {p for s in POLICY_STRINGS for p in s.split(",") if p}


def test_translation_moves_pixels_and_fills_zero():
    torch.manual_seed(1)
    x = torch.ones(16, 1, 8, 8)
    y = diff_augment(x, "translation")
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}
    assert (y == 0).any()  # some image was shifted


def test_unknown_policy():
    with pytest.raises(ValueError):
        diff_augment(torch.zeros(1, 3, 4, 4), "rotate")


def test_cutout_cuts_one_clipped_square_anywhere():
    torch.manual_seed(2)
    n, size = 4000, 16
    y = diff_augment(torch.ones(n, 1, size, size), "cutout")[:, 0]
    cut = y == 0
    for m in cut[:200]:  # each mask is one axis-aligned rectangle of at most half the side
        rows, cols = m.any(1).nonzero().flatten(), m.any(0).nonzero().flatten()
        assert len(rows) and len(cols), "every draw cuts something"
        assert len(rows) <= size // 2 and len(cols) <= size // 2
        assert m.sum() == len(rows) * len(cols)
        assert rows[-1] - rows[0] + 1 == len(rows) and cols[-1] - cols[0] + 1 == len(cols)
    # A whole square when it lies inside: a quarter of the image, on average a little less.
    assert 0.15 < cut.float().mean() < 0.25
    # Centred on a uniform pixel: opposite corners are cut equally often (DiffAugment's layout).
    freq = cut.float().mean(0)
    corners = torch.stack([freq[0, 0], freq[0, -1], freq[-1, 0], freq[-1, -1]])
    assert (corners > 0.04).all() and corners.max() - corners.min() < 0.03
    assert torch.allclose(freq, freq.flip(0), atol=0.04) and torch.allclose(freq, freq.flip(1), atol=0.04)
