// SixelDecoding.swift: sixel bytes back to pixels with libsixel's own decoder,
// so the tests check what a terminal would show, not what the encoder meant.

import CSixel
import Foundation

public struct DecodedSixel {
    public var width: Int
    public var height: Int
    /// Palette index per pixel.
    public var indices: [UInt8]
    /// RGB triples, one per colour register the image defined or used.
    public var palette: [UInt8]

    /// The pixels as interleaved RGB.
    public var rgb: [UInt8] {
        indices.flatMap { index in Array(palette[(Int(index) * 3)..<(Int(index) * 3 + 3)]) }
    }
}

public struct SixelDecodeError: Error, CustomStringConvertible {
    public let description: String
}

public func decodeSixel(_ bytes: [UInt8]) throws -> DecodedSixel {
    var input = bytes
    var pixels: UnsafeMutablePointer<UInt8>?
    var palette: UnsafeMutablePointer<UInt8>?
    var width: Int32 = 0, height: Int32 = 0, colors: Int32 = 0
    let status = sixel_decode_raw(&input, Int32(input.count), &pixels, &width, &height, &palette, &colors, nil)
    defer {
        free(pixels)
        free(palette)
    }
    guard status & SIXEL_FALSE == 0, let pixels, let palette else {
        throw SixelDecodeError(description: "sixel_decode_raw failed: \(status)")
    }
    let indices = Array(UnsafeBufferPointer(start: pixels, count: Int(width * height)))
    guard indices.allSatisfy({ Int32($0) < colors }) else { throw SixelDecodeError(description: "an index outside the decoded palette") }
    return DecodedSixel(width: Int(width), height: Int(height), indices: indices,
                        palette: Array(UnsafeBufferPointer(start: palette, count: Int(colors) * 3)))
}

/// Mean absolute difference per channel (R, G, B), 0...255, of two interleaved RGB images.
public func meanAbsoluteError(_ a: [UInt8], _ b: [UInt8]) -> [Double] {
    precondition(a.count == b.count)
    var sums = [0.0, 0.0, 0.0]
    for i in 0..<a.count { sums[i % 3] += abs(Double(a[i]) - Double(b[i])) }
    return sums.map { $0 / Double(a.count / 3) }
}
