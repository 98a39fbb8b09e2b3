// Half-block cells, their SGR rows, the xterm-256 mapping and the ASCII ramp.

import Imaging
import Testing
@testable import Terminal

/// A 2x4 image: column 0 is red, green, blue, white from top to bottom; column 1 is four greys.
private func knownImage() -> RGBImage {
    let rows: [[(UInt8, UInt8, UInt8)]] = [
        [(255, 0, 0), (10, 10, 10)],
        [(0, 255, 0), (20, 20, 20)],
        [(0, 0, 255), (30, 30, 30)],
        [(255, 255, 255), (40, 40, 40)],
    ]
    return RGBImage(width: 2, height: 4, pixels: rows.flatMap { $0.flatMap { [$0.0, $0.1, $0.2] } })
}

@Suite("Block renderer")
struct BlockRendererTests {
    @Test func cellsPairTopAndBottomPixels() {
        let cells = BlockRenderer.cells(knownImage())
        #expect(cells.columns == 2)
        #expect(cells.rows == 2)
        #expect(cells[0, 0] == HalfBlockCell(top: TerminalColor(255, 0, 0), bottom: TerminalColor(0, 255, 0)))
        #expect(cells[1, 0] == HalfBlockCell(top: TerminalColor(10, 10, 10), bottom: TerminalColor(20, 20, 20)))
        #expect(cells[0, 1] == HalfBlockCell(top: TerminalColor(0, 0, 255), bottom: TerminalColor(255, 255, 255)))
        #expect(cells[1, 1] == HalfBlockCell(top: TerminalColor(30, 30, 30), bottom: TerminalColor(40, 40, 40)))
    }

    @Test func truecolorRows() {
        let lines = BlockRenderer.lines(knownImage(), mode: .truecolor)
        #expect(lines == [
            "\u{1B}[38;2;255;0;0;48;2;0;255;0m▀\u{1B}[38;2;10;10;10;48;2;20;20;20m▀\u{1B}[0m",
            "\u{1B}[38;2;0;0;255;48;2;255;255;255m▀\u{1B}[38;2;30;30;30;48;2;40;40;40m▀\u{1B}[0m",
        ])
    }

    @Test func unchangedColoursAreNotRepeated() {
        let image = RGBImage(width: 3, height: 2, pixels: [UInt8](repeating: 7, count: 18))
        #expect(BlockRenderer.lines(image, mode: .truecolor) == ["\u{1B}[38;2;7;7;7;48;2;7;7;7m▀▀▀\u{1B}[0m"])
    }

    @Test func oddHeightLeavesDefaultBackground() {
        let image = RGBImage(width: 1, height: 3, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let cells = BlockRenderer.cells(image)
        #expect(cells.rows == 2)
        #expect(cells[0, 1] == HalfBlockCell(top: TerminalColor(7, 8, 9), bottom: nil))
        #expect(BlockRenderer.lines(cells, mode: .truecolor)[1] == "\u{1B}[38;2;7;8;9;49m▀\u{1B}[0m")
    }

    @Test func xterm256Rows() {
        let lines = BlockRenderer.lines(knownImage(), mode: .xterm256)
        #expect(lines[0] == "\u{1B}[38;5;196;48;5;46m▀\u{1B}[38;5;232;48;5;233m▀\u{1B}[0m")
        #expect(lines[1] == "\u{1B}[38;5;21;48;5;231m▀\u{1B}[38;5;234;48;5;235m▀\u{1B}[0m")
    }

    @Test func asciiRows() {
        let image = RGBImage(width: 3, height: 2, pixels: [0, 0, 0, 128, 128, 128, 255, 255, 255,
                                                          0, 0, 0, 128, 128, 128, 255, 255, 255])
        #expect(BlockRenderer.lines(image, mode: .ascii) == [" +@"])
    }

    // MARK: - xterm-256

    @Test func pureColoursMapToCubeCorners() {
        #expect(XTerm256.nearestIndex(TerminalColor(0, 0, 0)) == 16)
        #expect(XTerm256.nearestIndex(TerminalColor(255, 0, 0)) == 196)
        #expect(XTerm256.nearestIndex(TerminalColor(0, 255, 0)) == 46)
        #expect(XTerm256.nearestIndex(TerminalColor(0, 0, 255)) == 21)
        #expect(XTerm256.nearestIndex(TerminalColor(255, 255, 0)) == 226)
        #expect(XTerm256.nearestIndex(TerminalColor(255, 255, 255)) == 231)
    }

    @Test func greysMapToTheGreyRamp() {
        #expect(XTerm256.nearestIndex(TerminalColor(8, 8, 8)) == 232)
        #expect(XTerm256.nearestIndex(TerminalColor(128, 128, 128)) == 244)
        #expect(XTerm256.nearestIndex(TerminalColor(238, 238, 238)) == 255)
        #expect(XTerm256.nearestIndex(TerminalColor(100, 101, 99)) == 241)  // 98 is closer than cube 95 or 135
        // A cube grey wins when it is exact: 95 is cube step 1.
        #expect(XTerm256.nearestIndex(TerminalColor(95, 95, 95)) == 59)
    }

    @Test func mappingIsNearestOverTheWholePalette() {
        // Brute force over indices 16...255 for a spread of colours.
        for r in stride(from: 0, through: 255, by: 17) {
            for g in stride(from: 3, through: 255, by: 23) {
                for b in stride(from: 5, through: 255, by: 29) {
                    let color = TerminalColor(UInt8(r), UInt8(g), UInt8(b))
                    let best = (16...255).map { XTerm256.distance(color, XTerm256.color(ofIndex: UInt8($0))) }.min()!
                    let chosen = XTerm256.distance(color, XTerm256.color(ofIndex: XTerm256.nearestIndex(color)))
                    #expect(chosen == best, "\(color)")
                }
            }
        }
    }

    @Test func paletteValues() {
        #expect(XTerm256.color(ofIndex: 196) == TerminalColor(255, 0, 0))
        #expect(XTerm256.color(ofIndex: 59) == TerminalColor(95, 95, 95))
        #expect(XTerm256.color(ofIndex: 232) == TerminalColor(8, 8, 8))
        #expect(XTerm256.color(ofIndex: 255) == TerminalColor(238, 238, 238))
    }
}
