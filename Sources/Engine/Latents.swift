// Latents.swift: the latent spaces a user addresses.
//   z      tokens x zDim per image (from a seed, SeedRandom)
//   w      tokens x wDim per image (mapping output): one "token set"
//   W+     layers x tokens x wDim: a token set per synthesis layer, the unit
//          of per-layer and per-token style mixing.

/// A token set: tokens x wDim, token-major.
public struct WTokens: Sendable, Equatable {
    public var values: [Float]
    public let tokens: Int
    public let wDim: Int

    public init(values: [Float], tokens: Int, wDim: Int) {
        precondition(values.count == tokens * wDim, "WTokens: \(values.count) values for \(tokens)x\(wDim)")
        self.values = values
        self.tokens = tokens
        self.wDim = wDim
    }

    /// Token `t` as a slice of wDim values.
    public func token(_ t: Int) -> ArraySlice<Float> { values[t * wDim ..< (t + 1) * wDim] }
}

/// W+: one token set per synthesis layer.
public struct WPlus: Sendable, Equatable {
    public var values: [Float]      // [layers][tokens][wDim]
    public let layers: Int
    public let tokens: Int
    public let wDim: Int

    public init(values: [Float], layers: Int, tokens: Int, wDim: Int) {
        precondition(values.count == layers * tokens * wDim, "WPlus: \(values.count) values for \(layers)x\(tokens)x\(wDim)")
        self.values = values
        self.layers = layers
        self.tokens = tokens
        self.wDim = wDim
    }

    /// The same token set at every layer.
    public init(broadcasting w: WTokens, layers: Int) {
        var v: [Float] = []
        v.reserveCapacity(layers * w.values.count)
        for _ in 0..<layers { v += w.values }
        self.init(values: v, layers: layers, tokens: w.tokens, wDim: w.wDim)
    }

    @inline(__always) func offset(_ layer: Int, _ token: Int) -> Int { (layer * tokens + token) * wDim }

    /// Copies layer `layer` (all tokens) from `other`.
    public mutating func setLayer(_ layer: Int, from other: WPlus) {
        let a = offset(layer, 0), b = a + tokens * wDim
        values.replaceSubrange(a..<b, with: other.values[a..<b])
    }

    /// Copies token `token` of layer `layer` from `other`.
    public mutating func setToken(_ token: Int, layer: Int, from other: WPlus) {
        let a = offset(layer, token), b = a + wDim
        values.replaceSubrange(a..<b, with: other.values[a..<b])
    }

    /// Adds `amount * direction` (wDim values) to every token of the given layers.
    public mutating func add(_ direction: [Float], amount: Float, layers range: ClosedRange<Int>) {
        precondition(direction.count == wDim)
        for l in range.clamped(to: 0...(layers - 1)) {
            for t in 0..<tokens {
                let o = offset(l, t)
                for i in 0..<wDim { values[o + i] += amount * direction[i] }
            }
        }
    }
}

/// Where a layer's per-pixel noise comes from.
public enum NoiseMode: Sendable, Equatable, Codable {
    /// Drawn from the seed's noise stream (SeedRandom): the same seed, the same noise.
    case seeded(UInt64)
    /// The fixed noise exported with the model.
    case const
    /// No noise.
    case off
}
