import json

import pytest
import torch
from safetensors.torch import load_file

from latentscope_train.average import average, main, mapped_mean, parse_weights, parse_weights_at
from latentscope_train.export import export_generator, load_exported
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig
from latentscope_train.soften import soften


def exported(tmp_path, name, seed, config=TINY_CONFIG):
    torch.manual_seed(seed)
    G = Generator(GeneratorConfig.from_dict(config)).eval()
    out = tmp_path / name
    export_generator(G, str(out), name, extra={"training": {"kimg": float(seed), "steps": seed * 10}})
    return out


def test_weights_are_the_weighted_mean_and_w_avg_is_measured_again(tmp_path):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    config = average([str(a), str(b)], str(tmp_path / "avg"), [0.25, 0.75], w_avg_samples=20000)
    ta, tb, tm = (load_file(p / "generator.safetensors") for p in (a, b, tmp_path / "avg"))
    for k in ta:
        if k != "w_avg":
            assert torch.allclose(tm[k], 0.25 * ta[k] + 0.75 * tb[k], atol=1e-6), k
    # w_avg is the averaged mapping's own mean w, as the engine's truncation needs.
    G = load_exported(str(tmp_path / "avg"))
    z = torch.randn(20000, 1, G.cfg.z_dim, generator=torch.Generator().manual_seed(5))
    measured = G.map(z).mean(dim=(0, 1)).detach()
    assert torch.allclose(tm["w_avg"], measured, atol=0.03)  # two estimates from independent samples
    assert not torch.allclose(tm["w_avg"], 0.25 * ta["w_avg"] + 0.75 * tb["w_avg"], atol=1e-3)
    sources = config["training"]["averaged_from"]
    assert [(s["model"], s["kimg"], s["weight"]) for s in sources] == [("a", 1.0, 0.25), ("b", 2.0, 0.75)]
    assert (config["training"]["kimg"], config["training"]["steps"]) == (2.0, 20)  # the newest source's
    assert json.load(open(tmp_path / "avg" / "config.json"))["layers"] == json.load(open(a / "config.json"))["layers"]


def test_training_details_are_the_newest_models_plus_lineage_only_older_ones_record(tmp_path):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    c = json.load(open(a / "config.json"))
    c["training"]["warm_start"] = {"model": "v1", "kimg": 10.0}
    (a / "config.json").write_text(json.dumps(c))
    config = average([str(a), str(b)], str(tmp_path / "avg"), w_avg_samples=100)
    assert config["training"]["steps"] == 20 and config["training"]["warm_start"] == {"model": "v1", "kimg": 10.0}


def test_mapped_mean_is_the_models_own_mapping(tmp_path):
    a = exported(tmp_path, "a", 3)
    G = load_exported(str(a))
    t = load_file(a / "generator.safetensors")
    z = torch.randn(64, G.cfg.z_dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ours = mapped_mean(t, G.cfg.mapping_layers, G.cfg.z_dim, samples=64, seed=0)
    theirs = G.map(z.float().unsqueeze(1)).mean(dim=(0, 1)).double()
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_an_average_of_copies_is_the_model(tmp_path):
    a = exported(tmp_path, "a", 4)
    average([str(a), str(a)], str(tmp_path / "avg"), w_avg_samples=20000)
    G, H = load_exported(str(a)), load_exported(str(tmp_path / "avg"))
    z = torch.randn(2, G.cfg.tokens, G.cfg.z_dim, generator=torch.Generator().manual_seed(1))
    # Same weights; w_avg only matters under truncation, and is re-estimated there.
    assert torch.allclose(G(z, noise_mode="const"), H(z, noise_mode="const"), atol=1e-5)


def test_models_that_cannot_be_averaged_are_refused_and_nothing_is_written(tmp_path):
    a = exported(tmp_path, "a", 1)
    wider = dict(TINY_CONFIG, channels={k: v * 2 for k, v in TINY_CONFIG["channels"].items()})
    other = exported(tmp_path, "wide", 2, wider)
    with pytest.raises(ValueError, match="another architecture"):
        average([str(a), str(other)], str(tmp_path / "x"))
    soft = tmp_path / "soft"
    soften(str(exported(tmp_path, "b", 2)), str(soft), {16: 0.5})
    with pytest.raises(ValueError, match="softened differently"):
        average([str(a), str(soft)], str(tmp_path / "x"))
    with pytest.raises(ValueError, match="at least two"):
        average([str(a)], str(tmp_path / "x"))
    with pytest.raises(FileNotFoundError):
        average([str(a), str(tmp_path / "missing")], str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("spec,n", [("1", 2), ("1,x", 2), ("1,0", 2), ("1,-1", 2), ("", 1)])
def test_bad_weights_are_refused(spec, n):
    with pytest.raises(ValueError):
        parse_weights(spec, n)


def test_weights_are_normalised():
    assert parse_weights("1,3", 2) == [0.25, 0.75]
    assert parse_weights(None, 4) == [0.25] * 4


def test_the_command_line_refuses_writing_over_a_source(tmp_path, capsys):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    before = (a / "generator.safetensors").read_bytes()
    with pytest.raises(SystemExit) as e:
        main(["--model", str(a), "--model", str(b), "--out", str(a)])
    assert e.value.code == 2
    assert "--out must not be one of the --model folders" in capsys.readouterr().err
    assert (a / "generator.safetensors").read_bytes() == before
    main(["--model", str(a), "--model", str(b), "--out", str(tmp_path / "avg"), "--w-avg-samples", "100"])
    assert "averaged a (1.0 kimg) x0.5, b (2.0 kimg) x0.5" in capsys.readouterr().out


def test_weights_at_one_resolution_apply_to_its_layers_only(tmp_path):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    res = max(int(r) for r in TINY_CONFIG["channels"])
    config = average([str(a), str(b)], str(tmp_path / "avg"), [0.5, 0.5], w_avg_samples=100,
                     weights_at={res: [0.75, 0.25]})
    ta, tb, tm = (load_file(p / "generator.safetensors") for p in (a, b, tmp_path / "avg"))
    finest = [k for k in ta if k.startswith(f"synthesis.b{res}.")]
    assert finest and any(k.endswith("torgb.conv.weight") for k in finest)
    for k in ta:
        if k == "w_avg":
            continue
        w = 0.75 if k in finest else 0.5
        assert torch.allclose(tm[k], w * ta[k] + (1 - w) * tb[k], atol=1e-6), k
    assert config["training"]["averaged_weights_at"] == {str(res): [0.75, 0.25]}


@pytest.mark.parametrize("spec,match", [(["64"], "RES=W1"), (["x=1,1"], "RES=W1"), (["7=1,1"], "no synthesis layers"),
                                        (["64=1"], "2 models"), (["64=1,0"], "above 0"),
                                        (["64=1,1", "64=2,1"], "twice")])
def test_bad_weights_at_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_weights_at(spec, 2, {4, 8, 16, 32, 64})


def test_the_command_line_takes_weights_at(tmp_path, capsys):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    res = max(int(r) for r in TINY_CONFIG["channels"])
    main(["--model", str(a), "--model", str(b), "--out", str(tmp_path / "avg"), "--weights-at", f"{res}=3,1",
          "--w-avg-samples", "100"])
    assert f"at {res}: x0.75, x0.25" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["--model", str(a), "--model", str(b), "--out", str(tmp_path / "bad"), "--weights-at", "3=1,1"])
    assert e.value.code == 2 and "no synthesis layers at 3x3" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_an_average_of_an_average_records_only_its_own_weights_at(tmp_path):
    a, b = exported(tmp_path, "a", 1), exported(tmp_path, "b", 2)
    res = max(int(r) for r in TINY_CONFIG["channels"])
    average([str(a), str(b)], str(tmp_path / "ab"), w_avg_samples=100, weights_at={res: [0.75, 0.25]})
    c = exported(tmp_path, "c", 3)
    config = average([str(tmp_path / "ab"), str(c)], str(tmp_path / "abc"), w_avg_samples=100)
    assert "averaged_weights_at" not in config["training"]  # equal weights everywhere in this one
    first = config["training"]["averaged_from"][0]
    assert first["averaged_weights_at"] == {str(res): [0.75, 0.25]} and len(first["averaged_from"]) == 2
