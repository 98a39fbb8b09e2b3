"""The attribute-direction pipeline (attributes.py, directions_io.py,
direction_report.py, sefa_reference.py) on tiny synthetic data and the tiny
model fixture: fast, and never reads the real UTKFace shards."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINING not in sys.path:
    sys.path.insert(0, TRAINING)
TINY_MODEL = os.path.join(os.path.dirname(TRAINING), "Tests", "EngineTests", "Fixtures", "tiny-model")

from latentscope_train import attribute_classifier, attributes, direction_report, directions_io, rng, sefa_reference  # noqa: E402
from latentscope_train.rng import seed_z  # noqa: E402

torch.set_num_threads(1)


def synthetic_dataset(root: str, n: int = 96) -> str:
    """utkface64 layout (zip shards of 64x64 JPEGs + labels.csv) where age is
    brightness and gender is red vs blue, so a classifier has something to learn."""
    rng = np.random.default_rng(0)
    os.makedirs(root, exist_ok=True)
    rows = []
    with zipfile.ZipFile(os.path.join(root, "utkface64-train-000.zip"), "w") as zf:
        for i in range(n):
            age, gender = int(rng.integers(1, 90)), int(i % 2)
            img = np.full((64, 64, 3), 40 + age * 2, dtype=np.float64)
            img[..., 0 if gender else 2] += 40
            img += rng.normal(0, 8, img.shape)
            buf = io.BytesIO()
            Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(buf, "JPEG", quality=90)
            zf.writestr(f"{i:05d}.jpg", buf.getvalue())
            rows.append({"id": f"{i:05d}", "shard": 0, "age": age, "gender": gender, "race": 0, "source_file": f"{age}_{gender}_0_x.jpg"})
    with open(os.path.join(root, "labels.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> str:
    return synthetic_dataset(str(tmp_path_factory.mktemp("utk-synthetic")))


@pytest.fixture
def tiny_model(tmp_path) -> str:
    m = str(tmp_path / "tiny")
    shutil.copytree(TINY_MODEL, m)
    return m


def unit(seed: int, n: int = 16) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(n)
    return (v / np.linalg.norm(v)).astype(np.float32)


# MARK: - seeds, storage, boundaries

def test_seed_z_batch_equals_the_reference_rng():
    seeds = np.array([0, 1, 42, (1 << 41) + 7, (1 << 64) - 1], dtype=np.uint64)
    batch = rng.seed_z_batch(seeds, 4, 16)
    for i, s in enumerate(seeds):
        np.testing.assert_array_equal(batch[i], seed_z(int(s), 4, 16))


def test_directions_round_trip_and_merge(tmp_path):
    folder = str(tmp_path / "d")
    D = directions_io.Direction
    directions_io.write(folder, [D("pca0", unit(1), 1.5, "pca", 0.3), D("pca1", unit(2), 1.2, "pca", 0.2),
                                 D("sefa-coarse0", unit(3), 0.7, "sefa", 0.1, [0, 4])], 16)
    back = directions_io.read(folder, 16)
    assert [d.name for d in back] == ["pca0", "pca1", "sefa-coarse0"]
    assert back[2].layers == [0, 4] and back[0].explained == pytest.approx(0.3)
    np.testing.assert_array_equal(back[1].vector, unit(2))
    index = json.load(open(os.path.join(folder, "index.json")))
    assert index["format"] == "latentscope-directions" and index["format_version"] == 1
    assert "explained" not in index["directions"][2] or index["directions"][2]["explained"] == pytest.approx(0.1)
    # Replacing a group keeps the others where they were; new names are appended.
    merged = directions_io.merge(folder, [D("pca0", unit(4), 2.0, "pca")], lambda d: d.method == "pca", 16)
    assert [d.name for d in merged] == ["pca0", "sefa-coarse0"]
    merged = directions_io.merge(folder, [D("age", unit(5), 1.0, "attribute")], lambda d: d.method == "attribute", 16)
    assert [d.name for d in merged] == ["pca0", "sefa-coarse0", "age"]
    assert sorted(os.listdir(folder)) == [".lock", "index.json", "vectors.safetensors"]   # no temporary files left
    with pytest.raises(ValueError, match="expected \\[3, 32\\]"):
        directions_io.read(folder, 32)
    with pytest.raises(ValueError, match="unit vector"):
        directions_io.write(folder, [D("x", unit(1) * 2, 1.0, "user")], 16)
    with pytest.raises(ValueError, match="a number"):
        directions_io.write(folder, [D("7", unit(1), 1.0, "user")], 16)


# MARK: - classifier and the whole pipeline

def test_classifier_trains_caches_and_learns(dataset, tmp_path):
    logs = []
    net, m = attribute_classifier.classifier(dataset, str(tmp_path), epochs=4, width=8, log=logs.append)
    assert m["images"] == 10    # ids ending in 0 of 96
    assert 0 <= m["gender_accuracy"] <= 1 and m["age_mae"] >= 0
    assert any("training on 86 images, 10 held out" in l for l in logs)
    files = os.listdir(tmp_path / "attribute-classifier")
    assert len(files) == 1 and files[0].endswith(".pt")
    # Second call: from the cache, same weights.
    logs.clear()
    net2, m2 = attribute_classifier.classifier(dataset, str(tmp_path), epochs=4, width=8, log=logs.append)
    assert logs and logs[0].startswith("classifier: cached") and m2 == m
    x = torch.rand(5, 3, 64, 64) * 2 - 1
    np.testing.assert_allclose(attribute_classifier.predict(net, x)[0], attribute_classifier.predict(net2, x)[0], rtol=1e-6)
    # Other settings, other cache entry.
    assert attribute_classifier.data_key(dataset, {"epochs": 4, "width": 8}) != attribute_classifier.data_key(dataset, {"epochs": 5, "width": 8})


def test_pinned_classifier_comes_first_and_retrain_replaces_it(dataset, tmp_path):
    """A pinned classifier is used before the cache and without training (its data
    folder need not hold a single image); retraining with pin replaces the pinned
    file, which records no path of the machine that made it."""
    cache, pinned = str(tmp_path / "cache"), str(tmp_path / "pinned")
    logs = []
    net, m = attribute_classifier.classifier(dataset, cache, epochs=1, width=8, pinned_dir=pinned, pin=True, log=logs.append)
    (saved,) = os.listdir(pinned)
    ck = torch.load(os.path.join(pinned, saved), weights_only=True)
    assert set(ck) == {"state", "width", "metrics", "settings"}
    # A folder with the same labels but no images: only the pinned file can answer.
    labels_only = tmp_path / "labels-only"
    labels_only.mkdir()
    for name in ("SHA256SUMS", "labels.csv"):
        if os.path.exists(os.path.join(dataset, name)):
            shutil.copy(os.path.join(dataset, name), labels_only / name)
    logs.clear()
    net2, m2 = attribute_classifier.classifier(str(labels_only), str(tmp_path / "empty-cache"), epochs=1, width=8,
                                               pinned_dir=pinned, log=logs.append)
    assert logs == [f"classifier: pinned {os.path.join(pinned, saved)}"] and m2 == m
    x = torch.rand(4, 3, 64, 64) * 2 - 1
    np.testing.assert_array_equal(attribute_classifier.predict(net, x)[0], attribute_classifier.predict(net2, x)[0])
    # The pinned copy wins over a different cached one.
    other = attribute_classifier.AttributeNet(8)
    torch.save({"state": other.state_dict(), "width": 8, "metrics": {"age_mae": -1.0}, "settings": {}},
               os.path.join(cache, "attribute-classifier", saved))
    assert attribute_classifier.classifier(dataset, cache, epochs=1, width=8, pinned_dir=pinned, log=logs.append)[1] == m
    assert attribute_classifier.classifier(dataset, cache, epochs=1, width=8, pinned_dir=None, log=logs.append)[1] == {"age_mae": -1.0}
    # Retraining with pin replaces a pinned file (here: the other network put in its place).
    shutil.copy(os.path.join(cache, "attribute-classifier", saved), os.path.join(pinned, saved))
    assert attribute_classifier.classifier(dataset, cache, epochs=1, width=8, pinned_dir=pinned, log=logs.append)[1] == {"age_mae": -1.0}
    attribute_classifier.classifier(dataset, cache, epochs=1, width=8, pinned_dir=pinned, retrain=True, pin=True,
                                    log=logs.append)
    assert attribute_classifier.load_saved(os.path.join(pinned, saved))[1] == m


def test_saved_classifier_loads_without_running_code(tmp_path):
    """load_saved reads tensors and plain values only: a pickle that would call a
    function is refused with the file's name, and so is a file of other content."""
    evil = tmp_path / "evil.pt"
    torch.save({"state": {}, "width": 8, "metrics": Exploit()}, evil)
    with pytest.raises(ValueError, match="evil.pt: not a saved attribute classifier"):
        attribute_classifier.load_saved(str(evil))
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match="expected the keys 'state' and 'width'"):
        attribute_classifier.load_saved(str(other))


class Exploit:
    def __reduce__(self):
        return (os.system, ("true",))


def test_pinned_labeller_is_the_shipped_one():
    """The pinned labeller is the network exported beside the bundled model, so
    refitting the named directions labels faces as the release did."""
    from safetensors.torch import load_file
    from latentscope_train.classifier_export import folded_tensors
    model = os.path.join(os.path.dirname(TRAINING), "assets", "models", "utkface64")
    shipped = load_file(os.path.join(model, "attributes.safetensors"))
    pinned = [f for f in os.listdir(attribute_classifier.PINNED) if f.endswith(".pt")]
    widths = {}
    for f in pinned:
        net, _ = attribute_classifier.load_saved(os.path.join(attribute_classifier.PINNED, f))
        widths[net.features[0][0].out_channels] = net
    assert sorted(widths) == sorted({attribute_classifier.LABELLER["width"], attribute_classifier.JUDGE["width"]})
    folded = folded_tensors(widths[attribute_classifier.LABELLER["width"]])
    assert set(folded) == set(shipped)
    for k, v in folded.items():
        torch.testing.assert_close(v, shipped[k], rtol=0, atol=1e-6, msg=k)


def test_pipeline_on_the_tiny_model(dataset, tiny_model, tmp_path, capsys):
    """attributes.main then direction_report.main end to end: a 16x16 generator,
    classifiers trained for one epoch on 96 synthetic images (no landmarks, no
    face check: the tiny model's images are not faces)."""
    cache = str(tmp_path / "cache")
    # Existing directions of other methods stay where they are.
    directions_io.write(os.path.join(tiny_model, "directions"),
                        [directions_io.Direction(f"pca{i}", unit(10 + i), 1.0, "pca", 0.1) for i in range(3)], 16)
    stats = str(tmp_path / "stats.json")
    pinned = str(tmp_path / "pinned")
    args = ["--model", tiny_model, "--data", dataset, "--epochs", "1", "--cache", cache, "--no-landmarks", "--no-face-check",
            "--pinned", pinned]
    attributes.main(args + ["--samples", "200", "--calibration-faces", "4", "--stats", stats, "--retrain"])
    out = capsys.readouterr().out
    assert len(os.listdir(pinned)) == 2          # --retrain pinned the labeller and the judge
    assert "saved age, gender, age|gender, gender|age to" in out
    dirs = directions_io.read(os.path.join(tiny_model, "directions"), 16)
    assert [d.name for d in dirs] == ["pca0", "pca1", "pca2", "age", "gender", "age|gender", "gender|age"]
    by = {d.name: d for d in dirs}
    for n in ("age", "gender", "age|gender", "gender|age"):
        d = by[n]
        assert d.method == "attribute" and d.sigma > 0 and d.step > 0 and d.tokens and d.layers is not None
        assert d.unit["label"] == ("years" if n.startswith("age") else "P(female)")
    assert abs(float(by["age|gender"].vector @ by["gender"].vector)) < 1e-5
    assert by["age|gender"].layers == by["age"].layers and by["age|gender"].tokens == by["age"].tokens
    s = json.load(open(stats))
    named = s["named"]
    assert named["samples"] == 200 and set(named["directions"]) == {"age", "gender", "age|gender", "gender|age"}
    assert len(named["directions"]["age"]["token_r2"]) == 4         # the tiny model's tokens
    assert named["directions"]["age"]["step"] == pytest.approx(by["age"].step)
    # Labels are cached: a rerun does not label again, and replaces the attribute directions.
    attributes.main(args + ["--samples", "200", "--calibration-faces", "4"])
    out = capsys.readouterr().out
    assert "labels: cached" in out and "classifier: pinned" in out
    assert len(directions_io.read(os.path.join(tiny_model, "directions"), 16)) == 7
    assert len(os.listdir(os.path.join(cache, "labels"))) == 1
    # The report: walks, localisation, PCA vs random, figures, JSON, with the judge cached above.
    figs, rep = str(tmp_path / "figs"), str(tmp_path / "report.json")
    direction_report.main(["--model", tiny_model, "--data", dataset, "--cache", cache, "--pinned", pinned, "--epochs", "1",
                           "--no-landmarks", "--no-face-check", "--seeds", "3", "--local-seeds", "2", "--figures", figs, "--json", rep])
    out = capsys.readouterr().out
    assert "| `age` |" in out and "PCA vs random" in out
    r = json.load(open(rep))
    assert list(r["named"]) == ["age", "gender", "age|gender", "gender|age", "random"]
    assert len(r["named"]["age"]["means"]["age"]) == 7 and r["named"]["age"]["faces"] == 3
    assert len(r["local"]["age"]["tokens"]) == 4 and set(r["local"]["age"]["layers"]) == set(r["layer_sets"])
    assert r["pca"]["names"] == ["pca0", "pca1", "pca2"] and len(r["pca"]["ratio_to_random"]) == 3
    assert sorted(os.listdir(figs)) == ["attribute-sweep.png", "attribute-sweeps.png", "attribute-tokens.png", "pca-spectrum.png"]


def test_sefa_reference_fixture_is_current():
    """The committed fixture is what sefa_reference.py computes from the tiny model."""
    fixture = os.path.join(os.path.dirname(TINY_MODEL), "sefa-reference.json")
    saved = json.load(open(fixture))
    now = sefa_reference.reference(TINY_MODEL)
    assert saved["sets"].keys() == now["sets"].keys()
    for k in now["sets"]:
        np.testing.assert_allclose(saved["sets"][k]["eigenvalues"], now["sets"][k]["eigenvalues"], rtol=1e-9)
        a, b = np.array(saved["sets"][k]["eigenvectors"]), np.array(now["sets"][k]["eigenvectors"])
        np.testing.assert_allclose(np.abs((a * b).sum(1)), 1, atol=1e-6)


def test_step_unit_and_tokens_round_trip_and_are_checked(tmp_path):
    D = directions_io.Direction
    folder = str(tmp_path / "d")
    d = D("age", unit(1), 0.7, "attribute", layers=[0, 13], tokens=[3, 1], step=2.5, unit={"label": "years", "per_step": 6.4})
    directions_io.write(folder, [d, D("pca0", unit(2), 1.2, "pca", 0.2)], 16)
    back = directions_io.read(folder, 16)
    assert back[0].tokens == [1, 3] and back[0].step == 2.5 and back[0].step_length == 2.5
    assert back[0].unit == {"label": "years", "per_step": 6.4}
    assert back[1].step is None and back[1].step_length == pytest.approx(1.2) and back[1].unit is None
    for bad, match in ((dict(step=0.0), "step"), (dict(step=float("nan")), "step"), (dict(tokens=[1, 1]), "tokens"),
                       (dict(tokens=[]), "tokens"), (dict(unit={"label": "years"}), "unit"),
                       (dict(unit={"label": "a\nb", "per_step": 1.0}), "unit"), (dict(unit={"label": "years", "per_step": float("inf")}), "unit")):
        with pytest.raises(ValueError, match=match):
            directions_io.write(folder, [D("x", unit(1), 1.0, "attribute", **bad)], 16)
    assert [x.name for x in directions_io.read(folder, 16)] == ["age", "pca0"]      # refused writes changed nothing


def test_merge_waits_for_the_folder_lock(tmp_path):
    """A merge does not read or write while another writer holds FOLDER/.lock."""
    import threading
    import time
    D = directions_io.Direction
    folder = str(tmp_path / "d")
    directions_io.write(folder, [D("pca0", unit(2), 1.2, "pca")], 16)
    events = []
    held = threading.Event()

    def holder():
        with directions_io.locked(folder):
            held.set()
            time.sleep(0.5)
            # what the other writer adds while it holds the lock must survive the merge
            directions_io._write_unlocked(folder, [D("pca0", unit(2), 1.2, "pca"), D("mine", unit(4), 1.0, "user")], 16)
            events.append("released")

    t = threading.Thread(target=holder)
    t.start()
    held.wait()
    directions_io.merge(folder, [D("age", unit(1), 0.7, "attribute")], lambda d: d.method == "attribute", 16)
    events.append("merged")
    t.join()
    assert events == ["released", "merged"]
    assert [x.name for x in directions_io.read(folder, 16)] == ["pca0", "mine", "age"]
