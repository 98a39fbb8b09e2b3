// BitmapFont: a built-in 5x7 pixel font for labelling grids, legends and
// overlays without any font files or text-rendering libraries.

/// A fixed-width 5x7 bitmap font covering printable ASCII (32...126).
/// Characters outside that range (including non-ASCII and control characters)
/// render as a hollow box, so missing glyphs are visible rather than silently dropped.
/// Text is a single line; each character advances `advance` pixels (times `scale`).
public enum BitmapFont {
    /// Glyph width in pixels at scale 1.
    public static let glyphWidth = 5
    /// Glyph height in pixels at scale 1.
    public static let glyphHeight = 7
    /// Horizontal distance between the starts of neighbouring characters at scale 1
    /// (glyph plus one pixel of spacing).
    public static let advance = glyphWidth + 1

    /// Width in pixels of `s` drawn at `scale`; no trailing spacing is counted.
    public static func textWidth(_ s: String, scale: Int = 1) -> Int {
        let n = s.count
        return n == 0 ? 0 : (n * advance - 1) * scale
    }

    /// Height in pixels of a line of text at `scale`.
    public static func textHeight(scale: Int = 1) -> Int {
        glyphHeight * scale
    }

    /// The longest prefix of `s` whose `textWidth` fits in `width` pixels.
    public static func truncated(_ s: String, toWidth width: Int, scale: Int = 1) -> String {
        guard textWidth(s, scale: scale) > width else { return s }
        // n characters need (n * advance - 1) * scale pixels.
        let fits = max(0, (width / max(1, scale) + 1) / advance)
        return String(s.prefix(fits))
    }

    /// Draws `s` with its top-left corner at (`x`, `y`), each glyph pixel becoming a
    /// `scale` x `scale` block of `color`. Only set pixels are written (the background
    /// shows through); anything outside the image is clipped.
    public static func draw(_ s: String, on image: inout RGBImage, x: Int, y: Int,
                            color: (UInt8, UInt8, UInt8), scale: Int = 1) {
        precondition(scale >= 1, "font scale must be at least 1")
        let width = image.width, height = image.height
        guard !s.isEmpty, width > 0, height > 0 else { return }
        // Skip quickly when the whole line is off-image.
        if y >= height || y + glyphHeight * scale <= 0 || x >= width { return }

        allRows.withUnsafeBufferPointer { table in
            image.pixels.withUnsafeMutableBufferPointer { dst in
                var penX = x
                for character in s {
                    if penX >= width { break }
                    defer { penX += advance * scale }
                    if penX + glyphWidth * scale <= 0 { continue }
                    let offset = glyphOffset(for: character)
                    for row in 0..<glyphHeight {
                        let bits = table[offset + row]
                        if bits == 0 { continue }
                        for column in 0..<glyphWidth where bits & (0b10000 >> UInt8(column)) != 0 {
                            let bx = penX + column * scale, by = y + row * scale
                            let x0 = max(0, bx), x1 = min(width, bx + scale)
                            let y0 = max(0, by), y1 = min(height, by + scale)
                            if x0 >= x1 || y0 >= y1 { continue }
                            for py in y0..<y1 {
                                var i = (py * width + x0) * 3
                                for _ in x0..<x1 {
                                    dst[i] = color.0
                                    dst[i + 1] = color.1
                                    dst[i + 2] = color.2
                                    i += 3
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether `character` has a real glyph (printable ASCII) rather than the box.
    public static func hasGlyph(_ character: Character) -> Bool {
        code(of: character) != nil
    }

    // MARK: - Glyph lookup

    /// The printable glyphs followed by the box shown for characters the font does not cover.
    private static let allRows: [UInt8] =
        glyphRows + [0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111]

    private static func code(of character: Character) -> Int? {
        let scalars = character.unicodeScalars
        guard scalars.count == 1, let v = scalars.first?.value, v >= 32, v <= 126 else { return nil }
        return Int(v)
    }

    /// Index of the first of the seven row bitmasks for `character` in `allRows`.
    private static func glyphOffset(for character: Character) -> Int {
        guard let code = code(of: character) else { return 95 * glyphHeight }
        return (code - 32) * glyphHeight
    }
}
