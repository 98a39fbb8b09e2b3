// iTerm2's inline images (iTerm2, WezTerm): `OSC 1337 ; File = … : base64 BEL`, here with a
// PNG. The image becomes part of the cells it covers, like sixel: text drawn over it replaces
// it, and a new picture simply overwrites the old one. The size is given in pixels so the
// terminal shows the image 1:1 instead of rescaling it to its own idea of the cell size.

/// Escape sequences for iTerm2 inline images.
public enum ITermEncoder {
    /// Shows `png` (of `size` pixels) with its top-left corner at the cursor. `doNotMoveCursor=1`
    /// (honoured by WezTerm and iTerm2 3.5+) keeps the cursor still; the caller restores it anyway.
    public static func inlineImage(png: [UInt8], size: PixelSize) -> [UInt8] {
        var out = Array(("\u{1B}]1337;File=inline=1;size=\(png.count);width=\(size.width)px;height=\(size.height)px;"
            + "preserveAspectRatio=0;doNotMoveCursor=1:").utf8)
        out += Base64.encode(png)
        out.append(0x07)
        return out
    }
}
