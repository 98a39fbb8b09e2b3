// Image resizing: nearest-neighbour for crisp pixel views, and a separable smooth
// filter (Catmull-Rom when enlarging, area averaging when shrinking).

/// How `RGBImage.resized` samples the source.
public enum ResizeFilter: String, CaseIterable, Sendable {
    /// Each output pixel copies the source pixel under its centre; integer
    /// upscales replicate pixels exactly.
    case nearest
    /// Per axis: Catmull-Rom bicubic when enlarging (sharp, no blur-halo, clamped to
    /// 0...255) and exact area averaging when shrinking, so thumbnails do not alias.
    case smooth
}

extension RGBImage {
    /// A copy resampled to `width` x `height` with the given filter.
    public func resized(width: Int, height: Int, filter: ResizeFilter) -> RGBImage {
        precondition(width >= 0 && height >= 0, "resize target must not be negative")
        if width == self.width && height == self.height { return self }
        if width == 0 || height == 0 || isEmpty { return RGBImage(width: width, height: height) }
        switch filter {
        case .nearest: return resizedNearest(width: width, height: height)
        case .smooth: return resizedSmooth(width: width, height: height)
        }
    }

    /// A copy enlarged by an integer `factor` (>= 1) in both directions.
    public func scaled(by factor: Int, filter: ResizeFilter) -> RGBImage {
        precondition(factor >= 1, "scale factor must be at least 1")
        return resized(width: width * factor, height: height * factor, filter: filter)
    }

    // MARK: - Nearest

    private func resizedNearest(width dw: Int, height dh: Int) -> RGBImage {
        let sw = self.width, sh = self.height
        // Source byte offset for each output column; the centre of output pixel d maps to
        // source (2d+1)*s/(2*dst), which for integer factors is exactly d / factor.
        let columnOffsets = (0..<dw).map { dx in ((2 * dx + 1) * sw / (2 * dw)) * 3 }
        var out = [UInt8](repeating: 0, count: dw * dh * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                columnOffsets.withUnsafeBufferPointer { cols in
                    var previousRow = -1
                    for dy in 0..<dh {
                        let sy = (2 * dy + 1) * sh / (2 * dh)
                        let d = dst.baseAddress! + dy * dw * 3
                        if sy == previousRow {
                            // Enlarging repeats source rows: copy the row just built.
                            d.update(from: d - dw * 3, count: dw * 3)
                            continue
                        }
                        previousRow = sy
                        let s = src.baseAddress! + sy * sw * 3
                        for dx in 0..<dw {
                            let o = cols[dx]
                            d[dx * 3] = s[o]
                            d[dx * 3 + 1] = s[o + 1]
                            d[dx * 3 + 2] = s[o + 2]
                        }
                    }
                }
            }
        }
        return RGBImage(width: dw, height: dh, pixels: out)
    }

    // MARK: - Smooth

    private func resizedSmooth(width dw: Int, height dh: Int) -> RGBImage {
        let sw = self.width, sh = self.height
        let horizontal = ResampleTaps(source: sw, destination: dw)
        let vertical = ResampleTaps(source: sh, destination: dh)

        // Pass 1: resample every source row horizontally into floats (sh x dw x 3).
        var rows = [Float](repeating: 0, count: sh * dw * 3)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { tmp in
                horizontal.withTables { first, count, weights, stride in
                    for y in 0..<sh {
                        let s = src.baseAddress! + y * sw * 3
                        let t = tmp.baseAddress! + y * dw * 3
                        for dx in 0..<dw {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            let w = weights + dx * stride
                            var p = s + Int(first[dx]) * 3
                            for k in 0..<Int(count[dx]) {
                                let wk = w[k]
                                r += wk * Float(p[0])
                                g += wk * Float(p[1])
                                b += wk * Float(p[2])
                                p += 3
                            }
                            t[dx * 3] = r
                            t[dx * 3 + 1] = g
                            t[dx * 3 + 2] = b
                        }
                    }
                }
            }
        }

        // Pass 2: combine whole float rows vertically, then clamp and round.
        let rowLength = dw * 3
        var out = [UInt8](repeating: 0, count: dh * rowLength)
        var accumulator = [Float](repeating: 0, count: rowLength)
        rows.withUnsafeBufferPointer { tmp in
            out.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    vertical.withTables { first, count, weights, stride in
                        for dy in 0..<dh {
                            acc.update(repeating: 0)
                            let w = weights + dy * stride
                            for k in 0..<Int(count[dy]) {
                                let wk = w[k]
                                let row = tmp.baseAddress! + (Int(first[dy]) + k) * rowLength
                                for i in 0..<rowLength { acc[i] += wk * row[i] }
                            }
                            let d = dst.baseAddress! + dy * rowLength
                            for i in 0..<rowLength {
                                // Catmull-Rom overshoots near edges; clamp before narrowing.
                                let v = Swift.min(Swift.max(acc[i], 0), 255)
                                d[i] = UInt8(v + 0.5)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: dw, height: dh, pixels: out)
    }
}

/// Precomputed filter taps for one axis: for each output index, the first source
/// index, the number of taps and their weights (normalised to sum to 1).
private struct ResampleTaps {
    var first: [Int32]
    var count: [Int32]
    var weights: [Float]
    let stride: Int

    init(source n: Int, destination m: Int) {
        let scale = Double(n) / Double(m)
        let shrinking = m < n
        // Area averaging touches ceil(scale)+1 pixels; Catmull-Rom always 4.
        stride = shrinking ? Int(scale.rounded(.up)) + 2 : 4
        first = [Int32](repeating: 0, count: m)
        count = [Int32](repeating: 0, count: m)
        weights = [Float](repeating: 0, count: m * stride)

        var raw = [Double](repeating: 0, count: stride)
        for o in 0..<m {
            let lo: Int, hi: Int
            raw.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            if shrinking {
                // Output pixel o covers source interval [o*scale, (o+1)*scale).
                let a = Double(o) * scale, b = Double(o + 1) * scale
                lo = Int(a.rounded(.down))
                hi = Swift.min(n - 1, Int(b.rounded(.up)) - 1)
                for i in lo...hi {
                    raw[i - lo] = Swift.max(0, Swift.min(b, Double(i + 1)) - Swift.max(a, Double(i)))
                }
            } else {
                // Align pixel centres, then take the 4 neighbours around the sample point,
                // folding taps that fall off the edge onto the edge pixel (clamp-to-edge).
                let centre = (Double(o) + 0.5) * scale - 0.5
                let base = Int(centre.rounded(.down)) - 1
                lo = Swift.max(0, Swift.min(n - 1, base))
                hi = Swift.max(0, Swift.min(n - 1, base + 3))
                for k in 0..<4 {
                    let i = Swift.max(0, Swift.min(n - 1, base + k))
                    raw[i - lo] += catmullRom(centre - Double(base + k))
                }
            }
            let taps = hi - lo + 1
            let sum = raw[0..<taps].reduce(0, +)
            first[o] = Int32(lo)
            count[o] = Int32(taps)
            for k in 0..<taps { weights[o * stride + k] = Float(raw[k] / sum) }
        }
    }

    func withTables<R>(_ body: (UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafePointer<Float>, Int) -> R) -> R {
        first.withUnsafeBufferPointer { f in
            count.withUnsafeBufferPointer { c in
                weights.withUnsafeBufferPointer { w in
                    body(f.baseAddress!, c.baseAddress!, w.baseAddress!, stride)
                }
            }
        }
    }
}

/// The Catmull-Rom cubic (Keys kernel with a = -0.5): interpolating, exact on linear ramps.
private func catmullRom(_ x: Double) -> Double {
    let t = abs(x)
    if t < 1 { return (1.5 * t - 2.5) * t * t + 1 }
    if t < 2 { return ((-0.5 * t + 2.5) * t - 4) * t + 2 }
    return 0
}
