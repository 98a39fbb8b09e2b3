// SheetsTests.swift: parsers and the recipes behind the exported figures.

import Engine
import Foundation
import Imaging
import Sheets
import Testing

let tinyModelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/EngineTests/Fixtures/tiny-model"

@Suite struct ParserTests {
    @Test func seedLists() throws {
        #expect(try SeedList.parse("0-3") == [0, 1, 2, 3])
        #expect(try SeedList.parse("5, 1,7-8") == [5, 1, 7, 8])
        #expect(try SeedList.parse("18446744073709551615") == [UInt64.max])
        for bad in ["", "3-1", "x", "1,,2", "1-2-3", "0-100000", "-4"] {
            #expect(throws: ParseError.self, "\(bad)") { try SeedList.parse(bad) }
        }
    }

    @Test func seedRangesAtTheTopOfUInt64DoNotOverflow() throws {
        let max = UInt64.max
        #expect(try SeedList.parse("\(max)-\(max)") == [max])
        #expect(try SeedList.parse("\(max - 4)-\(max)") == (0...4).map { max - 4 + $0 })
        #expect(throws: ParseError("seed range '0-\(max)' has more than 4096 seeds, the most a list may have")) {
            try SeedList.parse("0-\(max)")
        }
        #expect(throws: ParseError.self) { try SeedList.parse("\(max - 4096)-\(max)") }
        #expect(throws: ParseError.self) { try SeedList.parse("0-18446744073709551616") }
    }

    @Test func indexRangesAndSpans() throws {
        #expect(try IndexRange.parse("2-4", limit: 8, what: "layer") == 2...4)
        #expect(try IndexRange.parse("5", limit: 8, what: "layer") == 5...5)
        #expect(try IndexRange.parseList("0-1,5,1", limit: 8, what: "token") == [0, 1, 5])
        #expect(throws: ParseError.self) { try IndexRange.parse("2-9", limit: 8, what: "layer") }
        #expect(try SpanParser.parse("-3:3") == (-3, 3))
        #expect(throws: ParseError.self) { try SpanParser.parse("-3") }
        #expect(try SpanParser.parse("-20:20") == (-20, 20))
        #expect(throws: ParseError("range '-30:1e30' goes beyond ±20 σ, the largest offset along a direction")) {
            try SpanParser.parse("-30:1e30")
        }
        #expect(WalkStrip.amounts(from: -3, to: 3, steps: 7) == [-3, -2, -1, 0, 1, 2, 3])
    }
}

@Suite struct FigureTests {
    @Test func mixCellsTakeTheRightStyles() throws {
        let r = MixMatrix.cell(row: 1, column: 9, target: .layers(2...3), base: Recipe(seed: 0), layers: 6)
        #expect(r.seed == 1 && r.slots == [9])
        #expect(r.layerSources == [nil, nil, 0, 0, nil, nil])
        let t = MixMatrix.cell(row: 1, column: 9, target: .tokens([2]), base: Recipe(seed: 0), layers: 6)
        #expect(t.tokenSources == [nil, nil, 0])
    }

    @Test func mixingAllLayersReproducesTheColumnFace() throws {
        let G = try Generator(modelDirectory: tinyModelPath)
        var r = MixMatrix.cell(row: 1, column: 9, target: .layers(0...(G.config.numLayers - 1)), base: Recipe(seed: 0), layers: G.config.numLayers)
        r.noise = .off
        var col = Recipe(seed: 9)
        col.noise = .off
        let a = try G.render([r, col], directions: nil)
        #expect(a.images[0] == a.images[1])
    }

    @Test func attentionSheetShowsEveryHeadAndToken() throws {
        let G = try Generator(modelDirectory: tinyModelPath)
        #expect(try AttentionSheet.layerIndex("b8.conv1", config: G.config) == 3)
        #expect(throws: ParseError.self) { try AttentionSheet.layerIndex("99", config: G.config) }
        #expect(try HeadChoice.parse("all", heads: 2).rows(heads: 2) == [0, 1, nil])
        let sheet = try AttentionSheet.make(G, recipe: Recipe(seed: 1), directions: nil, layer: 3, head: .all, size: 32)
        // 3 rows (2 heads + mean) of T+2 cells of 32 px.
        #expect(sheet.width >= (G.config.tokens + 2) * 32)
        #expect(sheet.height >= 3 * 32)
    }

    @Test func heatmapIsBrightWhereAttentionIsHigh() {
        let face = RGBImage(width: 4, height: 4, fill: (0, 0, 0))
        var map = [Float](repeating: 0, count: 4)
        map[3] = 1
        let h = AttentionSheet.heatmap(map, resolution: 2, face: face, colormap: .gray, alpha: 1)
        #expect(h[3, 3] == (255, 255, 255))
        #expect(h[0, 0] == (0, 0, 0))
    }
}
