// Grid: contact sheets of images with optional per-cell captions and row/column
// headers, e.g. seed sweeps or style-mixing matrices.

/// How `Grid.compose` lays out and labels its cells.
public struct GridOptions: Sendable {
    /// Maximum number of cells per row (fewer are used when there are fewer images).
    public var columns: Int
    /// Gap in pixels around and between cells.
    public var padding: Int = 2
    /// Colour of the gaps, margins and label strips.
    public var background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    /// Per-cell captions, drawn in a strip under each cell; index `i` labels image `i`.
    /// When non-nil every row gets a strip, even for missing or empty captions.
    public var labels: [String]? = nil
    /// Colour of all label text.
    public var labelColor = (0, 0, 0) as (UInt8, UInt8, UInt8)
    /// Row headers, drawn in a left margin sized to the widest one.
    public var rowLabels: [String]? = nil
    /// Column headers, drawn in a top margin.
    public var columnLabels: [String]? = nil
    /// Font scale for all labels.
    public var labelScale: Int = 1

    /// Options with `columns` cells per row and the defaults above.
    public init(columns: Int) {
        self.columns = columns
    }
}

/// Where `Grid.compose` puts things; exposed so callers can map pixels back to cells.
public struct GridLayout: Equatable, Sendable {
    /// Cells per row and number of rows actually used.
    public let columns: Int, rows: Int
    /// Size of every cell's image area (the largest input image).
    public let cellWidth: Int, cellHeight: Int
    /// Height of the caption strip under each cell (0 without captions).
    public let labelStripHeight: Int
    /// Width of the row-header margin and height of the column-header margin (0 when absent).
    public let leftMargin: Int, topMargin: Int
    /// The padding used between and around cells.
    public let padding: Int
    /// Size of the composed image.
    public let width: Int, height: Int

    /// Top-left corner of cell `index`'s image area (row-major order).
    public func cellOrigin(_ index: Int) -> (x: Int, y: Int) {
        let column = index % max(columns, 1), row = index / max(columns, 1)
        return (padding + leftMargin + column * (cellWidth + padding),
                padding + topMargin + row * (cellHeight + labelStripHeight + padding))
    }

    /// The cell index whose image area or caption strip contains (`x`, `y`), if any.
    public func cellIndex(atX x: Int, y: Int) -> Int? {
        let gx = x - padding - leftMargin, gy = y - padding - topMargin
        guard gx >= 0, gy >= 0, columns > 0 else { return nil }
        let pitchX = cellWidth + padding, pitchY = cellHeight + labelStripHeight + padding
        let column = gx / pitchX, row = gy / pitchY
        guard column < columns, row < rows,
              gx % pitchX < cellWidth, gy % pitchY < cellHeight + labelStripHeight else { return nil }
        return row * columns + column
    }
}

/// Composes images into a labelled grid.
public enum Grid {
    /// The layout `compose` would use for `count` images of at most `cellWidth` x `cellHeight`.
    public static func layout(count: Int, cellWidth: Int, cellHeight: Int, options: GridOptions) -> GridLayout {
        precondition(options.columns >= 1, "grid needs at least one column")
        precondition(options.padding >= 0 && options.labelScale >= 1, "bad grid padding or label scale")
        let scale = options.labelScale
        let textHeight = BitmapFont.textHeight(scale: scale)
        // One font pixel of breathing room between text and the images it labels.
        let gap = scale
        let columns = count == 0 ? 0 : min(options.columns, count)
        let rows = columns == 0 ? 0 : (count + columns - 1) / columns
        let strip = options.labels == nil ? 0 : textHeight + 2 * gap
        let left = options.rowLabels.map { labels in
            (labels.map { BitmapFont.textWidth($0, scale: scale) }.max() ?? 0) + gap
        } ?? 0
        let top = options.columnLabels == nil ? 0 : textHeight + gap
        let pad = options.padding
        return GridLayout(
            columns: columns, rows: rows,
            cellWidth: cellWidth, cellHeight: cellHeight,
            labelStripHeight: strip, leftMargin: left, topMargin: top, padding: pad,
            width: pad + left + columns * (cellWidth + pad),
            height: pad + top + rows * (cellHeight + strip + pad))
    }

    /// Images laid row-major into `columns` columns (all cells sized to the largest
    /// image, smaller images centred in their cell); per-cell labels drawn in a strip
    /// under each cell; optional row labels (left margin) and column labels (top
    /// margin) for matrices like style mixing. Captions and column headers longer
    /// than a cell are truncated to fit it. An empty input yields just the margins.
    public static func compose(_ images: [RGBImage], options: GridOptions) -> RGBImage {
        let cellWidth = images.map(\.width).max() ?? 0
        let cellHeight = images.map(\.height).max() ?? 0
        let layout = layout(count: images.count, cellWidth: cellWidth, cellHeight: cellHeight, options: options)
        let scale = options.labelScale
        let color = options.labelColor
        var canvas = RGBImage(width: layout.width, height: layout.height, fill: options.background)

        for (index, image) in images.enumerated() {
            let origin = layout.cellOrigin(index)
            canvas.paste(image, x: origin.x + (cellWidth - image.width) / 2,
                         y: origin.y + (cellHeight - image.height) / 2)
            if let labels = options.labels, index < labels.count {
                drawCentered(labels[index], on: &canvas, x: origin.x, width: cellWidth,
                             y: origin.y + cellHeight + scale, color: color, scale: scale)
            }
        }
        if let columnLabels = options.columnLabels {
            for (column, text) in columnLabels.prefix(layout.columns).enumerated() {
                let origin = layout.cellOrigin(column)
                drawCentered(text, on: &canvas, x: origin.x, width: cellWidth,
                             y: layout.padding, color: color, scale: scale)
            }
        }
        if let rowLabels = options.rowLabels {
            let textHeight = BitmapFont.textHeight(scale: scale)
            for (row, text) in rowLabels.prefix(layout.rows).enumerated() {
                let origin = layout.cellOrigin(row * layout.columns)
                BitmapFont.draw(text, on: &canvas, x: layout.padding,
                                y: origin.y + (cellHeight - textHeight) / 2, color: color, scale: scale)
            }
        }
        return canvas
    }

    /// Draws `text`, truncated to `width`, horizontally centred in [x, x + width).
    private static func drawCentered(_ text: String, on canvas: inout RGBImage, x: Int, width: Int,
                                     y: Int, color: (UInt8, UInt8, UInt8), scale: Int) {
        let fitted = BitmapFont.truncated(text, toWidth: width, scale: scale)
        let textWidth = BitmapFont.textWidth(fitted, scale: scale)
        BitmapFont.draw(fitted, on: &canvas, x: x + (width - textWidth) / 2, y: y, color: color, scale: scale)
    }
}
