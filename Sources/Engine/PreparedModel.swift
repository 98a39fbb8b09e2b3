// PreparedModel.swift: the weights in the form the forward pass reads, made once
// per model and never changed after: every layer's PreparedLayer (folded logits,
// copied buffers) and the fixed noise. Being immutable it is shared by every
// Generator of a process, on any thread; a Generator adds only its own
// workspace and workers.

/// A model ready to run: immutable, shared by every Generator over it.
public final class PreparedModel: Sendable {
    public let weights: GeneratorWeights
    public var config: ModelConfig { weights.config }
    /// Per layer, in execution order.
    let layers: [PreparedLayer]
    /// The model's fixed noise per layer (nil for layers without noise), and none at all.
    let constNoise: [[Float]?]
    let noNoise: [[Float]?]

    public init(_ weights: GeneratorWeights) {
        self.weights = weights
        layers = weights.layers.map { PreparedLayer($0, config: weights.config) }
        constNoise = weights.layers.map(\.noiseConst)
        noNoise = weights.layers.map { _ in nil }
    }

    public convenience init(_ model: LoadedModel) { self.init(model.weights) }
}
