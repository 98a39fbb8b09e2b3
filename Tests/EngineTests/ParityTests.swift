// ParityTests.swift: the Swift engine against PyTorch's outputs for the same weights
// (fixtures written by training/latentscope_train/fixtures.py). Tolerance: max abs
// error 1e-3 on images in [-1, 1] and on attention weights.

import Foundation
import Synchronization
import Testing
@testable import Engine

struct Golden {
    let file: SafeTensorsFile
    let seeds: [UInt64]
    init(_ path: String) throws {
        file = try SafeTensorsFile(path: path)
        seeds = try file.int64s("seeds").map { UInt64($0) }
    }
    func per(_ name: String) throws -> [[Float]] { rows(try file.floats(name), seeds.count) }
}

/// Compares one model against its golden file.
func checkParity(generator G: Generator, golden: Golden, tolerance: Float = 1e-3) throws {
    let c = G.config
    let zs = try golden.per("z"), ws = try golden.per("w"), images = try golden.per("image")
    for (i, seed) in golden.seeds.enumerated() {
        // Seeds -> z is bit-exact by construction (same RNG, same float64 math).
        #expect(maxAbsDiff(G.z(seed: seed), zs[i]) <= 1e-6, "z of seed \(seed)")
        #expect(maxAbsDiff(G.map(z: zs[i]).values, ws[i]) <= 1e-4, "w of seed \(seed)")
    }
    let wplus = ws.map { WPlus(broadcasting: WTokens(values: $0, tokens: c.tokens, wDim: c.wDim), layers: c.numLayers) }
    let attnLayers = Set(c.layers.indices.filter { golden.file.tensors["attn.\($0)"] != nil })
    #expect(!attnLayers.isEmpty)
    let out = G.synthesize(wplus, noise: golden.seeds.map { .seeded($0) }, attentionLayers: attnLayers)
    for i in golden.seeds.indices {
        let d = maxAbsDiff(out.images[i], images[i])
        #expect(d <= tolerance, "image of seed \(golden.seeds[i]): max abs diff \(d)")
    }
    for (k, layer) in attnLayers.sorted().enumerated() {
        let ref = try golden.per("attn.\(layer)")
        for i in golden.seeds.indices {
            #expect(out.attention[i][k].layer == layer)
            let d = maxAbsDiff(out.attention[i][k].values, ref[i])
            #expect(d <= tolerance, "attention of layer \(layer), seed \(golden.seeds[i]): max abs diff \(d)")
        }
    }
    // Truncation (psi 0.5), fixed noise, and W+ mixing without noise.
    let psi = golden.seeds.map { G.wPlus(seed: $0, psi: 0.5) }
    let outPsi = G.synthesize(psi, noise: golden.seeds.map { .seeded($0) })
    let outConst = G.synthesize(wplus, noise: golden.seeds.map { _ in .const })
    let mixed = rows(try golden.file.floats("ws_mixed"), golden.seeds.count).map {
        WPlus(values: $0, layers: c.numLayers, tokens: c.tokens, wDim: c.wDim)
    }
    let outMixed = G.synthesize(mixed, noise: golden.seeds.map { _ in .off })
    for (name, o) in [("image_psi", outPsi), ("image_noise_const", outConst), ("image_mixed", outMixed)] {
        let ref = try golden.per(name)
        for i in golden.seeds.indices {
            let d = maxAbsDiff(o.images[i], ref[i])
            #expect(d <= tolerance, "\(name) of seed \(golden.seeds[i]): max abs diff \(d)")
        }
    }
}

@Suite struct ParityTests {
    @Test func tinyModelMatchesPyTorch() throws {
        try checkParity(generator: try Fixtures.tinyGenerator(), golden: try Golden(Fixtures.path("tiny-golden.safetensors")))
    }

    /// The tiny model with attention_blur {"8": 1, "16": 2} (fixtures.py make_tiny_blur).
    @Test func blurredTinyModelMatchesPyTorch() throws {
        let G = try Generator(modelDirectory: Fixtures.path("tiny-blur-model"))
        #expect(G.config.attentionBlur(at: 16) == 2)
        try checkParity(generator: G, golden: try Golden(Fixtures.path("tiny-blur-golden.safetensors")))
    }

    /// Workers split a batch by whole images, then the rest by bands of rows:
    /// every split gives the single-worker result (up to summation order in sgemm).
    @Test(arguments: [(2, 2), (3, 2), (2, 3), (4, 5), (16, 1)])
    func threadedEqualsSequential(threads: Int, batch: Int) throws {
        let G = try Fixtures.tinyGenerator()
        let seeds = (0..<batch).map { UInt64(11 + $0) }
        let ws = seeds.map { G.wPlus(seed: $0) }
        let layers: Set<Int> = [0, 3, 7]
        let one = G.synthesize(ws, noise: seeds.map { .seeded($0) }, attentionLayers: layers)
        G.threads = threads
        let many = G.synthesize(ws, noise: seeds.map { .seeded($0) }, attentionLayers: layers)
        for i in 0..<batch {
            let d = maxAbsDiff(one.images[i], many.images[i])
            #expect(d <= 1e-5, "image \(i): max abs diff \(d)")
            for k in 0..<layers.count {
                #expect(one.attention[i][k].layer == many.attention[i][k].layer)
                let da = maxAbsDiff(one.attention[i][k].values, many.attention[i][k].values)
                #expect(da <= 1e-5, "attention \(k) of image \(i): max abs diff \(da)")
            }
        }
    }

    /// Generators over one PreparedModel, running at the same time on threads of their own
    /// (as the explorer's renderer and exporter do), each give what a lone generator gives.
    @Test func generatorsShareOnePreparedModel() throws {
        let model = PreparedModel(try LoadedModel(directory: Fixtures.path("tiny-model")))
        let seeds: [UInt64] = [21, 22, 23]
        let lone = Generator(model)
        let expected = lone.synthesize(seeds.map { lone.wPlus(seed: $0) }, noise: seeds.map { .seeded($0) }).images
        let results = Mutex<[Int: [[Float]]]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let G = Generator(model, threads: 1 + i % 2)
            let images = (0..<5).map { _ in G.synthesize(seeds.map { G.wPlus(seed: $0) }, noise: seeds.map { .seeded($0) }).images }.last!
            results.withLock { $0[i] = images }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 4)
        for (i, images) in all {
            for (k, image) in images.enumerated() {
                let d = maxAbsDiff(image, expected[k])
                #expect(d <= 1e-5, "generator \(i), image \(k): max abs diff \(d)")
            }
        }
    }

    @Test func batchOfOneEqualsBatchOfMany() throws {
        let G = try Fixtures.tinyGenerator()
        let seeds: [UInt64] = [3, 4, 5]
        let batch = G.synthesize(seeds.map { G.wPlus(seed: $0) }, noise: seeds.map { .seeded($0) })
        for (i, s) in seeds.enumerated() {
            let one = G.synthesize([G.wPlus(seed: s)], noise: [.seeded(s)])
            #expect(maxAbsDiff(one.images[0], batch.images[i]) <= 1e-5)
        }
    }
}

@Suite struct ShippedModelParityTests {
    /// The bundled model against PyTorch on the same weights (fixture regenerated whenever the model is re-exported).
    @Test func shippedModelMatchesPyTorch() throws {
        let golden = try Golden(Fixtures.path("shipped-golden.safetensors"))
        let dir = Fixtures.repoRoot + "/assets/models/" + (golden.file.metadata["model"] ?? "utkface64")
        let G = try Generator(modelDirectory: dir)
        try checkParity(generator: G, golden: golden)
    }
}
