import json

import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.export import export_generator, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.regrid import main, regrid


def exported(tmp_path, cfg, name="src", seed=0):
    torch.manual_seed(seed)
    G = Generator(GeneratorConfig.from_dict(cfg)).eval()
    with torch.no_grad():
        for layer in G.synthesis.layers:  # a per-pixel pattern the grid cannot hold
            layer.pos_grid.add_(torch.randn_like(layer.pos_grid))
    out = tmp_path / name
    export_generator(G, str(out), name)
    return out


def images(model_dir, seeds=4):
    G = load_exported(str(model_dir))
    z = torch.randn(seeds, G.cfg.tokens, G.cfg.z_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return G(z, noise_mode="const")


def test_only_finer_layers_change(tmp_path):
    src = exported(tmp_path, TINY_CONFIG)  # resolutions 4, 8, 16
    config = regrid(str(src), str(tmp_path / "out"), grid=8)
    a, b = load_file(src / "generator.safetensors"), load_file(tmp_path / "out" / "generator.safetensors")
    assert a.keys() == b.keys()
    changed = {k for k in a if not torch.equal(a[k], b[k])}
    assert changed == {"synthesis.b16.conv0.pos", "synthesis.b16.conv1.pos", "synthesis.b16.torgb.pos"}
    assert config["training"]["pos_refit"] == {"grid": 8, "layers": ["b16.conv0", "b16.conv1", "b16.torgb"],
                                               "source": "src"}
    written = json.load(open(tmp_path / "out" / "config.json"))
    assert written["pos_grid"] == 8 and written["name"] == "src"  # the same model, refitted
    assert written["layers"] == json.load(open(src / "config.json"))["layers"]


def test_refit_is_the_smooth_part(tmp_path):
    src = exported(tmp_path, TINY_CONFIG)
    regrid(str(src), str(tmp_path / "once"), grid=8)
    regrid(str(tmp_path / "once"), str(tmp_path / "twice"), grid=8)
    once, twice = (load_file(tmp_path / n / "generator.safetensors")["synthesis.b16.conv1.pos"] for n in ("once", "twice"))
    orig = load_file(src / "generator.safetensors")["synthesis.b16.conv1.pos"]
    # A projection: refitting the refit changes nothing, and the high-frequency pattern is gone.
    assert torch.allclose(once, twice, atol=1e-5)
    assert (once - orig).abs().mean() > 0.1


def test_a_model_trained_on_the_grid_is_unchanged(tmp_path):
    # A pos_grid 8 model's encoding is exactly such an upsampling: the fit must recover it.
    src = exported(tmp_path, {**TINY_CONFIG, "pos_grid": 8})
    regrid(str(src), str(tmp_path / "out"), grid=8)
    assert torch.allclose(images(src), images(tmp_path / "out"), atol=1e-5)


def test_grid_not_finer_than_the_model_is_a_copy(tmp_path):
    src = exported(tmp_path, TINY_CONFIG)
    config = regrid(str(src), str(tmp_path / "out"), grid=16)
    assert config["training"]["pos_refit"]["layers"] == []
    assert torch.equal(images(src), images(tmp_path / "out"))


def test_bad_input_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--model", str(tmp_path / "missing"), "--grid", "8", "--out", str(tmp_path / "out")])
    assert e.value.code == 2 and "no such file" in capsys.readouterr().err
    src = exported(tmp_path, TINY_CONFIG)
    with pytest.raises(ValueError, match="at least 1"):
        regrid(str(src), str(tmp_path / "out"), grid=0)
    assert not (tmp_path / "out").exists()
