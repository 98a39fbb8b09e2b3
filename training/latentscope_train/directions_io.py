"""Reads and writes the direction format the Swift engine loads
(Sources/Engine/DirectionStore.swift is the other implementation):

    DIR/index.json            {"format": "latentscope-directions", "format_version": 1,
                               "directions": [{"name", "method", "sigma", "explained"?, "layers"? [first, last],
                                               "tokens"? [t, ...], "step"?, "unit"? {"label", "per_step"}}]}
    DIR/vectors.safetensors   one F32 tensor "vectors" [count, w_dim], row i for entry i; its
                              metadata repeats the names as a JSON list ("names")

Vectors are unit vectors in the w space of one token; sigma is the standard
deviation along the vector of what an edit moves: the mean of the tokens it
moves, over sampled faces. Edits are in steps: one step moves w
by `step` along the vector, and `step` is sigma unless the entry says
otherwise (the attribute directions calibrate theirs, so that a walk of ±3
steps spans the attribute's range). `unit` says what one step does to the
attribute, as measured: e.g. {"label": "years", "per_step": 6.4}. Writes are
atomic (temp file + rename; vectors first, then the index) and hold an
exclusive flock on DIR/.lock, the lock the engine's writer takes, so a
`merge` here and a `latentscope directions save` there never interleave.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from safetensors.numpy import load_file, save_file

from .atomic import write_atomically, write_text

# How a direction was found: the `method` names of the format (docs/model-format.md), the
# same as the engine's DirectionMethod. Other names are kept as they are.
PCA, SEFA, ATTRIBUTE, USER, RANDOM = "pca", "sefa", "attribute", "user", "random"
METHODS = (PCA, SEFA, ATTRIBUTE, USER, RANDOM)

FORMAT = "latentscope-directions"
FORMAT_VERSION = 1
NAME_RE = re.compile(r"^[A-Za-z0-9_.|+-]{1,64}$")
UNIT_RE = re.compile(r"^[A-Za-z0-9 ()%/._-]{1,24}$")   # what the explorer can print in a status line


@dataclass
class Direction:
    name: str
    vector: np.ndarray                  # float32 [w_dim], unit norm
    sigma: float
    method: str
    explained: Optional[float] = None
    layers: Optional[list] = field(default=None)   # [first, last] or None (all)
    tokens: Optional[list] = None       # the style tokens an edit moves by default; None = all
    step: Optional[float] = None        # w length of one step of an edit; None = sigma
    unit: Optional[dict] = None         # {"label": str, "per_step": float}: the measured effect of one step

    @property
    def step_length(self) -> float:
        return self.sigma if self.step is None else self.step


def name_problem(name: str) -> str | None:
    """None when `name` is usable (same rules as DirectionName in the engine)."""
    if not NAME_RE.match(name):
        return f"{name!r}: use 1 to 64 letters, digits and _-.|+"
    if name.isdigit():
        return f"{name!r} is a number, which selects a direction by index; add a letter"
    return None


def read(folder: str, w_dim: int) -> list[Direction]:
    index_path = os.path.join(folder, "index.json")
    vec_path = os.path.join(folder, "vectors.safetensors")
    with open(index_path) as f:
        index = json.load(f)
    if index.get("format") != FORMAT or index.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{index_path}: format {index.get('format')!r} v{index.get('format_version')}, expected {FORMAT!r} v{FORMAT_VERSION}")
    entries = index["directions"]
    vectors = load_file(vec_path).get("vectors")
    if vectors is None or vectors.shape != (len(entries), w_dim):
        raise ValueError(f"{vec_path}: tensor 'vectors' has shape {None if vectors is None else list(vectors.shape)}, "
                         f"expected [{len(entries)}, {w_dim}]")
    return [Direction(e["name"], vectors[i].astype(np.float32), float(e["sigma"]), e["method"],
                      e.get("explained"), e.get("layers"), e.get("tokens"), e.get("step"), e.get("unit")) for i, e in enumerate(entries)]


@contextlib.contextmanager
def locked(folder: str):
    """Holds an exclusive flock on FOLDER/.lock (the folder is created)."""
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)      # Python retries on EINTR itself
        yield
    finally:
        os.close(fd)                        # closing releases the lock


def write(folder: str, directions: list[Direction], w_dim: int):
    """Replaces the folder's directions, under its lock."""
    validate(directions, w_dim)
    with locked(folder):
        _write_unlocked(folder, directions, w_dim)


def validate(directions: list[Direction], w_dim: int):
    seen = set()
    for d in directions:
        if (p := name_problem(d.name)):
            raise ValueError(p)
        if d.name in seen:
            raise ValueError(f"direction {d.name!r} appears twice")
        seen.add(d.name)
        if d.vector.shape != (w_dim,):
            raise ValueError(f"direction {d.name!r}: shape {list(d.vector.shape)}, expected [{w_dim}]")
        norm = float(np.linalg.norm(d.vector))
        if not abs(norm - 1) < 1e-4:
            raise ValueError(f"direction {d.name!r}: norm {norm}, expected a unit vector")
        if not (np.isfinite(d.sigma) and d.sigma >= 0):
            raise ValueError(f"direction {d.name!r}: sigma {d.sigma}")
        if d.tokens is not None and (not d.tokens or len(set(d.tokens)) != len(d.tokens) or any(int(t) != t or t < 0 for t in d.tokens)):
            raise ValueError(f"direction {d.name!r}: tokens {d.tokens!r}, expected distinct token indices")
        if d.step is not None and not (np.isfinite(d.step) and d.step > 0):
            raise ValueError(f"direction {d.name!r}: step {d.step}, expected a positive number")
        if d.unit is not None and (set(d.unit) != {"label", "per_step"} or not UNIT_RE.match(str(d.unit["label"]))
                                   or not np.isfinite(float(d.unit["per_step"]))):
            raise ValueError(f"direction {d.name!r}: unit {d.unit!r}, expected {{'label': 1-24 characters, 'per_step': a number}}")


def _write_unlocked(folder: str, directions: list[Direction], w_dim: int):
    entries = []
    for d in directions:
        e = {"name": d.name, "method": d.method, "sigma": float(d.sigma)}
        if d.explained is not None:
            e["explained"] = float(d.explained)
        if d.layers is not None:
            e["layers"] = [int(d.layers[0]), int(d.layers[1])]
        if d.tokens is not None:
            e["tokens"] = sorted(int(t) for t in d.tokens)
        if d.step is not None:
            e["step"] = float(d.step)
        if d.unit is not None:
            e["unit"] = {"label": str(d.unit["label"]), "per_step": float(d.unit["per_step"])}
        entries.append(e)
    vectors = np.stack([d.vector.astype(np.float32) for d in directions]) if directions else np.zeros((0, w_dim), np.float32)
    meta = {"format": FORMAT, "names": json.dumps([d.name for d in directions])}
    write_atomically(os.path.join(folder, "vectors.safetensors"), lambda p: save_file({"vectors": np.ascontiguousarray(vectors)}, p, metadata=meta))
    index = {"format": FORMAT, "format_version": FORMAT_VERSION, "directions": entries}
    write_text(os.path.join(folder, "index.json"), json.dumps(index, indent=2, sort_keys=True) + "\n")


def merge(folder: str, new: list[Direction], replace: Callable[[Direction], bool], w_dim: int) -> list[Direction]:
    """Removes the saved directions matching `replace` (and any named like one
    of `new`), inserts `new` where the first removed one stood (appended when
    none was), writes, and returns the result. Other directions keep their place.
    Read and write happen under the folder's lock, so no concurrent writer's
    change is lost."""
    validate(new, w_dim)
    with locked(folder):
        old = read(folder, w_dim) if os.path.exists(os.path.join(folder, "index.json")) else []
        merged = _merged(old, new, replace)
        _write_unlocked(folder, merged, w_dim)
    return merged


def _merged(old: list[Direction], new: list[Direction], replace: Callable[[Direction], bool]) -> list[Direction]:
    names = {d.name for d in new}
    gone = [replace(d) or d.name in names for d in old]
    at = next((sum(1 for g in gone[:i] if not g) for i, g in enumerate(gone) if g), None)
    kept = [d for d, g in zip(old, gone) if not g]
    at = len(kept) if at is None else at
    return kept[:at] + list(new) + kept[at:]
