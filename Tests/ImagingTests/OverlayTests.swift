// Tests for Overlay.blend with constant and per-pixel alpha.

import Testing
@testable import Imaging

@Suite struct OverlayTests {
    let base = RGBImage(width: 2, height: 1, pixels: [0, 100, 255, 10, 20, 30])
    let top = RGBImage(width: 2, height: 1, pixels: [255, 0, 255, 30, 20, 10])

    @Test func alphaZeroAndOneSelectAnImage() {
        #expect(Overlay.blend(base, top, alpha: 0) == base)
        #expect(Overlay.blend(base, top, alpha: 1) == top)
        #expect(Overlay.blend(base, top, alpha: -2) == base)
        #expect(Overlay.blend(base, top, alpha: 5) == top)
    }

    @Test func alphaHalfAverages() {
        let mixed = Overlay.blend(base, top, alpha: 0.5)
        #expect(mixed.pixels == [128, 50, 255, 20, 20, 20])
    }

    @Test func alphaQuarterWeightsTowardsBase() {
        let mixed = Overlay.blend(base, top, alpha: 0.25)
        #expect(mixed.pixels == [64, 75, 255, 15, 20, 25])
    }

    @Test func maskBlendsPerPixel() {
        let mixed = Overlay.blend(base, top, mask: [1, 0])
        #expect(Array(mixed.pixels[0..<3]) == [255, 0, 255])
        #expect(Array(mixed.pixels[3..<6]) == [10, 20, 30])
        let half = Overlay.blend(base, top, mask: [1, .nan], opacity: 0.5)
        #expect(half.pixels == [128, 50, 255, 10, 20, 30])
    }
}
