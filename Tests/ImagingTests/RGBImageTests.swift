// Tests for RGBImage storage, access, cropping, pasting and planar float conversion.

import Testing
@testable import Imaging

@Suite struct RGBImageTests {
    @Test func fillInitialiserSetsEveryPixel() {
        let image = RGBImage(width: 3, height: 2, fill: (10, 20, 30))
        #expect(image.pixels.count == 18)
        #expect(image.pixels == Array(repeating: [10, 20, 30] as [UInt8], count: 6).flatMap { $0 })
        #expect(RGBImage(width: 2, height: 2).pixels.allSatisfy { $0 == 0 })
    }

    @Test func subscriptIsRowMajorInterleaved() {
        var image = RGBImage(width: 4, height: 3)
        image[2, 1] = (1, 2, 3)
        let offset = (1 * 4 + 2) * 3
        #expect(Array(image.pixels[offset..<offset + 3]) == [1, 2, 3])
        #expect(same(image[2, 1], (1, 2, 3)))
        #expect(same(image[1, 2], (0, 0, 0)))
    }

    @Test func croppedCopiesTheRegionAndPadsOutsideWithBlack() {
        let image = patternImage(width: 5, height: 4)
        let crop = image.cropped(x: 1, y: 2, width: 3, height: 2)
        #expect(crop.width == 3 && crop.height == 2)
        for y in 0..<2 { for x in 0..<3 { #expect(same(crop[x, y], image[x + 1, y + 2])) } }

        let overhang = image.cropped(x: 3, y: -1, width: 4, height: 2)
        #expect(same(overhang[0, 1], image[3, 0]))
        #expect(same(overhang[1, 1], image[4, 0]))
        #expect(same(overhang[2, 1], (0, 0, 0)))
        #expect(same(overhang[0, 0], (0, 0, 0)))
    }

    @Test func pasteClipsAtEveryEdge() {
        let stamp = RGBImage(width: 3, height: 3, fill: (9, 9, 9))
        var canvas = RGBImage(width: 4, height: 4)
        canvas.paste(stamp, x: -2, y: 2)
        // Only columns 0 and rows 2...3 are covered.
        var covered = 0
        for y in 0..<4 {
            for x in 0..<4 where same(canvas[x, y], (9, 9, 9)) {
                covered += 1
                #expect(x == 0 && y >= 2)
            }
        }
        #expect(covered == 2)
        canvas.paste(stamp, x: 10, y: 10)  // entirely outside: no change, no trap
        #expect(covered == canvas.pixels.filter { $0 == 9 }.count / 3)
    }

    @Test func fillRectangleIsClipped() {
        var image = RGBImage(width: 3, height: 3)
        image.fill(x: 1, y: -1, width: 5, height: 2, color: (255, 0, 0))
        #expect(same(image[1, 0], (255, 0, 0)) && same(image[2, 0], (255, 0, 0)))
        #expect(same(image[0, 0], (0, 0, 0)) && same(image[1, 1], (0, 0, 0)))
    }

    @Test func planarFloatsMapMinusOneToZeroAndOneTo255() {
        // 2x1 image, CHW: R plane, G plane, B plane.
        let image = RGBImage(planarRGB: [-1, 1, 1, -1, 0, 0.5], width: 2, height: 1)
        #expect(same(image[0, 0], (0, 255, 128)))
        #expect(same(image[1, 0], (255, 0, 191)))  // (0.5 + 1) * 127.5 = 191.25
    }

    @Test func planarFloatsClampAndRound() {
        let values: [Float] = [-7, 3, .nan, -0.996, 0.996, .infinity]
        let rgb = RGBImage(planarRGB: values + values + values, width: 6, height: 1)
        #expect(rgb.width == 6 && rgb.height == 1)
        #expect(rgb[0, 0].0 == 0)        // clamped from -7
        #expect(rgb[1, 0].0 == 255)      // clamped from 3
        #expect(rgb[2, 0].0 == 128)      // NaN -> mid grey
        #expect(rgb[3, 0].0 == 1)        // 0.51 rounds to 1
        #expect(rgb[4, 0].0 == 254)      // 254.49 rounds to 254
        #expect(rgb[5, 0].0 == 255)      // +inf clamps
    }

    @Test func planarUnsafeBufferMatchesArrayInitialiser() {
        let values: [Float] = (0..<12).map { Float($0) / 6 - 1 }
        let fromArray = RGBImage(planarRGB: values, width: 2, height: 2)
        let fromBuffer = values.withUnsafeBufferPointer { RGBImage(planarRGB: $0, width: 2, height: 2) }
        #expect(fromArray == fromBuffer)
        #expect(fromArray[1, 1].2 == UInt8((values[11] + 1) * 127.5 + 0.5))
    }
}
