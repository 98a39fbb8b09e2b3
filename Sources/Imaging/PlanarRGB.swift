// Conversion from the generator's planar float output (CHW in [-1, 1]) to RGBImage.

extension RGBImage {
    /// Builds an image from planar float channels: all red values, then all green,
    /// then all blue (CHW, `3 * height * width` values), each in [-1, 1] as the
    /// generator emits them. Values are clamped to [-1, 1], mapped by `(v + 1) * 127.5`
    /// and rounded to nearest; NaN maps to mid-grey (128) so a bad activation shows
    /// up as grey instead of an arbitrary extreme.
    public init(planarRGB: UnsafeBufferPointer<Float>, width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "RGBImage size must not be negative")
        let plane = width * height
        precondition(planarRGB.count >= plane * 3,
                     "planar RGB \(width)x\(height) needs \(plane * 3) floats, got \(planarRGB.count)")
        let bytes = [UInt8](unsafeUninitializedCapacity: plane * 3) { out, initialized in
            guard plane > 0 else { initialized = 0; return }
            let src = planarRGB.baseAddress!
            let dst = out.baseAddress!
            for channel in 0..<3 {
                let s = src + channel * plane
                for i in 0..<plane {
                    var v = s[i]
                    if v.isNaN { v = 0 }
                    v = Swift.min(Swift.max(v, -1), 1)
                    // +0.5 then truncation rounds half up; the value is never negative here.
                    dst[i * 3 + channel] = UInt8((v + 1) * 127.5 + 0.5)
                }
            }
            initialized = plane * 3
        }
        self.init(width: width, height: height, pixels: bytes)
    }

    /// Array convenience for `init(planarRGB:width:height:)`.
    public init(planarRGB: [Float], width: Int, height: Int) {
        self = planarRGB.withUnsafeBufferPointer { RGBImage(planarRGB: $0, width: width, height: height) }
    }
}
