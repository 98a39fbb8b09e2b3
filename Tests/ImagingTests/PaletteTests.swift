// Tests for the categorical Palette and its legend strip.

import Testing
@testable import Imaging

@Suite struct PaletteTests {
    @Test func atLeastSixteenDistinctColours() {
        #expect(Palette.count >= 16)
        let packed = Set((0..<Palette.count).map { i -> Int in
            let c = Palette.color(i)
            return Int(c.0) << 16 | Int(c.1) << 8 | Int(c.2)
        })
        #expect(packed.count == Palette.count)
    }

    @Test func indicesWrap() {
        #expect(same(Palette.color(Palette.count + 3), Palette.color(3)))
        #expect(same(Palette.color(-1), Palette.color(Palette.count - 1)))
    }

    @Test func legendShowsEachSwatchAndLabel() {
        let labels = ["a", "bb", "ccc"]
        let legend = Palette.legend(labels: labels, swatch: 6, scale: 1)
        #expect(legend.height == 4 + 7)
        let textWidths = labels.map { BitmapFont.textWidth($0) }.reduce(0, +)
        #expect(legend.width == 4 + 3 * (6 + 2) + textWidths + 2 * 6)
        for i in 0..<3 {
            let colour = Palette.color(i)
            var found = false
            for y in 0..<legend.height { for x in 0..<legend.width where same(legend[x, y], colour) { found = true } }
            #expect(found)
        }
        #expect(legend.pixels.contains(0))  // black label text on white
    }
}
