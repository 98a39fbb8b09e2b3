import json

import pytest
import torch

from latentscope_train.copies import divergence, main
from latentscope_train.export import read_export
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.widen import channel_map, widen

from test_widen import exported


def widened(tmp_path):
    config = widen(str(exported(tmp_path)), str(tmp_path / "wide"), {"16": 16})
    _, t, _ = read_export(str(tmp_path / "wide"))
    return config, {k: v.float() for k, v in t.items()}


def moved(t, same_for_copies: bool, seed=0):
    """t with every conv weight moved at random; the copies of a channel alike or not."""
    gen = torch.Generator().manual_seed(seed)
    m = channel_map(8, 2, heads=2)
    out = dict(t)
    for k in t:
        if k.endswith("conv.weight"):
            d = torch.randn(t[k].shape, generator=gen) * 0.1
            if same_for_copies and t[k].shape[0] == 16:
                d = d[torch.stack([torch.nonzero(m == m[j])[0, 0] for j in range(16)])]
            out[k] = t[k] + d
    return out


def test_updates_that_copies_share_read_as_one_and_others_as_unrelated(tmp_path):
    config, t = widened(tmp_path)
    alike = divergence(t, moved(t, True), config)
    apart = divergence(t, moved(t, False), config)
    assert [r["layer"] for r in alike] == ["b16.conv0", "b16.conv1"]   # the layers writing 16x16 features
    assert all(r["channels"] == 16 for r in alike)
    assert all(r["update_cos"] > 0.999 for r in alike)
    assert all(abs(r["update_cos"]) < 0.5 for r in apart)
    assert all(r["weight_cos"] < 1 for r in apart)
    unchanged = divergence(t, t, config)   # at the start the copies are the same weights
    assert all(r["weight_cos"] > 0.999999 for r in unchanged)


def test_a_model_that_was_not_widened_is_refused(tmp_path):
    src = exported(tmp_path)
    config, t, _ = read_export(str(src))
    with pytest.raises(ValueError, match="not made by latentscope_train.widen"):
        divergence(t, t, config)


def test_cli_reads_a_training_checkpoint(tmp_path, capsys):
    config, _ = widened(tmp_path)
    G = Generator(GeneratorConfig.from_dict(config))
    from latentscope_train.export import init_from_exported
    init_from_exported(G, str(tmp_path / "wide"))
    ck = tmp_path / "checkpoint.pt"
    torch.save({"config": config, "G_ema": G.state_dict(), "G": G.state_dict()}, ck)
    main(["--init", str(tmp_path / "wide"), "--checkpoint", str(ck), "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert [r["layer"] for r in rows] == ["b16.conv0", "b16.conv1"]
    assert all(r["weight_cos"] > 0.9999 for r in rows)
    torch.save({"config": config, "G": G.state_dict()}, ck)
    with pytest.raises(SystemExit) as e:
        main(["--init", str(tmp_path / "wide"), "--checkpoint", str(ck)])
    assert e.value.code == 2
    assert "holds no G_ema" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--init", str(tmp_path / "missing"), "--checkpoint", str(ck)])
