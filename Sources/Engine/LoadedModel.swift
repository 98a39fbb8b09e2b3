// LoadedModel.swift: a model as found on disk: the folder it came from, its
// checked config and weights, and where its directions and classifier live.
// Nothing here runs the network: PreparedModel is the form the forward pass
// reads, and a Generator runs it.

import Foundation

/// A model folder, loaded and checked (docs/model-format.md).
public struct LoadedModel: Sendable {
    /// The folder it was loaded from ("" for weights made in memory).
    public let directory: String
    public let weights: GeneratorWeights
    public var config: ModelConfig { weights.config }

    /// Loads `dir/config.json` and `dir/generator.safetensors`.
    public init(directory dir: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.missingFile(dir)
        }
        let config = try ModelConfig.load(path: (dir as NSString).appendingPathComponent("config.json"))
        let weights = try GeneratorWeights(config: config, path: (dir as NSString).appendingPathComponent("generator.safetensors"))
        self.init(weights: weights, directory: dir)
    }

    public init(weights: GeneratorWeights, directory: String = "") {
        self.weights = weights
        self.directory = directory
    }

    /// The directions shipped with the model: MODEL/directions.
    public var directionsFolder: String { DirectionStore.folder(model: directory) }

    /// The user's own directions for this model (DirectionStore.userFolder).
    public func userDirectionsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        DirectionStore.userFolder(modelName: config.name, environment: environment)
    }

    /// The attribute classifier exported with the model, nil when it has none; a broken one
    /// is an error naming the file.
    public func attributeClassifier() throws -> AttributeClassifier? {
        try AttributeClassifier.load(modelDirectory: directory, resolution: config.resolution)
    }
}
