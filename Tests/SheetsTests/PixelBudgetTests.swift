// PixelBudgetTests.swift: a figure's size is known exactly before rendering, and
// figures above the limit are refused with their size and the limit.

import Engine
import Imaging
import Sheets
import Testing

@Suite struct PixelBudgetTests {
    @Test func sizesBeforeRenderingMatchTheFigures() throws {
        let G = try Generator(modelDirectory: tinyModelPath)
        let dirs = DirectionSet([Direction(name: "d", vector: DirectionMath.randomUnitVectors(count: 1, wDim: G.config.wDim, seed: 1)[0],
                                           sigma: 1, method: "random")])
        func size(_ img: RGBImage) -> FigureSize { FigureSize(width: img.width, height: img.height) }

        let grid = try SeedGrid.make(G, seeds: [1, 2, 3, 4, 5], base: Recipe(seed: 0), columns: 3, size: 24)
        #expect(SeedGrid.size(count: 5, columns: 3, size: 24) == size(grid))
        #expect(SeedGrid.size(count: 5, columns: 99, size: 24) == size(try SeedGrid.make(G, seeds: [1, 2, 3, 4, 5], base: Recipe(seed: 0), columns: 99, size: 24)))
        let walk = try WalkStrip.make(G, base: Recipe(seed: 2), direction: "d", directions: dirs, from: -1, to: 1, steps: 4, layers: nil, size: 20)
        #expect(WalkStrip.size(steps: 4, size: 20) == size(walk))
        let mix = try MixMatrix.make(G, rows: [1, 2], columns: [3, 4, 5], target: .layers(0...2), base: Recipe(seed: 0), size: 16)
        #expect(MixMatrix.size(rows: 2, columns: 3, size: 16) == size(mix))
        for head in [HeadChoice.all, .mean, .head(1)] {
            let sheet = try AttentionSheet.make(G, recipe: Recipe(seed: 1), directions: nil, layer: 3, head: head, size: 24)
            #expect(AttentionSheet.size(tokens: G.config.tokens, heads: G.config.heads, head: head, size: 24) == size(sheet), "\(head)")
        }
    }

    @Test func figuresAboveTheLimitAreRefusedWithTheirSize() throws {
        let huge = SeedGrid.size(count: 4096, columns: 64, size: 4096)
        #expect(huge.pixels > 68_000_000_000)
        #expect(throws: FigureTooLarge.self) { try PixelBudget.check(huge, what: "the grid") }
        do {
            try PixelBudget.check(huge, what: "the grid")
        } catch let e as FigureTooLarge {
            #expect(e.description == "the grid would be 262274x262850 pixels (68939 megapixels, about 448 GB of memory); the limit is 100 megapixels")
        }
        try PixelBudget.check(SeedGrid.size(count: 16, columns: 4, size: 128), what: "the grid")
        try PixelBudget.check(huge, what: "the grid", limit: Int.max)
        #expect(throws: FigureTooLarge(what: "x", size: FigureSize(width: 100, height: 100), limit: 9_999)) {
            try PixelBudget.check(FigureSize(width: 100, height: 100), what: "x", limit: 9_999)
        }
        #expect(FigureTooLarge(what: "the image", size: FigureSize(width: 64, height: 64), limit: 4000).description
                == "the image would be 64x64 pixels (0.004 megapixels, about 0.03 MB of memory); the limit is 0.004 megapixels")
        // Sizes that do not fit in an Int count as Int.max pixels rather than wrapping.
        #expect(MixMatrix.size(rows: Int.max, columns: 1, size: 8).pixels == Int.max)
        #expect(FigureSize(width: Int.max / 2, height: 3).pixels == Int.max)
    }
}
