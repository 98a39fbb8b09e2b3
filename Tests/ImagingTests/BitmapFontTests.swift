// Tests for BitmapFont metrics, drawing and clipping.

import Testing
@testable import Imaging

@Suite struct BitmapFontTests {
    @Test func metrics() {
        #expect(BitmapFont.glyphWidth == 5 && BitmapFont.glyphHeight == 7)
        #expect(BitmapFont.textWidth("") == 0)
        #expect(BitmapFont.textWidth("A") == 5)
        #expect(BitmapFont.textWidth("Hi!") == 17)
        #expect(BitmapFont.textWidth("Hi!", scale: 3) == 51)
    }

    @Test func everyPrintableGlyphHasInkExceptSpace() {
        for code in 33...126 {
            var image = RGBImage(width: 5, height: 7)
            BitmapFont.draw(String(UnicodeScalar(UInt8(code))), on: &image, x: 0, y: 0, color: (255, 255, 255))
            #expect(image.pixels.contains(255), "glyph \(code) is blank")
        }
        var image = RGBImage(width: 5, height: 7)
        BitmapFont.draw(" ", on: &image, x: 0, y: 0, color: (255, 255, 255))
        #expect(!image.pixels.contains(255))
    }

    @Test func glyphsAreDistinct() {
        var seen = Set<[UInt8]>()
        for code in 32...126 {
            var image = RGBImage(width: 5, height: 7)
            BitmapFont.draw(String(UnicodeScalar(UInt8(code))), on: &image, x: 0, y: 0, color: (255, 255, 255))
            seen.insert(image.pixels)
        }
        #expect(seen.count == 95)
    }

    @Test func drawsOnlyInsideTheTextBox() {
        for scale in [1, 2, 3] {
            var image = RGBImage(width: 80, height: 40, fill: (0, 0, 64))
            let text = "Seed 42"
            let (x0, y0) = (7, 9)
            BitmapFont.draw(text, on: &image, x: x0, y: y0, color: (255, 255, 0), scale: scale)
            let w = BitmapFont.textWidth(text, scale: scale), h = BitmapFont.glyphHeight * scale
            var inside = 0
            for y in 0..<40 {
                for x in 0..<80 {
                    let inBox = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h
                    let p = image[x, y]
                    if same(p, (255, 255, 0)) {
                        #expect(inBox, "ink at (\(x), \(y)) outside the text box")
                        inside += 1
                    } else {
                        #expect(same(p, (0, 0, 64)))
                    }
                }
            }
            #expect(inside > 10 * scale * scale)
        }
    }

    @Test func knownGlyphShape() {
        var image = RGBImage(width: 5, height: 7)
        BitmapFont.draw("T", on: &image, x: 0, y: 0, color: (255, 255, 255))
        // Top bar fully set, then only the centre column.
        for x in 0..<5 { #expect(image[x, 0].0 == 255) }
        for y in 1..<7 { for x in 0..<5 { #expect((image[x, y].0 == 255) == (x == 2)) } }
    }

    @Test func unknownCharactersRenderAsABox() {
        var image = RGBImage(width: 5, height: 7)
        BitmapFont.draw("é", on: &image, x: 0, y: 0, color: (255, 255, 255))
        for y in 0..<7 {
            for x in 0..<5 {
                let edge = x == 0 || x == 4 || y == 0 || y == 6
                #expect((image[x, y].0 == 255) == edge)
            }
        }
        #expect(BitmapFont.textWidth("é") == 5)
        #expect(!BitmapFont.hasGlyph("é") && BitmapFont.hasGlyph("e"))
    }

    @Test func drawingPastTheEdgesClips() {
        var image = RGBImage(width: 8, height: 5)
        BitmapFont.draw("WWW", on: &image, x: -3, y: -2, color: (9, 9, 9), scale: 2)
        BitmapFont.draw("A", on: &image, x: 100, y: 100, color: (9, 9, 9))
        #expect(image.pixels.contains(9))
    }

    @Test func truncationFitsTheWidth() {
        #expect(BitmapFont.truncated("abcdef", toWidth: 17) == "abc")
        #expect(BitmapFont.truncated("abcdef", toWidth: 16) == "ab")
        #expect(BitmapFont.truncated("abc", toWidth: 100) == "abc")
        #expect(BitmapFont.truncated("abcdef", toWidth: 22, scale: 2) == "ab")
        #expect(BitmapFont.truncated("abc", toWidth: 3) == "")
    }
}
