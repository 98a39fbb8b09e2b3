"""NumPy reference for the Swift engine's SeFa (Sources/Engine/SeFa.swift).

    python -m latentscope_train.sefa_reference --model ../Tests/EngineTests/Fixtures/tiny-model \
        --out ../Tests/EngineTests/Fixtures/sefa-reference.json

Follows genforce/sefa's `factorize_weight` step by step: per layer, the style
affine transposed ([w_dim, C], one column per output channel), the layers
concatenated along the channels, every column scaled to unit L2 norm, then the
eigen-decomposition of W Wᵀ ([w_dim, w_dim]). Two deliberate differences from
the reference, both also in the engine: a symmetric solver (np.linalg.eigh
instead of np.linalg.eig, whose complex round-off and order are arbitrary), and
eigenvalues sorted descending. Eigenvector signs are arbitrary; the test
compares up to sign.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
from safetensors.numpy import load_file

FORMAT = "latentscope-sefa-reference"
FORMAT_VERSION = 1


def layer_sets(config: dict) -> dict[str, list[int]]:
    """The selections the fixture covers: all layers, StyleGAN's coarse (4², 8²)
    and middle (16², 32²) sets when the model has them, and a plain range."""
    res = [s["res"] for s in config["layers"]]
    sets = {"all": list(range(len(res)))}
    for name, ok in (("coarse", lambda r: r <= 8), ("middle", lambda r: 16 <= r <= 32), ("fine", lambda r: r >= 64)):
        idx = [i for i, r in enumerate(res) if ok(r)]
        if idx:
            sets[name] = idx
    if len(res) > 5:
        sets["2-5"] = [2, 3, 4, 5]
    return sets


def factorize(tensors: dict[str, np.ndarray], config: dict, layers: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues descending [w_dim], eigenvectors as rows [w_dim, w_dim])."""
    weights = []
    for idx in layers:
        name = config["layers"][idx]["name"]
        weights.append(tensors[f"synthesis.{name}.value.weight"].astype(np.float64).T)  # [w_dim, Cin]
    weight = np.concatenate(weights, axis=1)
    weight = weight / np.linalg.norm(weight, axis=0, keepdims=True)
    values, vectors = np.linalg.eigh(weight.dot(weight.T))
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order].T


def reference(model_dir: str) -> dict:
    config = json.load(open(os.path.join(model_dir, "config.json")))
    tensors = load_file(os.path.join(model_dir, "generator.safetensors"))
    out = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": config["name"], "w_dim": config["w_dim"], "sets": {}}
    for name, layers in layer_sets(config).items():
        values, vectors = factorize(tensors, config, layers)
        out["sets"][name] = {"layers": [layers[0], layers[-1]], "eigenvalues": values.tolist(), "eigenvectors": vectors.tolist()}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model folder (config.json + generator.safetensors)")
    p.add_argument("--out", required=True, help="JSON file to write")
    args = p.parse_args(argv)
    ref = reference(args.model)
    with open(args.out, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: sets {', '.join(ref['sets'])}")


if __name__ == "__main__":
    main()
