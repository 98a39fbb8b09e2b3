// RecipeTests.swift: recipes -> W+ (mixing, truncation, offsets).

import Testing
@testable import Engine

struct FixedDirections: DirectionLookup {
    let vector: [Float]
    func direction(named: String) -> (vector: [Float], step: Float)? { named == "d" ? (vector, 2) : nil }
}

@Suite struct RecipeTests {
    @Test func layerAndTokenMixing() throws {
        let G = try Fixtures.tinyGenerator()
        let c = G.config
        var r = Recipe(seed: 1)
        r.slots = [2]
        r.layerSources = [nil, nil, 0]
        let ws = try G.wPlus(r, directions: nil)
        let own = G.wPlus(seed: 1), other = G.wPlus(seed: 2)
        let L = c.tokens * c.wDim
        #expect(Array(ws.values[0..<L]) == Array(own.values[0..<L]))
        #expect(Array(ws.values[2 * L..<3 * L]) == Array(other.values[2 * L..<3 * L]))

        var t = Recipe(seed: 1)
        t.slots = [2]
        t.tokenSources = [nil, 0]
        let wt = try G.wPlus(t, directions: nil)
        for l in 0..<c.numLayers {
            let tok1 = (l * c.tokens + 1) * c.wDim, tok0 = (l * c.tokens) * c.wDim
            #expect(Array(wt.values[tok1..<tok1 + c.wDim]) == Array(other.values[tok1..<tok1 + c.wDim]))
            #expect(Array(wt.values[tok0..<tok0 + c.wDim]) == Array(own.values[tok0..<tok0 + c.wDim]))
        }
    }

    @Test func truncationPullsTowardTheAverage() throws {
        let G = try Fixtures.tinyGenerator()
        let w = G.w(seed: 3), w0 = G.w(seed: 3, psi: 0)
        for t in 0..<w0.tokens { #expect(Array(w0.token(t)) == G.weights.wAvg) }
        let half = G.w(seed: 3, psi: 0.5)
        #expect(abs(half.values[0] - (G.weights.wAvg[0] + 0.5 * (w.values[0] - G.weights.wAvg[0]))) < 1e-6)
        // A cutoff leaves late layers untruncated.
        let cut = G.wPlus(seed: 3, psi: 0, cutoff: 4)
        let full = G.wPlus(seed: 3)
        let L = G.config.tokens * G.config.wDim
        #expect(Array(cut.values[4 * L..<5 * L]) == Array(full.values[4 * L..<5 * L]))
        #expect(Array(cut.values[0..<L]) != Array(full.values[0..<L]))
    }

    @Test func offsetsMoveOnlyTheirLayersAndTokens() throws {
        let G = try Fixtures.tinyGenerator()
        let c = G.config
        let v = DirectionMath.normalized((0..<c.wDim).map { Float($0 + 1) })
        var r = Recipe(seed: 4)
        r.offsets = [DirectionOffset(direction: "d", amount: 1.5, layers: 2...3, tokens: [1])]
        let ws = try G.wPlus(r, directions: FixedDirections(vector: v))
        let base = G.wPlus(seed: 4)
        for l in 0..<c.numLayers { for t in 0..<c.tokens {
            let o = (l * c.tokens + t) * c.wDim
            let moved = (2...3).contains(l) && t == 1
            let d = ws.values[o] - base.values[o]
            #expect(abs(d - (moved ? 1.5 * 2 * v[0] : 0)) < 1e-5, "layer \(l) token \(t)")
        } }
        r.offsets[0].direction = "nope"
        #expect(throws: RecipeError.unknownDirection("nope")) { try G.wPlus(r, directions: FixedDirections(vector: v)) }
        var bad = Recipe(seed: 1)
        bad.layerSources = [3]
        #expect(throws: RecipeError.badSlot(3, 0)) { try G.wPlus(bad, directions: nil) }
    }

    @Test func offsetsCountStepsOfTheDirectionsOwnLength() throws {
        let G = try Fixtures.tinyGenerator()
        let v = DirectionMath.normalized((0..<G.config.wDim).map { Float($0 % 5) - 2 })
        // The same vector and σ; one sets its own step of 2σ.
        let dirs = DirectionSet([Direction(name: "plain", vector: v, sigma: 0.5, method: "pca"),
                                 Direction(name: "stepped", vector: v, sigma: 0.5, method: "attribute", step: 1.0)])
        func moved(_ name: String, _ amount: Float) throws -> [Float] {
            var r = Recipe(seed: 6)
            r.offsets = [DirectionOffset(direction: name, amount: amount)]
            return zip(try G.wPlus(r, directions: dirs).values, G.wPlus(seed: 6).values).map { $0 - $1 }
        }
        let plain = try moved("plain", 1), stepped = try moved("stepped", 1)
        #expect(maxAbsDiff(stepped, plain.map { 2 * $0 }) < 1e-6, "a step of 2σ moves w twice as far")
        #expect(maxAbsDiff(try moved("stepped", 1), try moved("plain", 2)) == 0)
        // And so does the image.
        var a = Recipe(seed: 6), b = Recipe(seed: 6)
        a.offsets = [DirectionOffset(direction: "stepped", amount: 1.5)]
        b.offsets = [DirectionOffset(direction: "plain", amount: 3)]
        let out = try G.render([a, b], directions: dirs)
        #expect(maxAbsDiff(out.images[0], out.images[1]) == 0)
    }

    @Test func cutoffBeyondTheLayersTruncatesEveryLayerWithoutTrapping() throws {
        let G = try Fixtures.tinyGenerator()
        let L = G.config.numLayers
        let all = G.wPlus(seed: 5, psi: 0.5, cutoff: nil)
        for cutoff in [L, L + 7, Int.max] {
            #expect(G.wPlus(seed: 5, psi: 0.5, cutoff: cutoff) == all, "cutoff \(cutoff)")
        }
        // A negative cutoff (from a file) leaves every layer untruncated, like cutoff 0.
        #expect(G.wPlus(seed: 5, psi: 0.5, cutoff: -3) == G.wPlus(seed: 5, psi: 0.5, cutoff: 0))
        var r = Recipe(seed: 5, psi: 0.5)
        r.truncationCutoff = 15
        #expect(try G.wPlus(r, directions: nil) == all)
        #expect(Recipe.cutoffProblem(15, layers: L) == "cutoff 15 is outside the model's layers 0-\(L - 1)")
        #expect(Recipe.cutoffProblem(-1, layers: L) != nil)
        #expect(Recipe.cutoffProblem(L - 1, layers: L) == nil && Recipe.cutoffProblem(nil, layers: L) == nil)
    }

    @Test func offsetsAreClampedToTheLargestOffset() throws {
        let G = try Fixtures.tinyGenerator()
        let v = DirectionMath.normalized((0..<G.config.wDim).map { Float($0 + 1) })
        func w(_ amount: Float) throws -> WPlus {
            var r = Recipe(seed: 4)
            r.offsets = [DirectionOffset(direction: "d", amount: amount)]
            return try G.wPlus(r, directions: FixedDirections(vector: v))
        }
        #expect(try w(1e30) == w(Recipe.maxOffset))
        #expect(try w(-.infinity) == w(-Recipe.maxOffset))
        #expect(try w(.nan) == G.wPlus(seed: 4))
        #expect(try w(3) != w(Recipe.maxOffset))
        #expect(Recipe.clampedOffset(7) == 7 && Recipe.clampedOffset(-25) == -20 && Recipe.clampedOffset(.nan) == 0)
    }

    @Test func noiseModesDiffer() throws {
        let G = try Fixtures.tinyGenerator()
        let w = [G.wPlus(seed: 9)]
        let a = G.synthesize(w, noise: [.seeded(9)]).images[0]
        let b = G.synthesize(w, noise: [.seeded(10)]).images[0]
        let off = G.synthesize(w, noise: [.off]).images[0]
        #expect(a != b)
        #expect(a != off)
        #expect(off == G.synthesize(w, noise: [.off]).images[0])
    }
}
