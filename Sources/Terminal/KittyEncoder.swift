// The kitty graphics protocol (kitty, Ghostty, WezTerm, Konsole): the terminal keeps images
// under numeric ids and shows placements of them. The explorer gives each picture slot one
// image id and one placement id, and sends every new picture under the same pair, so the
// terminal replaces the image in place (no flicker, nothing piling up in its memory) instead
// of stacking a new one. Images are deleted on quit and before suspending (Ctrl-Z), and sent
// again after a resume.
//
// Pictures go as PNG (`f=100`): deflate inside PNG is the protocol's compression, and PNG's
// row filters turn the repeated rows of a whole-number enlargement into runs of zeros.

/// Escape sequences of the kitty graphics protocol.
public enum KittyEncoder {
    /// Base64 characters per escape sequence: the protocol's limit is 4096 per chunk.
    static let chunkSize = 4096

    /// Transmits `png` as image `id` and shows it as placement `placement` with its top-left
    /// corner at the cursor, replacing what either id showed before.
    ///
    /// `q=2` keeps the terminal from answering (replies would arrive as keys); `C=1` leaves
    /// the cursor where it is, so nothing scrolls; `z=-1` draws below text, so curses' text
    /// stays readable if it ever overlaps.
    public static func place(png: [UInt8], id: Int, placement: Int = 1) -> [UInt8] {
        let data = Base64.encode(png)
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / chunkSize * 12 + 80)
        var offset = 0
        repeat {
            let end = min(data.count, offset + chunkSize)
            let more = end < data.count ? 1 : 0
            let keys = offset == 0 ? "a=T,f=100,i=\(id),p=\(placement),q=2,C=1,z=-1,m=\(more)" : "m=\(more)"
            out += Array("\u{1B}_G\(keys);".utf8)
            out += data[offset..<end]
            out += [0x1B, UInt8(ascii: "\\")]
            offset = end
        } while offset < data.count
        return out
    }

    /// Deletes image `id`, its placements and its data (`d=I` frees the memory too).
    public static func delete(id: Int) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8)
    }
}
