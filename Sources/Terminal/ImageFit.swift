// The largest size at which an image fits a box of terminal cells with its aspect ratio kept.
// Used to pick the size to resize a 64x64 face to before rendering it.

/// Where an image of a given pixel size goes in a box of cells.
public struct ImagePlacement: Equatable, Sendable {
    /// The size to resize the image to.
    public var pixelSize: PixelSize
    /// The cells it covers (rounded up).
    public var cells: TerminalSize
    /// The integer upscaling factor, or `nil` when the size is a fitted (non-integer) scale.
    public var scale: Int?

    public init(pixelSize: PixelSize, cells: TerminalSize, scale: Int?) {
        self.pixelSize = pixelSize
        self.cells = cells
        self.scale = scale
    }
}

/// Fits images into boxes of cells.
public enum ImageFit {
    /// The largest size of `image` that fits in `box`, with the aspect ratio kept.
    ///
    /// - Parameters:
    ///   - image: the source size in pixels.
    ///   - box: the space available, in cells.
    ///   - cell: pixels per cell: the terminal's cell size for sixel, or
    ///     `PixelSize.halfBlockCell` (1x2) for half blocks.
    ///   - integerScaling: prefer a whole-number upscale (crisp pixels with nearest-neighbour
    ///     resizing). When even 1x does not fit, falls back to the fitted downscale.
    /// - Returns: `nil` when the image or the box is empty.
    public static func fit(image: PixelSize, box: TerminalSize, cell: PixelSize, integerScaling: Bool = true)
        -> ImagePlacement?
    {
        guard image.width > 0, image.height > 0, box.rows > 0, box.cols > 0,
              cell.width > 0, cell.height > 0 else { return nil }
        let boxWidth = box.cols * cell.width
        let boxHeight = box.rows * cell.height

        let integerFactor = min(boxWidth / image.width, boxHeight / image.height)
        let size: PixelSize
        let scale: Int?
        if integerScaling && integerFactor >= 1 {
            size = PixelSize(width: image.width * integerFactor, height: image.height * integerFactor)
            scale = integerFactor
        } else {
            // Scale by the tighter dimension; integer arithmetic keeps the result exact and
            // never a pixel over the box.
            if boxWidth * image.height <= boxHeight * image.width {
                size = PixelSize(width: boxWidth, height: max(1, boxWidth * image.height / image.width))
            } else {
                size = PixelSize(width: max(1, boxHeight * image.width / image.height), height: boxHeight)
            }
            scale = nil
        }
        let cells = TerminalSize(
            rows: (size.height + cell.height - 1) / cell.height,
            cols: (size.width + cell.width - 1) / cell.width)
        return ImagePlacement(pixelSize: size, cells: cells, scale: scale)
    }
}
