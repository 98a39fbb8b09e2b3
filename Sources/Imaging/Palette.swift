// Palette: distinct categorical colours for "which token owns this pixel" maps,
// and a legend strip naming what each colour stands for.

/// A categorical palette of 20 distinct colours (matplotlib's tab10 followed by
/// the lighter tab20 companions), plus a legend builder.
public enum Palette {
    /// Number of distinct colours before `color(_:)` repeats.
    public static let count = colors.count

    /// The colour for category `index`; indices wrap around (negative ones too).
    public static func color(_ index: Int) -> (UInt8, UInt8, UInt8) {
        let i = ((index % count) + count) % count
        return colors[i]
    }

    /// A single-row legend: for each label, a `swatch` x `swatch` square of
    /// `color(i)` followed by the label drawn at font `scale`, left to right.
    public static func legend(labels: [String], swatch: Int, scale: Int,
                              background: (UInt8, UInt8, UInt8) = (255, 255, 255),
                              textColor: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> RGBImage {
        precondition(swatch >= 0 && scale >= 1, "legend needs swatch >= 0 and scale >= 1")
        let margin = 2 * scale
        let textGap = 2 * scale          // between a swatch and its label
        let entryGap = 6 * scale         // between one label and the next swatch
        let textHeight = BitmapFont.textHeight(scale: scale)
        let rowHeight = max(swatch, textHeight)

        var width = margin * 2
        for (i, label) in labels.enumerated() {
            width += swatch + textGap + BitmapFont.textWidth(label, scale: scale)
            if i < labels.count - 1 { width += entryGap }
        }
        var image = RGBImage(width: width, height: rowHeight + margin * 2, fill: background)

        var x = margin
        for (i, label) in labels.enumerated() {
            image.fill(x: x, y: margin + (rowHeight - swatch) / 2, width: swatch, height: swatch, color: color(i))
            x += swatch + textGap
            BitmapFont.draw(label, on: &image, x: x, y: margin + (rowHeight - textHeight) / 2,
                            color: textColor, scale: scale)
            x += BitmapFont.textWidth(label, scale: scale) + entryGap
        }
        return image
    }

    private static let colors: [(UInt8, UInt8, UInt8)] = [
        // tab10
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
        // tab20's lighter companions, in the same hue order
        (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
        (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
    ]
}
