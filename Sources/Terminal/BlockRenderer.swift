// Turns an RGB image into rows of terminal cells: the upper half block `▀` painted with the
// top pixel as foreground and the bottom pixel as background, so each cell shows two pixels.
// The cells are available as data (for a curses layer, and for tests) and as ready-to-write
// rows with SGR colour sequences. The image must already have the size it is shown at:
// resizing is the caller's job (see ImageFit).

import Imaging

/// How half-block rows are coloured.
public enum BlockMode: String, Sendable, Equatable {
    /// 24-bit colour: `SGR 38;2;r;g;b` and `48;2;r;g;b`.
    case truecolor
    /// Nearest xterm-256 colours: `SGR 38;5;n` and `48;5;n`.
    case xterm256
    /// No colour: one character of a luminance ramp per cell.
    case ascii
}

/// One cell: the pixel drawn in its upper half and the one in its lower half.
public struct HalfBlockCell: Equatable, Sendable {
    /// Foreground of `▀`.
    public var top: TerminalColor
    /// Background of `▀`; `nil` in the last row of an image with an odd height, where the
    /// terminal's default background shows instead.
    public var bottom: TerminalColor?

    public init(top: TerminalColor, bottom: TerminalColor?) {
        self.top = top
        self.bottom = bottom
    }
}

/// An image as a grid of half-block cells, row-major.
public struct HalfBlockImage: Equatable, Sendable {
    /// Cells across (the image width).
    public let columns: Int
    /// Cells down (the image height divided by two, rounded up).
    public let rows: Int
    /// `rows * columns` cells, row by row.
    public var cells: [HalfBlockCell]

    public init(columns: Int, rows: Int, cells: [HalfBlockCell]) {
        precondition(cells.count == columns * rows, "HalfBlockImage: \(cells.count) cells for \(columns)x\(rows)")
        self.columns = columns
        self.rows = rows
        self.cells = cells
    }

    /// The cell at `column`, `row` (both zero-based).
    public subscript(column: Int, row: Int) -> HalfBlockCell {
        cells[row * columns + column]
    }
}

/// Half-block and ASCII rendering of images.
public enum BlockRenderer {
    /// U+2580 UPPER HALF BLOCK.
    public static let upperHalfBlock: Character = "\u{2580}"

    /// Dark to bright, for light text on a dark background (the common terminal setup).
    public static let asciiRamp: [Character] = Array(" .:-=+*#%@")

    /// Pairs the image's rows into cells: cell (x, y) holds pixels (x, 2y) and (x, 2y + 1).
    public static func cells(_ image: RGBImage) -> HalfBlockImage {
        precondition(image.pixels.count == image.width * image.height * 3,
                     "BlockRenderer: \(image.pixels.count) bytes for a \(image.width)x\(image.height) RGB image")
        let rows = (image.height + 1) / 2
        let pixels = image.pixels
        // Reads the interleaved RGB bytes directly: this runs for every frame shown.
        func pixel(_ x: Int, _ y: Int) -> TerminalColor {
            let offset = (y * image.width + x) * 3
            return TerminalColor(pixels[offset], pixels[offset + 1], pixels[offset + 2])
        }
        var cells: [HalfBlockCell] = []
        cells.reserveCapacity(rows * image.width)
        for row in 0..<rows {
            for x in 0..<image.width {
                let bottomY = 2 * row + 1
                cells.append(HalfBlockCell(
                    top: pixel(x, 2 * row),
                    bottom: bottomY < image.height ? pixel(x, bottomY) : nil))
            }
        }
        return HalfBlockImage(columns: image.width, rows: rows, cells: cells)
    }

    /// One string per cell row, ready to write at the start of that row.
    public static func lines(_ image: RGBImage, mode: BlockMode) -> [String] {
        lines(cells(image), mode: mode)
    }

    /// One string per cell row. Colour modes change SGR only where the colour changes and end
    /// every row with `SGR 0`, so rows can be written anywhere and in any order.
    public static func lines(_ image: HalfBlockImage, mode: BlockMode) -> [String] {
        (0..<image.rows).map { row in
            let rowCells = image.cells[(row * image.columns)..<((row + 1) * image.columns)]
            switch mode {
            case .truecolor:
                return colouredLine(rowCells) { "2;\($0.r);\($0.g);\($0.b)" }
            case .xterm256:
                return colouredLine(rowCells) { "5;\(XTerm256.nearestIndex($0))" }
            case .ascii:
                return String(rowCells.map { asciiCharacter(top: $0.top, bottom: $0.bottom) })
            }
        }
    }

    /// The ramp character for a cell: the mean Rec. 709 luma of its two pixels.
    public static func asciiCharacter(top: TerminalColor, bottom: TerminalColor?) -> Character {
        let luma = bottom.map { (self.luma(top) + self.luma($0)) / 2 } ?? self.luma(top)
        let index = Int((luma * Double(asciiRamp.count - 1) / 255).rounded())
        return asciiRamp[min(asciiRamp.count - 1, max(0, index))]
    }

    static func luma(_ color: TerminalColor) -> Double {
        0.2126 * Double(color.r) + 0.7152 * Double(color.g) + 0.0722 * Double(color.b)
    }

    /// Builds a row of `▀` with `38;…` / `48;…` colours, `spec` giving the part after 38;/48;.
    private static func colouredLine(
        _ cells: ArraySlice<HalfBlockCell>, spec: (TerminalColor) -> String
    ) -> String {
        var line = ""
        var foreground: String?
        var background: String??  // .some(nil) is "default background"
        for cell in cells {
            let top = spec(cell.top)
            let bottom = cell.bottom.map(spec)
            var parameters: [String] = []
            if top != foreground { parameters.append("38;" + top) }
            if background == nil || background! != bottom {
                parameters.append(bottom.map { "48;" + $0 } ?? "49")
            }
            if !parameters.isEmpty { line += "\u{1B}[" + parameters.joined(separator: ";") + "m" }
            line.append(upperHalfBlock)
            foreground = top
            background = .some(bottom)
        }
        return line + "\u{1B}[0m"
    }
}
