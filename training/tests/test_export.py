import filecmp
import json
import os

import pytest
import torch
from safetensors.torch import load_file

from conftest import SMALL64
from latentscope_train import fixtures
from latentscope_train.export import FORMAT, export_generator, generator_tensors, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig


def trained_like(cfg_dict, seed=0):
    """A generator whose biases, noise strengths and w_avg are not at their init."""
    torch.manual_seed(seed)
    G = Generator(GeneratorConfig.from_dict(cfg_dict))
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith("bias") or name.endswith("noise_strength"):
                p.add_(torch.randn_like(p) * 0.3)
        G.w_avg.copy_(torch.randn_like(G.w_avg) * 0.5)
    return G.eval()


def outputs(G, z):
    with torch.no_grad():
        return torch.cat([G(z, noise_mode="const").flatten(1), G(z, psi=0.7, noise_mode="const").flatten(1)], 1)


SMALL64_GRID = {**SMALL64, "pos_grid": 8}


@pytest.mark.parametrize("cfg", [TINY_CONFIG, SMALL64, SMALL64_GRID], ids=["tiny", "small64", "small64-grid8"])
def test_round_trip_float32(tmp_path, cfg):
    G = trained_like(cfg)
    config = export_generator(G, str(tmp_path), "m", "float32")
    assert config["format"] == FORMAT and config["dtype"] == "float32"
    assert json.load(open(tmp_path / "config.json"))["layers"] == [s.to_dict() for s in G.cfg.layer_specs()]
    H = load_exported(str(tmp_path))
    z = torch.randn(3, G.cfg.tokens, G.cfg.z_dim)
    diff = (outputs(G, z) - outputs(H, z)).abs().max().item()
    assert diff < 1e-5, diff
    # attention maps survive too
    with torch.no_grad():
        _, a = G(z, noise_mode="const", return_attn=True)
        _, b = H(z, noise_mode="const", return_attn=True)
    for x, y in zip(a, b):
        assert (x - y).abs().max().item() < 1e-5


def test_round_trip_float16(tmp_path):
    G = trained_like(SMALL64)
    export_generator(G, str(tmp_path), "m16", "float16")
    tensors = load_file(str(tmp_path / "generator.safetensors"))
    assert all(t.dtype == torch.float16 for t in tensors.values())
    assert set(tensors) == set(generator_tensors(G))
    H = load_exported(str(tmp_path))
    z = torch.randn(3, G.cfg.tokens, G.cfg.z_dim)
    ref, got = outputs(G, z), outputs(H, z)
    err = (ref - got).abs()
    # half precision weights: ~1e-3 relative error per weight, compounded over the layers
    assert err.mean().item() < 0.01 * ref.std().item(), err.mean().item()
    assert err.max().item() < 0.05 * ref.abs().max().item(), err.max().item()
    assert err.max().item() > 0  # it really was rounded


def test_layer_records_serialise_as_config_json_has_them():
    """config.json's "layers" (docs/model-format.md) are LayerSpec.to_dict: the shipped model's
    list, key order and JSON types included, is what its architecture's layer_specs() write."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "models", "utkface64", "config.json")
    with open(path) as f:
        config = json.load(f)
    specs = GeneratorConfig.from_dict(config).layer_specs()
    assert json.dumps([s.to_dict() for s in specs]) == json.dumps(config["layers"])
    assert [s.is_torgb for s in specs] == [s.name.endswith(".torgb") for s in specs]
    assert all(s.kernel == (1 if s.is_torgb else 3) for s in specs)


def test_export_rejects_unknown_dtype(tmp_path):
    with pytest.raises(ValueError):
        export_generator(trained_like(TINY_CONFIG), str(tmp_path), "m", "bfloat16")


def test_export_cli_from_checkpoint(tmp_path):
    from latentscope_train import export
    G = trained_like(SMALL64)
    ck = {"config": G.cfg.to_dict(), "G_ema": G.state_dict(), "step": 5, "nimg": 160, "train_seconds": 3.0}
    torch.save(ck, tmp_path / "checkpoint.pt")
    out = tmp_path / "models" / "face"
    export.main(["--checkpoint", str(tmp_path / "checkpoint.pt"), "--out", str(out), "--w-avg-samples", "0"])
    config = json.load(open(out / "config.json"))
    assert config["name"] == "face" and config["training"]["steps"] == 5
    assert "non-commercial" in config["training"]["license"]
    H = load_exported(str(out))
    z = torch.randn(2, G.cfg.tokens, G.cfg.z_dim)
    assert (outputs(G, z) - outputs(H, z)).abs().max().item() < 1e-5


def test_export_cli_exports_the_trained_g_when_asked(tmp_path, capsys):
    from latentscope_train import export
    G, E = trained_like(SMALL64), trained_like(SMALL64)
    with torch.no_grad():
        for p in E.synthesis.parameters():
            p.mul_(0.5)
    ck = {"config": G.cfg.to_dict(), "G": G.state_dict(), "G_ema": E.state_dict(), "step": 5, "nimg": 160, "train_seconds": 3.0}
    torch.save(ck, tmp_path / "checkpoint.pt")
    z = torch.randn(2, G.cfg.tokens, G.cfg.z_dim)
    for net, want in (("G", G), ("G_ema", E)):
        out = tmp_path / net
        export.main(["--checkpoint", str(tmp_path / "checkpoint.pt"), "--out", str(out), "--w-avg-samples", "0", "--net", net])
        assert (outputs(want, z) - outputs(load_exported(str(out)), z)).abs().max().item() < 1e-5
        assert json.load(open(out / "config.json"))["training"].get("net", "G_ema") == net
    del ck["G"]
    torch.save(ck, tmp_path / "ema-only.pt")
    with pytest.raises(SystemExit):
        export.main(["--checkpoint", str(tmp_path / "ema-only.pt"), "--out", str(tmp_path / "x"), "--net", "G"])
    assert "holds no G" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_fixtures_are_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    fixtures.main(["--out", str(a)])
    fixtures.main(["--out", str(b)])
    files = sorted(os.path.relpath(os.path.join(d, f), a) for d, _, fs in os.walk(a) for f in fs)
    assert "tiny-golden.safetensors" in files and os.path.join("tiny-model", "generator.safetensors") in files
    for f in files:
        assert filecmp.cmp(a / f, b / f, shallow=False), f
    golden = load_file(str(a / "tiny-golden.safetensors"))
    assert golden["image"].shape == (3, 3, 16, 16)


def test_grid_encoding_is_baked_smooth_at_full_resolution(tmp_path):
    G = trained_like(SMALL64_GRID)
    with torch.no_grad():
        for layer in G.synthesis.layers:
            layer.pos_grid.normal_()
    export_generator(G, str(tmp_path), "g", "float32")
    t = load_file(str(tmp_path / "generator.safetensors"))
    pos = t["synthesis.b64.conv1.pos"]
    assert pos.shape == (64 * 64, 8)  # the engine's [P, C], whatever the grid
    assert G.synthesis.layers[-2].pos_grid.shape == (8, 8, 8)
    img = pos.t().reshape(8, 64, 64)
    step = (img[:, :, 1:] - img[:, :, :-1]).abs().max()
    assert step < 0.5 * img.abs().max()  # 8x bilinear: neighbouring pixels differ by a fraction
    assert torch.equal(t["synthesis.b8.conv1.pos"], G.synthesis.layers[3].pos_grid.flatten(1).t())  # 8x8: itself


def test_warm_start_copies_weights(tmp_path):
    """init_from_exported: same widths -> the same function; a coarser grid -> the
    least-squares smooth part of the file's encoding."""
    from latentscope_train.export import init_from_exported
    G = trained_like(SMALL64)
    export_generator(G, str(tmp_path), "m", "float32")
    z = torch.randn(3, G.cfg.tokens, G.cfg.z_dim)
    same = Generator(GeneratorConfig.from_dict(SMALL64))
    init_from_exported(same, str(tmp_path))
    assert (outputs(G, z) - outputs(same.eval(), z)).abs().max() < 1e-5
    grid = Generator(GeneratorConfig.from_dict(SMALL64_GRID))
    init_from_exported(grid, str(tmp_path))
    assert torch.equal(grid.synthesis.const, G.synthesis.const)
    fine, coarse = G.synthesis.layers[-2].pos(), grid.synthesis.layers[-2].pos()
    assert coarse.shape == fine.shape
    # the fit is the best grid: nudging it makes the residual larger
    r = (coarse - fine).square().sum()
    with torch.no_grad():
        grid.synthesis.layers[-2].pos_grid.add_(torch.randn_like(grid.synthesis.layers[-2].pos_grid) * 1e-2)
    assert (grid.synthesis.layers[-2].pos() - fine).square().sum() > r
    with pytest.raises(ValueError, match="another architecture"):
        init_from_exported(Generator(GeneratorConfig.from_dict({**SMALL64, "tokens": 2})), str(tmp_path))
