// Colormap: scalar-to-colour maps (matplotlib's perceptually uniform ones plus
// grey) for attention maps, heatmaps and colour bars.

/// A continuous colour map over [0, 1].
public enum Colormap: String, CaseIterable, Sendable {
    case viridis, inferno, magma, gray

    /// The colour for `t`, clamped to [0, 1] (NaN counts as 0). Like matplotlib, the
    /// map is a 256-entry table; `t` selects the nearest entry.
    public func color(_ t: Float) -> (UInt8, UInt8, UInt8) {
        unpack(table[Colormap.index(t)])
    }

    /// Maps `values` (row-major, `width * height`) to colours. Values are normalised
    /// linearly from `range` when given, otherwise from the finite minimum to maximum;
    /// a constant input maps to the low end. NaN and values outside the range clamp
    /// to the nearer end (NaN to the low end).
    public func render(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>? = nil) -> RGBImage {
        precondition(width >= 0 && height >= 0 && values.count == width * height,
                     "colormap render needs \(width * height) values, got \(values.count)")
        let (lo, hi) = range.map { ($0.lowerBound, $0.upperBound) } ?? Colormap.finiteExtent(values)
        let inverseSpan: Float = hi > lo ? 1 / (hi - lo) : 0
        let count = values.count
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            table.withUnsafeBufferPointer { lut in
                values.withUnsafeBufferPointer { src in
                    for i in 0..<count {
                        let packed = lut[Colormap.index((src[i] - lo) * inverseSpan)]
                        out[i * 3] = UInt8(truncatingIfNeeded: packed >> 16)
                        out[i * 3 + 1] = UInt8(truncatingIfNeeded: packed >> 8)
                        out[i * 3 + 2] = UInt8(truncatingIfNeeded: packed)
                    }
                }
            }
            initialized = count * 3
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A colour bar: low values on the left, high on the right, `height` rows tall.
    public func bar(width: Int, height: Int) -> RGBImage {
        precondition(width >= 0 && height >= 0, "colour bar size must not be negative")
        let ramp = (0..<width).map { width > 1 ? Float($0) / Float(width - 1) : 0 }
        var values = [Float]()
        values.reserveCapacity(width * height)
        for _ in 0..<height { values.append(contentsOf: ramp) }
        return render(values, width: width, height: height, range: 0...1)
    }

    // MARK: - Tables

    private var table: [UInt32] {
        switch self {
        case .viridis: Colormap.viridisTable
        case .inferno: Colormap.infernoTable
        case .magma: Colormap.magmaTable
        case .gray: Colormap.grayTable
        }
    }

    private static let grayTable: [UInt32] = (0..<256).map { UInt32($0) * 0x010101 }

    /// Table index for `t`: clamped to [0, 1], NaN to 0, rounded to the nearest entry.
    @inline(__always)
    private static func index(_ t: Float) -> Int {
        // Written so NaN fails the comparison and lands on 0.
        let clamped: Float = t > 0 ? (t < 1 ? t : 1) : 0
        return Int(clamped * 255 + 0.5)
    }

    private static func finiteExtent(_ values: [Float]) -> (Float, Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? (lo, hi) : (0, 1)
    }

    private func unpack(_ packed: UInt32) -> (UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: packed >> 16), UInt8(truncatingIfNeeded: packed >> 8), UInt8(truncatingIfNeeded: packed))
    }
}
