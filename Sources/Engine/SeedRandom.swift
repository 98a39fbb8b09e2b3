// SeedRandom.swift: the documented, platform-independent map from a seed to z
// and to noise, shared bit for bit with training/latentscope_train/rng.py, so
// `--seed 42` is the same face on every machine and every version.
//
//   state  = seed XOR (stream * 0xD1B54A32D192ED03)
//   next() = SplitMix64 (Steele, Lea & Flood 2014)
//   u      = (next() >> 11) * 2^-53                  uniform in [0, 1)
//   pairs of normals by Box-Muller in Double: r = sqrt(-2 ln(1 - u1)),
//   (r cos 2πu2, r sin 2πu2), then rounded to Float.
//
// Streams: 0 = z (tokens x zDim, token-major), 1 = noise of the noise layers in
// layer order (res x res each, row-major), 2 = the explorer's random choices.

import Foundation

/// SplitMix64 with a stream selector.
public struct SeedRandom: Sendable, Equatable, RandomNumberGenerator {
    /// z and noise are the documented streams; `choices` serves the explorer's own
    /// random picks (new seeds, random walks), so they never alias a latent.
    public enum Stream: UInt64, Sendable { case z = 0, noise = 1, choices = 2 }

    private var state: UInt64

    public init(seed: UInt64, stream: Stream) {
        state = seed ^ (stream.rawValue &* 0xD1B5_4A32_D192_ED03)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// One standard normal (the pair's second value is not kept).
    public mutating func normal() -> Float {
        let u1 = uniform(), u2 = uniform()
        return Float((-2.0 * Foundation.log(1.0 - u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2))
    }

    /// `count` standard normals.
    public mutating func normals(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count + (count & 1))
        var i = 0
        while i < out.count {
            let u1 = uniform(), u2 = uniform()
            let r = (-2.0 * Foundation.log(1.0 - u1)).squareRoot()
            out[i] = Float(r * Foundation.cos(2.0 * Double.pi * u2))
            out[i + 1] = Float(r * Foundation.sin(2.0 * Double.pi * u2))
            i += 2
        }
        out.removeLast(out.count - count)
        return out
    }

    /// z for a seed: tokens x zDim, token-major.
    public static func z(seed: UInt64, tokens: Int, zDim: Int) -> [Float] {
        var r = SeedRandom(seed: seed, stream: .z)
        return r.normals(tokens * zDim)
    }

    /// Noise for a seed: one [res*res] array per layer with noise, nil for the others.
    public static func noise(seed: UInt64, layers: [LayerSpec]) -> [[Float]?] {
        var r = SeedRandom(seed: seed, stream: .noise)
        return layers.map { $0.noise ? r.normals($0.pixels) : nil }
    }
}
