"""Head yaw and smile of 64x64 faces, from facial landmarks of two independent networks.

    python -m latentscope_train.landmarks --data ../../shared/datasets/utkface64 --model ../assets/models/utkface64

Two networks, trained by different people on different faces, so a direction
fitted to one network's labels can be checked by the other:

  * "labeller" (labels the faces a boundary is fitted to): dlib's HOG frontal
    face detector and its 68-point shape predictor (an ensemble of regression
    trees, Kazemi & Sullivan 2014, trained on iBUG 300-W). Packages dlib-bin and
    face-recognition-models (the .dat file); the face is upscaled to 128 px and
    the detector upsamples once more (it needs faces of about 80 px or more).
  * "judge" (measures the effect of walking a direction): facenet-pytorch's
    MTCNN (Zhang et al. 2016; WIDER FACE and CelebA), the project's judge of
    realism (facecheck.py), whose O-Net gives 5 landmarks; faces upscaled to
    160 px, default thresholds, exactly as facecheck.detect sees them.
  Both ship their weights in the installed packages; nothing is downloaded.
  When the face fills the frame, MTCNN's box reaches past the image;
  facenet-pytorch then gives O-Net the clipped crop but places its points in
  the unclipped box, so the judge's points are stretched about the image
  centre, along x and y separately, by up to ~7 px at 64 px. Ratios along the
  eye line (yaw, smile) are unchanged by such a stretch, and padding the image
  to keep the box inside, which does fix the points, made yaw and smile less
  repeatable (mirrored generated faces: smile r 0.84-0.90 instead of 0.92), so
  the judge keeps the standard input: use its yaw and smile, not its points.

Both are reduced to the same 5 points, in pixels of the 64x64 image: the
image-left eye, the image-right eye (dlib: the mean of each eye's 6 contour
points; MTCNN: its eye centres), the nose tip, and the image-left and
image-right mouth corners. From those, the same formulas for both (`geometry`):

  * yaw = <nose - eye midpoint, e> / |e|^2, with e the vector from the
    image-left to the image-right eye: the nose tip's offset along the eye line,
    in inter-ocular distances (in-plane roll does not change it). Positive: the
    nose is right of the eye midpoint in the image, i.e. the face turns toward
    the image's right (the person's own left).
  * smile = |right mouth corner - left mouth corner| / |e| (a smile widens the
    mouth).
  * found: False where the network found no face. Those faces get NaN and must
    be left out; nothing is guessed.

Approximate degrees (`yaw_degrees`): with the nose tip a depth D in front of
the eyes and an inter-ocular distance I, turning by an angle t moves the nose
by D sin t while the eyes shrink to I cos t, so yaw = (D/I) tan t. D/I =
YAW_DEPTH was fitted on real faces from the same cosine: the eye distance
over the eye-to-mouth distance (which turning leaves alone) falls as
cos t = 1 / sqrt(1 + (yaw / YAW_DEPTH)^2) (`fit_yaw_depth` on the labeller's
points, printed by the command above; the judge's stretched points are not
used for it): 0.52 on the 500 real faces below (a least-squares fit gives
+-0.03). Anthropometry agrees roughly (the nose tip ~30-35 mm in front of the
pupils, ~63 mm apart). The judge's yaw ratio spreads 7% less than the
labeller's, so one constant serves both; treat the degrees as good to about
10-15%. The fit needs real faces turned over a range: on generated faces,
which turn little, it is meaningless (1.0). The ratio is what gets fitted and
judged.

Measured with the command above (the first 500 real faces of the shards; 200
generated faces, seeds 2^41 on, as attributes.py labels them), one thread,
OMP_NUM_THREADS=1, on 2 cores shared with a training run: CPU time of the
process per face (wall time was 10-20x that, from the other jobs).

                                       real (500)        generated (200)
  found, labeller / judge              0.990 / 1.000     1.000 / 1.000
  CPU ms per face, labeller / judge    15 / 30           15 / 36
  labeller vs judge, yaw: Pearson, Spearman    0.946, 0.940      0.824, 0.859
  labeller vs judge, smile: Pearson, Spearman  0.923, 0.923      0.826, 0.840
  mirrored image, r(yaw, -yaw'), lab. / judge  0.988 / 0.968     0.956 / 0.954
  mirrored image, r(smile, smile')             0.975 / 0.959     0.955 / 0.915
  yaw sd, labeller / judge             0.128 / 0.119     0.087 / 0.074

Timed again on the idle machine (500 real faces): the labeller 13.8 ms a face
(dlib uses one core), the judge 31 ms with one PyTorch thread and 20 ms with
two. So 6,000 faces take about 1.5 minutes to label and 2-3 to judge.

Also tried as the labeller: MediaPipe's face mesh (mediapipe 0.10.21, the
last release with the bundled model; installable next to numpy 2 only with
--no-deps, plus OpenCV): on the same generated faces it agreed less with
either network (yaw Spearman 0.85 with MTCNN, 0.76 with dlib) and was less
repeatable under mirroring (yaw r 0.92, smile 0.92).
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import importlib.util
import os
import time

import numpy as np
from PIL import Image

from . import facecheck

NETWORKS = ("labeller", "judge")
LABELLER_SIZE = 128          # dlib: faces upscaled to this, then the detector upsamples once more
YAW_DEPTH = 0.52             # nose-tip depth in front of the eyes / inter-ocular distance (see the docstring)
PREDICTOR = "shape_predictor_68_face_landmarks.dat"
INSTALL = "pip install --no-deps -r training/requirements-eval.txt"


# MARK: - geometry

def geometry(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """points float [N, 5, 2] (x, y): image-left eye, image-right eye, nose tip,
    image-left and image-right mouth corner -> (yaw [N], smile [N]), float64.
    NaN points (no face) give NaN."""
    p = np.asarray(points, dtype=np.float64)
    left_eye, right_eye, nose, mouth_left, mouth_right = (p[..., k, :] for k in range(5))
    e = right_eye - left_eye
    iod2 = np.sum(e * e, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        yaw = np.sum((nose - (left_eye + right_eye) / 2) * e, axis=-1) / iod2
        smile = np.linalg.norm(mouth_right - mouth_left, axis=-1) / np.sqrt(iod2)
    return yaw, smile


def yaw_degrees(yaw: np.ndarray) -> np.ndarray:
    """Approximate head turn in degrees (positive toward the image's right)."""
    return np.degrees(np.arctan(np.asarray(yaw) / YAW_DEPTH))


def fit_yaw_depth(points: np.ndarray) -> float:
    """D/I from faces of many poses: least squares of q = q0 / sqrt(1 + (yaw/k)^2)
    over k (a grid of 0.01), q0 in closed form, where q is the eye distance
    over the eye-to-mouth distance. Found faces only."""
    p = np.asarray(points, dtype=np.float64)
    p = p[np.isfinite(p).all(axis=(1, 2))]
    yaw, _ = geometry(p)
    eyes, mouth = (p[:, 0] + p[:, 1]) / 2, (p[:, 3] + p[:, 4]) / 2
    q = np.linalg.norm(p[:, 1] - p[:, 0], axis=-1) / np.linalg.norm(mouth - eyes, axis=-1)
    best = (np.inf, np.nan)
    for k in np.arange(0.2, 1.5, 0.01):
        g = 1 / np.sqrt(1 + (yaw / k) ** 2)
        q0 = (q @ g) / (g @ g)
        best = min(best, (float(np.sum((q - q0 * g) ** 2)), float(k)))
    return round(best[1], 2)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation (ties, which continuous labels don't have, are not averaged)."""
    rank = lambda x: np.argsort(np.argsort(x)).astype(np.float64)
    return float(np.corrcoef(rank(a), rank(b))[0, 1])


# MARK: - the networks

_DLIB = None


def _load_labeller():
    """(dlib detector, 68-point predictor), cached. The predictor file is found
    inside face-recognition-models without importing it (its __init__ imports
    pkg_resources, which needs setuptools: deprecated, and not in a fresh
    virtual environment of Python 3.12 or newer)."""
    global _DLIB
    if _DLIB is None:
        import dlib
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f"face-recognition-models is not installed ({INSTALL})")
        path = os.path.join(list(spec.submodule_search_locations)[0], "models", PREDICTOR)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: missing from face-recognition-models; reinstall it ({INSTALL})")
        _DLIB = dlib.get_frontal_face_detector(), dlib.shape_predictor(path)
    return _DLIB


def available(network: str = "labeller") -> tuple[bool, str]:
    """(True, what loaded) when `network` can run here, else (False, why)."""
    if network == "judge":
        ok, why = facecheck.facenet_available()
        return ok, f"MTCNN of facenet-pytorch {why}" if ok else why
    if network != "labeller":
        raise ValueError(f"network {network!r}: expected one of {NETWORKS}")
    try:
        _load_labeller()
    except Exception as e:
        return False, f"the landmark labeller does not load ({e}); install it with {INSTALL}"
    return True, f"dlib {md.version('dlib-bin')}, {PREDICTOR} (face-recognition-models {md.version('face-recognition-models')})"


def _labeller_points(images: np.ndarray) -> np.ndarray:
    detector, predictor = _load_labeller()
    out = np.full((len(images), 5, 2), np.nan)
    scale = images.shape[1] / LABELLER_SIZE
    for i, img in enumerate(images):
        x = np.asarray(Image.fromarray(img).resize((LABELLER_SIZE, LABELLER_SIZE), Image.BICUBIC))
        faces = detector(x, 1)
        if len(faces) == 0:
            continue
        shape = predictor(x, max(faces, key=lambda r: r.area()))
        p = np.array([(q.x, q.y) for q in shape.parts()], dtype=np.float64)
        out[i] = [p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]]
    return (out + 0.5) * scale - 0.5      # pixel centres of the upscaled image -> the original's


def _judge_points(images: np.ndarray, batch: int = 100) -> np.ndarray:
    mtcnn = facecheck.load_mtcnn()
    out = np.full((len(images), 5, 2), np.nan)
    for i in range(0, len(images), batch):
        boxes, _, points = mtcnn.detect(facecheck.upscaled(images[i:i + batch]), landmarks=True)
        for j, (b, p) in enumerate(zip(boxes, points)):
            if b is not None:
                out[i + j] = p[np.argmax((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))]   # the largest face
    return out * images.shape[1] / facecheck.DETECT_SIZE


def label(images_u8: np.ndarray, network: str = "labeller") -> dict:
    """Landmark labels of uint8 [N, H, H, 3] RGB faces (64x64 in this project):
    yaw, smile (float32 [N], NaN where not found), found (bool [N]) and the 5
    points (float32 [N, 5, 2], in pixels of the input; the judge's are
    stretched, see the module docstring)."""
    images = np.ascontiguousarray(images_u8)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images: expected uint8 [N, H, H, 3] (square), got {images.dtype} {list(images.shape)}")
    if network not in NETWORKS:
        raise ValueError(f"network {network!r}: expected one of {NETWORKS}")
    points = (_labeller_points if network == "labeller" else _judge_points)(images)
    yaw, smile = geometry(points)
    found = np.isfinite(yaw) & np.isfinite(smile)
    yaw[~found] = smile[~found] = np.nan
    return {"yaw": yaw.astype(np.float32), "smile": smile.astype(np.float32), "found": found,
            "points": points.astype(np.float32)}


# MARK: - measurement: found rates, speed, agreement between the networks

def measure(images: np.ndarray) -> dict:
    """Both networks on `images` and on their mirror images."""
    out = {}
    for net in NETWORKS:
        wall, cpu = time.perf_counter(), time.process_time()
        out[net] = label(images, net)
        out[net]["ms_per_face"] = 1000 * (time.perf_counter() - wall) / len(images)
        out[net]["cpu_ms_per_face"] = 1000 * (time.process_time() - cpu) / len(images)
        out[net]["mirrored"] = label(images[:, :, ::-1], net)
    return out


def report(name: str, m: dict) -> None:
    lab, jud = m["labeller"], m["judge"]
    both = lab["found"] & jud["found"]
    print(f"{name}: {len(both)} faces")
    for net, r in m.items():
        f = r["found"] & r["mirrored"]["found"]
        y, ym = r["yaw"][f], r["mirrored"]["yaw"][f]
        print(f"  {net:8s}: found {r['found'].mean():.3f}, {r['cpu_ms_per_face']:.1f} ms CPU "
              f"({r['ms_per_face']:.1f} ms wall) per face; yaw sd {np.std(r['yaw'][r['found']]):.3f}; "
              f"mirrored: yaw vs -yaw r {np.corrcoef(y, -ym)[0, 1]:.3f}, mean (yaw + yaw') / 2 {np.mean(y + ym) / 2:+.4f}, "
              f"smile r {np.corrcoef(r['smile'][f], r['mirrored']['smile'][f])[0, 1]:.3f}")
    print(f"  yaw depth fitted on the labeller's points: {fit_yaw_depth(lab['points'][lab['found']]):.2f} (YAW_DEPTH {YAW_DEPTH})")
    for q in ("yaw", "smile"):
        a, b = lab[q][both], jud[q][both]
        print(f"  labeller vs judge, {q:5s} ({both.sum()} found by both): "
              f"Pearson {np.corrcoef(a, b)[0, 1]:.3f}, Spearman {spearman(a, b):.3f}")


def main(argv=None):
    from .faces import generate
    from .rng import LABEL_FIRST_SEED
    from .data import DEFAULT_DATA, load_images
    from .export import load_exported
    from .imageio import to_uint8
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="folder of 64x64 zip shards (real faces)")
    p.add_argument("--model", default=None, help="exported model folder (generated faces)")
    p.add_argument("--real", type=int, default=500, help="real faces: the first N of the shards")
    p.add_argument("--generated", type=int, default=200, help="generated faces: seeds from 2^41 (the attribute labels' seeds)")
    a = p.parse_args(argv)
    for net in NETWORKS:
        ok, why = available(net)
        print(f"{net}: {why}")
        if not ok:
            raise SystemExit(1)
    if a.real:
        report(f"real ({a.data})", measure(load_images(a.data, limit=a.real)[0]))
    if a.model and a.generated:
        seeds = np.arange(LABEL_FIRST_SEED, LABEL_FIRST_SEED + a.generated, dtype=np.uint64)
        report(f"generated ({a.model})", measure(to_uint8(generate(load_exported(a.model), seeds)[1])))


if __name__ == "__main__":
    main()
