// Shared helpers for ImagingTests: scratch directories and small image builders.

import Foundation
@testable import Imaging

/// A fresh empty directory under the system temp dir; removed by `cleanup()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/imaging-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// Names of the entries in the directory, sorted.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func cleanup() {
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// An image whose every pixel is distinct, so misplaced pixels are detectable.
func patternImage(width: Int, height: Int) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            image[x, y] = (UInt8(truncatingIfNeeded: x * 37 + y), UInt8(truncatingIfNeeded: y * 53 + 7), UInt8(truncatingIfNeeded: x ^ y))
        }
    }
    return image
}

/// Tuple equality for colour triples (tuples are not Equatable).
func same(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Bool {
    a.0 == b.0 && a.1 == b.1 && a.2 == b.2
}

/// True when every channel of `a` is within `tolerance` of `b`.
func close(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int), tolerance: Int) -> Bool {
    abs(Int(a.0) - b.0) <= tolerance && abs(Int(a.1) - b.1) <= tolerance && abs(Int(a.2) - b.2) <= tolerance
}
