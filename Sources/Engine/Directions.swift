// Directions.swift: directions in w space that users walk along. A direction is
// a unit vector of wDim values plus σ, the standard deviation of sampled w along
// it, so edits read in σ units whatever the method that found it.

import Foundation

/// A direction in w space.
public struct Direction: Sendable, Equatable, Codable {
    public var name: String
    /// Unit vector, wDim values.
    public var vector: [Float]
    /// Standard deviation of the model's w along `vector`.
    public var sigma: Float
    /// How it was found: "pca", "sefa", "attribute", "random", "user".
    public var method: String
    /// Share of the variance of w it explains (PCA) or its eigenvalue share (SeFa).
    public var explained: Float?
    /// Layers the edit is meant for (nil = all).
    public var layers: ClosedRange<Int>?

    public init(name: String, vector: [Float], sigma: Float, method: String, explained: Float? = nil, layers: ClosedRange<Int>? = nil) {
        self.name = name
        self.vector = vector
        self.sigma = sigma
        self.method = method
        self.explained = explained
        self.layers = layers
    }
}

/// An ordered, named collection of directions.
public struct DirectionSet: Sendable, DirectionLookup {
    public var directions: [Direction]

    public init(_ directions: [Direction]) { self.directions = directions }

    /// By name, or by index ("3" is the fourth direction).
    public func find(_ key: String) -> Direction? {
        if let d = directions.first(where: { $0.name == key }) { return d }
        if let i = Int(key), directions.indices.contains(i) { return directions[i] }
        return nil
    }

    public func direction(named key: String) -> (vector: [Float], sigma: Float)? {
        find(key).map { ($0.vector, $0.sigma) }
    }

    public var names: [String] { directions.map(\.name) }
}

public enum DirectionMath {
    /// Token sets of `count` consecutive seeds from `firstSeed`, un-truncated,
    /// as rows of wDim: [count*tokens][wDim].
    public static func sampleW(_ G: Generator, count: Int, firstSeed: UInt64 = 1 << 40) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(count * G.config.tokens * G.config.w_dim)
        for i in 0..<count { out += G.w(seed: firstSeed &+ UInt64(i)).values }
        return out
    }

    /// σ of the samples (rows of wDim) projected on each unit vector.
    public static func sigmas(of vectors: [[Float]], samples: [Float], wDim: Int) -> [Float] {
        let n = samples.count / wDim
        return vectors.map { v in
            var s = 0.0, ss = 0.0
            for r in 0..<n {
                var p: Float = 0
                for i in 0..<wDim { p += samples[r * wDim + i] * v[i] }
                s += Double(p); ss += Double(p) * Double(p)
            }
            let mean = s / Double(n)
            return Float((max(ss / Double(n) - mean * mean, 0)).squareRoot())
        }
    }

    /// Unit vectors drawn from a seed (isotropic): the baseline every other method must beat.
    public static func randomUnitVectors(count: Int, wDim: Int, seed: UInt64) -> [[Float]] {
        var rng = SeedRandom(seed: seed, stream: .z)
        return (0..<count).map { _ in normalized(rng.normals(wDim)) }
    }

    public static func normalized(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }

    /// Random directions with measured σ (used when a model ships no directions).
    public static func randomDirections(_ G: Generator, count: Int = 16, samples: Int = 2000) -> DirectionSet {
        let w = sampleW(G, count: samples)
        let vs = randomUnitVectors(count: count, wDim: G.config.w_dim, seed: 0x5EED)
        let sig = sigmas(of: vs, samples: w, wDim: G.config.w_dim)
        return DirectionSet(zip(vs, sig).enumerated().map { Direction(name: "random\($0.offset)", vector: $0.element.0, sigma: $0.element.1, method: "random") })
    }
}
