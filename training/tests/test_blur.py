import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.blur import blur, main, parse_passes
from latentscope_train.export import export_generator, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig, blur_maps
from latentscope_train.rng import seed_z


def exported(tmp_path, name="src"):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()
    out = tmp_path / name
    export_generator(G, str(out), name)
    return out


def naive_blur(a: np.ndarray) -> np.ndarray:
    """One pass of [1,2,1]/4 along x, then y, edges replicated, in float64 loops."""
    R = a.shape[0]
    c = lambda i: min(max(i, 0), R - 1)
    x = np.array([[(a[i, c(j - 1)] + 2 * a[i, j] + a[i, c(j + 1)]) / 4 for j in range(R)] for i in range(R)])
    return np.array([[(x[c(i - 1), j] + 2 * x[i, j] + x[c(i + 1), j]) / 4 for j in range(R)] for i in range(R)])


def test_blur_maps_is_the_separable_filter_with_replicated_edges():
    a = torch.rand(2, 3, 36, dtype=torch.float64)
    got = blur_maps(a, 6, 2).numpy()
    for i in range(2):
        for j in range(3):
            want = naive_blur(naive_blur(a[i, j].reshape(6, 6).numpy()))
            assert np.allclose(got[i, j].reshape(6, 6), want, atol=1e-12)
    corner = torch.zeros(1, 16, dtype=torch.float64); corner[0, 0] = 1
    out = blur_maps(corner, 4, 1).reshape(4, 4)
    assert out[0, 0] == pytest.approx(9 / 16) and out[0, 1] == pytest.approx(3 / 16) and out[1, 1] == pytest.approx(1 / 16)
    assert torch.equal(blur_maps(a, 6, 0), a)


def test_blurred_attention_still_sums_to_one_and_is_the_blur_of_the_sharp_one():
    cfg = dict(TINY_CONFIG)
    torch.manual_seed(0)
    sharp = Generator(GeneratorConfig.from_dict(cfg)).eval()
    blurred = Generator(GeneratorConfig.from_dict({**cfg, "attention_blur": {"16": 1}})).eval()
    blurred.load_state_dict(sharp.state_dict())
    z = torch.from_numpy(np.stack([seed_z(s, sharp.cfg.tokens, sharp.cfg.z_dim) for s in range(2)]))
    with torch.no_grad():
        a_img, a_maps = sharp(z, noise_mode="const", return_attn=True)
        b_img, b_maps = blurred(z, noise_mode="const", return_attn=True)
    first16 = [s.res for s in sharp.cfg.layer_specs()].index(16)
    for i in range(first16):  # coarser layers do not blur
        assert torch.equal(a_maps[i], b_maps[i])
    # The first 16x16 layer's input does not depend on its own blur: its maps are the blur of the sharp ones.
    sharp_maps = a_maps[first16].transpose(2, 3)               # [B, h, T, P]
    assert torch.allclose(b_maps[first16].transpose(2, 3), blur_maps(sharp_maps, 16, 1), atol=1e-6)
    for m in b_maps:
        assert torch.allclose(m.sum(-1), torch.ones(()), atol=1e-5)
    assert (a_img - b_img).abs().max() > 1e-3


def test_config_leaves_the_field_out_when_empty_and_checks_it():
    assert "attention_blur" not in GeneratorConfig.from_dict(TINY_CONFIG).to_dict()
    assert GeneratorConfig.from_dict({**TINY_CONFIG, "attention_blur": {16: 1}}).to_dict()["attention_blur"] == {"16": 1}
    for bad in ({"32": 1}, {"16": 0}, {"16": 9}, {"16": 1.5}, {"16": True}):
        with pytest.raises(ValueError, match="attention_blur"):
            GeneratorConfig.from_dict({**TINY_CONFIG, "attention_blur": bad})


def test_blur_writes_the_field_and_version_2_and_changes_no_weight(tmp_path):
    src = exported(tmp_path)
    config = blur(str(src), str(tmp_path / "out"), {16: 1, 8: 2})
    assert config["attention_blur"] == {"8": 2, "16": 1} and config["format_version"] == 2
    on_disk = json.load(open(tmp_path / "out" / "config.json"))
    assert on_disk["attention_blur"] == {"8": 2, "16": 1} and on_disk["format_version"] == 2
    a, b = load_file(src / "generator.safetensors"), load_file(tmp_path / "out" / "generator.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    G = load_exported(str(tmp_path / "out"))
    assert G.cfg.attention_blur == {"8": 2, "16": 1}
    # Re-exported, the field and the version survive.
    export_generator(G, str(tmp_path / "again"), "again")
    again = json.load(open(tmp_path / "again" / "config.json"))
    assert again["attention_blur"] == {"8": 2, "16": 1} and again["format_version"] == 2
    # Zero passes take a resolution out; with none left the model is version 1 again.
    blur(str(tmp_path / "out"), str(tmp_path / "out"), {8: 0})
    assert json.load(open(tmp_path / "out" / "config.json"))["attention_blur"] == {"16": 1}
    config = blur(str(tmp_path / "out"), str(tmp_path / "out"), {16: 0})
    assert "attention_blur" not in config and config["format_version"] == 1


def test_blur_refuses_bad_requests_and_writes_nothing(tmp_path, capsys):
    src = exported(tmp_path)
    for spec, msg in (("32:1", "no layers at 32x32"), ("16:1.5", "whole number"), ("16:9", "whole number"), ("16", "RES:PASSES pairs such as 64:1")):
        with pytest.raises(SystemExit) as e:
            main(["--model", str(src), "--passes", spec, "--out", str(tmp_path / "out")])
        assert e.value.code == 2 and msg in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert parse_passes("64:1,32:0") == {64: 1, 32: 0}
