// ModelInfo: the facts about the loaded model that the state machine reads:
// layer names, token and head counts, the directions on offer. Plain values, so
// the reducer stays pure and tests build one without loading weights.

import Engine

/// A direction as the directions panel lists it.
struct DirectionInfo: Sendable, Equatable {
    var name: String
    /// Standard deviation along the direction of faces' token means: one step moves 1 σ unless `step` is set.
    var sigma: Float
    /// How it was found ("pca", "sefa", "attribute", "user", "random", ...).
    var method: DirectionMethod
    /// Explained variance share, when the method reports one.
    var explained: Float?
    /// The layers the direction is meant for (nil = all).
    var layers: ClosedRange<Int>?
    /// The style tokens the direction is meant for (nil = all).
    var tokens: [Int]?
    /// The direction's own step length in w, when it sets one (nil = σ).
    var step: Float?
    /// The measured change of the attribute per step, when known.
    var unit: DirectionUnit?

    init(name: String, sigma: Float, method: DirectionMethod, explained: Float? = nil, layers: ClosedRange<Int>? = nil,
                tokens: [Int]? = nil, step: Float? = nil, unit: DirectionUnit? = nil) {
        self.name = name
        self.sigma = sigma
        self.method = method
        self.explained = explained
        self.layers = layers
        self.tokens = tokens
        self.step = step
        self.unit = unit
    }

    /// Whether offsets along it count σ (the direction sets no step of its own).
    var stepsAreSigma: Bool { step == nil }

    /// An offset along this direction as the panel shows it: "+1.50σ" when a step is σ,
    /// "+1.50" when the direction has its own step length.
    func amountLabel(_ amount: Float) -> String {
        stepsAreSigma ? SigmaFormat.signed(amount) : SigmaFormat.signedSteps(amount)
    }

    /// What `amount` steps do to the attribute, by the measured unit: "≈ +9.6 years"; nil without a unit.
    func unitLabel(_ amount: Float) -> String? {
        unit.map { "≈ " + $0.change(amount) }
    }
}

/// The headings of the directions panel, in the order it lists them: named attributes
/// first (what most people look for), then the unsupervised methods, then the user's own.
enum DirectionGroup: String, Sendable, Equatable, CaseIterable {
    case named, pca, sefa, other, yours

    /// The group of a direction found by `method`.
    init(method: DirectionMethod) {
        switch method {
        case .attribute: self = .named
        case .pca: self = .pca
        case .sefa: self = .sefa
        case .user: self = .yours
        default: self = .other
        }
    }

    var title: String {
        switch self {
        case .named: "named"
        case .pca: "PCA"
        case .sefa: "SeFa"
        case .other: "other"
        case .yours: "yours"
        }
    }
}

/// Coarse, middle and fine thirds of the layer list (StyleGAN's style-mixing groups).
enum LayerPreset: String, Sendable, Equatable, CaseIterable, Codable {
    case coarse, middle, fine, all
}

/// What the explorer knows about the model.
public struct ModelInfo: Sendable, Equatable {
    var name: String
    /// Output resolution in pixels per side.
    var resolution: Int
    /// Synthesis layer names, in W+ order.
    var layerNames: [String]
    /// Output resolution of each layer (its attention maps have this size).
    var layerResolutions: [Int]
    var tokens: Int
    var heads: Int
    var directions: [DirectionInfo]

    init(name: String, resolution: Int, layerNames: [String], layerResolutions: [Int], tokens: Int, heads: Int,
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
                      DirectionInfo(name: $0.name, sigma: $0.sigma, method: $0.method, explained: $0.explained, layers: $0.layers,
                                    tokens: $0.tokens, step: $0.step, unit: $0.unit)
                  })
    }

    var numLayers: Int { layerNames.count }

    /// The layers of a preset: the list cut in thirds, the first third rounded up
    /// (14 layers: 0-4, 5-9, 10-13; 8 layers: 0-2, 3-5, 6-7).
    func layers(_ preset: LayerPreset) -> ClosedRange<Int> {
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
    func layerIndex(_ text: String) -> Int? {
        if let i = Int(text) { return (0..<numLayers).contains(i) ? i : nil }
        return layerNames.firstIndex(of: text)
    }

    /// The directions by panel heading, each group's indices in index order; empty groups are left out.
    /// Indices are never renumbered: `:dir 3` and `--direction 3` mean the same direction wherever it is listed.
    var directionGroups: [(group: DirectionGroup, indices: [Int])] {
        let groups = directions.map { DirectionGroup(method: $0.method) }
        return DirectionGroup.allCases.compactMap { g in
            let members = groups.indices.filter { groups[$0] == g }
            return members.isEmpty ? nil : (g, members)
        }
    }

    /// Direction indices in the order the panel lists them (↑↓ follow it).
    var panelOrder: [Int] { directionGroups.flatMap(\.indices) }

    /// The index of a direction given as a name or an index.
    func directionIndex(_ text: String) -> Int? {
        if let i = directions.firstIndex(where: { $0.name == text }) { return i }
        if let i = Int(text), directions.indices.contains(i) { return i }
        return nil
    }
}

/// Slot letters: slot 0 is A.
enum SlotName {
    /// At most this many pinned seeds (A-H).
    static let maxSlots = 8

    static func letter(_ slot: Int) -> String {
        String(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(slot))))
    }

    /// "A" or "a" -> 0 ... "H" -> 7; nil otherwise.
    static func index(_ text: String) -> Int? {
        guard text.count == 1, let c = text.uppercased().unicodeScalars.first,
              c.value >= 65, c.value < 65 + UInt32(maxSlots) else { return nil }
        return Int(c.value - 65)
    }
}
