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
