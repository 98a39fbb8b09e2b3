// Tests for Grid.compose and GridLayout geometry.

import Testing
@testable import Imaging

@Suite struct GridTests {
    let red = RGBImage(width: 10, height: 8, fill: (255, 0, 0))

    @Test func sizeFollowsColumnsRowsAndPadding() {
        var options = GridOptions(columns: 3)
        options.padding = 2
        let grid = Grid.compose(Array(repeating: red, count: 7), options: options)
        // 3 columns, 3 rows: 2 + 3 * (10 + 2) = 38 wide, 2 + 3 * (8 + 2) = 32 high.
        #expect(grid.width == 38 && grid.height == 32)

        let few = Grid.compose(Array(repeating: red, count: 2), options: options)
        #expect(few.width == 2 + 2 * 12 && few.height == 2 + 10)
    }

    @Test func pixelsLandInTheirCells() {
        let images = (0..<5).map { RGBImage(width: 4, height: 3, fill: (UInt8($0 * 40), 7, 9)) }
        var options = GridOptions(columns: 2)
        options.padding = 1
        options.background = (255, 255, 255)
        let grid = Grid.compose(images, options: options)
        #expect(grid.width == 1 + 2 * 5 && grid.height == 1 + 3 * 4)
        for (index, _) in images.enumerated() {
            let cx = 1 + (index % 2) * 5, cy = 1 + (index / 2) * 4
            #expect(same(grid[cx, cy], (UInt8(index * 40), 7, 9)))
            #expect(same(grid[cx + 3, cy + 2], (UInt8(index * 40), 7, 9)))
            #expect(same(grid[cx + 4, cy], (255, 255, 255)))  // gap to the right
            #expect(same(grid[cx, cy + 3], (255, 255, 255)))  // gap below
        }
        #expect(same(grid[0, 0], (255, 255, 255)))
        // The unused sixth cell stays background.
        #expect(same(grid[6, 9], (255, 255, 255)))
    }

    @Test func smallerImagesAreCentredInLargestCell() {
        let big = RGBImage(width: 6, height: 6, fill: (1, 1, 1))
        let small = RGBImage(width: 2, height: 2, fill: (2, 2, 2))
        var options = GridOptions(columns: 2)
        options.padding = 0
        let grid = Grid.compose([big, small], options: options)
        #expect(grid.width == 12 && grid.height == 6)
        #expect(same(grid[8, 2], (2, 2, 2)) && same(grid[9, 3], (2, 2, 2)))
        #expect(same(grid[7, 2], (255, 255, 255)) && same(grid[8, 1], (255, 255, 255)))
    }

    @Test func labelsAddAStripUnderEachCell() {
        var options = GridOptions(columns: 2)
        options.padding = 2
        options.labels = ["a", "b", "c"]
        let layout = Grid.layout(count: 3, cellWidth: 10, cellHeight: 8, options: options)
        #expect(layout.labelStripHeight == BitmapFont.glyphHeight + 2)
        let grid = Grid.compose([red, red, red], options: options)
        #expect(grid.height == 2 + 2 * (8 + layout.labelStripHeight + 2))
        #expect(grid.width == layout.width && grid.height == layout.height)

        // Label ink is black, lies in the strip below each cell, and nowhere else.
        for index in 0..<3 {
            let origin = layout.cellOrigin(index)
            let stripTop = origin.y + 8
            var ink = 0
            for y in stripTop..<stripTop + layout.labelStripHeight {
                for x in origin.x..<origin.x + 10 where same(grid[x, y], (0, 0, 0)) { ink += 1 }
            }
            #expect(ink > 3)
        }
        let black = stride(from: 0, to: grid.pixels.count, by: 3).filter {
            grid.pixels[$0] == 0 && grid.pixels[$0 + 1] == 0 && grid.pixels[$0 + 2] == 0
        }.count
        var inStrips = 0
        for index in 0..<3 {
            let origin = layout.cellOrigin(index)
            for y in origin.y + 8..<origin.y + 8 + layout.labelStripHeight {
                for x in origin.x..<origin.x + 10 where same(grid[x, y], (0, 0, 0)) { inStrips += 1 }
            }
        }
        #expect(black == inStrips)
    }

    @Test func longLabelsAreTruncatedToTheCell() {
        var options = GridOptions(columns: 2)
        options.padding = 0
        options.labels = ["a very long caption", "x"]
        let grid = Grid.compose([red, red], options: options)
        // Nothing of the first caption may spill into the second cell's strip beyond "x".
        let layout = Grid.layout(count: 2, cellWidth: 10, cellHeight: 8, options: options)
        var inkFirst = 0
        for y in 8..<8 + layout.labelStripHeight { for x in 0..<10 where same(grid[x, y], (0, 0, 0)) { inkFirst += 1 } }
        #expect(inkFirst > 0)
        let secondOnly = Grid.compose([red, red], options: { var o = options; o.labels = ["", "x"]; return o }())
        #expect(grid.width == secondOnly.width && grid.height == secondOnly.height)
        for y in 8..<8 + layout.labelStripHeight {
            for x in 10..<20 { #expect(same(grid[x, y], secondOnly[x, y])) }
        }
    }

    @Test func rowAndColumnLabelsAddMargins() {
        var options = GridOptions(columns: 2)
        options.padding = 1
        options.rowLabels = ["r0", "row1"]
        options.columnLabels = ["c0", "c1"]
        let layout = Grid.layout(count: 4, cellWidth: 10, cellHeight: 8, options: options)
        #expect(layout.leftMargin == BitmapFont.textWidth("row1") + 1)
        #expect(layout.topMargin == BitmapFont.glyphHeight + 1)
        let grid = Grid.compose(Array(repeating: red, count: 4), options: options)
        #expect(grid.width == 1 + layout.leftMargin + 2 * 11)
        #expect(grid.height == 1 + layout.topMargin + 2 * 9)
        let first = layout.cellOrigin(0)
        #expect(first.x == 1 + layout.leftMargin && first.y == 1 + layout.topMargin)
        #expect(same(grid[first.x, first.y], (255, 0, 0)))

        func ink(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Int {
            var n = 0
            for y in y0..<y1 { for x in x0..<x1 where same(grid[x, y], (0, 0, 0)) { n += 1 } }
            return n
        }
        #expect(ink(0, first.y, first.x, grid.height) > 0)      // row labels in left margin
        #expect(ink(first.x, 0, grid.width, first.y) > 0)       // column labels in top margin
        #expect(ink(0, 0, first.x, first.y) == 0)               // corner stays empty
        #expect(ink(first.x, first.y, grid.width, grid.height) == 0)  // no text over cells
    }

    @Test func layoutMapsPixelsBackToCells() {
        var options = GridOptions(columns: 3)
        options.padding = 2
        let layout = Grid.layout(count: 5, cellWidth: 10, cellHeight: 8, options: options)
        #expect(layout.columns == 3 && layout.rows == 2)
        let origin = layout.cellOrigin(4)
        #expect(layout.cellIndex(atX: origin.x, y: origin.y) == 4)
        #expect(layout.cellIndex(atX: origin.x + 9, y: origin.y + 7) == 4)
        #expect(layout.cellIndex(atX: origin.x + 10, y: origin.y) == nil)  // in the gap
        #expect(layout.cellIndex(atX: 0, y: 0) == nil)
    }

    @Test func emptyInputGivesOnlyMargins() {
        var options = GridOptions(columns: 4)
        options.padding = 3
        let grid = Grid.compose([], options: options)
        #expect(grid.width == 3 && grid.height == 3)
    }
}
