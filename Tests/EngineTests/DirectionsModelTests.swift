// DirectionsModelTests.swift: PCA, SeFa and seed-to-seed directions on the
// tiny model; SeFa against the NumPy reference written by
// training/latentscope_train/sefa_reference.py (Fixtures/sefa-reference.json).

import Foundation
import Testing
@testable import Engine

struct SeFaReference: Decodable {
    struct Set: Decodable {
        let layers: [Int]
        let eigenvalues: [Double]
        let eigenvectors: [[Double]]
    }
    let format: String
    let format_version: Int
    let w_dim: Int
    let sets: [String: Set]

    static func load() throws -> SeFaReference {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sefa-reference.json")))
        return try JSONDecoder().decode(SeFaReference.self, from: data)
    }
}

@Suite struct WSamplerTests {
    @Test func batchedMappingEqualsGeneratorMap() throws {
        let G = try Fixtures.tinyGenerator()
        var s = WSampler(G.weights, batchSeeds: 3)      // batches of 3 seeds: 7 seeds cross two batch boundaries
        let rows = s.sample(firstSeed: 100, seeds: 7)
        let c = G.config
        #expect(rows.count == 7 * c.tokens * c.wDim)
        var ref: [Float] = []
        for i in 0..<7 { ref += G.w(seed: 100 + UInt64(i)).values }
        #expect(maxAbsDiff(rows, ref) < 1e-5)
    }
}

@Suite struct PCAModelTests {
    @Test func topComponentsExplainMoreThanRandomDirections() throws {
        let G = try Fixtures.tinyGenerator()
        let r = try PCA.fit(G, samples: 8000)
        #expect(r.samples == 8000)
        let baseline = PCA.randomBaseline(r)
        #expect(r.explainedRatio[0] > 2 * baseline, "pca0 explains \(r.explainedRatio[0]), a random direction \(baseline)")
        // No random direction of 200 beats the first principal axis.
        let randomBest = DirectionMath.randomUnitVectors(count: 200, wDim: G.config.wDim, seed: 9).map { r.variance(along: $0) }.max()!
        #expect(r.variances[0] >= randomBest)
        // The top 4 together beat 4 random directions.
        #expect(r.explainedRatio.prefix(4).reduce(0, +) > 4 * baseline * 1.5)
        // σ is the spread of what an edit moves, faces' token means, measured again on other
        // seeds; single tokens spread about √tokens times more.
        let dirs = r.directions(2)
        let other = DirectionMath.sampleW(G, count: 2000, firstSeed: 7)
        let measured = DirectionMath.editSigmas(of: dirs.map(\.vector), samples: other, tokens: G.config.tokens, wDim: G.config.wDim)
        for (d, m) in zip(dirs, measured) { #expect(abs(m / d.sigma - 1) < 0.1, "\(d.name): σ \(d.sigma), measured \(m)") }
        let perToken = Float(r.variances[0].squareRoot()), root = Float(G.config.tokens).squareRoot()
        #expect(abs(dirs[0].sigma * root / perToken - 1) < 0.2, "pca0: σ \(dirs[0].sigma), one token \(perToken)")
    }

    @Test func deterministic() throws {
        let G = try Fixtures.tinyGenerator()
        let a = try PCA.fit(G, samples: 2000), b = try PCA.fit(G, samples: 2000)
        #expect(a.components == b.components)
    }
}

@Suite struct SeFaTests {
    @Test func equalsTheNumPyReferenceUpToSign() throws {
        let G = try Fixtures.tinyGenerator()
        let ref = try SeFaReference.load()
        #expect(ref.format == "latentscope-sefa-reference" && ref.format_version == 1)
        #expect(ref.w_dim == G.config.wDim)
        #expect(Set(ref.sets.keys) == ["all", "coarse", "middle", "2-5"])
        for (name, s) in ref.sets.sorted(by: { $0.key < $1.key }) {
            let sel = LayerSelection(name)!
            let layers = try sel.layers(in: G.config)
            #expect([layers.lowerBound, layers.upperBound] == s.layers, "\(name): layers")
            let r = try SeFa.factorize(G.weights, layers: layers)
            var worstValue = 0.0, worstVector = 0.0
            for k in 0..<ref.w_dim {
                worstValue = max(worstValue, abs(r.eigenvalues[k] - s.eigenvalues[k]) / max(abs(s.eigenvalues[k]), 1e-6))
                // Vectors of (nearly) repeated eigenvalues are not unique: compare only well-separated ones.
                let gapPrev = k > 0 ? s.eigenvalues[k - 1] - s.eigenvalues[k] : .infinity
                let gapNext = k + 1 < ref.w_dim ? s.eigenvalues[k] - s.eigenvalues[k + 1] : .infinity
                if min(gapPrev, gapNext) > 1e-3 * s.eigenvalues[0] {
                    worstVector = max(worstVector, 1 - absDot(r.vectors[k].map(Double.init), s.eigenvectors[k]))
                }
            }
            #expect(worstValue < 1e-5, "\(name): largest relative eigenvalue difference \(worstValue)")
            #expect(worstVector < 1e-5, "\(name): largest 1 - |cos| between eigenvectors \(worstVector)")
        }
    }

    @Test func layerSelections() throws {
        let c = try Fixtures.tinyGenerator().config    // 16x16: layers 0-4 at 4² and 8², 5-7 at 16²
        #expect(try LayerSelection.all.layers(in: c) == 0...7)
        #expect(try LayerSelection.coarse.layers(in: c) == 0...4)
        #expect(try LayerSelection.middle.layers(in: c) == 5...7)
        #expect(throws: LinearAlgebraError(message: "the model has no fine layers (resolutions 64² and above); its layers run from 4² to 16²")) {
            try LayerSelection.fine.layers(in: c)
        }
        #expect(LayerSelection("2-5") == .range(2...5))
        #expect(LayerSelection("3") == .range(3...3))
        #expect(LayerSelection("5-2") == nil)
        #expect(LayerSelection("middle-ish") == nil)
        #expect(throws: LinearAlgebraError.self) { try LayerSelection.range(2...8).layers(in: c) }
        #expect(LayerSelection.range(2...5).namePrefix == "sefa-2to5-")
    }

    @Test func directionsCarryNamesLayersAndSigma() throws {
        let G = try Fixtures.tinyGenerator()
        let d = try SeFa.directions(G.weights, selection: .coarse, k: 3, sigmaSeeds: 500)
        #expect(d.map(\.name) == ["sefa-coarse0", "sefa-coarse1", "sefa-coarse2"])
        for x in d {
            #expect(x.layers == 0...4)
            #expect(x.method == "sefa")
            #expect(x.sigma > 0)
            #expect(abs(VectorMath.dot(x.vector, x.vector) - 1) < 1e-5)
        }
        #expect(try SeFa.directions(G.weights, selection: .all, k: 2, sigmaSeeds: 100).allSatisfy { $0.layers == nil })
    }
}

@Suite struct SeedDirectionTests {
    @Test func pointsFromOneSeedToTheOther() throws {
        let G = try Fixtures.tinyGenerator()
        let d = try DirectionMath.fromSeeds(G, name: "a-to-b", from: 1, to: 2, sigmaSeeds: 200)
        let ma = DirectionMath.tokenMean(G.w(seed: 1)), mb = DirectionMath.tokenMean(G.w(seed: 2))
        let diff = zip(mb, ma).map { $0 - $1 }
        let norm = VectorMath.dot(diff, diff).squareRoot()
        #expect(abs(VectorMath.dot(d.vector, diff) - norm) < 1e-4)   // parallel, same sense
        #expect(d.method == "user" && d.sigma > 0)
        #expect(throws: LinearAlgebraError.self) { try DirectionMath.fromSeeds(G, name: "x", from: 4, to: 4) }
    }
}
