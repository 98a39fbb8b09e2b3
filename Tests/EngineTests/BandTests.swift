// BandTests.swift: how a layer is cut among workers. Every output row and
// channel belongs to exactly one part, and a part reads every input row its
// kernel needs.

import Testing
@testable import Engine

@Suite struct BandTests {
    static let specs: [LayerSpec] = [4, 8, 16, 32, 64].flatMap { r in
        [LayerSpec(name: "conv", kind: .conv, res: r, cin: 32, cout: 24, up: false, noise: true, act: true),
         LayerSpec(name: "torgb", kind: .toRGB, res: r, cin: 32, cout: 3, up: false, noise: false, act: false)]
    }

    @Test(arguments: [1, 2, 3, 4, 7], [false, true])
    func partsCoverEveryOutputOnce(workers: Int, blurred: Bool) {
        for s in Self.specs {
            let parts = Band.partition(s, workers: workers, blurred: blurred)
            #expect(parts.count >= 1 && parts.count <= workers, "\(s.res) \(s.name): \(parts.count) parts")
            var owner = [Int](repeating: 0, count: s.res * s.cout)
            for b in parts {
                for r in b.rows { for c in b.channels { owner[r * s.cout + c] += 1 } }
                // The halo: rows within kernel/2 of the band, clipped to the image.
                let need = max(b.rows.lowerBound - s.kernel / 2, 0) ..< min(b.rows.upperBound + s.kernel / 2, s.res)
                #expect(b.inRows == need, "\(s.res) \(s.name): reads \(b.inRows), needs \(need)")
            }
            #expect(owner.allSatisfy { $0 == 1 }, "\(s.res) \(s.name) with \(workers) workers")
        }
    }

    @Test func smallLayersSplitChannelsLargeOnesRows() {
        let conv8 = Self.specs[2], conv16 = Self.specs[4], rgb8 = Self.specs[3]
        #expect(Band.partition(conv8, workers: 2).map(\.channels) == [0..<12, 12..<24])
        #expect(Band.partition(conv8, workers: 2).allSatisfy { $0.rows == 0..<8 })
        #expect(Band.partition(conv16, workers: 2).map(\.rows) == [0..<8, 8..<16])
        #expect(Band.partition(rgb8, workers: 2) == [Band.whole(rgb8)])
    }

    /// A layer with attention blur needs whole maps: it is cut by output channel at every
    /// size (each part reads every row), and its toRGB is not cut.
    @Test func blurredLayersSplitChannelsOnly() {
        let conv16 = Self.specs[4], conv64 = Self.specs[8], rgb64 = Self.specs[9]
        #expect(Band.partition(conv16, workers: 2, blurred: true).map(\.channels) == [0..<12, 12..<24])
        #expect(Band.partition(conv64, workers: 4, blurred: true).map(\.channels) == [0..<6, 6..<12, 12..<18, 18..<24])
        for workers in [2, 3, 4, 7] {
            #expect(Band.partition(conv64, workers: workers, blurred: true).allSatisfy { $0.rows == 0..<64 && $0.inRows == 0..<64 })
            #expect(Band.partition(rgb64, workers: workers, blurred: true) == [Band.whole(rgb64)])
        }
        // Without blur the same layers are cut into bands of rows.
        #expect(Band.partition(conv64, workers: 4).map(\.rows) == [0..<16, 16..<32, 32..<48, 48..<64])
    }
}
