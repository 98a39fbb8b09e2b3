// SplitMix: a tiny seeded generator (SplitMix64) kept inside the explorer state,
// so "random seed" and random walks are reproducible in tests and the reducer
// stays a pure function.

import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit word of state.
public struct SplitMix: Equatable, Sendable, RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Float in [0, 1).
    public mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// A standard normal sample (Box-Muller; the second value is discarded for simplicity).
    public mutating func normal() -> Float {
        let u1 = max(unit(), 1e-7), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }
}
