// ImagePresenter: puts pictures on the screen in the chosen renderer. Sixel goes
// through one SixelEncoder kept for the session (stable palette, ordered dither,
// so stepping through latents does not flicker); the text tiers go through
// BlockRenderer. Both leave through the ScreenDriver's raw-payload path, which
// writes them right after curses' own update.

import Imaging
import Terminal

/// A picture encoded for the terminal.
public enum ScreenPayload: Sendable, Equatable {
    /// Half-block (or ASCII) rows, one string per cell row.
    case cells([String])
    /// A complete sixel sequence.
    case sixel([UInt8])

    /// Bytes this payload sends (for the status line and tests).
    public var byteCount: Int {
        switch self {
        case .cells(let l): l.reduce(0) { $0 + $1.utf8.count }
        case .sixel(let b): b.count
        }
    }
}

/// Encodes pictures for one renderer and draws them.
public final class ImagePresenter {
    public private(set) var renderer: Renderer
    /// Colour depth for text cells (legends, and the picture itself in the block tiers of an
    /// auto-detected sixel terminal's fallback).
    public let colorLevel: ColorLevel
    /// One terminal cell in pixels (sixel sizing).
    public let cellSize: PixelSize
    private var encoder: SixelEncoder?

    public init(renderer: Renderer, colorLevel: ColorLevel, cellSize: PixelSize) {
        self.renderer = renderer
        self.colorLevel = colorLevel
        self.cellSize = cellSize
    }

    /// Switches renderer (the sixel palette starts afresh).
    public func setRenderer(_ r: Renderer) {
        renderer = r
        encoder = nil
    }

    /// Pixels per cell for placing pictures: the terminal's cell for sixel, 1x2 for half blocks.
    public var pixelsPerCell: PixelSize { renderer == .sixel ? cellSize : .halfBlockCell }

    /// The mode for text-cell pictures: the renderer's own, or for sixel the terminal's colour level.
    public var cellMode: BlockMode { renderer.blockMode ?? colorLevel.blockRenderer.blockMode ?? .xterm256 }

    /// The side of the sample the sixel palette is fitted to. Building a palette (median cut)
    /// from a 700-pixel picture takes tens of milliseconds; a nearest-neighbour sample of it
    /// has the same colours and takes one or two.
    public static let paletteSampleSide = 128

    /// Encodes a picture already at its display size.
    public func payload(for image: RGBImage) throws -> ScreenPayload {
        guard renderer == .sixel else {
            return .cells(BlockRenderer.lines(image, mode: renderer.blockMode ?? .truecolor))
        }
        if encoder == nil { encoder = try SixelEncoder(colors: 256, stablePalette: true) }
        let encoder = encoder!
        let side = Self.paletteSampleSide
        if image.width > side || image.height > side {
            // Fit (or keep) the palette on the small sample, where the encoder's own "does the kept
            // palette still fit?" test runs too; then encode the full picture with that palette.
            let scale = max(image.width, image.height)
            let sample = image.resized(width: max(1, image.width * side / scale), height: max(1, image.height * side / scale), filter: .nearest)
            let threshold = encoder.refitThreshold
            _ = try encoder.encode(sample)
            encoder.refitThreshold = nil
            defer { encoder.refitThreshold = threshold }
            return .sixel(try encoder.encode(image))
        }
        return .sixel(try encoder.encode(image))
    }

    /// Small pictures inside text (legends): always half-block rows in the best text colour mode.
    public func legendCells(_ image: RGBImage) -> [String] {
        BlockRenderer.lines(image, mode: cellMode)
    }

    /// Queues `payload` on `screen` with its top-left corner at `row`, `col`.
    public static func draw(_ payload: ScreenPayload, on screen: ScreenDriver, row: Int, col: Int) {
        switch payload {
        case .cells(let lines): screen.drawCells(lines, row: row, col: col)
        case .sixel(let bytes): screen.drawRaw(bytes, row: row, col: col)
        }
    }
}
