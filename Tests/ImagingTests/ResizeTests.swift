// Tests for RGBImage.resized / scaled with both filters.

import Testing
@testable import Imaging

@Suite struct ResizeTests {
    @Test func nearestIntegerUpscaleReplicatesPixelsExactly() {
        let image = patternImage(width: 5, height: 3)
        let big = image.scaled(by: 4, filter: .nearest)
        #expect(big.width == 20 && big.height == 12)
        for y in 0..<12 {
            for x in 0..<20 {
                #expect(same(big[x, y], image[x / 4, y / 4]))
            }
        }
    }

    @Test func nearestDownscalePicksCentrePixels() {
        let image = patternImage(width: 8, height: 8)
        let small = image.resized(width: 4, height: 2, filter: .nearest)
        // Output x samples source column 2x+1, output y samples source row 4y+2.
        for y in 0..<2 { for x in 0..<4 { #expect(same(small[x, y], image[2 * x + 1, 4 * y + 2])) } }
    }

    @Test func sameSizeIsIdentityForBothFilters() {
        let image = patternImage(width: 6, height: 4)
        for filter in ResizeFilter.allCases {
            #expect(image.resized(width: 6, height: 4, filter: filter) == image)
        }
    }

    @Test func smoothUpscaleOfConstantImageStaysConstant() {
        let image = RGBImage(width: 7, height: 5, fill: (12, 200, 99))
        for size in [(64, 64), (21, 15), (9, 40)] {
            let big = image.resized(width: size.0, height: size.1, filter: .smooth)
            #expect(big == RGBImage(width: size.0, height: size.1, fill: (12, 200, 99)))
        }
    }

    @Test func smoothUpscaleOfGradientIsMonotoneAndSpansTheRange() {
        var image = RGBImage(width: 8, height: 2)
        for y in 0..<2 { for x in 0..<8 { image[x, y] = (UInt8(x * 30), UInt8(x * 30), 255 - UInt8(x * 30)) } }
        let big = image.resized(width: 61, height: 3, filter: .smooth)
        for y in 0..<3 {
            for x in 1..<61 {
                #expect(big[x, y].0 >= big[x - 1, y].0)
                #expect(big[x, y].2 <= big[x - 1, y].2)
            }
        }
        #expect(big[0, 0].0 <= 2 && big[60, 0].0 >= 208)
        // Catmull-Rom reproduces linear ramps: interior samples lie on the line.
        let mid = big[30, 1].0  // source x = (30.5 * 8 / 61) - 0.5 = 3.5 -> 105
        #expect(abs(Int(mid) - 105) <= 1)
    }

    @Test func smoothUpscaleOfStepStaysInRange() {
        var image = RGBImage(width: 4, height: 1)
        image[2, 0] = (255, 255, 255)
        image[3, 0] = (255, 255, 255)
        // Overshoot below 0 and above 255 must clamp rather than wrap.
        let big = image.resized(width: 32, height: 1, filter: .smooth)
        #expect(same(big[0, 0], (0, 0, 0)) && same(big[31, 0], (255, 255, 255)))
        for x in 1..<32 { #expect(big[x, 0].0 >= big[x - 1, 0].0) }
    }

    @Test func smoothDownscaleAveragesBlocks() {
        var image = RGBImage(width: 4, height: 4)
        // Each 2x2 block holds four different values; the output is their mean.
        let blocks: [[UInt8]] = [[0, 40, 80, 120], [200, 100, 0, 100], [255, 255, 255, 251], [1, 2, 3, 6]]
        for by in 0..<2 {
            for bx in 0..<2 {
                let values = blocks[by * 2 + bx]
                for k in 0..<4 {
                    let v = values[k]
                    image[bx * 2 + k % 2, by * 2 + k / 2] = (v, v, 255 - v)
                }
            }
        }
        let small = image.resized(width: 2, height: 2, filter: .smooth)
        let means = [60, 100, 254, 3]
        for by in 0..<2 {
            for bx in 0..<2 {
                let m = means[by * 2 + bx]
                #expect(close(small[bx, by], (m, m, 255 - m), tolerance: 1))
            }
        }
    }

    @Test func smoothDownscaleOfCheckerboardDoesNotAlias() {
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 { for x in 0..<64 where (x + y) % 2 == 0 { image[x, y] = (255, 255, 255) } }
        // Nearest would pick all-black or all-white; averaging gives flat grey.
        for size in [16, 21, 5] {
            let small = image.resized(width: size, height: size, filter: .smooth)
            for y in 0..<size { for x in 0..<size { #expect(close(small[x, y], (128, 128, 128), tolerance: 24)) } }
        }
        let exact = image.resized(width: 32, height: 32, filter: .smooth)
        #expect(exact.pixels.allSatisfy { $0 == 128 })
    }

    @Test func mixedUpAndDownScaling() {
        let image = RGBImage(width: 10, height: 3, fill: (50, 60, 70))
        let out = image.resized(width: 4, height: 12, filter: .smooth)
        #expect(out == RGBImage(width: 4, height: 12, fill: (50, 60, 70)))
    }

    @Test func resizeToOrFromEmpty() {
        let image = patternImage(width: 3, height: 3)
        #expect(image.resized(width: 0, height: 4, filter: .smooth).pixels.isEmpty)
        let fromEmpty = RGBImage(width: 0, height: 0).resized(width: 2, height: 2, filter: .nearest)
        #expect(fromEmpty == RGBImage(width: 2, height: 2))
    }
}
