import json

import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.export import export_generator, init_from_exported, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.widen import channel_map, main, split_shares, widen


def exported(tmp_path, cfg=TINY_CONFIG, name="src"):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(cfg)).eval()
    with torch.no_grad():  # away from the init, so every path carries signal
        for p in G.synthesis.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    out = tmp_path / name
    export_generator(G, str(out), name)
    return out


def images(G, seeds=4):
    z = torch.randn(seeds, G.cfg.tokens, G.cfg.z_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return G(z, noise_mode="const")


def test_copies_stay_in_their_heads_block():
    m = channel_map(8, 2, heads=2)  # heads own channels 0-3 and 4-7; widened, 0-7 and 8-15
    assert m.tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7]


def test_shares_sum_to_one_over_the_copies_and_vary():
    src = channel_map(8, 3, heads=2)
    a = split_shares(src, (5, 3, 3), torch.Generator().manual_seed(0))   # a conv weight [5, 24, 3, 3]
    assert a.shape == (5, 24, 3, 3) and (a > 0).all()
    sums = torch.zeros(5, 8, 3, 3).index_add_(1, src, a)
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-6)
    assert a[:, 0].std() > 0.1, "the share of a copy must differ from one output to the next"


def test_widened_model_draws_the_same_faces(tmp_path):
    src = exported(tmp_path)  # widths 4: 16, 8: 8, 16: 8
    config = widen(str(src), str(tmp_path / "wide"), {"8": 16, "16": 24})
    assert config["channels"] == {"4": 16, "8": 16, "16": 24}
    assert config["training"]["widened"] == {"from": {"8": 8, "16": 8}, "to": {"8": 16, "16": 24}, "seed": 0,
                                             "source": "src"}
    a, b = load_exported(str(src)), load_exported(str(tmp_path / "wide"))
    assert sum(p.numel() for p in b.parameters()) > sum(p.numel() for p in a.parameters())
    x, y = images(a), images(b)
    assert x.abs().mean() > 0.05
    assert torch.allclose(x, y, atol=1e-5), (x - y).abs().max()
    # The attention maps are the same too (the queries are exact sums).
    z = torch.randn(2, a.cfg.tokens, a.cfg.z_dim)
    with torch.no_grad():
        _, ma = a(z, noise_mode="const", return_attn=True)
        _, mb = b(z, noise_mode="const", return_attn=True)
    for p, q in zip(ma, mb):
        assert torch.allclose(p, q, atol=1e-5)


def test_untouched_tensors_are_copied_bit_for_bit(tmp_path):
    src = exported(tmp_path)
    widen(str(src), str(tmp_path / "wide"), {"16": 16})
    a, b = load_file(src / "generator.safetensors"), load_file(tmp_path / "wide" / "generator.safetensors")
    assert a.keys() == b.keys()
    same = {k for k in a if a[k].shape == b[k].shape and torch.equal(a[k], b[k])}
    assert "mapping.0.weight" in same and "w_avg" in same and "synthesis.b8.conv1.conv.weight" in same
    assert b["synthesis.b16.conv1.conv.weight"].shape == (16, 16, 3, 3)
    assert b["synthesis.b16.torgb.conv.weight"].shape == (3, 16, 1, 1)


def test_a_training_generator_warm_starts_from_it(tmp_path):
    # What scripts/train.sh does: --init-from a widened export, into G of the wide config.
    src = exported(tmp_path)
    config = widen(str(src), str(tmp_path / "wide"), {"16": 16})
    G = Generator(GeneratorConfig.from_dict(config)).eval()
    init_from_exported(G, str(tmp_path / "wide"))
    assert torch.allclose(images(G), images(load_exported(str(src))), atol=1e-5)
    # The copies of a channel get gradients of different direction, not only of size (Adam
    # would undo a mere scale), so they grow apart; with equal shares they would not.
    G.train()
    images_grad(G).square().mean().backward()
    conv0 = G.synthesis.layers[-3].conv   # b16.conv0 writes the copies: out 0 and 4 copy channel 0
    assert torch.equal(conv0.weight[0], conv0.weight[4])
    cos = torch.nn.functional.cosine_similarity(conv0.weight.grad[0].flatten(), conv0.weight.grad[4].flatten(), dim=0)
    assert cos < 0.95
    m = channel_map(8, 2, heads=2)
    with torch.no_grad():  # equal shares (the same function): the same gradients
        for layer in G.synthesis.layers[-2:]:   # b16.conv1 and b16.torgb read the copies
            for w in (layer.conv.weight, layer.query.weight):
                for c in range(8):
                    w[:, m == c] = w[:, m == c].mean(dim=1, keepdim=True)
    G.zero_grad()
    images_grad(G).square().mean().backward()
    cos = torch.nn.functional.cosine_similarity(conv0.weight.grad[0].flatten(), conv0.weight.grad[4].flatten(), dim=0)
    assert cos > 0.9999


def images_grad(G):
    z = torch.randn(2, G.cfg.tokens, G.cfg.z_dim, generator=torch.Generator().manual_seed(2))
    return G(z, noise_mode="const")


@pytest.mark.parametrize("channels, message", [
    ({"16": 12}, "not a whole multiple"),
    ({"16": 4}, "not a whole multiple"),
    ({"32": 16}, "no 32x32 layers"),
    ({"4": 32}, "4x4"),
])
def test_bad_widths_are_refused_and_write_nothing(tmp_path, channels, message):
    src = exported(tmp_path)
    with pytest.raises(ValueError, match=message):
        widen(str(src), str(tmp_path / "wide"), channels)
    assert not (tmp_path / "wide").exists()


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--model", str(tmp_path / "missing"), "--channels", '{"16": 16}', "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    assert "no such file" in capsys.readouterr().err
    src = exported(tmp_path)
    with pytest.raises(SystemExit):
        main(["--model", str(src), "--channels", "[16]", "--out", str(tmp_path / "o")])
    assert "JSON object" in capsys.readouterr().err
    main(["--model", str(src), "--channels", '{"16": 16}', "--out", str(tmp_path / "o")])
    assert json.load(open(tmp_path / "o" / "config.json"))["channels"]["16"] == 16
