// ModelInfo: the facts about the loaded model that the state machine reads:
// layer names, token and head counts, the directions on offer. Plain values, so
// the reducer stays pure and tests build one without loading weights.

import Engine

/// A direction as the directions panel lists it.
public struct DirectionInfo: Sendable, Equatable {
    public var name: String
    /// Standard deviation of w along the direction: one step of 1 moves 1 σ.
    public var sigma: Float
    /// How it was found ("pca", "sefa", "random", ...).
    public var method: String
    /// Explained variance share, when the method reports one.
    public var explained: Float?
    /// The layers the direction is meant for (nil = all).
    public var layers: ClosedRange<Int>?

    public init(name: String, sigma: Float, method: String, explained: Float? = nil, layers: ClosedRange<Int>? = nil) {
        self.name = name
        self.sigma = sigma
        self.method = method
        self.explained = explained
        self.layers = layers
    }
}

/// Coarse, middle and fine thirds of the layer list (StyleGAN's style-mixing groups).
public enum LayerPreset: String, Sendable, Equatable, CaseIterable, Codable {
    case coarse, middle, fine, all
}

/// What the explorer knows about the model.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    /// Output resolution in pixels per side.
    public var resolution: Int
    /// Synthesis layer names, in W+ order.
    public var layerNames: [String]
    /// Output resolution of each layer (its attention maps have this size).
    public var layerResolutions: [Int]
    public var tokens: Int
    public var heads: Int
    public var directions: [DirectionInfo]

    public init(name: String, resolution: Int, layerNames: [String], layerResolutions: [Int], tokens: Int, heads: Int,
                directions: [DirectionInfo]) {
        precondition(layerNames.count == layerResolutions.count, "ModelInfo: one resolution per layer")
        self.name = name
        self.resolution = resolution
        self.layerNames = layerNames
        self.layerResolutions = layerResolutions
        self.tokens = tokens
        self.heads = heads
        self.directions = directions
    }

    /// From a loaded model and its directions.
    public init(config: ModelConfig, directions: DirectionSet) {
        self.init(name: config.name, resolution: config.resolution, layerNames: config.layers.map(\.name),
                  layerResolutions: config.layers.map(\.res), tokens: config.tokens, heads: config.heads,
                  directions: directions.directions.map {
                      DirectionInfo(name: $0.name, sigma: $0.sigma, method: $0.method, explained: $0.explained, layers: $0.layers)
                  })
    }

    public var numLayers: Int { layerNames.count }

    /// The layers of a preset: the list cut in thirds, the first third rounded up
    /// (14 layers: 0-4, 5-9, 10-13; 8 layers: 0-2, 3-5, 6-7).
    public func layers(_ preset: LayerPreset) -> ClosedRange<Int> {
        let L = numLayers
        let a = (L + 2) / 3, b = (2 * L + 2) / 3
        switch preset {
        case .coarse: return 0...max(0, a - 1)
        case .middle: return min(a, L - 1)...max(min(a, L - 1), b - 1)
        case .fine: return min(b, L - 1)...(L - 1)
        case .all: return 0...(L - 1)
        }
    }

    /// The index of a layer given as a number or a name ("7", "b16.conv1").
    public func layerIndex(_ text: String) -> Int? {
        if let i = Int(text) { return (0..<numLayers).contains(i) ? i : nil }
        return layerNames.firstIndex(of: text)
    }

    /// The index of a direction given as a name or an index.
    public func directionIndex(_ text: String) -> Int? {
        if let i = directions.firstIndex(where: { $0.name == text }) { return i }
        if let i = Int(text), directions.indices.contains(i) { return i }
        return nil
    }
}

/// Slot letters: slot 0 is A.
public enum SlotName {
    /// At most this many pinned seeds (A-H).
    public static let maxSlots = 8

    public static func letter(_ slot: Int) -> String {
        String(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(slot))))
    }

    /// "A" or "a" -> 0 ... "H" -> 7; nil otherwise.
    public static func index(_ text: String) -> Int? {
        guard text.count == 1, let c = text.uppercased().unicodeScalars.first,
              c.value >= 65, c.value < 65 + UInt32(maxSlots) else { return nil }
        return Int(c.value - 65)
    }
}
