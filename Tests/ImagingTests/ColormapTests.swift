// Tests for Colormap: matplotlib endpoints, clamping, and rendering of value grids.

import Testing
@testable import Imaging

@Suite struct ColormapTests {
    @Test func endpointsMatchMatplotlib() {
        #expect(close(Colormap.viridis.color(0), (68, 1, 84), tolerance: 2))
        #expect(close(Colormap.viridis.color(1), (253, 231, 37), tolerance: 2))
        #expect(close(Colormap.inferno.color(0), (0, 0, 4), tolerance: 2))
        #expect(close(Colormap.inferno.color(1), (252, 255, 164), tolerance: 2))
        #expect(close(Colormap.magma.color(0), (0, 0, 4), tolerance: 2))
        #expect(close(Colormap.magma.color(1), (252, 253, 191), tolerance: 2))
        #expect(same(Colormap.gray.color(0), (0, 0, 0)) && same(Colormap.gray.color(1), (255, 255, 255)))
    }

    @Test func midpointsMatchMatplotlib() {
        // matplotlib: viridis(0.5) = (33, 145, 140), inferno(0.5) = (188, 55, 84), magma(0.5) = (183, 55, 121).
        #expect(close(Colormap.viridis.color(0.5), (33, 145, 140), tolerance: 2))
        #expect(close(Colormap.inferno.color(0.5), (188, 55, 84), tolerance: 2))
        #expect(close(Colormap.magma.color(0.5), (183, 55, 121), tolerance: 2))
    }

    @Test func inputIsClamped() {
        for map in Colormap.allCases {
            #expect(same(map.color(-3), map.color(0)))
            #expect(same(map.color(7), map.color(1)))
            #expect(same(map.color(.nan), map.color(0)))
        }
    }

    @Test func viridisLuminanceRises() {
        var previous = -1.0
        for i in 0...16 {
            let c = Colormap.viridis.color(Float(i) / 16)
            let luma = 0.2126 * Double(c.0) + 0.7152 * Double(c.1) + 0.0722 * Double(c.2)
            #expect(luma > previous)
            previous = luma
        }
    }

    @Test func renderNormalisesByMinAndMax() {
        let image = Colormap.gray.render([10, 20, 30, 15], width: 2, height: 2)
        #expect(same(image[0, 0], (0, 0, 0)))
        #expect(same(image[0, 1], (255, 255, 255)))
        #expect(same(image[1, 0], (128, 128, 128)))
        #expect(same(image[1, 1], (64, 64, 64)))
    }

    @Test func renderUsesExplicitRangeAndClamps() {
        let image = Colormap.viridis.render([-5, 0, 0.5, 1, 9, .nan], width: 3, height: 2, range: 0...1)
        #expect(same(image[0, 0], Colormap.viridis.color(0)))
        #expect(same(image[2, 0], Colormap.viridis.color(0.5)))
        #expect(same(image[1, 1], Colormap.viridis.color(1)))
        #expect(same(image[2, 1], Colormap.viridis.color(0)))
    }

    @Test func renderOfConstantInputUsesTheLowEnd() {
        let image = Colormap.magma.render([3, 3, 3, 3], width: 4, height: 1)
        for x in 0..<4 { #expect(same(image[x, 0], Colormap.magma.color(0))) }
    }

    @Test func barRunsFromLowToHigh() {
        let bar = Colormap.inferno.bar(width: 10, height: 2)
        #expect(same(bar[0, 1], Colormap.inferno.color(0)) && same(bar[9, 0], Colormap.inferno.color(1)))
    }
}
