"""An independent judge of face images: facenet-pytorch's MTCNN.

facenet-pytorch (MIT licence) ships the pretrained P-, R- and O-Net weights of
MTCNN (Zhang et al. 2016) inside its wheel, so nothing is downloaded at run
time. (Its InceptionResnetV1 weights are *not* in the wheel; they are fetched
from the internet on first use, so this module never touches them.)

Two measurements per image set:
  * detection: MTCNN at its default settings (min face 20 px, thresholds
    0.6/0.7/0.7, scale factor 0.709) on the image upscaled to 160x160; an image
    counts as a face when at least one box survives all three stages.
  * features: the 256-d penultimate activation of the O-Net (its `prelu5`,
    the layer that feeds the face/box/landmark heads) on the whole image
    resized to O-Net's 48x48 input. The aligned faces are already the kind of
    crop O-Net scores, so this is a face-specific embedding, used for a
    Frechet distance (as FID uses Inception features).

facenet-pytorch imports torchvision only for `batched_nms`. PyPI's torchvision
wheels are built against CUDA PyTorch and fail to load next to a "+cpu"
PyTorch; when that happens `load_mtcnn` registers a small pure-PyTorch/numpy
stand-in with torchvision's semantics instead (see `_nms_stub`).
"""
from __future__ import annotations

import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

DETECT_SIZE = 160
ONET_SIZE = 48


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """torchvision.ops.batched_nms: greedy non-maximum suppression done
    independently per value of `idxs`; boxes are (x1, y1, x2, y2); a box is
    dropped when its IoU with a kept, higher-scoring box of its group exceeds
    the threshold. Returns kept indices by decreasing score."""
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    b = boxes.detach().double().cpu().numpy()
    s = scores.detach().double().cpu().numpy()
    g = idxs.detach().cpu().numpy()
    keep: list[int] = []
    for group in np.unique(g):
        members = np.nonzero(g == group)[0]
        order = members[np.argsort(-s[members], kind="stable")]
        x1, y1, x2, y2 = (b[:, j] for j in range(4))
        area = (x2 - x1) * (y2 - y1)
        while order.size:
            i, rest = order[0], order[1:]
            keep.append(int(i))
            w = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
            h = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
            inter = w * h
            with np.errstate(invalid="ignore", divide="ignore"):
                iou = inter / (area[i] + area[rest] - inter)
            order = rest[~(iou > iou_threshold)]
    keep_t = torch.as_tensor(keep, dtype=torch.int64)
    keep_t = keep_t[torch.as_tensor(-s[keep], dtype=torch.float64).argsort(stable=True)]
    return keep_t.to(boxes.device)


def _torchvision_works() -> bool:
    try:
        from torchvision.ops.boxes import batched_nms as tv_nms
        tv_nms(torch.zeros(1, 4), torch.zeros(1), torch.zeros(1, dtype=torch.int64), 0.5)
        return True
    except Exception:
        return False


def _nms_stub():
    """Register a minimal `torchvision` exposing what facenet-pytorch imports."""
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    tv = types.ModuleType("torchvision")
    tv.__path__ = []
    tv.__version__ = "stub (latentscope_train.facecheck)"
    transforms = types.ModuleType("torchvision.transforms")
    transforms.__path__ = []
    functional = types.ModuleType("torchvision.transforms.functional")
    ops = types.ModuleType("torchvision.ops")
    ops.__path__ = []
    boxes = types.ModuleType("torchvision.ops.boxes")
    boxes.batched_nms = ops.batched_nms = batched_nms
    tv.transforms, transforms.functional, tv.ops, ops.boxes = transforms, functional, ops, boxes
    sys.modules.update({"torchvision": tv, "torchvision.transforms": transforms,
                        "torchvision.transforms.functional": functional,
                        "torchvision.ops": ops, "torchvision.ops.boxes": boxes})


def facenet_available() -> tuple[bool, str]:
    """(True, version) when facenet-pytorch can be imported here, else (False, why)."""
    try:
        import importlib.metadata as md
        version = md.version("facenet-pytorch")
    except Exception:
        return False, "facenet-pytorch is not installed (pip install --no-deps -r training/requirements-eval.txt)"
    try:
        load_mtcnn()
    except Exception as e:  # pragma: no cover - depends on the environment
        return False, f"facenet-pytorch {version} does not load: {e}"
    return True, version


_MTCNN = None


def load_mtcnn():
    """facenet-pytorch's MTCNN on the CPU with its bundled weights (cached)."""
    global _MTCNN
    if _MTCNN is None:
        if "facenet_pytorch" not in sys.modules and not _torchvision_works():
            _nms_stub()
        from facenet_pytorch import MTCNN
        _MTCNN = MTCNN(device=torch.device("cpu")).eval()
    return _MTCNN


def _as_uint8_nchw(images: np.ndarray) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> float [N, 3, H, W] in 0...255."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()


def upscaled(images: np.ndarray) -> torch.Tensor:
    """uint8 [B, H, W, 3] -> float [B, 160, 160, 3] in 0...255 (bilinear, rounded): MTCNN's input."""
    x = F.interpolate(_as_uint8_nchw(images), size=(DETECT_SIZE, DETECT_SIZE), mode="bilinear",
                      align_corners=False, antialias=False)
    return x.round().clamp(0, 255).permute(0, 2, 3, 1).contiguous()


def detect(images: np.ndarray, batch: int = 100) -> dict:
    """MTCNN detection on uint8 [N, H, W, 3] images (upscaled to 160 px).
    Returns per-image `found` (bool) and `prob` (best box probability or 0)."""
    mtcnn = load_mtcnn()
    found, prob = [], []
    for i in range(0, len(images), batch):
        _, probs = mtcnn.detect(upscaled(images[i:i + batch]))
        for p in probs:
            p = [v for v in np.atleast_1d(p) if v is not None]
            found.append(len(p) > 0)
            prob.append(float(max(p)) if p else 0.0)
    return {"found": np.array(found, dtype=bool), "prob": np.array(prob, dtype=np.float64)}


def onet_features(images: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """O-Net penultimate features (float64 [N, 256]) and O-Net's face probability
    ([N]) for uint8 [N, H, W, 3] images resized (area) to 48x48."""
    onet = load_mtcnn().onet
    feats, faceness = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = _as_uint8_nchw(images[i:i + batch])
            x = F.interpolate(x, size=(ONET_SIZE, ONET_SIZE), mode="area")
            x = (x - 127.5) * 0.0078125                      # MTCNN's input scaling
            h = x
            for name in ["conv1", "prelu1", "pool1", "conv2", "prelu2", "pool2", "conv3", "prelu3", "pool3",
                         "conv4", "prelu4"]:
                h = getattr(onet, name)(h)
            h = h.permute(0, 3, 2, 1).contiguous().flatten(1)   # as ONet.forward
            h = onet.prelu5(onet.dense5(h))
            feats.append(h.double().numpy())
            faceness.append(onet.softmax6_1(onet.dense6_1(h))[:, 1].double().numpy())
    return np.concatenate(feats), np.concatenate(faceness)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets [N, D]:
    |mu_a - mu_b|^2 + tr(Sa + Sb - 2 (Sa^1/2 Sb Sa^1/2)^1/2), in float64."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ev, evec = np.linalg.eigh(sa)
    ra = (evec * np.sqrt(np.clip(ev, 0, None))) @ evec.T            # Sa^1/2
    m = ra @ sb @ ra
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(np.square(mu_a - mu_b).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_sqrt)
