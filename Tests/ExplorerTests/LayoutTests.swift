// LayoutTests.swift: where things go at 80x24, 120x40 and 200x60, the too-small
// screen, and how pictures are fitted (integer scale vs fill, sixel margins).

import Engine
import Terminal
import Testing
@testable import Explorer

@Suite struct LayoutTests {
    @Test func minimumTerminal() throws {
        let l = try #require(Layout(size: TerminalSize(rows: 24, cols: 80)))
        #expect(l.statusRow == 0 && l.messageRow == 22 && l.hintRow == 23)
        #expect(l.body == CellRect(row: 1, col: 0, rows: 21, cols: 80))
        #expect(l.face == CellRect(row: 1, col: 0, rows: 21, cols: 47))
        #expect(l.separatorCol == 47)
        #expect(l.panel == CellRect(row: 1, col: 48, rows: 21, cols: 32))
        // A 64x64 face in half blocks: 47x42 pixels of room, so it is fitted down to 42x42.
        let p = try #require(Layout.place(image: PixelSize(width: 64, height: 64), cell: .halfBlockCell, in: l.face))
        #expect(p.pixelSize == PixelSize(width: 42, height: 42) && p.scale == nil)
        #expect(p.rect == CellRect(row: 1, col: 2, rows: 21, cols: 42))
    }

    @Test func mediumTerminal() throws {
        let l = try #require(Layout(size: TerminalSize(rows: 40, cols: 120)))
        #expect(l.face == CellRect(row: 1, col: 0, rows: 37, cols: 79))
        #expect(l.panel == CellRect(row: 1, col: 80, rows: 37, cols: 40))
        // 79x74 pixels of room: 1x (64) fills 86% of a fitted 74, so the crisp integer scale wins.
        let p = try #require(Layout.place(image: PixelSize(width: 64, height: 64), cell: .halfBlockCell, in: l.face))
        #expect(p.pixelSize == PixelSize(width: 64, height: 64) && p.scale == 1)
        #expect(p.rect == CellRect(row: 3, col: 7, rows: 32, cols: 64))
        // Sixel with 10x20-pixel cells: 790x740 pixels of room, 11x = 704.
        let s = try #require(Layout.place(image: PixelSize(width: 64, height: 64), cell: PixelSize(width: 10, height: 20), in: l.face, sixel: true))
        #expect(s.pixelSize == PixelSize(width: 704, height: 704) && s.scale == 11)
        #expect(s.rect == CellRect(row: 1, col: 4, rows: 36, cols: 71))
    }

    @Test func largeTerminal() throws {
        let l = try #require(Layout(size: TerminalSize(rows: 60, cols: 200)))
        #expect(l.face == CellRect(row: 1, col: 0, rows: 57, cols: 151))
        #expect(l.panel == CellRect(row: 1, col: 152, rows: 57, cols: 48))
        // 151x114 pixels: 1x would use only 56% of the room, so the face is fitted (smooth) to 114.
        let p = try #require(Layout.place(image: PixelSize(width: 64, height: 64), cell: .halfBlockCell, in: l.face))
        #expect(p.pixelSize == PixelSize(width: 114, height: 114) && p.scale == nil)
        #expect(p.rect == CellRect(row: 1, col: 18, rows: 57, cols: 114))
    }

    @Test func tooSmall() {
        #expect(Layout(size: TerminalSize(rows: 24, cols: 79)) == nil)
        #expect(Layout(size: TerminalSize(rows: 23, cols: 80)) == nil)
        let c = Painter.tooSmall(TerminalSize(rows: 20, cols: 70))
        #expect(c.ops.first?.text == "terminal too small (need ≥ 80x24, have 70x20)")
        #expect(c.ops.contains { $0.text.contains("q to quit") })
    }

    @Test func sixelKeepsClearOfTheBottomEdge() throws {
        // A box exactly 6 cells of 20 px high: 120 px, but sixel bands of 6 rows could spill, so <= 114.
        let box = CellRect(row: 0, col: 0, rows: 6, cols: 40)
        let p = try #require(Layout.place(image: PixelSize(width: 10, height: 10), cell: PixelSize(width: 10, height: 20), in: box, sixel: true))
        #expect(p.pixelSize.height <= 114)
        let q = try #require(Layout.place(image: PixelSize(width: 10, height: 10), cell: PixelSize(width: 10, height: 20), in: box))
        #expect(q.pixelSize.height == 120)
    }

    @Test func panelsFitEveryLayout() throws {
        for size in [TerminalSize(rows: 24, cols: 80), TerminalSize(rows: 40, cols: 120), TerminalSize(rows: 60, cols: 200)] {
            let l = try #require(Layout(size: size))
            var s = ExplorerState(model: Fixture.model, seed: 1)
            s.recipe.slots = [5, 6]
            s.bookmarks = [Bookmark(name: "a very long bookmark name indeed", recipe: Recipe(seed: 3))]
            for panel in Panel.allCases {
                s.panel = panel
                for view in ViewMode.allCases {
                    s.view = view
                    let c = Painter.paint(s, model: Fixture.model, layout: l, context: PaintContext(renderer: "blocks", rendererReason: "forced by --renderer"))
                    for op in c.ops {
                        #expect(op.row >= 0 && op.row < size.rows)
                        #expect(op.col + op.text.count <= size.cols, "\(panel) \(view) at \(size): '\(op.text)' overflows")
                    }
                }
            }
        }
    }
}
