"""Shared test helpers: small configs and tiny synthetic data sets.

Data is made here, in temporary folders. Only test_landmarks.py reads the real
UTKFace shards (a few faces, for networks that need real faces) and skips
those tests when ../shared/datasets/utkface64 is absent."""
from __future__ import annotations

import io
import json
import os
import sys

import numpy as np
import pytest
import torch
from PIL import Image

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TRAINING not in sys.path:
    sys.path.insert(0, TRAINING)

torch.set_num_threads(1)  # the tests are small; keep CPU use modest

# A 64x64 model with few channels: the synthetic data is 64x64 like the real data.
SMALL64 = {"channels": {"4": 16, "8": 16, "16": 8, "32": 8, "64": 8}, "z_dim": 16, "w_dim": 16,
           "tokens": 4, "heads": 2, "head_dim": 4, "mapping_layers": 2}


def random_faces(n: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """uint8 [n, size, size, 3]: smooth random colour fields (JPEG-friendly)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 8, 8, generator=g)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return (x * 255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def jpeg_bytes(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=90, subsampling=0)
    return buf.getvalue()


def make_shards(root: str, n: int = 32, shards: int = 2, seed: int = 0) -> str:
    """Zip shards + labels.csv + SHA256SUMS in the utkface64 layout."""
    import prepare_utkface
    items = []
    for i, img in enumerate(random_faces(n, seed=seed)):
        labels = {"age": 20 + i % 50, "gender": i % 2, "race": i % 5, "source_file": f"{20 + i % 50}_{i % 2}_{i % 5}_2017{i:013d}.jpg.chip.jpg"}
        items.append((labels, jpeg_bytes(img)))
    prepare_utkface.write_dataset(root, items, shards=shards)
    return root


@pytest.fixture(scope="session")
def shards(tmp_path_factory) -> str:
    return make_shards(str(tmp_path_factory.mktemp("utk-synthetic")))


@pytest.fixture
def small64_json() -> str:
    return json.dumps(SMALL64)
