"""Face images from the utkface64 zip shards (or any folder of such shards).

A shard is a zip of 64x64 JPEGs named NNNNN.jpg; labels.csv beside the shards
maps the id to age and gender. Decoding 22k JPEGs takes seconds, so the whole set
is decoded once into a uint8 array and cached next to the run.
"""
from __future__ import annotations

import csv
import glob
import io
import os
import zipfile

import numpy as np
import torch
from PIL import Image
from .atomic import write_atomically

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "utkface64")


def shard_paths(root: str) -> list[str]:
    paths = sorted(glob.glob(os.path.join(root, "*.zip")))
    if not paths:
        raise FileNotFoundError(f"no .zip shards in {root!r}; see training/README.md for how to build them")
    return paths


def load_images(root: str, limit: int | None = None) -> tuple[np.ndarray, list[str]]:
    """Decode every JPEG of every shard -> (uint8 [N, 64, 64, 3], ids)."""
    images, ids = [], []
    for path in shard_paths(root):
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                if not name.endswith(".jpg"):
                    continue
                with Image.open(io.BytesIO(zf.read(name))) as im:
                    images.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
                ids.append(os.path.splitext(os.path.basename(name))[0])
                if limit and len(images) >= limit:
                    return np.stack(images), ids
    return np.stack(images), ids


def load_labels(root: str) -> dict[str, dict]:
    path = os.path.join(root, "labels.csv")
    with open(path, newline="") as f:
        return {row["id"]: {"age": float(row["age"]), "gender": int(row["gender"])} for row in csv.DictReader(f)}


def cached_images(root: str, cache: str | None) -> np.ndarray:
    if cache and os.path.exists(cache):
        return np.load(cache)
    images, _ = load_images(root)
    if cache:
        # Several processes may build it at once: each writes its own temporary file.
        write_atomically(cache, lambda tmp: np.save(tmp, images), suffix=".npy")
    return images


def to_tensor(batch_u8: np.ndarray) -> torch.Tensor:
    """uint8 [B, H, W, 3] -> float [B, 3, H, W] in [-1, 1]."""
    x = torch.from_numpy(batch_u8).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


class Sampler:
    """Endless shuffled minibatches with random horizontal flips."""

    def __init__(self, images: np.ndarray, batch: int, generator: torch.Generator):
        self.images, self.batch, self.gen = images, batch, generator

    def next(self) -> torch.Tensor:
        idx = torch.randint(0, len(self.images), (self.batch,), generator=self.gen).numpy()
        x = to_tensor(self.images[idx])
        flip = torch.rand(self.batch, generator=self.gen) < 0.5
        x[flip] = x[flip].flip(-1)
        return x
