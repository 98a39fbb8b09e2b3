// Sixel round trips: encode with SixelEncoder, decode with libsixel's own decoder, compare
// pixels; and the stable palette that keeps frames from flickering.

import Imaging
import TestSupport
import Testing
@testable import Terminal

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Test images

/// A smooth two-dimensional colour gradient.
func gradientImage(width: Int = 96, height: Int = 60) -> RGBImage {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            pixels += [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8((x + y) * 255 / (width + height - 2))]
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// A 64x64 face-like picture: shaded background, hair, a lit skin oval, eyes and a mouth.
/// `mouthShift` nudges the mouth colour to make a nearly identical second frame;
/// `tint` shifts everything towards blue to make a clearly different one.
func faceImage(mouthShift: Int = 0, tint: Int = 0) -> RGBImage {
    let size = 64
    var pixels: [UInt8] = []
    func clamp(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
    for y in 0..<size {
        for x in 0..<size {
            let fx = Double(x) / 63, fy = Double(y) / 63
            var r = 40 + 60 * fy, g = 60 + 40 * fx, b = 90 + 50 * (1 - fy)  // background
            let dx = (fx - 0.5) / 0.3, dy = (fy - 0.55) / 0.38
            let inFace = dx * dx + dy * dy <= 1
            if fy < 0.35 && (dx * dx + ((fy - 0.45) / 0.4) * ((fy - 0.45) / 0.4)) <= 1.3 {  // hair
                r = 90 + 20 * fx; g = 60 + 10 * fy; b = 40
            }
            if inFace {
                let light = 1 - 0.35 * (dx * dx + dy * dy)  // darker towards the edge
                r = 225 * light; g = 180 * light; b = 150 * light
                let eye = { (cx: Double) in ((fx - cx) * (fx - cx) + (fy - 0.5) * (fy - 0.5)) < 0.003 }
                if eye(0.38) || eye(0.62) { r = 40; g = 30; b = 30 }
                if abs(fy - 0.75) < 0.03 && abs(fx - 0.5) < 0.12 {
                    r = 180 + Double(mouthShift); g = 60; b = 60
                }
            }
            pixels += [clamp(r - Double(tint)), clamp(g), clamp(b + Double(tint))]
        }
    }
    return RGBImage(width: size, height: size, pixels: pixels)
}


/// The image averaged over `block`x`block` tiles: roughly what the eye sees of a dithered
/// picture from a normal distance.
func blockAverages(_ pixels: [UInt8], width: Int, height: Int, block: Int) -> [UInt8] {
    var result: [UInt8] = []
    for tileY in stride(from: 0, to: height - block + 1, by: block) {
        for tileX in stride(from: 0, to: width - block + 1, by: block) {
            for channel in 0..<3 {
                var sum = 0
                for y in tileY..<(tileY + block) {
                    for x in tileX..<(tileX + block) { sum += Int(pixels[(y * width + x) * 3 + channel]) }
                }
                result.append(UInt8(sum / (block * block)))
            }
        }
    }
    return result
}

/// The colour register definitions (`#index;2;r;g;b`, in percent) of a sixel stream, in order.
func paletteDefinitions(_ sixel: [UInt8]) -> [[Int]] {
    var definitions: [[Int]] = []
    var index = 0
    while index < sixel.count {
        guard sixel[index] == UInt8(ascii: "#") else {
            index += 1
            continue
        }
        var numbers: [Int] = [], current = 0, digits = 0
        index += 1
        while index < sixel.count {
            let byte = sixel[index]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                current = current * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            } else if byte == UInt8(ascii: ";") {
                numbers.append(current)
                current = 0
                digits = 0
            } else {
                break
            }
            index += 1
        }
        if digits > 0 { numbers.append(current) }
        if numbers.count == 5 && numbers[1] == 2 { definitions.append(numbers) }
    }
    return definitions
}

// MARK: - Tests

/// The round-trip pictures, by name (the images themselves are too long to print).
private func testImage(_ name: String) -> RGBImage {
    switch name {
    case "gradient": return gradientImage()
    case "face 64x64": return faceImage()
    default: return faceImage().resized(width: 192, height: 192, filter: .nearest)
    }
}

@Suite("Sixel encoder")
struct SixelEncoderTests {
    @Test("round trip keeps size and colours", arguments: ["gradient", "face 64x64", "face at 3x"], [true, false])
    func roundTrip(name: String, stablePalette: Bool) throws {
        let image = testImage(name)
        let encoder = try SixelEncoder(stablePalette: stablePalette)
        let encoded = try encoder.encode(image)
        #expect(encoded.starts(with: Array("\u{1B}P".utf8)), "a DCS sequence")
        #expect(Array(encoded.suffix(2)) == Array("\u{1B}\\".utf8), "ended by ST")

        let decoded = try decodeSixel(encoded)
        #expect(decoded.width == image.width)
        #expect(decoded.height == image.height)
        try #require(decoded.width * decoded.height == image.width * image.height)
        let errors = meanAbsoluteError(decoded.rgb, image.pixels)
        #expect(errors.allSatisfy { $0 < 8 }, "\(name): mean abs error per channel \(errors)")
    }

    @Test func fixedXterm256PaletteRoundTrip() throws {
        let encoder = try SixelEncoder(paletteMode: .xterm256)
        let palette = try #require(encoder.palette)
        #expect(palette.count == 256 * 3)
        #expect(Array(palette[(196 * 3)..<(196 * 3 + 3)]) == [255, 0, 0])

        let image = faceImage()
        let decoded = try decodeSixel(try encoder.encode(image))
        #expect(decoded.width == 64 && decoded.height == 64)
        // 256 fixed colours are coarse, so pixel by pixel the dither dominates; averaged over
        // 8x8 tiles (about what the eye sees) the colours must be close.
        let errors = meanAbsoluteError(
            blockAverages(decoded.rgb, width: 64, height: 64, block: 8),
            blockAverages(image.pixels, width: 64, height: 64, block: 8))
        #expect(errors.allSatisfy { $0 < 8 }, "mean abs error per channel of 8x8 averages \(errors)")
        #expect(encoder.palette == palette, "the fixed palette never changes")
    }

    @Test func stablePaletteIsIdenticalForNearlyIdenticalFrames() throws {
        let encoder = try SixelEncoder(colors: 256, stablePalette: true)
        #expect(encoder.palette == nil, "no palette before the first frame")
        let firstBytes = try encoder.encode(faceImage())
        let kept = try #require(encoder.palette)
        let secondBytes = try encoder.encode(faceImage(mouthShift: 6))

        #expect(encoder.palette == kept)
        let firstDefinitions = paletteDefinitions(firstBytes)
        #expect(firstDefinitions.count >= 16)
        #expect(firstDefinitions == paletteDefinitions(secondBytes), "the frames define the same colour registers")

        // Positional dithering: pixels that did not change keep their palette index.
        let first = try decodeSixel(firstBytes), second = try decodeSixel(secondBytes)
        let before = faceImage().pixels, after = faceImage(mouthShift: 6).pixels
        var unchanged = 0, recoloured = 0
        for pixel in 0..<(64 * 64) where before[(pixel * 3)..<(pixel * 3 + 3)] == after[(pixel * 3)..<(pixel * 3 + 3)] {
            unchanged += 1
            if first.indices[pixel] != second.indices[pixel] { recoloured += 1 }
        }
        #expect(unchanged > 3500)
        #expect(recoloured == 0, "\(recoloured) unchanged pixels changed colour")
    }

    @Test func keptPaletteIsRefittedWhenThePictureDrifts() throws {
        let encoder = try SixelEncoder(stablePalette: true)
        _ = try encoder.encode(faceImage())
        let kept = try #require(encoder.palette)

        _ = try encoder.encode(faceImage(tint: 4))  // a small drift: kept
        #expect(encoder.palette == kept)
        _ = try encoder.encode(faceImage(tint: 80))  // far off: rebuilt
        #expect(encoder.palette != kept)
    }

    @Test func refitCanBeTurnedOffAndResetIsExplicit() throws {
        let encoder = try SixelEncoder(stablePalette: true)
        encoder.refitThreshold = nil
        let first = try encoder.encode(faceImage())
        let tinted = try encoder.encode(faceImage(tint: 80))
        #expect(paletteDefinitions(first) == paletteDefinitions(tinted))

        encoder.resetPalette()
        #expect(encoder.palette == nil)
        let rebuilt = try encoder.encode(faceImage(tint: 80))
        #expect(paletteDefinitions(rebuilt) != paletteDefinitions(first))
    }

    @Test func perFramePaletteFollowsTheImage() throws {
        // The counterpart of the stable-palette tests: without it, palettes do change.
        let encoder = try SixelEncoder(stablePalette: false)
        let first = try encoder.encode(faceImage())
        let tinted = try encoder.encode(faceImage(tint: 20))
        #expect(paletteDefinitions(first) != paletteDefinitions(tinted))
        #expect(encoder.palette == nil)
    }

    @Test func paletteErrorMeasuresFit() {
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255]
        #expect(SixelEncoder.meanPaletteError([0, 0, 0, 255, 255, 255], palette: palette) == 0)
        // (10,20,30) is nearest to black: errors 10, 20, 30, mean 20.
        #expect(SixelEncoder.meanPaletteError([10, 20, 30], palette: palette) == 20)
    }

    @Test func orderedDitherIsPositionalAndCentred() {
        var flat = [UInt8](repeating: 128, count: 8 * 8 * 3)
        SixelEncoder.applyOrderedDither(&flat, width: 8, amplitude: 12)
        let offsets = stride(from: 0, to: flat.count, by: 3).map { Int(flat[$0]) - 128 }
        #expect(offsets.min()! >= -6 && offsets.max()! <= 6)
        #expect(abs(offsets.reduce(0, +)) <= 8, "centred on zero")
        #expect(Set(offsets).count > 8, "a pattern, not a constant")
        // The same position always gets the same offset: tile 0 equals tile 1 of a wider image.
        var wide = [UInt8](repeating: 128, count: 16 * 8 * 3)
        SixelEncoder.applyOrderedDither(&wide, width: 16, amplitude: 12)
        #expect(Array(wide[0..<24]) == Array(wide[24..<48]))
    }

    @Test func invalidArgumentsThrow() throws {
        #expect(throws: SixelError.self) { try SixelEncoder(colors: 1) }
        #expect(throws: SixelError.self) { try SixelEncoder(colors: 257) }
        let encoder = try SixelEncoder()
        let error = #expect(throws: SixelError.self) { try encoder.encode(RGBImage(width: 0, height: 0, pixels: [])) }
        #expect(error?.description == "SixelEncoder.encode failed: image is empty (0x0)")
    }
}
