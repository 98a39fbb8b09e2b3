// Sixel encoding, tuned for animation. libsixel builds the palette (median cut); with the
// default ordered dither (or none) the sixel bytes are written here (SixelWriter.swift), from
// palette indices of the source picture and a whole-number enlargement factor, so an enlarged
// face becomes run-length repeats (`!12~`) and costs about as much as the small face itself.
// The libsixel diffusions (A/X dither, Floyd-Steinberg) still go through sixel_encode.
//
// When the explorer steps through
// latents, consecutive faces differ slightly; a palette rebuilt for every frame, or an error
// diffusion whose errors propagate differently each time, makes the whole image shimmer. So:
//   * the palette is built from the first frame and kept for later ones, and rebuilt only
//     when it no longer fits (the picture drifted far, or a new seed was shown);
//   * the default dither is ordered (Bayer): a pixel's offset depends only on its position,
//     not on its neighbours' errors, so pixels that did not change keep their colour.
//     libsixel's own positional dithers (A_DITHER, X_DITHER) have the same property but add
//     ±32 levels of noise, far more than the spacing of an adaptive 256-colour palette
//     (measured: mean error per channel 9-15 instead of 3-5); they remain available.

import CSixel
import Imaging

/// An error from libsixel or from invalid input, with libsixel's own message.
public struct SixelError: Error, Equatable, CustomStringConvertible {
    /// The libsixel call (or check) that failed.
    public var operation: String
    /// The libsixel status code (0 for checks made before calling libsixel).
    public var status: Int32
    /// libsixel's description of the status and its additional message, or our own text.
    public var message: String

    public var description: String { "\(operation) failed: \(message)" }
}

/// Encodes RGB images as sixel escape sequences (`ESC P … q … ESC \`), keeping the palette
/// and dither stable between frames.
///
/// Not thread-safe: libsixel objects are reference-counted without locks. Use one encoder
/// per thread.
public final class SixelEncoder {
    /// Where the palette comes from.
    public enum PaletteMode: Sendable, Equatable {
        /// Built from every frame: best colours, but consecutive frames may flicker.
        case perFrame
        /// Built from the first frame and kept while it fits later frames (see
        /// `refitThreshold`), or until `resetPalette()`.
        case firstFrame
        /// libsixel's built-in xterm 256-colour palette: never changes, nothing to build.
        case xterm256
    }

    /// How colours that fall between palette entries are approximated.
    public enum Diffusion: Sendable, Equatable {
        /// No dithering: smooth areas may band, but nothing moves between frames.
        case none
        /// An 8x8 Bayer ordered dither, added before the palette lookup (the default). Its
        /// strength follows the spacing of the palette's entries: 12 levels peak to peak for
        /// adaptive palettes, 64 for the xterm-256 palette, whose steps are 40 to 95 apart.
        case ordered
        /// libsixel's positionally stable arithmetic dither (SIXEL_DIFFUSE_A_DITHER).
        case aDither
        /// libsixel's positionally stable XOR-based dither (SIXEL_DIFFUSE_X_DITHER).
        case xDither
        /// Floyd-Steinberg error diffusion: smoothest stills, but errors crawl between frames.
        case floydSteinberg

        /// What libsixel is told; `.ordered` is applied here, so libsixel does none.
        var libsixelValue: Int32 {
            switch self {
            case .none, .ordered: return SIXEL_DIFFUSE_NONE
            case .aDither: return SIXEL_DIFFUSE_A_DITHER
            case .xDither: return SIXEL_DIFFUSE_X_DITHER
            case .floydSteinberg: return SIXEL_DIFFUSE_FS
            }
        }
    }

    /// The number of palette entries requested (2…256).
    public let colors: Int
    /// Where the palette comes from.
    public let paletteMode: PaletteMode
    /// How colours between palette entries are approximated.
    public let diffusion: Diffusion
    /// In `.firstFrame` mode, the kept palette is rebuilt from a new frame when it would
    /// represent that frame with a mean error above this many levels per channel (0…255,
    /// nearest entry, measured on a sample of at most 1024 pixels). A face's own palette
    /// scores about 3; `nil` never rebuilds automatically.
    public var refitThreshold: Double? = 6

    /// The dither (palette) kept between frames: `.firstFrame` after the first frame, and
    /// `.xterm256` always.
    private var keptDither: OpaquePointer? {
        didSet { nearest = nil }
    }
    /// Nearest palette entries of the kept palette, filled as colours come (see SixelWriter).
    private var nearest: NearestPaletteTable?

    /// Creates an encoder.
    ///
    /// - Parameters:
    ///   - colors: palette size, 2…256 (sixel terminals have at most 256 colour registers,
    ///     some fewer; 256 is right for xterm, mlterm, foot, WezTerm, iTerm2).
    ///   - stablePalette: build the palette from the first frame and keep it (`.firstFrame`)
    ///     instead of rebuilding it every frame (`.perFrame`).
    /// - Throws: `SixelError` when `colors` is out of range.
    public convenience init(colors: Int = 256, stablePalette: Bool = true) throws {
        try self.init(colors: colors, paletteMode: stablePalette ? .firstFrame : .perFrame)
    }

    /// Creates an encoder with an explicit palette mode and diffusion.
    ///
    /// - Throws: `SixelError` when `colors` is outside 2…256, or when libsixel cannot create
    ///   the built-in palette for `.xterm256` (which ignores `colors`: it has 256 entries).
    public init(colors: Int = 256, paletteMode: PaletteMode, diffusion: Diffusion = .ordered) throws {
        guard (2...256).contains(colors) else {
            throw SixelError(operation: "SixelEncoder.init", status: 0,
                             message: "colors must be between 2 and 256, got \(colors)")
        }
        self.colors = colors
        self.paletteMode = paletteMode
        self.diffusion = diffusion
        if paletteMode == .xterm256 {
            guard let dither = sixel_dither_get(SIXEL_BUILTIN_XTERM256) else {
                throw SixelError(operation: "sixel_dither_get(SIXEL_BUILTIN_XTERM256)", status: SIXEL_FALSE,
                                 message: Self.libsixelMessage(SIXEL_FALSE))
            }
            sixel_dither_set_pixelformat(dither, SIXEL_PIXELFORMAT_RGB888)
            sixel_dither_set_diffusion_type(dither, diffusion.libsixelValue)
            keptDither = dither
        }
    }

    deinit {
        if let keptDither { sixel_dither_unref(keptDither) }
    }

    /// The palette kept between frames as RGB triples (3 bytes per entry), or `nil` when none
    /// is kept (`.firstFrame` before the first frame, and always in `.perFrame`).
    public var palette: [UInt8]? {
        keptDither.flatMap(Self.palette(of:))
    }

    /// Forgets the palette kept in `.firstFrame` mode, so the next frame builds a new one.
    /// Call it when the picture changes as a whole (a new seed, a grid instead of a face);
    /// gradual drift is handled by `refitThreshold`. Does nothing in the other modes.
    public func resetPalette() {
        guard paletteMode == .firstFrame, let keptDither else { return }
        sixel_dither_unref(keptDither)
        self.keptDither = nil
    }

    /// Encodes `image` as one complete sixel sequence, from the DCS introducer to the string
    /// terminator, in 7-bit form (`ESC P`, `ESC \`).
    ///
    /// - Throws: `SixelError` for an empty or inconsistent image, or any libsixel failure.
    public func encode(_ image: RGBImage) throws -> [UInt8] {
        try encode(image, scale: 1)
    }

    /// Encodes `image` enlarged `scale` times by pixel repetition (every source pixel a
    /// `scale` x `scale` block), as `encode(image.scaled(by: scale, filter: .nearest))`
    /// would show it, at a fraction of the cost: the dither and the palette work on the
    /// source pixels, and the enlargement becomes run-length repeats.
    public func encode(_ image: RGBImage, scale: Int) throws -> [UInt8] {
        guard scale >= 1 else {
            throw SixelError(operation: "SixelEncoder.encode", status: 0, message: "scale must be at least 1, got \(scale)")
        }
        guard image.width > 0, image.height > 0 else {
            throw SixelError(operation: "SixelEncoder.encode", status: 0,
                             message: "image is empty (\(image.width)x\(image.height))")
        }
        guard image.pixels.count == image.width * image.height * 3 else {
            throw SixelError(
                operation: "SixelEncoder.encode", status: 0,
                message: "image has \(image.pixels.count) bytes, expected \(image.width * image.height * 3) for \(image.width)x\(image.height) RGB")
        }
        // libsixel diffuses errors into the buffer it is given and `.ordered` adds its
        // pattern to it, so both work on a copy.
        var pixels = image.pixels
        let (dither, exact) = try ditherFor(pixels)
        defer { if paletteMode == .perFrame { sixel_dither_unref(dither) } }

        // A per-frame palette that holds every colour of the frame needs no dithering; nor does
        // an enlargement, where every source pixel is a flat square: a dither pattern at that
        // scale is visible noise, not finer shades.
        if diffusion == .ordered && !exact && scale == 1 {
            Self.applyOrderedDither(&pixels, width: image.width, amplitude: paletteMode == .xterm256 ? 64 : 12)
        }

        if diffusion == .ordered || diffusion == .none {
            guard let palette = Self.palette(of: dither) else {
                throw SixelError(operation: "sixel_dither_get_palette", status: SIXEL_FALSE, message: "the dither has no palette")
            }
            var table = paletteMode == .perFrame ? NearestPaletteTable(palette: palette) : (nearest ?? NearestPaletteTable(palette: palette))
            let indices = table.indices(of: pixels)
            if paletteMode != .perFrame { nearest = table }
            return SixelWriter.write(indices: indices, width: image.width, height: image.height, scale: scale, palette: palette)
        }
        if scale > 1 {
            // libsixel's diffusions work on the pixels as shown.
            pixels = RGBImage(width: image.width, height: image.height, pixels: pixels)
                .scaled(by: scale, filter: .nearest).pixels
        }
        let (width, height) = (image.width * scale, image.height * scale)

        let sink = ByteSink()
        let retainedSink = Unmanaged.passRetained(sink)
        defer { retainedSink.release() }
        var output: OpaquePointer?
        try check(sixel_output_new(&output, { data, size, context in
            guard let data, let context, size > 0 else { return 0 }
            let sink = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
            data.withMemoryRebound(to: UInt8.self, capacity: Int(size)) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(size)))
            }
            return size
        }, retainedSink.toOpaque(), nil), "sixel_output_new")
        defer { sixel_output_unref(output) }

        try pixels.withUnsafeMutableBufferPointer { buffer in
            try check(sixel_encode(buffer.baseAddress, Int32(width), Int32(height), 3, dither, output),
                      "sixel_encode")
        }
        return sink.bytes
    }

    // MARK: - Palette

    /// Fits (or keeps) the palette for a picture like `image` without encoding anything: the
    /// kept palette is refitted when it no longer fits (see `refitThreshold`). A small sample
    /// of a large picture has the same colours and takes a fraction of the time.
    public func fitPalette(to image: RGBImage) throws {
        guard paletteMode == .firstFrame, !image.isEmpty else { return }
        _ = try ditherFor(image.pixels)
    }

    /// The dither for a frame of `pixels`: the kept one while it fits, else a new one (kept in
    /// `.firstFrame` mode), and whether its palette holds every colour exactly.
    private func ditherFor(_ pixels: [UInt8]) throws -> (OpaquePointer, Bool) {
        if paletteMode == .firstFrame, let keptDither, let refitThreshold,
           let palette = Self.palette(of: keptDither),
           Self.meanPaletteError(pixels, palette: palette) > refitThreshold {
            resetPalette()
        }
        if let keptDither { return (keptDither, false) }
        let (dither, exact) = try makeDither(from: pixels)
        if paletteMode == .firstFrame { keptDither = dither }
        return (dither, exact)
    }

    /// A dither whose palette is built from `pixels` by median cut, and whether that palette
    /// holds every colour of `pixels` (so that dithering would only add noise).
    private func makeDither(from pixels: [UInt8]) throws -> (OpaquePointer, Bool) {
        // A picture with no more colours than the palette holds gets exactly those colours:
        // libsixel's median cut keeps far fewer of them for small pictures (43 of 256 distinct
        // colours of a 16x16 one), which a whole-number enlargement shows as large flat errors.
        if let distinct = Self.distinctColors(pixels, atMost: colors) {
            var created: OpaquePointer?
            try check(sixel_dither_new(&created, Int32(distinct.count / 3), nil), "sixel_dither_new")
            guard let dither = created else {
                throw SixelError(operation: "sixel_dither_new", status: SIXEL_FALSE, message: "returned no dither")
            }
            var palette = distinct
            palette.withUnsafeMutableBufferPointer { sixel_dither_set_palette(dither, $0.baseAddress) }
            sixel_dither_set_pixelformat(dither, SIXEL_PIXELFORMAT_RGB888)
            sixel_dither_set_diffusion_type(dither, paletteMode == .perFrame ? SIXEL_DIFFUSE_NONE : diffusion.libsixelValue)
            return (dither, paletteMode == .perFrame)
        }
        var created: OpaquePointer?
        try check(sixel_dither_new(&created, Int32(colors), nil), "sixel_dither_new")
        guard let dither = created else {
            throw SixelError(operation: "sixel_dither_new", status: SIXEL_FALSE, message: "returned no dither")
        }
        var sample = pixels
        do {
            // Handed over as one row: building a palette only counts colours.
            try sample.withUnsafeMutableBufferPointer { buffer in
                try check(sixel_dither_initialize(
                    dither, buffer.baseAddress, Int32(buffer.count / 3), 1, SIXEL_PIXELFORMAT_RGB888,
                    SIXEL_LARGE_NORM, SIXEL_REP_AVERAGE_PIXELS, SIXEL_QUALITY_HIGH), "sixel_dither_initialize")
            }
        } catch {
            sixel_dither_unref(dither)
            throw error
        }
        // sixel_dither_initialize turns diffusion off when the frame has no more colours than
        // the palette: right for this frame alone, but a palette kept for later frames must
        // dither them, so only a per-frame palette keeps that choice.
        let exact = paletteMode == .perFrame
            && sixel_dither_get_num_of_histogram_colors(dither) <= sixel_dither_get_num_of_palette_colors(dither)
        if !exact {
            sixel_dither_set_diffusion_type(dither, diffusion.libsixelValue)
        }
        return (dither, exact)
    }

    /// The distinct colours of `pixels` as RGB triples in order of appearance, or `nil` when
    /// there are more than `limit`.
    static func distinctColors(_ pixels: [UInt8], atMost limit: Int) -> [UInt8]? {
        var seen = Set<UInt32>()
        var out: [UInt8] = []
        for i in stride(from: 0, to: pixels.count - 2, by: 3) {
            let key = UInt32(pixels[i]) << 16 | UInt32(pixels[i + 1]) << 8 | UInt32(pixels[i + 2])
            if seen.insert(key).inserted {
                if seen.count > limit { return nil }
                out += pixels[i..<(i + 3)]
            }
        }
        return out.isEmpty ? nil : out
    }

    private static func palette(of dither: OpaquePointer) -> [UInt8]? {
        guard let entries = sixel_dither_get_palette(dither) else { return nil }
        let count = Int(sixel_dither_get_num_of_palette_colors(dither))
        return Array(UnsafeBufferPointer(start: entries, count: count * 3))
    }

    /// Mean absolute error per channel when each sampled pixel takes its nearest palette
    /// entry (squared RGB distance). Samples at most 1024 pixels, evenly spaced, which is
    /// plenty to tell a palette that fits from one that does not; it runs for every frame, so
    /// it reads the buffers without bounds checks.
    static func meanPaletteError(_ pixels: [UInt8], palette: [UInt8]) -> Double {
        let pixelCount = pixels.count / 3, entries = palette.count / 3
        guard pixelCount > 0, entries > 0 else { return 0 }
        let step = max(1, pixelCount / 1024)
        var total = 0, sampled = 0
        pixels.withUnsafeBufferPointer { px in
            palette.withUnsafeBufferPointer { pal in
                for pixel in stride(from: 0, to: pixelCount, by: step) {
                    let r = Int(px[pixel * 3]), g = Int(px[pixel * 3 + 1]), b = Int(px[pixel * 3 + 2])
                    var best = Int.max, bestError = 0
                    for entry in 0..<entries {
                        let dr = r - Int(pal[entry * 3]), dg = g - Int(pal[entry * 3 + 1]), db = b - Int(pal[entry * 3 + 2])
                        let distance = dr * dr + dg * dg + db * db
                        if distance < best {
                            best = distance
                            bestError = abs(dr) + abs(dg) + abs(db)
                        }
                    }
                    total += bestError
                    sampled += 1
                }
            }
        }
        return Double(total) / Double(sampled * 3)
    }

    // MARK: - Ordered dither

    /// The 8x8 Bayer threshold matrix (values 0...63).
    static let bayer8: [Int] = [
        0, 32, 8, 40, 2, 34, 10, 42,
        48, 16, 56, 24, 50, 18, 58, 26,
        12, 44, 4, 36, 14, 46, 6, 38,
        60, 28, 52, 20, 62, 30, 54, 22,
        3, 35, 11, 43, 1, 33, 9, 41,
        51, 19, 59, 27, 49, 17, 57, 25,
        15, 47, 7, 39, 13, 45, 5, 37,
        63, 31, 55, 23, 61, 29, 53, 21,
    ]

    /// Adds the Bayer pattern, scaled to `amplitude` levels peak to peak and centred on zero,
    /// to every channel. The offset depends only on the pixel's position, so an unchanged
    /// pixel gets the same offset, and so the same palette entry, in every frame.
    static func applyOrderedDither(_ pixels: inout [UInt8], width: Int, amplitude: Int) {
        guard amplitude > 0, width > 0 else { return }
        pixels.withUnsafeMutableBufferPointer { buffer in
            for pixel in 0..<(buffer.count / 3) {
                let x = pixel % width, y = pixel / width
                // (2t + 1 - 64) / 128 lies in (-0.5, 0.5); times amplitude, rounded to nearest.
                let scaled = (2 * bayer8[(y & 7) * 8 + (x & 7)] + 1 - 64) * amplitude
                let offset = (scaled + (scaled >= 0 ? 64 : -64)) / 128
                for channel in 0..<3 {
                    let index = pixel * 3 + channel
                    buffer[index] = UInt8(clamping: Int(buffer[index]) + offset)
                }
            }
        }
    }

    // MARK: - libsixel plumbing

    private func check(_ status: SIXELSTATUS, _ operation: String) throws {
        // SIXEL_FAILED(status) is a function-like macro, which Swift cannot import.
        if status & SIXEL_FALSE != 0 {
            throw SixelError(operation: operation, status: status, message: Self.libsixelMessage(status))
        }
    }

    private static func libsixelMessage(_ status: SIXELSTATUS) -> String {
        var message = sixel_helper_format_error(status).map { String(cString: $0) } ?? "libsixel status \(status)"
        if let additional = sixel_helper_get_additional_message(), additional.pointee != 0 {
            message += " (\(String(cString: additional)))"
        }
        return message
    }
}

/// Collects what libsixel's output callback writes.
private final class ByteSink {
    var bytes: [UInt8] = []
}
