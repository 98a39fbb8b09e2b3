// What the pixel renderers send, decoded the way a terminal decodes it: kitty commands and
// iTerm2 inline images back to pixels, and sixel written with a whole-number enlargement back
// through libsixel's decoder.

import Foundation
import Imaging
import TestSupport
import Testing
@testable import Terminal

@Suite("Graphics encoders")
struct GraphicsEncoderTests {
    @Test func base64MatchesFoundation() {
        for count in [0, 1, 2, 3, 4, 5, 100, 4097] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let encoded = Base64.encode(bytes)
            #expect(String(decoding: encoded, as: UTF8.self) == Data(bytes).base64EncodedString(), "\(count) bytes")
            #expect(Base64.decode(encoded) == bytes)
        }
        #expect(Base64.decode(Array("ab!c".utf8)) == nil)
    }

    @Test func kittyTransmitsThePNGInChunksUnderOneId() throws {
        let face = faceImage().scaled(by: 5, filter: .nearest)
        let png = try PNGCodec.encode(face)
        let bytes = KittyEncoder.place(png: png, id: 4242)
        let chunks = TerminalReplies.applicationCommands(in: bytes)
        #expect(chunks.count == (Base64.encode(png).count + 4095) / 4096)
        #expect(chunks.allSatisfy { $0.count <= 4096 + 80 }, "at most 4096 base64 characters a chunk")

        let commands = try #require(GraphicsPayloads.kittyCommands(in: bytes))
        #expect(commands.count == 1)
        let keys = commands[0].keys
        #expect(keys["a"] == "T" && keys["f"] == "100" && keys["i"] == "4242" && keys["p"] == "1")
        #expect(keys["q"] == "2", "no replies, which would arrive as keys")
        #expect(keys["C"] == "1", "the cursor stays, nothing scrolls")
        #expect(try PNGCodec.decode(commands[0].payload) == face)

        let delete = try #require(GraphicsPayloads.kittyCommands(in: KittyEncoder.delete(id: 4242)))
        #expect(delete.map(\.keys) == [["a": "d", "d": "I", "i": "4242", "q": "2"]])
    }

    @Test func itermImageDecodesToThePicture() throws {
        let face = faceImage().scaled(by: 3, filter: .nearest)
        let bytes = ITermEncoder.inlineImage(png: try PNGCodec.encode(face), size: PixelSize(width: face.width, height: face.height))
        let (arguments, image) = try #require(try GraphicsPayloads.itermImage(in: bytes))
        #expect(image == face)
        #expect(arguments["inline"] == "1")
        #expect(arguments["width"] == "192px" && arguments["height"] == "192px")
        #expect(arguments["preserveAspectRatio"] == "0")
        #expect(bytes.last == 0x07)
    }

    @Test func sixelWithAWholeNumberScaleShowsTheEnlargement() throws {
        let face = faceImage()
        let scaled = try SixelEncoder(colors: 256, stablePalette: true).encode(face, scale: 7)
        let decoded = try decodeSixel(scaled)
        #expect(decoded.width == 448 && decoded.height == 448)
        // Every source pixel is a 7x7 block of one colour register.
        var uniform = true
        for y in 0..<448 where uniform {
            for x in 0..<448 where decoded.indices[y * 448 + x] != decoded.indices[(y / 7 * 7) * 448 + x / 7 * 7] {
                uniform = false
                break
            }
        }
        #expect(uniform)
        let mae = meanAbsoluteError(decoded.rgb, face.scaled(by: 7, filter: .nearest).pixels)
        #expect(mae.allSatisfy { $0 < 8 }, "\(mae)")

        // The same picture enlarged first and written at scale 1 shows the same pixels; the
        // enlargement as repeats takes far fewer bytes than libsixel's writing of it.
        let big = face.scaled(by: 7, filter: .nearest)
        let plain = try SixelEncoder(colors: 256, stablePalette: true).encode(big)
        #expect(try decodeSixel(plain).indices.count == decoded.indices.count)
        let libsixel = try SixelEncoder(colors: 256, paletteMode: .firstFrame, diffusion: .aDither).encode(big)
        #expect(scaled.count * 2 < libsixel.count, "\(scaled.count) bytes with repeats, \(libsixel.count) from libsixel")
    }

    @Test func sixelHonoursFewerColourRegisters() throws {
        let bytes = try SixelEncoder(colors: 16, stablePalette: true).encode(faceImage(), scale: 2)
        let decoded = try decodeSixel(bytes)
        #expect(Set(decoded.indices).count <= 16)
        #expect(paletteDefinitions(bytes).count <= 16)
    }
}

@Suite("Enlarged PNG")
struct EnlargedPNGTests {
    @Test("decodes to the enlargement", arguments: [1, 2, 3, 11, 100])
    func decodesToTheEnlargement(scale: Int) throws {
        let face = faceImage()
        let png = EnlargedPNG.encode(face, scale: scale)
        #expect(try PNGCodec.decode(png) == face.scaled(by: scale, filter: .nearest))
    }

    @Test func longRunsAndOddSizesDecode() throws {
        // One colour (every row one long run), a 1x1 picture, and a picture whose runs end 1 or 2 bytes past 258.
        let flat = RGBImage(width: 50, height: 3, fill: (7, 7, 7))
        #expect(try PNGCodec.decode(EnlargedPNG.encode(flat, scale: 29)) == flat.scaled(by: 29, filter: .nearest))
        let dot = RGBImage(width: 1, height: 1, fill: (255, 0, 128))
        #expect(try PNGCodec.decode(EnlargedPNG.encode(dot, scale: 87)) == dot.scaled(by: 87, filter: .nearest))
        let gradient = gradientImage(width: 7, height: 5)
        for scale in [86, 87, 172] {
            #expect(try PNGCodec.decode(EnlargedPNG.encode(gradient, scale: scale)) == gradient.scaled(by: scale, filter: .nearest))
        }
    }

    @Test func anEnlargedFaceIsSmall() {
        let png = EnlargedPNG.encode(faceImage(), scale: 11)
        #expect(png.count < 64 * 1024, "\(png.count) bytes for 704x704 pixels")
    }
}
