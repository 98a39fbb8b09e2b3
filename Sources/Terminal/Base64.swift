// Base64 (RFC 4648, with padding) for the image protocols that carry binary data inside
// escape sequences (kitty, iTerm2). The Terminal module stays Foundation-free, and this runs
// over every frame sent, so it works on bytes directly.

enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` in base64, `=`-padded to a multiple of 4 characters.
    static func encode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8, C.Index == Int {
        var out = [UInt8](repeating: UInt8(ascii: "="), count: (bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                var i = bytes.startIndex
                while i + 2 < bytes.endIndex {
                    let v = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
                    dst[o] = table[v >> 18]
                    dst[o + 1] = table[(v >> 12) & 63]
                    dst[o + 2] = table[(v >> 6) & 63]
                    dst[o + 3] = table[v & 63]
                    i += 3
                    o += 4
                }
                let left = bytes.endIndex - i
                if left > 0 {
                    let v = Int(bytes[i]) << 16 | (left > 1 ? Int(bytes[i + 1]) << 8 : 0)
                    dst[o] = table[v >> 18]
                    dst[o + 1] = table[(v >> 12) & 63]
                    if left > 1 { dst[o + 2] = table[(v >> 6) & 63] }
                }
            }
        }
        return out
    }
}

extension Base64 {
    /// The bytes of `text` (padding optional), or `nil` when it holds other characters.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var values = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { values[Int(c)] = UInt8(i) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var buffer = 0, bits = 0
        for c in text where c != UInt8(ascii: "=") {
            let v = values[Int(c)]
            guard v != 255 else { return nil }
            buffer = (buffer << 6 | Int(v)) & 0xFFFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> bits))
            }
        }
        return out
    }
}
