// Recipe.swift: a complete, serialisable description of one image in latent
// space (seed, truncation, noise, direction offsets, per-layer and per-token
// style mixing), and how it becomes a W+ latent. The CLI, the explorer, its
// undo history and saved sessions all speak in recipes.

/// An offset along a named direction, in steps of that direction (one step is σ
/// unless the direction sets its own step length).
public struct DirectionOffset: Codable, Sendable, Equatable {
    public var direction: String
    public var amount: Float
    /// Layers the edit touches (GANSpace's E(component, start-end)); nil = all.
    public var layers: ClosedRange<Int>?
    /// Tokens the edit touches; nil = all.
    public var tokens: [Int]?

    public init(direction: String, amount: Float, layers: ClosedRange<Int>? = nil, tokens: [Int]? = nil) {
        self.direction = direction
        self.amount = amount
        self.layers = layers
        self.tokens = tokens
    }
}

/// Where a layer's noise comes from, as the user sees it.
public enum NoiseChoice: String, Codable, Sendable, CaseIterable {
    /// From the recipe's noise seed (by default its own seed).
    case seeded
    /// The model's fixed noise.
    case const
    /// No noise.
    case off
}

/// One image in latent space.
public struct Recipe: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var psi: Float = 1
    /// Layers at or above this index are not truncated (StyleGAN's cutoff); nil = all truncated.
    public var truncationCutoff: Int?
    public var noise: NoiseChoice = .seeded
    /// Seed of the noise stream when `noise == .seeded`; nil = `seed`.
    public var noiseSeed: UInt64?
    public var offsets: [DirectionOffset] = []
    /// Pinned seeds that layers or tokens may take their styles from (slots A, B, ...).
    public var slots: [UInt64] = []
    /// Per layer: index into `slots`, or nil for the recipe's own seed.
    public var layerSources: [Int?] = []
    /// Per token: index into `slots` (that token, every layer), or nil.
    public var tokenSources: [Int?] = []

    public init(seed: UInt64, psi: Float = 1) {
        self.seed = seed
        self.psi = psi
    }

    /// The bounds of a recipe and of the explorer's edits, wherever a value comes from (a flag,
    /// a key, a command, a session file): the CLI, the explorer, sessions and sheets all read
    /// them here.
    public enum Limits {
        /// Truncation ψ. Beyond ±2 faces dissolve; 1 is no truncation, 0 the average face.
        public static let psi: ClosedRange<Float> = -2...2
        /// The largest offset, in steps, along one direction (GANSpace's sliders stop at ±10 σ;
        /// twice that leaves room). Larger amounts, from a session file or a walk, are clamped.
        public static let offset: Float = 20
        /// The explorer's step size, in steps of a direction.
        public static let stepSize: ClosedRange<Float> = 0.05...5
        /// The amplitude of the explorer's bounce animation: above 0, at most `offset`.
        public static let bounceAmplitude: ClosedRange<Float> = Float.leastNonzeroMagnitude...offset

        /// Why `psi` is not a valid ψ (NaN, infinite or out of range), or nil.
        public static func psiProblem(_ psi: Float) -> String? {
            psi.isFinite && Limits.psi.contains(psi) ? nil
                : "must be between \(Int(Limits.psi.lowerBound)) and \(Int(Limits.psi.upperBound)), not \(psi)"
        }

        /// Why `amplitude` is not a valid bounce amplitude, or nil.
        public static func bounceAmplitudeProblem(_ amplitude: Float) -> String? {
            amplitude.isFinite && bounceAmplitude.contains(amplitude) ? nil : "amplitude must be in (0, \(Int(offset))] σ"
        }
    }

    /// The largest offset along one direction (`Limits.offset`).
    public static var maxOffset: Float { Limits.offset }

    /// `amount` within ±maxOffset; NaN (never a meaningful offset) becomes 0.
    public static func clampedOffset(_ amount: Float) -> Float {
        amount.isNaN ? 0 : min(max(amount, -maxOffset), maxOffset)
    }

    /// Why this recipe cannot be rendered by a model with `layers` layers, or nil when it can.
    /// A cutoff at or beyond the last layer truncates every layer, like no cutoff.
    public static func cutoffProblem(_ cutoff: Int?, layers: Int) -> String? {
        guard let cutoff else { return nil }
        if cutoff < 0 || cutoff >= layers {
            return "cutoff \(cutoff) is outside the model's layers 0-\(layers - 1)"
        }
        return nil
    }

    /// The noise mode for the engine.
    public var noiseMode: NoiseMode {
        switch noise {
        case .seeded: .seeded(noiseSeed ?? seed)
        case .const: .const
        case .off: .off
        }
    }
}

/// Named directions in w space (wDim each), with their step lengths.
public protocol DirectionLookup {
    /// The unit vector of a direction and the length in w of one step along it
    /// (σ unless the direction sets its own step), or nil if unknown.
    func direction(named: String) -> (vector: [Float], step: Float)?
}

public enum RecipeError: Error, CustomStringConvertible, Equatable {
    case unknownDirection(String)
    case badSlot(Int, Int)
    case badLayer(Int, Int)
    case badToken(Int, Int)

    public var description: String {
        switch self {
        case .unknownDirection(let d): "unknown direction '\(d)'"
        case .badSlot(let s, let n): "slot \(s) does not exist (\(n) pinned)"
        case .badLayer(let l, let n): "layer \(l) is out of range 0...\(n - 1)"
        case .badToken(let t, let n): "token \(t) is out of range 0...\(n - 1)"
        }
    }
}

extension Generator {
    /// W+ of a seed with truncation (and its optional layer cutoff).
    public func wPlus(seed: UInt64, psi: Float, cutoff: Int?) -> WPlus {
        let raw = w(seed: seed)
        var truncated = raw
        if psi != 1 { truncate(&truncated, psi: psi) }
        var out = WPlus(broadcasting: truncated, layers: config.numLayers)
        // Clamped so a cutoff from a file or an older session never makes an empty or reversed range;
        // one beyond the last layer leaves every layer truncated.
        if let cutoff, psi != 1, cutoff < config.numLayers {
            let full = WPlus(broadcasting: raw, layers: config.numLayers)
            for l in max(cutoff, 0)..<config.numLayers { out.setLayer(l, from: full) }
        }
        return out
    }

    /// The W+ latent of a recipe: own seed, then pinned slots per layer and per
    /// token, then direction offsets.
    public func wPlus(_ r: Recipe, directions: DirectionLookup?) throws -> WPlus {
        let L = config.numLayers, T = config.tokens
        var ws = wPlus(seed: r.seed, psi: r.psi, cutoff: r.truncationCutoff)
        var slotW: [Int: WPlus] = [:]
        func slot(_ k: Int) throws -> WPlus {
            guard k >= 0 && k < r.slots.count else { throw RecipeError.badSlot(k, r.slots.count) }
            if let s = slotW[k] { return s }
            let s = wPlus(seed: r.slots[k], psi: r.psi, cutoff: r.truncationCutoff)
            slotW[k] = s
            return s
        }
        guard r.layerSources.count <= L else { throw RecipeError.badLayer(r.layerSources.count - 1, L) }
        for (l, src) in r.layerSources.enumerated() {
            if let k = src { ws.setLayer(l, from: try slot(k)) }
        }
        guard r.tokenSources.count <= T else { throw RecipeError.badToken(r.tokenSources.count - 1, T) }
        for (t, src) in r.tokenSources.enumerated() {
            if let k = src {
                let s = try slot(k)
                for l in 0..<L { ws.setToken(t, layer: l, from: s) }
            }
        }
        for o in r.offsets where Recipe.clampedOffset(o.amount) != 0 {
            let amount = Recipe.clampedOffset(o.amount)
            guard let d = directions?.direction(named: o.direction) else { throw RecipeError.unknownDirection(o.direction) }
            let layers = o.layers ?? 0...(L - 1)
            guard layers.lowerBound >= 0, layers.upperBound < L else { throw RecipeError.badLayer(layers.upperBound, L) }
            if let toks = o.tokens {
                for t in toks {
                    guard t >= 0 && t < T else { throw RecipeError.badToken(t, T) }
                    for l in layers {
                        let base = (l * T + t) * config.wDim
                        for i in 0..<config.wDim { ws.values[base + i] += amount * d.step * d.vector[i] }
                    }
                }
            } else {
                ws.add(d.vector, amount: amount * d.step, layers: layers)
            }
        }
        return ws
    }

    /// Renders recipes in one batch.
    public func render(_ recipes: [Recipe], directions: DirectionLookup?, attentionLayers: Set<Int> = []) throws -> SynthesisOutput {
        let ws = try recipes.map { try wPlus($0, directions: directions) }
        return synthesize(ws, noise: recipes.map(\.noiseMode), attentionLayers: attentionLayers)
    }
}
