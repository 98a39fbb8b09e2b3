"""latentscope_train.landmarks: the yaw/smile geometry (no network needed), then
both landmark networks on blank images and on real faces.

Network tests skip when the network's packages are not installed
(pip install --no-deps -r training/requirements-eval.txt); real-face tests skip
when the utkface64 shards are not at ../shared/datasets/utkface64."""
from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from latentscope_train import landmarks
from latentscope_train.data import DEFAULT_DATA, load_images

LABELLER, LABELLER_WHY = landmarks.available("labeller")
JUDGE, JUDGE_WHY = landmarks.available("judge")
NETS = [pytest.param("labeller", marks=pytest.mark.skipif(not LABELLER, reason=LABELLER_WHY)),
        pytest.param("judge", marks=pytest.mark.skipif(not JUDGE, reason=JUDGE_WHY))]
needs_data = pytest.mark.skipif(not glob.glob(os.path.join(DEFAULT_DATA, "*.zip")),
                                reason=f"no utkface64 shards in {os.path.normpath(DEFAULT_DATA)}")
needs_both = pytest.mark.skipif(not (LABELLER and JUDGE), reason="; ".join(
    f"{net}: {why}" for net, ok, why in [("labeller", LABELLER, LABELLER_WHY), ("judge", JUDGE, JUDGE_WHY)] if not ok))

# eyes 24 px apart, nose tip below their midpoint, mouth corners 16 px apart
FRONTAL = np.array([[20, 24], [44, 24], [32, 36], [24, 46], [40, 46]], dtype=np.float64)


# MARK: - geometry

def test_geometry_of_hand_made_points():
    turned = FRONTAL.copy()
    turned[2, 0] += 6                                   # nose 6 px to the image's right
    yaw, smile = landmarks.geometry(np.stack([FRONTAL, turned]))
    assert yaw.tolist() == [0.0, 0.25] and smile.tolist() == [16 / 24, 16 / 24]

    # roll, scale and shift change neither
    a = np.radians(25)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    y2, s2 = landmarks.geometry((turned @ rot.T) * 1.7 + [5, -3])
    assert y2 == pytest.approx(0.25, abs=1e-12) and s2 == pytest.approx(16 / 24, abs=1e-12)

    # the mirror image (x -> 63 - x; left and right swap names) negates yaw
    mirrored = turned[[1, 0, 2, 4, 3]] * [-1, 1] + [63, 0]
    y3, s3 = landmarks.geometry(mirrored)
    assert y3 == pytest.approx(-0.25, abs=1e-12) and s3 == pytest.approx(16 / 24, abs=1e-12)

    # no face: NaN, never a number
    y4, s4 = landmarks.geometry(np.full((1, 5, 2), np.nan))
    assert np.isnan(y4).all() and np.isnan(s4).all()


def test_yaw_degrees_and_the_depth_fit_recover_a_known_turn():
    # a rigid 3D face (x right, y down, z toward the camera), inter-ocular distance
    # 1, nose tip YAW_DEPTH in front of the eyes; turned by t and seen
    # orthographically, its yaw ratio is YAW_DEPTH tan t
    d = landmarks.YAW_DEPTH
    face = np.array([[-0.5, 0, 0], [0.5, 0, 0], [0, 0.5, d], [-0.35, 1.0, 0], [0.35, 1.0, 0]])
    turns = np.radians(np.linspace(-40, 40, 81))
    points = []
    for t in turns:
        x = face[:, 0] * np.cos(t) + face[:, 2] * np.sin(t)
        points.append(np.stack([x, face[:, 1]], axis=1) * 25 + 32)
    points = np.array(points)
    yaw, smile = landmarks.geometry(points)
    assert landmarks.yaw_degrees(yaw) == pytest.approx(np.degrees(turns), abs=1e-9)
    assert smile == pytest.approx(np.full(len(turns), 0.7), abs=1e-9)   # both shrink by cos t
    assert landmarks.fit_yaw_depth(points) == pytest.approx(d, abs=0.011)


def test_spearman():
    x = np.array([0.3, -1.0, 2.5, 0.1, 7.0])
    assert landmarks.spearman(x, np.exp(x)) == pytest.approx(1.0)
    assert landmarks.spearman(x, -x ** 3) == pytest.approx(-1.0)


def test_bad_arguments_fail_loudly():
    with pytest.raises(ValueError, match="expected uint8"):
        landmarks.label(np.zeros((2, 64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="expected uint8"):
        landmarks.label(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="square"):
        landmarks.label(np.zeros((1, 64, 48, 3), np.uint8))
    with pytest.raises(ValueError, match="network 'oracle'"):
        landmarks.label(np.zeros((1, 64, 64, 3), np.uint8), network="oracle")
    with pytest.raises(ValueError, match="network 'oracle'"):
        landmarks.available("oracle")


def test_available_says_why():
    for net in landmarks.NETWORKS:
        ok, why = landmarks.available(net)
        assert isinstance(ok, bool) and why


# MARK: - the networks

@pytest.mark.parametrize("net", NETS)
def test_no_face_is_not_found(net):
    rng = np.random.default_rng(0)
    blank = np.stack([np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), 128, np.uint8),
                      rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)])
    r = landmarks.label(blank, net)
    assert not r["found"].any()
    assert np.isnan(r["yaw"]).all() and np.isnan(r["smile"]).all() and np.isnan(r["points"]).all()
    assert r["yaw"].dtype == np.float32 and r["found"].dtype == bool


REAL_N = 120


@pytest.fixture(scope="module")
def real():
    """The first REAL_N real faces and both networks' labels of them and of their mirror images."""
    images = load_images(DEFAULT_DATA, limit=REAL_N)[0]
    out = {"images": images}
    for net, ok in [("labeller", LABELLER), ("judge", JUDGE)]:
        if ok:
            out[net] = landmarks.label(images, net)
            out[net + "_mirrored"] = landmarks.label(images[:, :, ::-1], net)
    return out


@needs_data
@pytest.mark.parametrize("net", NETS)
def test_real_faces_are_found_and_mirroring_negates_yaw(real, net):
    r, m = real[net], real[net + "_mirrored"]
    assert r["found"].mean() >= 0.95 and m["found"].mean() >= 0.95
    f = r["found"] & m["found"]
    yaw, yaw_m, smile, smile_m = r["yaw"][f], m["yaw"][f], r["smile"][f], m["smile"][f]
    assert np.corrcoef(yaw, -yaw_m)[0, 1] > 0.93
    assert abs(np.mean(yaw + yaw_m)) / 2 < 0.02                      # no left/right bias
    turned = np.abs(yaw) > 0.15                                       # clearly turned faces turn the other way
    assert turned.sum() >= 10 and (np.sign(yaw_m[turned]) == -np.sign(yaw[turned])).all()
    assert np.corrcoef(smile, smile_m)[0, 1] > 0.9
    assert np.median(np.abs(smile - smile_m)) < 0.03


@needs_data
@needs_both
def test_labeller_and_judge_agree_on_real_faces(real):
    lab, jud = real["labeller"], real["judge"]
    both = lab["found"] & jud["found"]
    assert landmarks.spearman(lab["yaw"][both], jud["yaw"][both]) > 0.88
    assert landmarks.spearman(lab["smile"][both], jud["smile"][both]) > 0.85
    # the labeller's points are where the judge's would be without its stretch
    # (see the module docstring): compare them after fitting x and y scales
    p, q = lab["points"][both], jud["points"][both]
    for axis in (0, 1):
        a, b = p[..., axis] - p[..., axis].mean(1, keepdims=True), q[..., axis] - q[..., axis].mean(1, keepdims=True)
        s = (a * b).sum(1, keepdims=True) / (b * b).sum(1, keepdims=True)
        assert np.median(np.abs(a - s * b)) < 1.0                     # pixels of the 64x64 image
