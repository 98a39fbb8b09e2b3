import csv
import hashlib
import io
import os
import zipfile

import numpy as np
from PIL import Image, JpegImagePlugin

import prepare_utkface as pu
from conftest import random_faces
from latentscope_train.data import load_images, load_labels

NAMES = [f"{age}_{g}_{r}_2017011{i}1745251{i:02d}.jpg.chip.jpg"
         for i, (age, g, r) in enumerate([(1, 0, 0), (25, 1, 2), (37, 0, 4), (80, 1, 1), (4, 0, 3), (55, 1, 0),
                                          (23, 0, 1), (116, 1, 2), (30, 0, 0)])]
NAMES.append("39_1_20170116174525125.jpg.chip.jpg")   # UTKFace has a few names without the race field


def make_source(root):
    os.makedirs(root, exist_ok=True)
    for name, img in zip(NAMES, random_faces(len(NAMES), size=200, seed=3)):
        Image.fromarray(img).save(os.path.join(root, name), quality=95)
    Image.fromarray(random_faces(1, size=200)[0]).save(os.path.join(root, "not_a_face.jpg"))  # does not parse
    open(os.path.join(root, "README.txt"), "w").write("ignored")
    return root


def test_parse_name():
    assert pu.parse_name("25_1_3_20170119171140396.jpg.chip.jpg") == {"age": 25, "gender": 1, "race": 3}
    assert pu.parse_name("39_1_20170116174525125.jpg.chip.jpg") == {"age": 39, "gender": 1, "race": -1}
    assert pu.parse_name("not_a_face.jpg") is None
    assert pu.parse_name("25_7_3_2017.jpg.chip.jpg") is None


def test_prepare_layout(tmp_path):
    src = make_source(str(tmp_path / "UTKFace"))
    out = tmp_path / "utk64"
    pu.main(["--src", src, "--out", str(out), "--split", "all"])
    shards = sorted(p for p in os.listdir(out) if p.endswith(".zip"))
    assert shards == [f"utkface64-all-{k:03d}.zip" for k in range(4)]  # 10 images: 3, 3, 3, 1
    with open(out / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "shard", "age", "gender", "race", "source_file"]
    assert [r["id"] for r in rows] == [f"{i:05d}" for i in range(10)]
    assert [int(r["shard"]) for r in rows] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    assert sorted(r["source_file"] for r in rows) == sorted(NAMES)
    assert [r["source_file"] for r in rows] != NAMES  # shuffled
    for r in rows:
        assert {k: int(r[k]) for k in ("age", "gender", "race")} == pu.parse_name(r["source_file"])
    for k, shard in enumerate(shards):
        with zipfile.ZipFile(out / shard) as zf:
            infos = zf.infolist()
            assert [i.filename for i in infos] == [r["id"] + ".jpg" for r in rows if int(r["shard"]) == k]
            for info in infos:
                assert info.compress_type == zipfile.ZIP_STORED and info.date_time == pu.ZIP_DATE
                im = Image.open(io.BytesIO(zf.read(info)))
                assert im.format == "JPEG" and im.size == (64, 64) and im.mode == "RGB"
                assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4, no chroma subsampling
    # the image is the Lanczos-resized source (up to JPEG error)
    first = rows[0]
    with Image.open(os.path.join(src, first["source_file"])) as s:
        want = np.asarray(s.convert("RGB").resize((64, 64), Image.LANCZOS), dtype=np.float64)
    with zipfile.ZipFile(out / shards[0]) as zf:
        got = np.asarray(Image.open(io.BytesIO(zf.read("00000.jpg"))), dtype=np.float64)
    assert np.abs(got - want).mean() < 3.0
    # checksums
    sums = dict(line.split()[::-1] for line in open(out / "SHA256SUMS"))
    assert sorted(sums) == sorted(shards + ["labels.csv"])
    for name, digest in sums.items():
        assert hashlib.sha256(open(out / name, "rb").read()).hexdigest() == digest
    # the training loader reads it
    images, ids = load_images(str(out))
    assert images.shape == (10, 64, 64, 3) and ids == [r["id"] for r in rows]
    assert load_labels(str(out))["00000"]["age"] == float(first["age"])


def test_prepare_is_reproducible_and_splits_partition(tmp_path):
    src = make_source(str(tmp_path / "UTKFace"))
    a, b = tmp_path / "a", tmp_path / "b"
    pu.main(["--src", src, "--out", str(a), "--split", "all", "--shards", "2"])
    pu.main(["--src", src, "--out", str(b), "--split", "all", "--shards", "2"])
    assert open(a / "SHA256SUMS").read() == open(b / "SHA256SUMS").read()
    train = [n for n, _ in [(os.path.basename(p), l) for p, l in pu.select(src, "train")]]
    test = [os.path.basename(p) for p, _ in pu.select(src, "test")]
    assert sorted(train + test) == sorted(NAMES) and not set(train) & set(test)
    assert all(pu.held_out(n) for n in test) and not any(pu.held_out(n) for n in train)
    assert [p for p, _ in pu.select(src, "all", seed=1)] != [p for p, _ in pu.select(src, "all", seed=0)]
