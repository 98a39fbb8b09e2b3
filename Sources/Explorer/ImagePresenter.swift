// ImagePresenter: puts pictures on the screen in the chosen renderer. Pictures arrive at their
// source size with a whole-number enlargement factor (or already fitted, factor 1), and each
// renderer enlarges them its own way: sixel writes the factor into its run-length repeats, the
// others repeat pixels (nearest neighbour) before encoding. Sixel keeps one SixelEncoder for the
// session (stable palette, ordered dither, so stepping through latents does not flicker); kitty
// keeps one image id for the face view and replaces it in place; iTerm2 images and half blocks
// simply overwrite the cells. Everything leaves through the ScreenDriver's raw-payload path,
// which writes it right after curses' own update.

import Imaging
import Terminal

/// A picture encoded for the terminal.
enum ScreenPayload: Sendable, Equatable {
    /// Half-block (or ASCII) rows, one string per cell row.
    case cells([String])
    /// A complete sixel sequence.
    case sixel([UInt8])
    /// Kitty graphics commands that transmit and place the picture under the view's image id.
    case kitty([UInt8])
    /// An iTerm2 inline image (OSC 1337).
    case iterm2([UInt8])

    /// Bytes this payload sends (for the status line and tests).
    var byteCount: Int {
        switch self {
        case .cells(let l): l.reduce(0) { $0 + $1.utf8.count }
        case .sixel(let b), .kitty(let b), .iterm2(let b): b.count
        }
    }
}

/// Encodes pictures for one renderer and draws them.
final class ImagePresenter {
    private(set) var renderer: Renderer
    /// Colour depth for text cells (legends, and pictures that fall back to half blocks).
    let colorLevel: ColorLevel
    /// One terminal cell in pixels (sizing for the pixel renderers).
    let cellSize: PixelSize
    /// The terminal's sixel colour registers, when it said (the palette uses at most 256).
    let colorRegisters: Int?
    private var encoder: SixelEncoder?

    /// The kitty image id (and placement id 1) of the face view: one id, replaced in place.
    static let kittyImageID = 4242

    init(renderer: Renderer, colorLevel: ColorLevel, cellSize: PixelSize, colorRegisters: Int? = nil) {
        self.renderer = renderer
        self.colorLevel = colorLevel
        self.cellSize = cellSize
        self.colorRegisters = colorRegisters
    }

    /// Switches renderer (the sixel palette starts afresh).
    func setRenderer(_ r: Renderer) {
        renderer = r
        encoder = nil
    }

    /// Pixels per cell for placing pictures in `renderer`: the terminal's cell for the pixel
    /// renderers, 1x2 for half blocks.
    func pixelsPerCell(_ renderer: Renderer) -> PixelSize { renderer.isPixel ? cellSize : .halfBlockCell }

    /// The text tier pictures fall back to (and legends use): the renderer's own, or for a
    /// pixel renderer the terminal's colour level.
    var cellRenderer: Renderer { renderer.isPixel ? colorLevel.blockRenderer : renderer }

    /// The mode for text-cell pictures.
    var cellMode: BlockMode { cellRenderer.blockMode ?? .xterm256 }

    /// The side of the sample the sixel palette is fitted to. Building a palette (median cut)
    /// from a large picture takes tens of milliseconds; a nearest-neighbour sample of it has
    /// the same colours and takes one or two.
    static let paletteSampleSide = 128

    /// Encodes `image` enlarged `scale` times (pixel repetition) in `renderer` (by default the
    /// presenter's own; a text tier when a picture cannot be shown in pixels).
    func payload(for image: RGBImage, scale: Int = 1, renderer: Renderer? = nil) throws -> ScreenPayload {
        let renderer = renderer ?? self.renderer
        switch renderer {
        case .sixel:
            return .sixel(try sixel(image, scale: scale))
        case .kitty:
            return .kitty(KittyEncoder.place(png: try Self.png(image, scale: scale), id: Self.kittyImageID))
        case .iterm2:
            let size = PixelSize(width: image.width * scale, height: image.height * scale)
            return .iterm2(ITermEncoder.inlineImage(png: try Self.png(image, scale: scale), size: size))
        case .blocks, .blocks256, .ascii:
            return .cells(BlockRenderer.lines(image.scaled(by: scale, filter: .nearest), mode: renderer.blockMode ?? .truecolor))
        }
    }

    /// The PNG of `image` enlarged `scale` times: written directly for an enlargement (runs of
    /// repeated pixels and rows), by libpng for a picture at its own size (where real
    /// compression pays).
    static func png(_ image: RGBImage, scale: Int) throws -> [UInt8] {
        scale > 1 ? EnlargedPNG.encode(image, scale: scale) : try PNGCodec.encode(image)
    }

    private func sixel(_ image: RGBImage, scale: Int) throws -> [UInt8] {
        if encoder == nil {
            encoder = try SixelEncoder(colors: min(256, max(2, colorRegisters ?? 256)), stablePalette: true)
        }
        let encoder = encoder!
        let side = Self.paletteSampleSide
        guard image.width > side || image.height > side else { return try encoder.encode(image, scale: scale) }
        // Fit (or keep) the palette on a small sample, where the encoder's own "does the kept
        // palette still fit?" test runs too; then encode the full picture with that palette.
        let longest = max(image.width, image.height)
        try encoder.fitPalette(to: image.resized(width: max(1, image.width * side / longest),
                                                 height: max(1, image.height * side / longest), filter: .nearest))
        let threshold = encoder.refitThreshold
        encoder.refitThreshold = nil
        defer { encoder.refitThreshold = threshold }
        return try encoder.encode(image, scale: scale)
    }

    /// Small pictures inside text (legends): always half-block rows in the best text colour mode.
    func legendCells(_ image: RGBImage) -> [String] {
        BlockRenderer.lines(image, mode: cellMode)
    }

    /// Queues `payload` on `screen` with its top-left corner at `row`, `col`.
    static func draw(_ payload: ScreenPayload, on screen: ScreenDriver, row: Int, col: Int) {
        switch payload {
        case .cells(let lines): screen.drawCells(lines, row: row, col: col)
        case .sixel(let bytes), .kitty(let bytes), .iterm2(let bytes): screen.drawRaw(bytes, row: row, col: col)
        }
    }

    /// What removes the face view's kitty image from the terminal (screen and memory).
    static var kittyCleanup: [UInt8] { KittyEncoder.delete(id: kittyImageID) }
}
