import json

import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.export import export_generator, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig, NoiseMode
from latentscope_train.truncate import main, parse_psi, truncate


def exported(tmp_path, name="src"):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()
    with torch.no_grad():
        G.w_avg.copy_(torch.randn_like(G.w_avg))  # a trained w_avg is far from zero; the bias shift must show
    out = tmp_path / name
    export_generator(G, str(out), name)
    return out


def render(model_dir, psis, z):
    """Images of `model_dir` with w truncated per layer by hand: w_avg + psi (w - w_avg)."""
    G = load_exported(str(model_dir)).eval()
    with torch.no_grad():
        ws = G.broadcast(G.map(z)).clone()
        for i, spec in enumerate(G.cfg.layer_specs()):
            psi = psis.get(spec.res, 1.0)
            ws[:, i] = G.w_avg.lerp(ws[:, i], psi)
        return G.synthesis(ws, noise_mode=NoiseMode.CONST)


def test_the_baked_model_draws_what_truncating_w_at_those_layers_draws(tmp_path):
    src = exported(tmp_path)
    truncate(str(src), str(tmp_path / "out"), {4: 1.3, 8: 0.6})
    z = torch.randn(3, TINY_CONFIG["tokens"], TINY_CONFIG["z_dim"], generator=torch.Generator().manual_seed(1))
    want = render(src, {4: 1.3, 8: 0.6}, z)
    got = render(tmp_path / "out", {}, z)
    assert torch.allclose(got, want, atol=1e-4, rtol=1e-4)
    assert (got - render(src, {}, z)).abs().max() > 1e-2  # and it is not the source model


def test_the_average_face_stays_and_run_time_truncation_composes(tmp_path):
    src = exported(tmp_path)
    truncate(str(src), str(tmp_path / "out"), {8: 1.5})
    z = torch.randn(2, TINY_CONFIG["tokens"], TINY_CONFIG["z_dim"], generator=torch.Generator().manual_seed(2))
    assert torch.allclose(render(tmp_path / "out", {4: 0, 8: 0, 16: 0}, z), render(src, {4: 0, 8: 0, 16: 0}, z), atol=1e-4, rtol=1e-4)
    assert torch.allclose(render(tmp_path / "out", {8: 0.5}, z), render(src, {8: 0.75}, z), atol=1e-4, rtol=1e-4)


def test_only_the_style_affines_at_the_resolution_change(tmp_path):
    src = exported(tmp_path)
    config = truncate(str(src), str(tmp_path / "out"), {16: 1.2})
    a, b = load_file(src / "generator.safetensors"), load_file(tmp_path / "out" / "generator.safetensors")
    changed = {k for k in a if not torch.equal(a[k], b[k])}
    assert changed == {f"synthesis.b16.{n}.value.{p}" for n in ("conv0", "conv1", "torgb") for p in ("weight", "bias")}
    assert config["training"]["style_psi"] == {"16": 1.2}
    assert json.load(open(tmp_path / "out" / "config.json"))["layers"] == json.load(open(src / "config.json"))["layers"]


def test_factors_compose(tmp_path):
    src = exported(tmp_path)
    truncate(str(src), str(tmp_path / "once"), {8: 1.2})
    config = truncate(str(tmp_path / "once"), str(tmp_path / "twice"), {8: 1.5, 4: 0.5})
    assert config["training"]["style_psi"] == {"4": 0.5, "8": 1.8}


@pytest.mark.parametrize("spec", ["", "8", "8:0", "8:-1", "8:x", "a:1.1", "8:2.5"])
def test_bad_psi_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_psi(spec)


def test_a_resolution_the_model_lacks_is_refused_and_nothing_is_written(tmp_path, capsys):
    src = exported(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["--model", str(src), "--psi", "64:1.1", "--out", str(tmp_path / "out")])
    assert e.value.code == 2
    assert "no layers at 64x64" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
