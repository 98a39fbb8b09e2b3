"""Scoring generated faces: a Scorer (one attribute classifier and, where installed,
one landmark network) turns images into age, P(female), yaw and smile; score_seeds
and labelled_samples score seeds (the labels of the named directions, cached),
make_effect measures an edit's mean scores at both ends of a walk.
"""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import torch

from .atomic import write_atomically
from .attribute_classifier import JUDGE, LABELLER, PINNED, AttributeNet, classifier, predict
from .faces import generate, to_uint8
from .rng import LABEL_FIRST_SEED


class Scorer:
    """Images -> {"age", "female", and "yaw", "smile" where landmarks are
    available}: one classifier and, optionally, one landmark network. Faces the
    landmark network does not find score NaN."""

    def __init__(self, net: AttributeNet, landmark_network: str | None = None):
        self.net = net
        self.landmark_network = landmark_network

    def __call__(self, images: torch.Tensor) -> dict[str, np.ndarray]:
        age, female = predict(self.net, images)
        out = {"age": age, "female": female}
        if self.landmark_network:
            from . import landmarks
            lm = landmarks.label(to_uint8(images), network=self.landmark_network)
            for k in ("yaw", "smile"):
                out[k] = np.where(lm["found"], lm[k], np.nan).astype(np.float64)
        return out


def scorer(role: str, data_dir: str, cache_dir: str | None, epochs: int = 8, landmarks_wanted: bool = True,
           log=print, pinned_dir: str | None = PINNED) -> tuple[Scorer, dict]:
    """The labeller's or the judge's Scorer and its classifier's held-out metrics."""
    net, metrics = classifier(data_dir, cache_dir, epochs=epochs, pinned_dir=pinned_dir, log=log,
                              **(LABELLER if role == "labeller" else JUDGE))
    network = None
    if landmarks_wanted:
        try:
            from . import landmarks
            ok, why = landmarks.available()
        except ImportError as e:
            ok, why = False, str(e)
        if ok:
            network = role
        else:
            log(f"landmarks: not available ({why}); yaw and smile are left out")
    return Scorer(net, network), metrics


def score_seeds(G, score: Scorer, seeds: np.ndarray, batch: int = 64, chunk: int = 512, log=None, **edit):
    """(w [N, T, w_dim], scores) of `seeds`, generated in chunks (with `edit`, see generate)."""
    ws, parts = [], []
    offsets = edit.pop("offsets", None)
    for i in range(0, len(seeds), chunk):
        off = None if offsets is None else offsets[i:i + chunk]
        w, imgs = generate(G, seeds[i:i + chunk], batch=batch, offsets=off, **edit)
        ws.append(w)
        parts.append(score(imgs))
        if log:
            log(f"scored {min(i + chunk, len(seeds))}/{len(seeds)} generated faces")
    return np.concatenate(ws), {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def make_effect(G, score: Scorer, seeds: np.ndarray, face_check: bool = True):
    """named_directions.Effect on `seeds`: mean scores at -length and +length,
    and the share of the end images in which MTCNN finds a face."""
    from . import facecheck
    from .named_directions import finite_mean

    def effect(vector, length, layers, tokens):
        ends, found = {}, []
        for key, sign in (("low", -1), ("high", 1)):
            off = np.tile((sign * length * vector)[None].astype(np.float32), (len(seeds), 1))
            _, imgs = generate(G, seeds, offsets=off, layers=layers, tokens=tokens)
            ends[key] = {k: finite_mean(v) for k, v in score(imgs).items()}
            found.append(facecheck.detect(to_uint8(imgs))["found"] if face_check else np.ones(len(seeds), bool))
        return {**ends, "detected": float(np.concatenate(found).mean())}
    return effect


def labelled_samples(G, labeller: Scorer, samples: int, cache: str | None, log=print) -> tuple[np.ndarray, dict]:
    """w and the labeller's scores of `samples` generated faces, cached under
    `cache` keyed by the generator's weights, the labeller's and the count
    (labelling is most of the time a rerun takes)."""
    seeds = np.arange(LABEL_FIRST_SEED, LABEL_FIRST_SEED + samples, dtype=np.uint64)
    path = None
    if cache:
        h = hashlib.sha256()
        for t in (G.state_dict(), labeller.net.state_dict()):
            for k, v in sorted(t.items()):
                h.update(k.encode())
                h.update(v.detach().cpu().numpy().tobytes())
        h.update(json.dumps({"samples": samples, "landmarks": labeller.landmark_network}).encode())
        path = os.path.join(cache, "labels", h.hexdigest()[:16] + ".npz")
        if os.path.exists(path):
            log(f"labels: cached {path}")
            z = np.load(path)
            return z["w"], {k[6:]: z[k] for k in z.files if k.startswith("score_")}
    w, scores = score_seeds(G, labeller, seeds, log=log)
    if path:
        write_atomically(path, lambda tmp: np.savez(tmp, w=w, **{f"score_{k}": v for k, v in scores.items()}), suffix=".npz")
    return w, scores
