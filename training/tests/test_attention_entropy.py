import pytest
import torch

from latentscope_train.attention_entropy import layer_entropy, main, parse_seeds
from latentscope_train.export import export_generator
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig


def tiny():
    torch.manual_seed(0)
    return Generator(GeneratorConfig.from_dict(TINY_CONFIG)).eval()


def z(G, n=3):
    return torch.randn(n, G.cfg.tokens, G.cfg.z_dim, generator=torch.Generator().manual_seed(2))


def test_keys_at_zero_give_uniform_attention_and_entropy_one():
    G = tiny()
    with torch.no_grad():
        for layer in G.synthesis.layers:
            layer.keys.zero_()
    rows = layer_entropy(G, z(G))
    assert len(rows) == len(G.synthesis.layers)
    assert all(r["entropy"] == pytest.approx(1.0, abs=1e-5) and r["peaked"] == 0.0 for r in rows)


def test_huge_keys_make_one_token_take_all():
    G = tiny()
    with torch.no_grad():
        G.synthesis.layers[0].keys.mul_(1e4)
    first, second = layer_entropy(G, z(G))[:2]
    assert first["entropy"] < 0.05 and first["peaked"] > 0.9
    assert 0.05 < second["entropy"] < 1.0  # the other layers keep their own


@pytest.mark.parametrize("spec,seeds", [("0-3", [0, 1, 2, 3]), ("2,5,9", [2, 5, 9]), ("1-2,7", [1, 2, 7])])
def test_seed_specs(spec, seeds):
    assert parse_seeds(spec) == seeds


@pytest.mark.parametrize("spec", ["", "a-3", "-1", "3-x"])
def test_bad_seed_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_seeds(spec)


def test_cli_prints_a_row_per_layer(tmp_path, capsys):
    G = tiny()
    export_generator(G, str(tmp_path / "m"), "m")
    main(["--model", str(tmp_path / "m"), "--seeds", "0-1"])
    out = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in out[2:]]
    assert names == [layer.spec.name for layer in G.synthesis.layers]
    values = [float(line.split()[1]) for line in out[2:]]
    assert all(0.0 < v <= 1.0 for v in values)


def test_a_missing_model_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--model", str(tmp_path / "nothing")])
    assert e.value.code == 2 and "attention_entropy:" in capsys.readouterr().err
