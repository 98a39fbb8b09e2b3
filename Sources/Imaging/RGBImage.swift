// RGBImage: the 8-bit RGB raster every other part of the program passes around,
// with pixel access, cropping, pasting and rectangle fills.

/// An 8-bit RGB image stored interleaved (R, G, B per pixel), row-major, top row first.
public struct RGBImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Interleaved RGB bytes, row-major; `count == width * height * 3`.
    public var pixels: [UInt8]

    /// Wraps existing interleaved RGB bytes. `pixels.count` must equal `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "RGBImage size must not be negative")
        precondition(pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour (black by default).
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        precondition(width >= 0 && height >= 0, "RGBImage size must not be negative")
        self.width = width
        self.height = height
        let count = width * height * 3
        if fill.0 == fill.1 && fill.1 == fill.2 {
            pixels = [UInt8](repeating: fill.0, count: count)
        } else {
            pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                var i = 0
                while i < count {
                    buffer[i] = fill.0
                    buffer[i + 1] = fill.1
                    buffer[i + 2] = fill.2
                    i += 3
                }
                initialized = count
            }
        }
    }

    /// True when the image has no pixels.
    public var isEmpty: Bool { width == 0 || height == 0 }

    /// The pixel at column `x`, row `y`. Both must be inside the image.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
            let i = (y * width + x) * 3
            pixels[i] = newValue.0
            pixels[i + 1] = newValue.1
            pixels[i + 2] = newValue.2
        }
    }

    /// A `width` x `height` copy of the region whose top-left corner is (`x`, `y`).
    /// The region may extend past the image (or start at negative coordinates);
    /// parts outside the source come out black rather than trapping, so callers
    /// laying out views need not clip first.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        precondition(width >= 0 && height >= 0, "crop size must not be negative")
        var out = RGBImage(width: width, height: height)
        out.paste(self, x: -x, y: -y)
        return out
    }

    /// Copies `other` into this image with its top-left corner at (`x`, `y`).
    /// Parts falling outside this image are clipped away.
    public mutating func paste(_ other: RGBImage, x: Int, y: Int) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + other.width), y1 = min(height, y + other.height)
        guard x0 < x1, y0 < y1 else { return }
        let rowBytes = (x1 - x0) * 3
        let dstWidth = width
        other.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for row in y0..<y1 {
                    let s = ((row - y) * other.width + (x0 - x)) * 3
                    let d = (row * dstWidth + x0) * 3
                    (dst.baseAddress! + d).update(from: src.baseAddress! + s, count: rowBytes)
                }
            }
        }
    }

    /// Fills a rectangle with one colour, clipped to the image.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(self.width, x + width), y1 = min(self.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        let stride = self.width
        pixels.withUnsafeMutableBufferPointer { dst in
            for row in y0..<y1 {
                var i = (row * stride + x0) * 3
                let end = (row * stride + x1) * 3
                while i < end {
                    dst[i] = color.0
                    dst[i + 1] = color.1
                    dst[i + 2] = color.2
                    i += 3
                }
            }
        }
    }
}
