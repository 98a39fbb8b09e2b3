"""The seed -> latent mapping shared with the Swift engine (Sources/Engine/SeedRandom.swift).

`--seed 42` must be the same face on every machine and every version, so seeds do
not go through torch's or numpy's generators (whose streams may change). Instead:

  state  = seed XOR (stream * 0xD1B54A32D192ED03)            (64-bit)
  next() = SplitMix64(state)                                  (Steele, Lea, Flood 2014)
  u      = (next() >> 11) * 2^-53                             uniform in [0, 1)
  normals come in pairs by Box-Muller, computed in float64:
     r = sqrt(-2 ln(1 - u1)),  (r cos(2 pi u2), r sin(2 pi u2)),  then rounded to float32.

Streams: 0 = z (tokens x z_dim, token-major); 1 = per-pixel noise of the noise
layers in layer order (res x res each, row-major).
"""
from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
STREAM_MUL = 0xD1B54A32D192ED03
STREAM_Z, STREAM_NOISE = 0, 1
MIX1, MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's multipliers

# Seed ranges with a meaning, far from the seeds users type.
SIGMA_FIRST_SEED = 1 << 40      # samples for directions' σ and PCA (the engine's WSampler.defaultFirstSeed)
LABEL_FIRST_SEED = 1 << 41      # samples labelled by the attribute classifiers


class SeedRandom:
    def __init__(self, seed: int, stream: int = STREAM_Z):
        if seed < 0 or seed > MASK:
            raise ValueError(f"seed {seed} is outside 0...2^64-1")
        self.state = (seed ^ ((stream * STREAM_MUL) & MASK)) & MASK

    def next_u64(self) -> int:
        self.state = (self.state + GOLDEN) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * MIX1) & MASK
        z = ((z ^ (z >> 27)) * MIX2) & MASK
        return z ^ (z >> 31)

    def uniform(self) -> float:
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))

    def normals(self, n: int) -> np.ndarray:
        out = np.empty(n + (n & 1), dtype=np.float64)
        for i in range(0, len(out), 2):
            u1, u2 = self.uniform(), self.uniform()
            r = math.sqrt(-2.0 * math.log(1.0 - u1))
            out[i] = r * math.cos(2.0 * math.pi * u2)
            out[i + 1] = r * math.sin(2.0 * math.pi * u2)
        return out[:n].astype(np.float32)


def seed_z(seed: int, tokens: int, z_dim: int) -> np.ndarray:
    """z for a seed: float32 [tokens, z_dim]."""
    return SeedRandom(seed, STREAM_Z).normals(tokens * z_dim).reshape(tokens, z_dim)


def seed_noise(seed: int, layer_specs: list) -> list[np.ndarray | None]:
    """Per-layer noise for a seed (layer_specs: GeneratorConfig.layer_specs()): [res, res] for
    layers with noise, None otherwise."""
    rng = SeedRandom(seed, STREAM_NOISE)
    return [rng.normals(s.res ** 2).reshape(s.res, s.res) if s.noise else None for s in layer_specs]


def seed_z_batch(seeds: np.ndarray, tokens: int, z_dim: int) -> np.ndarray:
    """seed_z for many seeds at once: float32 [len(seeds), tokens, z_dim].
    SplitMix64 runs across seeds in numpy uint64 (arithmetic wraps mod 2^64, as
    in the reference); Box-Muller in float64, rounded to float32."""
    n = tokens * z_dim
    state = np.asarray(seeds, dtype=np.uint64) ^ np.uint64((STREAM_Z * STREAM_MUL) & MASK)
    out = np.empty((len(state), n + (n & 1)), dtype=np.float64)
    golden = np.uint64(GOLDEN)
    m1, m2 = np.uint64(MIX1), np.uint64(MIX2)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)

    def uniform():
        nonlocal state
        state = state + golden
        z = state
        z = (z ^ (z >> s30)) * m1
        z = (z ^ (z >> s27)) * m2
        z = z ^ (z >> s31)
        return (z >> s11).astype(np.float64) * (1.0 / (1 << 53))

    with np.errstate(over="ignore"):
        for i in range(0, out.shape[1], 2):
            u1, u2 = uniform(), uniform()
            r = np.sqrt(-2.0 * np.log(1.0 - u1))
            out[:, i] = r * np.cos(2.0 * np.pi * u2)
            out[:, i + 1] = r * np.sin(2.0 * np.pi * u2)
    return out[:, :n].astype(np.float32).reshape(len(state), tokens, z_dim)
