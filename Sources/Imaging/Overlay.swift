// Overlay: alpha blending of one image over another, with a constant alpha or a
// per-pixel mask (e.g. laying an attention heatmap over a generated face).

/// Alpha compositing of same-sized images.
public enum Overlay {
    /// Alpha-blend `top` over `base` (same size): out = base*(1-alpha) + top*alpha,
    /// rounded to nearest. `alpha` is clamped to [0, 1]; 0 returns `base`, 1 returns `top`.
    public static func blend(_ base: RGBImage, _ top: RGBImage, alpha: Float) -> RGBImage {
        precondition(base.width == top.width && base.height == top.height,
                     "blend needs equal sizes, got \(base.width)x\(base.height) and \(top.width)x\(top.height)")
        let a: Float = alpha > 0 ? (alpha < 1 ? alpha : 1) : 0
        if a == 0 { return base }
        if a == 1 { return top }
        let count = base.pixels.count
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            base.pixels.withUnsafeBufferPointer { b in
                top.pixels.withUnsafeBufferPointer { t in
                    for i in 0..<count {
                        let v = Float(b[i]) + (Float(t[i]) - Float(b[i])) * a
                        out[i] = UInt8(v + 0.5)
                    }
                }
            }
            initialized = count
        }
        return RGBImage(width: base.width, height: base.height, pixels: pixels)
    }

    /// Blends with a per-pixel alpha: `mask` is row-major, `width * height` values,
    /// each clamped to [0, 1] (NaN counts as 0) and scaled by `opacity`.
    public static func blend(_ base: RGBImage, _ top: RGBImage, mask: [Float], opacity: Float = 1) -> RGBImage {
        precondition(base.width == top.width && base.height == top.height,
                     "blend needs equal sizes, got \(base.width)x\(base.height) and \(top.width)x\(top.height)")
        precondition(mask.count == base.width * base.height,
                     "blend mask needs \(base.width * base.height) values, got \(mask.count)")
        let opacity: Float = opacity > 0 ? (opacity < 1 ? opacity : 1) : 0
        let count = mask.count
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            base.pixels.withUnsafeBufferPointer { b in
                top.pixels.withUnsafeBufferPointer { t in
                    mask.withUnsafeBufferPointer { m in
                        for p in 0..<count {
                            let raw = m[p]
                            let a = (raw > 0 ? (raw < 1 ? raw : 1) : 0) * opacity
                            for c in p * 3..<p * 3 + 3 {
                                let v = Float(b[c]) + (Float(t[c]) - Float(b[c])) * a
                                out[c] = UInt8(v + 0.5)
                            }
                        }
                    }
                }
            }
            initialized = count * 3
        }
        return RGBImage(width: base.width, height: base.height, pixels: pixels)
    }
}
