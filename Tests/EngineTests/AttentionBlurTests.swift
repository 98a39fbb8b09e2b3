// AttentionBlurTests.swift: config.json's attention_blur (docs/model-format.md). The field
// is checked like every other; a blurred layer's maps are the [1,2,1]/4 blur (edges
// replicated) of the maps it would have without it; the weights still sum to one; and
// the blur, which needs whole maps, gives the same result however the layer is cut among
// workers.

import Foundation
import Testing
@testable import Engine

/// A copy of the tiny model whose config.json went through `edit`.
func tinyCopy(editing edit: (inout [String: Any]) -> Void) throws -> String {
    let dir = try tinyCopy()
    var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath(dir)))) as! [String: Any]
    edit(&cfg)
    try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: configPath(dir)))
    return dir
}

/// The tiny model with `attention_blur` set to `blur`, as export.py writes it (format_version 2).
func blurredTinyGenerator(_ blur: [String: Any]) throws -> Generator {
    let dir = try tinyCopy { $0["attention_blur"] = blur; $0["format_version"] = 2 }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try Generator(modelDirectory: dir)
}

/// model.py's blur_maps, naively and in Double, on every head's and token's R×R map of an
/// [H][P][T] attention map: `passes` times [1,2,1]/4 along x, then along y, a neighbour
/// beyond the edge taking the edge pixel's value.
func referenceBlur(_ m: AttentionMap, passes: Int) -> [Double] {
    let R = m.resolution, P = m.pixels, T = m.tokens
    func pass(_ a: [Double], alongX: Bool) -> [Double] {
        (0..<P).map { p in
            let (y, x) = (p / R, p % R)
            func at(_ d: Int) -> Double {
                alongX ? a[y * R + min(max(x + d, 0), R - 1)] : a[min(max(y + d, 0), R - 1) * R + x]
            }
            return (at(-1) + 2 * at(0) + at(1)) / 4
        }
    }
    var out = [Double](repeating: 0, count: m.values.count)
    for h in 0..<m.heads {
        for t in 0..<T {
            var a = (0..<P).map { Double(m.weight(head: h, pixel: $0, token: t)) }
            for _ in 0..<passes { a = pass(pass(a, alongX: true), alongX: false) }
            for p in 0..<P { out[(h * P + p) * T + t] = a[p] }
        }
    }
    return out
}

@Suite struct AttentionBlurTests {
    static func error(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let dir = try tinyCopy(editing: edit)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return loadError(dir) ?? "loaded"
    }

    @Test func configFieldIsReadAndChecked() throws {
        let G = try blurredTinyGenerator(["16": 1, "8": 3])
        #expect(G.config.formatVersion == 2)
        #expect([4, 8, 16].map(G.config.attentionBlur(at:)) == [0, 3, 1])
        #expect(try Fixtures.tinyGenerator().config.attentionBlur(at: 16) == 0)
        // Either version may carry the field; an empty object is no blur.
        #expect(try Self.error { $0["attention_blur"] = ["16": 1] } == "loaded")
        #expect(try Self.error { $0["attention_blur"] = [String: Any]() } == "loaded")

        let bad: [(Any, String)] = [
            (["32": 1], "field 'attention_blur': expected keys among the model's resolutions ('4', '8', '16'), got '32'"),
            (["016": 1], "field 'attention_blur': expected keys among the model's resolutions ('4', '8', '16'), got '016'"),
            (["sixteen": 1], "got 'sixteen'"),
            (["16": 0], "field 'attention_blur.16': expected a whole number of passes in 1...8, got 0"),
            (["16": 9], "field 'attention_blur.16': expected a whole number of passes in 1...8, got 9"),
            (["16": -1], "field 'attention_blur.16': expected a whole number of passes in 1...8, got -1"),
            (["16": 1.5], "field 'attention_blur.16': expected a whole number of passes in 1...8, got 1.5"),
            (["16": "1"], "has the wrong type"),
            (["16": true], "has the wrong type"),
            ([1], "field 'attention_blur' has the wrong type"),
        ]
        for (value, message) in bad {
            let e = try Self.error { $0["attention_blur"] = value; $0["format_version"] = 2 }
            #expect(e.contains("field 'attention_blur") && e.contains(message), "\(value): \(e)")
        }
    }

    @Test func formatVersionsOneAndTwoAreRead() throws {
        #expect(try Self.error { $0["format_version"] = 2 } == "loaded")
        for v in [0, 3] {
            let e = try Self.error { $0["format_version"] = v }
            #expect(e.contains("field 'format_version': expected 1 or 2 (the versions this build reads), got \(v)"), "\(e)")
        }
    }

    /// An empty attention_blur is no blur: the same bits as the model without the field.
    @Test func emptyBlurChangesNothing() throws {
        let plain = try Fixtures.tinyGenerator(), empty = try blurredTinyGenerator([:])
        let w = plain.wPlus(seed: 5), layers = Set(plain.config.layers.indices)
        let a = plain.synthesize([w], noise: [.seeded(5)], attentionLayers: layers)
        let b = empty.synthesize([w], noise: [.seeded(5)], attentionLayers: layers)
        #expect(a.images == b.images)
        #expect(a.attention == b.attention)
    }

    /// Blur at the finest resolution only. The first 16×16 layer's input does not depend on
    /// its own blur, so its maps with blur are the blur of its maps without; the layers
    /// before it are untouched, the ones after it see other styles, and the image changes.
    @Test(arguments: [1, 2])
    func blurredMapsAreTheBlurOfTheSharpOnes(passes: Int) throws {
        let sharp = try Fixtures.tinyGenerator(), G = try blurredTinyGenerator(["16": passes])
        let c = G.config
        let first16 = try #require(c.layers.firstIndex { $0.res == 16 })
        let layers = Set(c.layers.indices)
        for seed: UInt64 in [3, 42] {
            let w = sharp.wPlus(seed: seed)
            let a = sharp.synthesize([w], noise: [.seeded(seed)], attentionLayers: layers)
            let b = G.synthesize([w], noise: [.seeded(seed)], attentionLayers: layers)
            for li in 0..<first16 { #expect(a.attention[0][li] == b.attention[0][li], "layer \(li) (not blurred) changed") }

            let expected = referenceBlur(a.attention[0][first16], passes: passes)
            let got = b.attention[0][first16].values
            let error = zip(got, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(error <= 1e-6, "seed \(seed): max abs error \(error) against the reference blur")
            #expect(maxAbsDiff(got, a.attention[0][first16].values) > 1e-3, "the blur changed nothing")
            #expect(maxAbsDiff(a.images[0], b.images[0]) > 1e-3, "the image did not change")

            // Every blurred layer's weights still sum to one over the tokens at every pixel.
            for m in b.attention[0] where c.layers[m.layer].res == 16 {
                for h in 0..<m.heads {
                    for p in 0..<m.pixels {
                        let sum = (0..<m.tokens).reduce(0.0) { $0 + Double(m.weight(head: h, pixel: p, token: $1)) }
                        #expect(abs(sum - 1) <= 1e-5, "layer \(m.layer), head \(h), pixel \(p): weights sum to \(sum)")
                    }
                }
            }
        }
    }

    /// The trace's `attention` step, what the parity tests compare with model.py, is the
    /// blurred map too ([H][T][P] there, [H][P][T] in an AttentionMap).
    @Test func traceRecordsTheBlurredMaps() throws {
        let G = try blurredTinyGenerator(["16": 1])
        let c = G.config, T = c.tokens
        let w = G.wPlus(seed: 9)
        let maps = G.synthesize([w], noise: [.seeded(9)], attentionLayers: Set(c.layers.indices)).attention[0]
        var traced: [Int: [Float]] = [:]
        _ = G.trace(w, noise: .seeded(9)) { layer, step, values in if step == .attention { traced[layer] = Array(values) } }
        for m in maps where c.layers[m.layer].res == 16 {
            let t = try #require(traced[m.layer])
            let P = m.pixels
            let transposed = (0..<m.values.count).map { i in
                let (h, p, k) = (i / (P * T), i / T % P, i % T)
                return t[(h * T + k) * P + p]
            }
            #expect(transposed == m.values, "layer \(m.layer)")
        }
    }

    /// A blurred layer is cut by output channel, each part computing the whole image's
    /// attention: any number of workers gives the single worker's images and maps (up to sgemm's summation order).
    @Test(arguments: [2, 3, 4])
    func workersGiveTheSameImages(threads: Int) throws {
        let G = try blurredTinyGenerator(["16": 2, "8": 1])
        let layers = Set(G.config.layers.indices)
        // One image, so that every layer is cut into parts; then a batch (whole images and parts).
        for seeds: [UInt64] in [[21], Array(21 ..< 21 + UInt64(threads) + 1)] {
            let ws = seeds.map { G.wPlus(seed: $0) }
            G.threads = 1
            let one = G.synthesize(ws, noise: seeds.map { .seeded($0) }, attentionLayers: layers)
            G.threads = threads
            let many = G.synthesize(ws, noise: seeds.map { .seeded($0) }, attentionLayers: layers)
            // Up to the summation order of sgemm on other shapes, as ParityTests.threadedEqualsSequential.
            let diff = zip(one.images, many.images).map { maxAbsDiff($0, $1) }.max() ?? .infinity
            #expect(diff <= 1e-5, "\(seeds.count) images, \(threads) workers: max abs diff \(diff)")
            let maps = zip(one.attention.joined(), many.attention.joined()).map { maxAbsDiff($0.values, $1.values) }
            #expect(maps.count == seeds.count * layers.count, "\(maps.count) maps compared")
            #expect((maps.max() ?? .infinity) <= 1e-5, "\(seeds.count) images, \(threads) workers: attention max abs diff \(maps.max() ?? .infinity)")
        }
    }
}
