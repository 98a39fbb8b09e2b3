"""The attribute classifier's export for the engine (classifier_export.py):
folding batch norm keeps the outputs, files are written atomically, bad
targets are refused, and the committed fixture is current."""
from __future__ import annotations

import filecmp
import json
import os
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINING not in sys.path:
    sys.path.insert(0, TRAINING)
FIXTURES = os.path.join(os.path.dirname(TRAINING), "Tests", "EngineTests", "Fixtures")

from latentscope_train import classifier_export, fixtures  # noqa: E402
from latentscope_train.attribute_classifier import AttributeNet  # noqa: E402
from latentscope_train.export import load_exported  # noqa: E402

torch.set_num_threads(1)


def random_net(width: int = 4, seed: int = 0) -> AttributeNet:
    """An AttributeNet in eval mode whose batch norms are far from the identity."""
    return fixtures.randomised_classifier(width, seed)


def test_folded_export_equals_the_network(tmp_path):
    net = random_net(width=4)
    info = classifier_export.export_classifier(net, str(tmp_path), metrics={"age_mae": 6.5, "images": 10})
    tensors = load_file(str(tmp_path / "attributes.safetensors"))
    assert all(t.dtype == torch.float32 for t in tensors.values())
    assert tensors["features.0.weight"].shape == (4, 3, 3, 3) and tensors["features.6.bias"].shape == (16,)
    assert json.load(open(tmp_path / "attributes.json")) == info
    assert info["input"] == 64 and info["hidden"] == 64 and [b["stride"] for b in info["blocks"]] == [1, 1, 2, 1, 2, 1, 2]
    assert [b["channels"] for b in info["blocks"]] == [4, 4, 8, 8, 16, 16, 16]
    assert info["metrics"] == {"age_mae": 6.5, "images": 10}
    x = torch.rand(5, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        want = net(x)
    got = classifier_export.folded_forward(tensors, info, x)
    assert want.abs().max() > 0.1, "the test net's outputs should not be trivially small"
    assert (got - want).abs().max().item() < 1e-5
    named = classifier_export.named_outputs(got)
    assert abs(named["age"][0] - 30 * float(got[0, 0])) < 1e-4 and 0 < named["female"][0] < 1


def test_files_are_written_atomically(tmp_path, monkeypatch):
    classifier_export.export_classifier(random_net(seed=1), str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["attributes.json", "attributes.safetensors"]
    before = {f: open(tmp_path / f, "rb").read() for f in os.listdir(tmp_path)}

    def fail(*_):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        classifier_export.export_classifier(random_net(seed=2), str(tmp_path))
    monkeypatch.undo()
    # The old files are whole and no temporary file is left behind.
    assert sorted(os.listdir(tmp_path)) == ["attributes.json", "attributes.safetensors"]
    assert {f: open(tmp_path / f, "rb").read() for f in os.listdir(tmp_path)} == before


def test_refuses_a_missing_folder_and_bad_metrics(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        classifier_export.export_classifier(random_net(), str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="finite numbers"):
        classifier_export.export_classifier(random_net(), str(tmp_path), metrics={"age_mae": float("nan")})
    assert os.listdir(tmp_path) == []


def test_cli_exports_a_cached_classifier(tmp_path, capsys):
    net = random_net(seed=4)
    ck = tmp_path / "cached.pt"
    torch.save({"state": net.state_dict(), "width": 4, "metrics": {"age_mae": 7.0, "gender_accuracy": 0.9}}, ck)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"resolution": 64}))
    classifier_export.main(["--checkpoint", str(ck), "--out", str(model)])
    info = json.load(open(model / "attributes.json"))
    assert info["input"] == 64 and info["metrics"] == {"age_mae": 7.0, "gender_accuracy": 0.9}
    assert "wrote" in capsys.readouterr().out
    # A model of another resolution needs the size said out loud.
    small = tmp_path / "small"
    small.mkdir()
    (small / "config.json").write_text(json.dumps({"resolution": 16}))
    with pytest.raises(SystemExit):
        classifier_export.main(["--checkpoint", str(ck), "--out", str(small)])
    assert "pass --input 16" in capsys.readouterr().err
    classifier_export.main(["--checkpoint", str(ck), "--out", str(small), "--input", "16"])
    assert json.load(open(small / "attributes.json"))["input"] == 16
    with pytest.raises(SystemExit):
        classifier_export.main(["--checkpoint", str(ck), "--out", str(tmp_path / "nowhere")])
    # A missing or foreign checkpoint: a usage error naming the file, nothing written.
    capsys.readouterr()
    for bad in (tmp_path / "missing.pt", model / "config.json"):
        with pytest.raises(SystemExit) as e:
            classifier_export.main(["--checkpoint", str(bad), "--out", str(small)])
        assert e.value.code == 2 and f"{bad}: not a saved attribute classifier" in capsys.readouterr().err


def test_classifier_fixture_is_current(tmp_path):
    """The committed tiny classifier and its reference outputs are what fixtures.py writes."""
    G = load_exported(os.path.join(FIXTURES, "tiny-model"))
    fixtures.make_tiny_classifier(G, str(tmp_path / "tiny-classifier"), str(tmp_path / "reference.json"))
    for f in ["attributes.json", "attributes.safetensors"]:
        assert filecmp.cmp(tmp_path / "tiny-classifier" / f, os.path.join(FIXTURES, "tiny-classifier", f), shallow=False), f
    # The reference's faces and outputs come out of float32 convolutions, whose last bits
    # depend on the CPU and the vector kernels PyTorch picks for it: equal up to float32
    # rounding, not byte for byte. The inputs made without a network must match exactly.
    made = json.load(open(tmp_path / "reference.json"))
    committed = json.load(open(os.path.join(FIXTURES, "tiny-classifier-reference.json")))
    assert sorted(made) == sorted(committed) and made["resolution"] == committed["resolution"]
    assert [e["name"] for e in made["images"]] == [e["name"] for e in committed["images"]]
    for a, b in zip(made["images"], committed["images"]):
        if "seed" not in a:
            assert a["pixels"] == b["pixels"], a["name"]
        assert np.allclose(a["pixels"], b["pixels"], rtol=1e-5, atol=1e-5), a["name"]
    for key in made:
        if key not in ("resolution", "images"):
            assert np.allclose(np.asarray(made[key], dtype=float), np.asarray(committed[key], dtype=float),
                               rtol=1e-5, atol=1e-5), key
    ref = json.load(open(tmp_path / "reference.json"))
    tensors = load_file(str(tmp_path / "tiny-classifier" / "attributes.safetensors"))
    info = json.load(open(tmp_path / "tiny-classifier" / "attributes.json"))
    images = torch.tensor([e["pixels"] for e in ref["images"]]).reshape(-1, 3, ref["resolution"], ref["resolution"])
    got = classifier_export.folded_forward(tensors, info, images)
    assert (got - torch.tensor(ref["raw"])).abs().max().item() < 1e-5
