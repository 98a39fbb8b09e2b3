import json

import torch

from conftest import SMALL64
from latentscope_train import stripes
from latentscope_train.export import export_generator
from latentscope_train.model import Generator, GeneratorConfig


def test_hf_energy_sees_pixel_patterns_not_smooth_ones():
    flat = torch.zeros(1, 3, 16, 16)
    ramp = torch.linspace(-1, 1, 16).view(1, 1, 1, 16).expand(1, 3, 16, 16)
    stripes_img = torch.ones(1, 3, 16, 16)
    stripes_img[..., 1::2, :] = -1  # period-2 horizontal stripes
    assert stripes.hf_energy(flat) == 0.0
    assert stripes.hf_energy(ramp) < 0.01
    assert stripes.hf_energy(stripes_img) > 0.5


def test_interventions_on_a_model(tmp_path, shards):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(SMALL64))
    with torch.no_grad():
        for layer in G.synthesis.layers:
            layer.pos_grid.normal_()  # a strong per-pixel encoding, so zeroing it shows
    export_generator(G, str(tmp_path / "m"), "m")
    out = tmp_path / "s.json"
    res = stripes.main(["--model", str(tmp_path / "m"), "--data", shards, "--n", "8",
                        "--out", str(out), "--figure", str(tmp_path / "s.png")])
    assert json.load(open(out)) == json.loads(json.dumps(res))
    v = res["variants"]
    assert v["unchanged"]["change"] == 0.0
    assert v["pos 64x64 zeroed"]["change"] > 0 and v["keys 32x32 zeroed (uniform attention)"]["change"] > 0
    assert 0 < res["real_hf"] < 1
    assert (tmp_path / "s.png").stat().st_size > 0
