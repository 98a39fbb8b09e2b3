// LayerParityTests.swift: the engine against model.py layer by layer and step by step,
// from the traces fixtures.py writes into the golden files (`trace_seeds`, and
// `trace.LAYER.STEP` [seeds, ...] for the steps of Generator.trace, LayerStep). A
// mismatch names where it starts: the first layer in execution order, and the first of
// its steps, that differs from PyTorch beyond tolerance. Everything compared comes from
// the fixture files, so a re-exported model only needs its fixture regenerated.

import Foundation
import Testing
@testable import Engine

/// Where an engine trace first leaves the reference.
struct TraceMismatch: CustomStringConvertible {
    let seed: UInt64
    let layer: String
    let index: Int
    let step: LayerStep
    let error: Float
    let tolerance: Float

    var description: String {
        "seed \(seed): the first difference is at layer \(index) (\(layer)), step '\(step.rawValue)': "
            + "max abs error \(error), tolerance \(tolerance)"
    }
}

/// Runs the engine on every traced seed of `golden` (its w, seeded noise) and compares, layer
/// by layer in execution order and step by step, every step the golden file holds. Returns
/// the first mismatch (nil when none) and how many tensors were compared. The tolerance of
/// a step is `tolerance` · max(1, max |reference|): activations and logits are not bounded
/// by 1 the way the image is.
func firstTraceMismatch(_ G: Generator, golden: Golden, tolerance: Float = 1e-3) throws -> (TraceMismatch?, compared: Int) {
    let c = G.config
    let traced = try golden.file.int64s("trace_seeds").map { UInt64($0) }
    let ws = try golden.per("w")
    var compared = 0
    for (n, seed) in traced.enumerated() {
        let i = try #require(golden.seeds.firstIndex(of: seed), "traced seed \(seed) is not one of the fixture's seeds")
        let w = WPlus(broadcasting: WTokens(values: ws[i], tokens: c.tokens, wDim: c.wDim), layers: c.numLayers)
        var steps: [Int: [LayerStep: [Float]]] = [:]
        _ = G.trace(w, noise: .seeded(seed)) { layer, step, values in steps[layer, default: [:]][step] = Array(values) }
        for (li, spec) in c.layers.enumerated() {
            #expect(golden.file.tensors["trace.\(spec.name).output"] != nil, "the fixture has no output of layer \(spec.name); regenerate it")
            for step in LayerStep.allCases {
                let key = "trace.\(spec.name).\(step.rawValue)"
                guard golden.file.tensors[key] != nil else { continue }
                let reference = rows(try golden.file.floats(key), traced.count)[n]
                let engine = try #require(steps[li]?[step], "the engine traced no '\(step.rawValue)' for layer \(spec.name)")
                let error = maxAbsDiff(engine, reference)
                let scale = max(1, reference.reduce(0) { max($0, abs($1)) })
                compared += 1
                if !(error <= tolerance * scale) {
                    return (TraceMismatch(seed: seed, layer: spec.name, index: li, step: step, error: error, tolerance: tolerance * scale), compared)
                }
            }
        }
    }
    return (nil, compared)
}

/// Multiplies every element of one tensor of the model in `dir` by `factor`, in place.
func scaleTensor(_ dir: String, _ name: String, by factor: Float) throws {
    let info = try #require(try SafeTensorsFile(path: weightsPath(dir)).tensors[name])
    var data = try Data(contentsOf: URL(fileURLWithPath: weightsPath(dir)))
    let start = 8 + Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) + info.range.lowerBound
    data.withUnsafeMutableBytes { raw in
        for k in 0..<info.count {
            let at = start + 4 * k
            let x = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            raw.storeBytes(of: (x * factor).bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
        }
    }
    try data.write(to: URL(fileURLWithPath: weightsPath(dir)))
}

@Suite struct LayerParityTests {
    @Test func tinyModelMatchesPyTorchAtEveryStepOfEveryLayer() throws {
        let golden = try Golden(Fixtures.path("tiny-golden.safetensors"))
        let (mismatch, compared) = try firstTraceMismatch(try Fixtures.tinyGenerator(), golden: golden)
        #expect(compared > 0, "the fixture holds no trace")
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    @Test func blurredTinyModelMatchesPyTorchAtEveryStepOfEveryLayer() throws {
        let golden = try Golden(Fixtures.path("tiny-blur-golden.safetensors"))
        let (mismatch, compared) = try firstTraceMismatch(try Generator(modelDirectory: Fixtures.path("tiny-blur-model")), golden: golden)
        #expect(compared > 0, "the fixture holds no trace")
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }

    /// A change to one layer's weights is reported at that layer and at the first step it
    /// changes, so a failing comparison says where to look.
    @Test(arguments: [("b8.conv1", "conv.weight", LayerStep.conv), ("b16.conv0", "value.weight", .values),
                      ("b4.torgb", "query.weight", .logits), ("b16.torgb", "bias", .output)])
    func aChangedLayerIsNamed(layer: String, tensor: String, step: LayerStep) throws {
        let dir = try tinyCopy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try scaleTensor(dir, "synthesis.\(layer).\(tensor)", by: 1.05)
        let (mismatch, _) = try firstTraceMismatch(try Generator(modelDirectory: dir), golden: try Golden(Fixtures.path("tiny-golden.safetensors")))
        #expect(mismatch?.layer == layer && mismatch?.step == step, "\(mismatch.map(String.init(describing:)) ?? "no mismatch")")
    }
}

@Suite struct ShippedModelLayerParityTests {
    /// The bundled model against PyTorch at every layer's output, for the traced seed.
    @Test func shippedModelMatchesPyTorchAtEveryLayer() throws {
        let golden = try Golden(Fixtures.path("shipped-golden.safetensors"))
        let dir = Fixtures.repoRoot + "/assets/models/" + (golden.file.metadata["model"] ?? "utkface64")
        let (mismatch, compared) = try firstTraceMismatch(try Generator(modelDirectory: dir), golden: golden)
        #expect(compared > 0, "the fixture holds no trace")
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
    }
}
