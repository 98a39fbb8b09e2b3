// PixelBudget.swift: how large a figure will be, known before anything is rendered,
// and the limit above which it is refused: `grid --seeds 0-4095 --size 4096` would be
// a 69-gigapixel PNG, which no machine holds in memory.

import Foundation
import Imaging

/// A figure's size in pixels.
public struct FigureSize: Equatable, Sendable {
    public let width: Int, height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// A size beyond any limit, for counts whose product does not fit in an Int.
    public static let unbounded = FigureSize(width: Int.max, height: Int.max)

    /// a x b, nil on overflow.
    static func product(_ a: Int, _ b: Int) -> Int? {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : p
    }

    public init(_ layout: GridLayout) { self.init(width: layout.width, height: layout.height) }

    /// width x height, or Int.max when that does not fit in an Int.
    public var pixels: Int { Self.product(width, height) ?? Int.max }
}

/// A figure above the pixel limit: what it is, its size, the limit.
public struct FigureTooLarge: Error, CustomStringConvertible, Equatable {
    public let what: String
    public let size: FigureSize
    public let limit: Int

    public init(what: String, size: FigureSize, limit: Int) {
        self.what = what
        self.size = size
        self.limit = limit
    }

    public var description: String {
        "\(what) would be \(size.width)x\(size.height) pixels (\(PixelBudget.megapixels(size.pixels)) megapixels, "
            + "about \(PixelBudget.memory(size.pixels)) of memory); the limit is \(PixelBudget.megapixels(limit)) megapixels"
    }
}

public enum PixelBudget {
    /// The largest figure made without asking: 100 megapixels, about 650 MB while it is composed and encoded.
    public static let defaultLimit = 100_000_000

    /// Memory per output pixel while a figure is built: the rendered cells and the canvas
    /// (3 bytes each), then the canvas and its PNG data. Measured: 441 MB for a 68-megapixel grid.
    public static let bytesPerPixel = 6.5

    /// Throws `FigureTooLarge` when `size` has more than `limit` pixels.
    public static func check(_ size: FigureSize, what: String, limit: Int = defaultLimit) throws {
        guard size.pixels <= limit else { throw FigureTooLarge(what: what, size: size, limit: limit) }
    }

    /// "68939" for 68,939,000,000 pixels, "68.7" for 68,700,000, "0.004" for 4,096.
    static func megapixels(_ pixels: Int) -> String {
        let mp = Double(pixels) / 1e6
        return String(format: mp >= 100 ? "%.0f" : mp >= 1 ? "%.1f" : "%.3f", mp)
    }

    /// "448 GB", "650 MB", "0.03 MB".
    static func memory(_ pixels: Int) -> String {
        let bytes = Double(pixels) * bytesPerPixel
        return bytes >= 1e9 ? String(format: "%.0f GB", bytes / 1e9) : String(format: bytes >= 1e6 ? "%.0f MB" : "%.2f MB", bytes / 1e6)
    }
}
