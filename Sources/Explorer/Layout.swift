// Layout: where everything goes for a terminal size. One status line on top; the
// face on the left and a panel on the right; a message line and a key-hint (or
// command) line at the bottom. The face box takes all the width the panel leaves,
// and the picture is fitted into it. Below 80x24 there is no layout, only the
// "terminal too small" message.

import Terminal

/// A rectangle of cells.
struct CellRect: Sendable, Equatable, CustomStringConvertible {
    var row: Int
    var col: Int
    var rows: Int
    var cols: Int

    init(row: Int, col: Int, rows: Int, cols: Int) {
        self.row = row
        self.col = col
        self.rows = rows
        self.cols = cols
    }

    var size: TerminalSize { TerminalSize(rows: rows, cols: cols) }
    var description: String { "\(cols)x\(rows) at (\(col), \(row))" }
}

/// A picture placed in a box: its size in pixels and the cell where its top-left corner goes.
struct PicturePlacement: Sendable, Equatable {
    var pixelSize: PixelSize
    var cells: TerminalSize
    var row: Int
    var col: Int
    /// The integer upscale, or nil for a fitted size.
    var scale: Int?

    /// The cells the picture covers.
    var rect: CellRect { CellRect(row: row, col: col, rows: cells.rows, cols: cells.cols) }
}

/// The screen's regions for one terminal size.
struct Layout: Sendable, Equatable {
    /// The smallest terminal the explorer draws in.
    static let minimum = TerminalTooSmall.defaultMinimum

    let size: TerminalSize
    /// Model, seed, ψ, renderer, timing.
    let statusRow: Int
    /// Everything between the status line and the message line.
    let body: CellRect
    /// The face view (left part of the body).
    let face: CellRect
    /// The separator column between face and panel.
    let separatorCol: Int
    /// The side panel (right part of the body).
    let panel: CellRect
    /// What just happened, export progress, errors.
    let messageRow: Int
    /// Key hints, or the command line while typing one.
    let hintRow: Int

    /// The layout for `size`, or nil when the terminal is smaller than `minimum`.
    init?(size: TerminalSize) {
        guard !TerminalTooSmall.isTooSmall(size, minimum: Self.minimum) else { return nil }
        self.size = size
        statusRow = 0
        messageRow = size.rows - 2
        hintRow = size.rows - 1
        body = CellRect(row: 1, col: 0, rows: size.rows - 3, cols: size.cols)
        let panelWidth = Self.panelWidth(cols: size.cols)
        face = CellRect(row: body.row, col: 0, rows: body.rows, cols: size.cols - panelWidth - 1)
        separatorCol = face.cols
        panel = CellRect(row: body.row, col: face.cols + 1, rows: body.rows, cols: panelWidth)
    }

    /// The panel gets more room on wide terminals, but the face always gets most of it.
    static func panelWidth(cols: Int) -> Int {
        cols < 100 ? 32 : (cols < 160 ? 40 : 48)
    }

    /// Where a picture of `image` pixels goes in `box`, centred, at the largest size that fits.
    ///
    /// A whole-number upscale (crisp, every source pixel the same size) is used when it fills at
    /// least 80% of what a fitted size would; otherwise the picture is fitted to the box (then
    /// resized with the smooth filter). For sixel (`sixel` true) the picture keeps 6 pixels clear
    /// of the box's bottom edge, because terminals draw sixel in bands of 6 rows and may round up.
    /// `limit` is the largest picture the terminal shows (xterm's maxGraphicSize): the picture is
    /// fitted inside it too.
    static func place(image: PixelSize, cell: PixelSize, in box: CellRect, sixel: Bool = false,
                             limit: PixelSize? = nil) -> PicturePlacement? {
        guard image.width > 0, image.height > 0, box.rows > 0, box.cols > 0, cell.width > 0, cell.height > 0 else { return nil }
        let roomWidth = min(box.cols * cell.width, limit?.width ?? .max)
        let roomHeight = min(box.rows * cell.height - (sixel ? 6 : 0), limit?.height ?? .max)
        guard roomWidth > 0, roomHeight > 0 else { return nil }
        // The fitted size: scaled by the tighter dimension, in integer arithmetic so it never exceeds the room.
        let fitted = roomWidth * image.height <= roomHeight * image.width
            ? PixelSize(width: roomWidth, height: max(1, roomWidth * image.height / image.width))
            : PixelSize(width: max(1, roomHeight * image.width / image.height), height: roomHeight)
        let factor = min(roomWidth / image.width, roomHeight / image.height)
        let useInteger = factor >= 1 && image.width * factor * 5 >= fitted.width * 4
        let size = useInteger ? PixelSize(width: image.width * factor, height: image.height * factor) : fitted
        let cells = TerminalSize(rows: (size.height + cell.height - 1) / cell.height, cols: (size.width + cell.width - 1) / cell.width)
        return PicturePlacement(pixelSize: size, cells: cells,
                                row: box.row + (box.rows - cells.rows) / 2, col: box.col + (box.cols - cells.cols) / 2,
                                scale: useInteger ? factor : nil)
    }
}
