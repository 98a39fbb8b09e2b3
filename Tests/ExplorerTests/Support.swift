// Support.swift: the tiny test model, a model description without weights, and
// small helpers shared by the explorer tests.

import Engine
import Foundation
import Imaging
import Terminal
@testable import Explorer

enum Fixture {
    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// 16x16 images, 8 layers, 4 tokens, 2 heads.
    static var tinyModel: String { repoRoot + "/Tests/EngineTests/Fixtures/tiny-model" }

    static func generator() throws -> Generator { try Generator(modelDirectory: tinyModel) }

    /// The tiny model with four named directions (no vectors needed by the state machine).
    static let model = ModelInfo(
        name: "tiny", resolution: 16,
        layerNames: ["b4.conv1", "b4.torgb", "b8.conv0", "b8.conv1", "b8.torgb", "b16.conv0", "b16.conv1", "b16.torgb"],
        layerResolutions: [4, 4, 8, 8, 8, 16, 16, 16], tokens: 4, heads: 2,
        directions: [
            DirectionInfo(name: "pose", sigma: 1.5, method: "pca", explained: 0.2, layers: 0...2),
            DirectionInfo(name: "light", sigma: 0.8, method: "pca", explained: 0.1),
            DirectionInfo(name: "age", sigma: 0.5, method: "sefa"),
            DirectionInfo(name: "random3", sigma: 0.3, method: "random"),
        ])

    /// Directions with vectors for the tiny model (for rendering).
    static func directions(_ G: Generator) -> DirectionSet {
        let vs = DirectionMath.randomUnitVectors(count: 4, wDim: G.config.wDim, seed: 7)
        return DirectionSet(zip(model.directions, vs).map { info, v in
            Direction(name: info.name, vector: v, sigma: info.sigma, method: info.method, explained: info.explained, layers: info.layers)
        })
    }

    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "latentscope-explorer-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}

/// Runs keys through the key map and the reducer, as the app does.
func press(_ keys: [Key], _ state: ExplorerState, model: ModelInfo = Fixture.model) -> (ExplorerState, [Effect]) {
    var s = state
    var effects: [Effect] = []
    for k in keys {
        if let a = KeyMap.action(for: k, in: s) { effects += Reducer.reduce(&s, a, model: model) }
    }
    return (s, effects)
}

/// Keys for each character of a string (typing).
func typed(_ text: String) -> [Key] { text.map { Key.char($0) } }

func run(_ actions: [Action], _ state: ExplorerState, model: ModelInfo = Fixture.model) -> ExplorerState {
    var s = state
    for a in actions { Reducer.reduce(&s, a, model: model) }
    return s
}
