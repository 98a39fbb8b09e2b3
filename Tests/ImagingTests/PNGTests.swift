// Tests for PNGCodec: in-memory round trips, decoding foreign PNGs, and clear
// errors for garbage, truncated data and unreadable or unwritable paths.

import Foundation
import Testing
@testable import Imaging

@Suite struct PNGCodecTests {
    /// 2x1 RGBA PNG: opaque red, then fully transparent green.
    static let rgbaPNG: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0xF4, 0x22, 0x7F,
        0x8A, 0x00, 0x00, 0x00, 0x0F, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
        0x1F, 0x08, 0x19, 0x00, 0x0F, 0xF9, 0x02, 0xFE, 0x2D, 0x47, 0x81, 0xF4, 0x00, 0x00, 0x00, 0x00,
        0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
    /// 2x1 8-bit greyscale PNG: 0 then 200.
    static let grayPNG: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0xD1, 0x49, 0x20,
        0x56, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x38, 0x01, 0x00,
        0x00, 0xCB, 0x00, 0xC9, 0x69, 0xC8, 0xC3, 0x6C, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
        0xAE, 0x42, 0x60, 0x82,
    ]

    /// 2x1 16-bit greyscale PNG without colour-space chunks: 0x8080 then 0xFFFF.
    static let gray16PNG: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x81, 0xD9, 0xFC,
        0x15, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x68, 0xF8, 0xFF,
        0x1F, 0x00, 0x06, 0x82, 0x02, 0xFF, 0xB3, 0xBE, 0x51, 0x33, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
        0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    @Test func encodeDecodeRoundTripIsLossless() throws {
        let image = patternImage(width: 37, height: 23)
        let bytes = try PNGCodec.encode(image)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try PNGCodec.decode(bytes) == image)
    }

    @Test func incompressibleImageStillEncodes() throws {
        // Pseudo-random pixels deflate badly; exercises the output-buffer sizing.
        var state: UInt32 = 12345
        let pixels = (0..<(64 * 64 * 3)).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        let image = RGBImage(width: 64, height: 64, pixels: pixels)
        #expect(try PNGCodec.decode(PNGCodec.encode(image)) == image)
    }

    @Test func decodesGreyscaleToRGB() throws {
        let image = try PNGCodec.decode(Self.grayPNG)
        #expect(image.width == 2 && image.height == 1)
        #expect(same(image[0, 0], (0, 0, 0)))
        #expect(same(image[1, 0], (200, 200, 200)))
    }

    @Test func decodes16BitAsSRGBWithoutGammaShift() throws {
        let image = try PNGCodec.decode(Self.gray16PNG)
        // Treated as linear, 0x8080 would come out near 188 instead of 128.
        #expect(close(image[0, 0], (128, 128, 128), tolerance: 1))
        #expect(same(image[1, 0], (255, 255, 255)))
    }

    @Test func decodeCompositesAlphaOntoBlack() throws {
        let image = try PNGCodec.decode(Self.rgbaPNG)
        #expect(same(image[0, 0], (255, 0, 0)))
        #expect(same(image[1, 0], (0, 0, 0)))
    }

    @Test func decodeOfGarbageThrowsClearError() {
        let garbage: [UInt8] = Array("definitely not an image".utf8)
        #expect {
            try PNGCodec.decode(garbage)
        } throws: { error in
            String(describing: error).contains("not a PNG")
        }
        #expect(throws: ImagingError.self) { try PNGCodec.decode([]) }
    }

    @Test func decodeOfTruncatedPNGThrowsLibpngMessage() throws {
        let bytes = try PNGCodec.encode(patternImage(width: 40, height: 40))
        for cut in [12, 40, bytes.count / 2, bytes.count - 13] {
            let truncated = Array(bytes.prefix(cut))
            #expect(performing: { try PNGCodec.decode(truncated) }, throws: { error in
                guard let error = error as? ImagingError, case .decodeFailed(let reason) = error else { return false }
                return !reason.isEmpty && String(describing: error).hasPrefix("cannot decode PNG")
            })
        }
    }

    @Test func corruptedDataThrows() throws {
        var bytes = try PNGCodec.encode(patternImage(width: 16, height: 16))
        // Flip bytes inside the IDAT payload; the CRC check must catch it.
        let idat = Array("IDAT".utf8)
        let start = try #require((0..<(bytes.count - 4)).first { Array(bytes[$0..<$0 + 4]) == idat })
        for i in start + 6..<start + 16 { bytes[i] ^= 0xFF }
        #expect(throws: ImagingError.self) { try PNGCodec.decode(bytes) }
    }

    @Test func encodingAnEmptyImageThrows() {
        #expect(throws: ImagingError.self) { try PNGCodec.encode(RGBImage(width: 0, height: 5)) }
    }

    @Test func writeThenReadRoundTripsAndLeavesNoTemporaryFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/face.png"
        let image = patternImage(width: 9, height: 7)
        try PNGCodec.write(image, to: path)
        #expect(try dir.entries() == ["face.png"])
        #expect(try PNGCodec.read(path: path) == image)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == PNGCodec.encode(image))
    }

    @Test func writeReplacesAnExistingFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/face.png"
        try PNGCodec.write(RGBImage(width: 3, height: 3, fill: (1, 2, 3)), to: path)
        let second = patternImage(width: 5, height: 4)
        try PNGCodec.write(second, to: path)
        #expect(try PNGCodec.read(path: path) == second)
        #expect(try dir.entries() == ["face.png"])
    }

    @Test func writeIntoMissingDirectoryThrowsAndLeavesNothing() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/missing/face.png"
        #expect {
            try PNGCodec.write(patternImage(width: 2, height: 2), to: path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains(path) && text.contains("does not exist")
        }
        #expect(try dir.entries().isEmpty)
    }

    @Test func writeBelowARegularFileThrows() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try AtomicFile.write([1, 2, 3], to: dir.path + "/plain")
        let path = dir.path + "/plain/face.png"
        #expect {
            try PNGCodec.write(patternImage(width: 2, height: 2), to: path)
        } throws: { error in
            String(describing: error).contains("'\(dir.path)/plain' is not a folder")
        }
        #expect(try dir.entries() == ["plain"])
    }

    @Test(.enabled(if: getuid() != 0, "root ignores directory permissions"))
    func writeIntoReadOnlyDirectoryThrowsAndLeavesNothing() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        let path = dir.path + "/face.png"
        #expect {
            try PNGCodec.write(patternImage(width: 2, height: 2), to: path)
        } throws: { error in
            String(describing: error).contains(path)
        }
        #expect(try dir.entries().isEmpty)
    }

    @Test func writeOverADirectoryThrowsAndKeepsIt() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.path + "/taken.png", withIntermediateDirectories: false)
        #expect(throws: ImagingError.self) {
            try PNGCodec.write(patternImage(width: 2, height: 2), to: dir.path + "/taken.png")
        }
        #expect(try dir.entries() == ["taken.png"])
    }

    @Test func readOfMissingFileNamesThePath() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/nope.png"
        #expect(performing: { try PNGCodec.read(path: path) }, throws: { error in
            guard let error = error as? ImagingError, case .readFailed(let p, _) = error else { return false }
            return p == path && String(describing: error).contains("No such file")
        })
    }

    @Test func readOfNonPNGFileNamesThePathAndCause() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/notes.png"
        try AtomicFile.write(Array("hello".utf8), to: path)
        #expect(performing: { try PNGCodec.read(path: path) }, throws: { error in
            let text = String(describing: error)
            return text.contains(path) && text.contains("not a PNG")
        })
    }
}
