// Sizes: the terminal in cells, one cell in pixels, and where each number came from.

/// A terminal size in character cells.
public struct TerminalSize: Sendable, Equatable, CustomStringConvertible {
    public var rows: Int
    public var cols: Int

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }

    /// The conventional 80x24 used when nothing better is known.
    public static let fallback = TerminalSize(rows: 24, cols: 80)

    /// `COLSxROWS`, the order terminal users say it in ("80x24").
    public var description: String { "\(cols)x\(rows)" }
}

/// A size in pixels.
public struct PixelSize: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The cell size assumed when the terminal reports none (a typical 10x20 monospace cell).
    public static let defaultCell = PixelSize(width: 10, height: 20)

    /// One half-block cell holds one pixel across and two down.
    public static let halfBlockCell = PixelSize(width: 1, height: 2)

    public var description: String { "\(width)x\(height)" }
}

/// What `TIOCGWINSZ` reported: the size in cells and, on terminals that fill them in,
/// the text area in pixels (zero when unknown).
public struct WindowSize: Sendable, Equatable {
    public var rows: Int
    public var cols: Int
    public var pixelWidth: Int
    public var pixelHeight: Int

    public init(rows: Int, cols: Int, pixelWidth: Int = 0, pixelHeight: Int = 0) {
        self.rows = rows
        self.cols = cols
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
    }

    /// Pixels per cell derived from the pixel fields, or `nil` when they are zero
    /// (many terminals, and every tmux before 3.4, leave them unset).
    public var cellSize: PixelSize? {
        guard rows > 0, cols > 0, pixelWidth > 0, pixelHeight > 0 else { return nil }
        let size = PixelSize(width: pixelWidth / cols, height: pixelHeight / rows)
        return size.width > 0 && size.height > 0 ? size : nil
    }
}
