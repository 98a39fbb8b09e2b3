import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import SMALL64
from latentscope_train import evaluate, facecheck, plots
from latentscope_train.export import export_generator
from latentscope_train.model import TINY_CONFIG, Generator, GeneratorConfig

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FACENET, WHY = facecheck.facenet_available()
needs_facenet = pytest.mark.skipif(not FACENET, reason=WHY)


def exported(tmp_path, cfg=SMALL64, name="m"):
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(cfg))
    out = tmp_path / name
    export_generator(G, str(out), name)
    return G, str(out)


def reference_nms(boxes, scores, thr):
    order = list(np.argsort(-scores, kind="stable"))
    keep = []
    while order:
        i = order.pop(0)
        keep.append(i)
        def iou(j):
            x1, y1 = max(boxes[i, 0], boxes[j, 0]), max(boxes[i, 1], boxes[j, 1])
            x2, y2 = min(boxes[i, 2], boxes[j, 2]), min(boxes[i, 3], boxes[j, 3])
            inter = max(x2 - x1, 0) * max(y2 - y1, 0)
            a = lambda k: (boxes[k, 2] - boxes[k, 0]) * (boxes[k, 3] - boxes[k, 1])
            return inter / (a(i) + a(j) - inter)
        order = [j for j in order if not iou(j) > thr]
    return keep


def test_batched_nms_matches_greedy_reference():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (60, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(5, 30, (60, 2))], 1)
    scores = rng.uniform(0, 1, 60)
    groups = rng.integers(0, 3, 60)
    got = facecheck.batched_nms(torch.tensor(boxes), torch.tensor(scores), torch.tensor(groups), 0.5).tolist()
    want = []
    for g in range(3):
        idx = np.nonzero(groups == g)[0]
        want += [int(idx[k]) for k in reference_nms(boxes[idx], scores[idx], 0.5)]
    assert got == sorted(want, key=lambda k: -scores[k])
    assert facecheck.batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5).numel() == 0


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6))
    assert abs(facecheck.frechet_distance(a, a)) < 1e-8
    shift = np.array([1.0, 2, 0, 0, 0, 0])
    assert abs(facecheck.frechet_distance(a, a + shift) - 5.0) < 1e-8
    # scaling one set by s: tr(Sa) (1 - s)^2 for a shared covariance
    d = facecheck.frechet_distance(a, 2 * a)
    assert abs(d - (np.trace(np.cov(a, rowvar=False)) + np.square(a.mean(0)).sum())) < 1e-6
    try:
        from scipy import linalg
    except ImportError:
        return
    b = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = np.square(a.mean(0) - b.mean(0)).sum() + np.trace(sa + sb - 2 * linalg.sqrtm(sa @ sb).real)
    assert abs(facecheck.frechet_distance(a, b) - ref) < 1e-6 * max(1, abs(ref))


def test_generate_uses_engine_seeds(tmp_path):
    from latentscope_train.rng import seed_z
    G, _ = exported(tmp_path, TINY_CONFIG)
    imgs = evaluate.generate(G.eval(), 3, first_seed=5, noise_mode="const", batch=2)
    assert imgs.shape == (3, 16, 16, 3) and imgs.dtype == np.uint8
    z = torch.from_numpy(seed_z(6, G.cfg.tokens, G.cfg.z_dim))[None]
    with torch.no_grad():
        one = G(z, noise_mode="const")
    from latentscope_train.imageio import to_uint8
    assert np.array_equal(to_uint8(one)[0], imgs[1])


@needs_facenet
def test_mtcnn_weights_are_bundled():
    import facenet_pytorch
    data = os.path.join(os.path.dirname(facenet_pytorch.__file__), "data")
    assert {"pnet.pt", "rnet.pt", "onet.pt"} <= set(os.listdir(data))
    m = facecheck.load_mtcnn()
    assert m.thresholds == [0.6, 0.7, 0.7] and m.min_face_size == 20


@needs_facenet
def test_evaluate_cli(tmp_path, shards):
    _, model = exported(tmp_path)
    out = tmp_path / "results.json"
    res = evaluate.main(["--model", model, "--data", shards, "--n", "8", "--out", str(out), "--threads", "1"])
    assert json.load(open(out)) == json.loads(json.dumps(res))
    assert res["n"] == 8 and res["psi"] == 1.0 and res["seeds"] == [0, 7]
    for side in ("generated", "real"):
        s = res[side]
        assert s["n"] == 8
        for k in ("detection_rate", "mean_detection_prob", "onet_face_prob"):
            assert 0.0 <= s[k] <= 1.0
    fd = res["fd_onet"]
    assert fd["generated_vs_real"] >= 0 and fd["real_vs_real"] >= 0
    assert np.isfinite([fd["generated_vs_real"], fd["real_vs_real"]]).all()
    var = res["variance_ratio_onet"]
    assert var["generated_vs_real"] > 0 and 0.3 < var["real_b_vs_real"] < 3.0  # two real halves: similar spread
    res2 = evaluate.main(["--model", model, "--data", shards, "--n", "8", "--psi", "0.5"])
    assert res2["psi"] == 0.5 and res2["real"] == res["real"]  # the real side is deterministic


@needs_facenet
def test_detection_and_features_shapes():
    # one verdict and one feature row per image
    imgs = np.random.default_rng(0).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    det = facecheck.detect(imgs)
    assert det["found"].shape == (3,) and det["prob"].shape == (3,)
    feats, faceness = facecheck.onet_features(imgs)
    assert feats.shape == (3, 256) and faceness.shape == (3,)


def test_plots(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    with open(run / "log.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "kimg", "seconds", "loss_G", "loss_D", "D_real", "D_fake", "r1"])
        for s in list(range(20, 120, 20)) + list(range(60, 200, 20)):  # a resume from step 40 repeats 60..100
            w.writerow([s, s * 0.032, s * 1.5, 1 + np.sin(s), 1.2, 0.3, -0.4, "nan" if s < 40 else 0.01])
    log = plots.read_log(str(run / "log.csv"))
    assert list(log["step"]) == list(range(20, 200, 20))
    torch.manual_seed(0)
    G = Generator(GeneratorConfig.from_dict(SMALL64))
    torch.save({"config": G.cfg.to_dict(), "G_ema": G.state_dict()}, run / "checkpoint.pt")
    written = plots.main(["--run", str(run), "--out", str(tmp_path / "docs")])
    assert [os.path.basename(p) for p in written] == [plots.LOSS_PNG, plots.GRID_PNG]
    grid = Image.open(tmp_path / "docs" / plots.GRID_PNG)
    assert grid.size == ((8 * 66 + 2) * 2,) * 2
    assert Image.open(tmp_path / "docs" / plots.LOSS_PNG).size[0] > 400


def test_bench_torch_json(tmp_path):
    _, model = exported(tmp_path, TINY_CONFIG, "tiny")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.run([sys.executable, os.path.join(TRAINING, "bench_torch.py"), "--model", model, "--threads", "1",
                        "--runs", "3", "--warmup", "1", "--warmup-seconds", "0.1", "--json"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["threads"] == 1 and res["torch"] == torch.__version__ and res["model"] == "tiny"
    assert res["warmup"] == 1 and res["warmup_seconds"] == 0.1
    assert res["batch1_ms"] > 0 and res["batch16_ms_per_image"] > 0
    assert abs(res["batch16_ms"] / 16 - res["batch16_ms_per_image"]) < 0.01
    bad = subprocess.run([sys.executable, os.path.join(TRAINING, "bench_torch.py"), "--model", str(tmp_path / "nope"),
                          "--json"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""


@needs_facenet
def test_variance_ratio_sees_a_collapsed_model(tmp_path, shards):
    """A generator that always draws the same face has (almost) no variety."""
    G, model = exported(tmp_path)
    from latentscope_train.export import export_generator
    with torch.no_grad():
        for fc in G.mapping.fcs:
            fc.weight.zero_()  # w no longer depends on z: every seed is the same face
        for layer in G.synthesis.layers:
            if layer.noise_strength is not None:
                layer.noise_strength.zero_()
    export_generator(G, str(tmp_path / "collapsed"), "c", "float32")
    res = evaluate.main(["--model", str(tmp_path / "collapsed"), "--data", shards, "--n", "8", "--threads", "1"])
    assert res["variance_ratio_onet"]["generated_vs_real"] < 1e-3


@needs_facenet
def test_seed_sets_judge_disjoint_samples_against_the_same_real_images(tmp_path, shards):
    _, model = exported(tmp_path)
    common = ["--model", model, "--data", shards, "--n", "8", "--threads", "1"]
    res = evaluate.main(common + ["--sets", "2"])
    sets = res["seed_sets"]["sets"]
    assert [s["seeds"] for s in sets] == [[0, 7], [8, 15]]
    assert sets[0]["fd_onet"] == res["fd_onet"]["generated_vs_real"]   # the top level is the first set
    second = evaluate.main(common + ["--first-seed", "8"])
    assert sets[1]["fd_onet"] == second["fd_onet"]["generated_vs_real"]
    assert sets[1]["variance_ratio_onet"] == second["variance_ratio_onet"]["generated_vs_real"]
    fds = [s["fd_onet"] for s in sets]
    assert res["seed_sets"]["fd_onet"]["mean"] == pytest.approx(np.mean(fds), abs=1e-5)
    assert res["seed_sets"]["fd_onet"]["sd"] == pytest.approx(np.std(fds, ddof=1), abs=1e-5)
    assert "seed_sets" not in second
    with pytest.raises(SystemExit, match="--sets"):
        evaluate.main(common + ["--sets", "0"])


@needs_facenet
def test_smooth_judges_every_image_without_its_finest_detail(tmp_path, shards):
    _, model = exported(tmp_path)
    common = ["--model", model, "--data", shards, "--n", "8", "--threads", "1"]
    plain, smooth = evaluate.main(common), evaluate.main(common + ["--smooth"])
    assert plain["smooth"] is False and smooth["smooth"] is True
    # The real side changed too (both sides are smoothed), not just the generated one.
    assert smooth["fd_onet"]["real_vs_real"] != plain["fd_onet"]["real_vs_real"]
    assert smooth["fd_onet"]["generated_vs_real"] != plain["fd_onet"]["generated_vs_real"]
