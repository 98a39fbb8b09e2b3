import math

import pytest
import torch

from conftest import SMALL64
from latentscope_train.model import TINY_CONFIG, Discriminator, Generator, GeneratorConfig, NoiseMode, count_params, synthesis_flops

CONFIGS = {"default": {}, "tiny": TINY_CONFIG, "small64": SMALL64}


def build(name):
    torch.manual_seed(0)
    cfg = GeneratorConfig.from_dict(CONFIGS[name])
    return cfg, Generator(cfg).eval(), Discriminator(cfg)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_generator_and_discriminator_shapes(name):
    cfg, G, D = build(name)
    B = 2
    z = torch.randn(B, cfg.tokens, cfg.z_dim)
    with torch.no_grad():
        w = G.map(z)
        assert w.shape == (B, cfg.tokens, cfg.w_dim)
        ws = G.broadcast(w)
        assert ws.shape == (B, cfg.num_layers, cfg.tokens, cfg.w_dim)
        img = G(z)
        assert img.shape == (B, 3, cfg.resolution, cfg.resolution)
        assert torch.isfinite(img).all()
        logits = D(img)
    assert logits.shape == (B, 1)
    assert torch.isfinite(logits).all()
    assert count_params(G) > 0 and synthesis_flops(cfg) > 0


def test_default_config_layout():
    cfg = GeneratorConfig()
    assert cfg.resolutions == [4, 8, 16, 32, 64]
    names = [s.name for s in cfg.layer_specs()]
    assert names[:2] == ["b4.conv1", "b4.torgb"] and names[-1] == "b64.torgb"
    assert cfg.num_layers == 2 + 3 * 4


@pytest.mark.parametrize("name", ["default", "tiny"])
def test_attention_maps(name):
    cfg, G, _ = build(name)
    B = 3
    z = torch.randn(B, cfg.tokens, cfg.z_dim)
    with torch.no_grad():
        img, attns = G(z, noise_mode="const", return_attn=True)
        plain = G(z, noise_mode="const")
    torch.testing.assert_close(img, plain)  # asking for the maps does not change the image
    specs = cfg.layer_specs()
    assert len(attns) == len(specs)
    for a, s in zip(attns, specs):
        assert a.shape == (B, cfg.heads, s.pixels, cfg.tokens), s.name
        assert (a >= 0).all()
        torch.testing.assert_close(a.sum(-1), torch.ones(B, cfg.heads, s.pixels), atol=1e-5, rtol=0)


def test_noise_modes_and_truncation():
    cfg, G, _ = build("tiny")
    z = torch.randn(2, cfg.tokens, cfg.z_dim)
    with torch.no_grad():
        a, b = G(z, noise_mode="const"), G(z, noise_mode="const")
        torch.testing.assert_close(a, b, rtol=0, atol=0)
        G.w_avg.copy_(torch.randn(cfg.w_dim))
        w0 = G.map(z, psi=0.0)
    torch.testing.assert_close(w0, G.w_avg.expand_as(w0))


def test_noise_mode_names_are_checked():
    cfg, G, _ = build("tiny")
    z = torch.randn(1, cfg.tokens, cfg.z_dim)
    with torch.no_grad():
        for layer in G.synthesis.layers:
            if layer.noise_strength is not None:
                layer.noise_strength.fill_(0.5)
        off = G(z, noise_mode="off")
        torch.testing.assert_close(off, G(z, noise_mode=NoiseMode.OFF), rtol=0, atol=0)
        assert not torch.equal(off, G(z, noise_mode="const"))
        with pytest.raises(ValueError):
            G(z, noise_mode="none")  # the old name: an error now, not random noise


def test_minibatch_std_groups_do_not_mix():
    cfg, _, D = build("tiny")
    x = torch.randn(8, cfg.ch(4), 4, 4)
    y = D.minibatch_std(x)
    assert y.shape == (8, cfg.ch(4) + 1, 4, 4)
    x2 = x.clone()
    x2[4:] += torch.randn(4, cfg.ch(4), 4, 4)  # change only the second group
    y2 = D.minibatch_std(x2)
    torch.testing.assert_close(y[:4], y2[:4])


def test_the_detail_head_judges_only_the_finest_octave():
    from latentscope_train.model import DetailHead
    torch.manual_seed(0)
    head = DetailHead(64, 8)
    torch.nn.init.normal_(head.fc.weight)  # as if trained: the real head starts at zero
    x = torch.randn(2, 3, 64, 64)
    i = torch.arange(64.0)
    shading = 0.5 * torch.sin(2 * math.pi * i / 64)[None, :] * torch.cos(2 * math.pi * i / 64)[:, None]
    checker = 0.5 * ((i[:, None] + i[None, :]) % 2 * 2 - 1)
    with torch.no_grad():
        base, shaded, textured = head(x), head(x + shading), head(x + checker)
    assert (shaded - base).abs().max() < 0.1 * (textured - base).abs().max()
