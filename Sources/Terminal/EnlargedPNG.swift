// PNG of a picture enlarged a whole number of times, written directly from the small picture.
// Encoding the enlarged copy with libpng (1.5 MB for a 704-pixel face) takes tens of
// milliseconds a frame; but its structure makes compression trivial: the first row of every
// group of `scale` rows, Sub-filtered, is the source row's pixel differences separated by runs
// of zeros, and the other rows, Up-filtered, are all zeros. Runs become deflate matches at
// distance 1 in one fixed-Huffman block, so a 64-pixel face enlarged 11 times is about 30 KB
// and takes well under a millisecond. Pictures shown at their own size go through libpng.

import Imaging

public enum EnlargedPNG {
    /// The PNG of `image` enlarged `scale` times by pixel repetition.
    public static func encode(_ image: RGBImage, scale: Int) -> [UInt8] {
        precondition(scale >= 1 && !image.isEmpty)
        let width = image.width * scale, height = image.height * scale
        var deflate = DeflateWriter()
        var row = [UInt8](repeating: 0, count: width * 3 + 1)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                // Sub filter: each byte minus the one a pixel to its left.
                row[0] = 1
                var previous: (UInt8, UInt8, UInt8) = (0, 0, 0)
                var o = 1
                for x in 0..<image.width {
                    let s = (y * image.width + x) * 3
                    let pixel = (src[s], src[s + 1], src[s + 2])
                    row[o] = pixel.0 &- previous.0
                    row[o + 1] = pixel.1 &- previous.1
                    row[o + 2] = pixel.2 &- previous.2
                    for i in (o + 3)..<(o + 3 * scale) { row[i] = 0 }
                    o += 3 * scale
                    previous = pixel
                }
                deflate.write(row)
                // Up filter: the repeated rows are all zeros.
                for _ in 1..<scale {
                    deflate.write(byte: 2)
                    deflate.writeZeros(width * 3)
                }
            }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        for value in [UInt32(width), UInt32(height)] { header += bigEndian(value) }
        header += [8, 2, 0, 0, 0]  // 8-bit RGB, deflate, adaptive filters, not interlaced
        chunk(&png, "IHDR", header)
        chunk(&png, "IDAT", deflate.finish())
        chunk(&png, "IEND", [])
        return png
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func chunk(_ png: inout [UInt8], _ type: String, _ data: [UInt8]) {
        png += bigEndian(UInt32(data.count))
        let start = png.count
        png += Array(type.utf8) + data
        png += bigEndian(CRC32.checksum(png[start...]))
    }
}

/// CRC-32 (ISO 3309, as PNG uses it).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// A zlib stream of one fixed-Huffman deflate block whose only matches are runs (distance 1).
struct DeflateWriter {
    private var out: [UInt8] = [0x78, 0x01]
    private var bits: UInt64 = 0
    private var count = 0
    private var adlerA: UInt32 = 1
    private var adlerB: UInt32 = 0
    private var last: UInt8?

    init() {
        put(1, 1)  // BFINAL
        put(1, 2)  // BTYPE 01: fixed Huffman codes
    }

    /// Appends `value`'s low `n` bits, least significant first.
    private mutating func put(_ value: UInt32, _ n: Int) {
        bits |= UInt64(value) << UInt64(count)
        count += n
        while count >= 8 {
            out.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
            count -= 8
        }
    }

    /// Appends a Huffman code (defined most significant bit first).
    private mutating func code(_ value: UInt32, _ n: Int) {
        var reversed: UInt32 = 0
        for i in 0..<n where value & (1 << UInt32(i)) != 0 { reversed |= 1 << UInt32(n - 1 - i) }
        put(reversed, n)
    }

    private mutating func literal(_ v: Int) {
        switch v {
        case 0...143: code(UInt32(0x30 + v), 8)
        case 144...255: code(UInt32(0x190 + v - 144), 9)
        case 256...279: code(UInt32(v - 256), 7)
        default: code(UInt32(0xC0 + v - 280), 8)
        }
    }

    private static let lengthBases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]

    /// A match of `length` (3…258) at distance 1: the last byte, repeated.
    private mutating func match(_ length: Int) {
        var i = Self.lengthBases.count - 1
        while Self.lengthBases[i] > length { i -= 1 }
        literal(257 + i)
        if Self.lengthExtra[i] > 0 { put(UInt32(length - Self.lengthBases[i]), Self.lengthExtra[i]) }
        put(0, 5)  // distance code 0: distance 1
    }

    /// Writes `n` more copies of the last byte written.
    private mutating func repeatLast(_ n: Int) {
        var left = n
        while left >= 3 {
            let length = min(258, left)
            // A remainder of 1 or 2 cannot be a match: leave 3 for the last one.
            let take = left - length > 0 && left - length < 3 ? length - 3 : length
            match(take)
            left -= take
        }
        for _ in 0..<left { literal(Int(last!)) }
    }

    private mutating func adler(_ byte: UInt8, times n: Int = 1) {
        // n copies at once: A grows by n·byte, B by n·A + byte·n(n+1)/2 (in 64 bits, no overflow).
        let a = UInt64(adlerA), b = UInt64(adlerB), v = UInt64(byte), count = UInt64(n)
        adlerB = UInt32((b + count % 65521 * a + v * (count * (count + 1) / 2 % 65521)) % 65521)
        adlerA = UInt32((a + v * count) % 65521)
    }

    mutating func write(byte: UInt8) {
        literal(Int(byte))
        adler(byte)
        last = byte
    }

    mutating func writeZeros(_ n: Int) {
        guard n > 0 else { return }
        if last == 0 {
            repeatLast(n)
        } else {
            literal(0)
            last = 0
            repeatLast(n - 1)
        }
        adler(0, times: n)
    }

    /// Writes `bytes`, runs of four or more equal bytes as matches.
    mutating func write(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var run = 1
            while i + run < bytes.count && bytes[i + run] == b { run += 1 }
            if b == last && run >= 3 {
                repeatLast(run)
                adler(b, times: run)
            } else if run >= 4 {
                write(byte: b)
                repeatLast(run - 1)
                adler(b, times: run - 1)
            } else {
                for _ in 0..<run { write(byte: b) }
            }
            i += run
        }
    }

    /// Ends the block and appends the Adler-32 checksum.
    mutating func finish() -> [UInt8] {
        literal(256)
        if count > 0 { put(0, 8 - count) }
        return out + [UInt8(adlerB >> 8), UInt8(adlerB & 0xFF), UInt8(adlerA >> 8), UInt8(adlerA & 0xFF)]
    }
}
