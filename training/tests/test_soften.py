import json

import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.attention_entropy import model_entropy
from latentscope_train.export import export_generator
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.soften import main, parse_scales, soften


def exported(tmp_path, name="src"):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()
    out = tmp_path / name
    export_generator(G, str(out), name)
    return out


def entropy_by_res(model_dir):
    """Mean normalised entropy of every layer's attention, per resolution."""
    out = {}
    for row in model_entropy(str(model_dir), [0, 1, 2, 3]):
        out.setdefault(row["res"], []).append(row["entropy"])
    return {r: sum(v) / len(v) for r, v in out.items()}


def test_only_the_keys_at_the_resolution_change(tmp_path):
    src = exported(tmp_path)  # resolutions 4, 8, 16
    config = soften(str(src), str(tmp_path / "out"), {16: 0.5})
    a, b = load_file(src / "generator.safetensors"), load_file(tmp_path / "out" / "generator.safetensors")
    changed = {k for k in a if not torch.equal(a[k], b[k])}
    assert changed == {"synthesis.b16.conv0.keys", "synthesis.b16.conv1.keys", "synthesis.b16.torgb.keys"}
    assert torch.allclose(b["synthesis.b16.conv1.keys"], a["synthesis.b16.conv1.keys"] * 0.5)
    assert config["training"]["attention_scale"] == {"16": 0.5}
    assert json.load(open(tmp_path / "out" / "config.json"))["layers"] == json.load(open(src / "config.json"))["layers"]


def test_smaller_keys_make_that_attention_softer_and_leave_the_rest(tmp_path):
    src = exported(tmp_path)
    soften(str(src), str(tmp_path / "out"), {16: 0.25})
    before, after = entropy_by_res(src), entropy_by_res(tmp_path / "out")
    assert after[16] > before[16] + 0.01
    assert after[8] == pytest.approx(before[8], abs=1e-6)


def test_factors_compose(tmp_path):
    src = exported(tmp_path)
    soften(str(src), str(tmp_path / "once"), {16: 0.5})
    config = soften(str(tmp_path / "once"), str(tmp_path / "twice"), {16: 0.5, 8: 2.0})
    assert config["training"]["attention_scale"] == {"16": 0.25, "8": 2.0}


@pytest.mark.parametrize("spec", ["", "64", "64:0", "64:-1", "64:x", "a:0.5", "64:9"])
def test_bad_scale_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_scales(spec)


def test_a_resolution_the_model_lacks_is_refused_and_nothing_is_written(tmp_path, capsys):
    src = exported(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["--model", str(src), "--scale", "64:0.5", "--out", str(tmp_path / "out")])
    assert e.value.code == 2
    assert "no layers at 64x64" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
