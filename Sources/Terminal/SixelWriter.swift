// Writes sixel bytes from palette indices, for SixelEncoder's ordered and undithered modes.
//
// A sixel image is a series of bands six pixel rows high; in each band every colour that
// occurs gets one pass across it (`#n` then one character per column, the six bits saying
// which rows of the column take that colour), passes separated by `$` and bands by `-`.
// Runs of the same character are written `!count char`. The writer works on the source
// picture's columns: with a whole-number enlargement, one source column is `scale` identical
// sixel columns, so the run is just longer, and only the source rows a band covers are read.

/// Nearest palette entry for each colour, cached by colour (6 bits a channel: the table holds
/// 262144 entries and each is searched once, for its bucket's centre, so the same colour
/// always gets the same entry, in every frame).
struct NearestPaletteTable {
    let palette: [UInt8]
    private var table: [UInt16]

    init(palette: [UInt8]) {
        self.palette = palette
        table = [UInt16](repeating: .max, count: 1 << 18)
    }

    /// One palette index per RGB pixel.
    mutating func indices(of pixels: [UInt8]) -> [UInt8] {
        let count = pixels.count / 3
        var out = [UInt8](repeating: 0, count: count)
        let entries = palette.count / 3
        palette.withUnsafeBufferPointer { pal in
            table.withUnsafeMutableBufferPointer { table in
                pixels.withUnsafeBufferPointer { src in
                    for i in 0..<count {
                        let key = Int(src[i * 3] >> 2) << 12 | Int(src[i * 3 + 1] >> 2) << 6 | Int(src[i * 3 + 2] >> 2)
                        var index = table[key]
                        if index == .max {
                            let r = Int(src[i * 3] & 0xFC) + 2, g = Int(src[i * 3 + 1] & 0xFC) + 2, b = Int(src[i * 3 + 2] & 0xFC) + 2
                            var best = Int.max
                            index = 0
                            for e in 0..<entries {
                                let dr = r - Int(pal[e * 3]), dg = g - Int(pal[e * 3 + 1]), db = b - Int(pal[e * 3 + 2])
                                let d = dr * dr + dg * dg + db * db
                                if d < best {
                                    best = d
                                    index = UInt16(e)
                                }
                            }
                            table[key] = index
                        }
                        out[i] = UInt8(truncatingIfNeeded: index)
                    }
                }
            }
        }
        return out
    }
}

enum SixelWriter {
    /// A complete sixel sequence (DCS … ST) for a `width` x `height` picture of palette
    /// `indices`, shown enlarged `scale` times; `palette` holds RGB triples.
    static func write(indices: [UInt8], width w: Int, height h: Int, scale s: Int, palette: [UInt8]) -> [UInt8] {
        precondition(indices.count == w * h && s >= 1)
        let fullWidth = w * s, fullHeight = h * s
        var out: [UInt8] = []
        out.reserveCapacity(8192 + w * h * 2)
        func number(_ n: Int) {
            if n >= 10 { number(n / 10) }
            out.append(UInt8(ascii: "0") + UInt8(n % 10))
        }
        // P2 = 1: bits left 0 keep what is there (every pixel is set anyway); raster attributes
        // give the size, so terminals need not guess it from the data.
        out += Array("\u{1B}P0;1;0q\"1;1;".utf8)
        number(fullWidth)
        out.append(UInt8(ascii: ";"))
        number(fullHeight)
        for e in 0..<(palette.count / 3) {
            out.append(UInt8(ascii: "#"))
            number(e)
            out += Array(";2;".utf8)
            for c in 0..<3 {
                if c > 0 { out.append(UInt8(ascii: ";")) }
                number((Int(palette[e * 3 + c]) * 100 + 127) / 255)  // sixel colours are in percent
            }
        }

        func run(_ character: UInt8, _ count: Int) {
            if count >= 4 {
                out.append(UInt8(ascii: "!"))
                number(count)
                out.append(character)
            } else {
                for _ in 0..<count { out.append(character) }
            }
        }

        // Per colour: its six-bit column masks across the band, and the columns it occupies.
        var masks = [UInt8](repeating: 0, count: 256 * w)
        var first = [Int](repeating: Int.max, count: 256)
        var last = [Int](repeating: -1, count: 256)
        var present: [Int] = []
        present.reserveCapacity(256)
        indices.withUnsafeBufferPointer { src in
            masks.withUnsafeMutableBufferPointer { masks in
                var top = 0
                while top < fullHeight {
                    present.removeAll(keepingCapacity: true)
                    let bottom = min(top + 6, fullHeight)
                    // Source rows in this band, each with the band rows it fills.
                    var sourceRow = top / s
                    while sourceRow * s < bottom {
                        let from = max(top, sourceRow * s), to = min(bottom, (sourceRow + 1) * s)
                        let bits = UInt8(truncatingIfNeeded: ((1 << (to - top)) - 1) & ~((1 << (from - top)) - 1))
                        let row = src.baseAddress! + sourceRow * w
                        for x in 0..<w {
                            let c = Int(row[x])
                            if last[c] < 0 { present.append(c); first[c] = x }
                            masks[c * w + x] |= bits
                            last[c] = max(last[c], x)
                            first[c] = min(first[c], x)
                        }
                        sourceRow += 1
                    }
                    for (k, c) in present.enumerated() {
                        if k > 0 { out.append(UInt8(ascii: "$")) }
                        out.append(UInt8(ascii: "#"))
                        number(c)
                        if first[c] > 0 { run(UInt8(ascii: "?"), first[c] * s) }
                        var x = first[c]
                        while x <= last[c] {
                            let mask = masks[c * w + x]
                            var end = x + 1
                            while end <= last[c] && masks[c * w + end] == mask { end += 1 }
                            run(63 + mask, (end - x) * s)
                            x = end
                        }
                        for x in first[c]...last[c] { masks[c * w + x] = 0 }
                        first[c] = .max
                        last[c] = -1
                    }
                    out.append(UInt8(ascii: "-"))
                    top = bottom
                }
            }
        }
        out += [0x1B, UInt8(ascii: "\\")]
        return out
    }
}
