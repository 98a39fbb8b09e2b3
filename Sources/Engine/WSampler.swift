// WSampler.swift: w samples in bulk for the direction finders. Maps the tokens
// of many consecutive seeds in one batch (GeneratorWeights.mapRows with thousands
// of rows, not eight), so 100k samples stream in seconds. The result equals
// Generator.map token for token up to float rounding (BLAS may sum in another
// order for other row counts). Samples are un-truncated: directions describe the model's
// whole w distribution.

import Foundation

public struct WSampler {
    public let weights: GeneratorWeights
    /// Seeds per batch (each gives `tokens` samples).
    public let batchSeeds: Int

    private var x: [Float] = []   // [rows][max(zDim, wDim)]
    private var y: [Float] = []

    public init(_ weights: GeneratorWeights, batchSeeds: Int = 256) {
        precondition(batchSeeds > 0)
        self.weights = weights
        self.batchSeeds = batchSeeds
    }

    /// The default first seed of sampling: far from the small seeds people type,
    /// so statistics are not computed on the faces being edited.
    public static let defaultFirstSeed: UInt64 = 1 << 40

    /// The w of seeds `first ..< first + count`, all tokens, rows of wDim:
    /// [count * tokens][wDim], handed to `body` one batch at a time (the
    /// buffer is reused, copy what you keep). `body` gets the rows and their count.
    public mutating func forEachBatch(firstSeed first: UInt64 = defaultFirstSeed, seeds count: Int,
                                      _ body: (UnsafePointer<Float>, Int) throws -> Void) rethrows {
        let c = weights.config
        let T = c.tokens, zd = c.zDim, wd = c.wDim, width = max(zd, wd)
        if x.count < batchSeeds * T * width {
            x = [Float](repeating: 0, count: batchSeeds * T * width)
            y = x
        }
        var done = 0
        while done < count {
            let nb = min(batchSeeds, count - done), rows = nb * T
            // z of each seed (token-major), drawn in parallel: SeedRandom is the slow part.
            let batchFirst = first &+ UInt64(done)
            x.withUnsafeMutableBufferPointer { xp in
                // Each iteration writes its own disjoint rows.
                nonisolated(unsafe) let base = xp.baseAddress!
                DispatchQueue.concurrentPerform(iterations: nb) { s in
                    let z = SeedRandom.z(seed: batchFirst &+ UInt64(s), tokens: T, zDim: zd)
                    z.withUnsafeBufferPointer { (base + s * T * zd).update(from: $0.baseAddress!, count: T * zd) }
                }
            }
            weights.mapRows(rows, &x, scratch: &y)
            try x.withUnsafeBufferPointer { try body($0.baseAddress!, rows) }
            done += nb
        }
    }

    /// All samples of `seeds` seeds in one array, [seeds * tokens][wDim].
    public mutating func sample(firstSeed: UInt64 = defaultFirstSeed, seeds: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(seeds * weights.config.tokens * weights.config.wDim)
        let wd = weights.config.wDim
        forEachBatch(firstSeed: firstSeed, seeds: seeds) { p, rows in out += UnsafeBufferPointer(start: p, count: rows * wd) }
        return out
    }
}
