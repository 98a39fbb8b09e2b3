// PCA.swift: GANSpace's directions (Härkönen et al. 2020): the principal axes
// of the model's w distribution. w samples (every token of consecutive seeds,
// un-truncated; tokens are i.i.d. draws of the same mapping) stream through a
// CovarianceAccumulator, so memory does not grow with the sample count; the
// wDim x wDim covariance is eigen-decomposed with LAPACK's symmetric solver.
// A component's σ, the unit of an edit along it, is measured on what an edit
// moves: every token of a face at once, i.e. the mean of its tokens. That
// varies √tokens times less than one token (tokens are independent), so "+2"
// on pca0 is two standard deviations of faces along it, not of single tokens
// (which, moved all together, would leave the faces the model was trained on).

import Foundation

/// The result of a PCA of w.
public struct PCAResult: Sendable {
    /// Unit principal axes, largest variance first (SymmetricEigen's sign convention).
    public let components: [[Float]]
    /// Variance of w along each component (its eigenvalue).
    public let variances: [Double]
    /// Total variance of w (the covariance's trace), over all wDim axes.
    public let totalVariance: Double
    /// Mean of w.
    public let mean: [Double]
    /// Number of w samples.
    public let samples: Int
    /// The full covariance (wDim x wDim), for comparisons with other directions.
    public let covariance: [Double]
    /// The covariance of what an edit moves (wDim x wDim): of each seed's token mean.
    public let editCovariance: [Double]

    /// Share of the total variance along each component.
    public var explainedRatio: [Double] { variances.map { totalVariance > 0 ? $0 / totalVariance : 0 } }

    /// Variance of w along a unit vector.
    public func variance(along v: [Float]) -> Double { VectorMath.quadraticForm(covariance, v.map(Double.init)) }

    /// σ of an edit along a unit vector: the standard deviation of the token means along it.
    public func editSigma(along v: [Float]) -> Float {
        Float(max(VectorMath.quadraticForm(editCovariance, v.map(Double.init)), 0).squareRoot())
    }

    /// The first `k` components as directions `pca0 ... pca{k-1}`.
    public func directions(_ k: Int) -> [Direction] {
        (0..<min(k, components.count)).map {
            Direction(name: "pca\($0)", vector: components[$0], sigma: editSigma(along: components[$0]),
                      method: .pca, explained: Float(explainedRatio[$0]))
        }
    }
}

public enum PCA {
    /// PCA of w from `samples` w vectors: the tokens of ceil(samples / tokens)
    /// consecutive seeds from `firstSeed`. `progress` gets (done, total) seeds.
    public static func fit(_ G: Generator, samples: Int, firstSeed: UInt64 = WSampler.defaultFirstSeed,
                           progress: ((Int, Int) -> Void)? = nil) throws -> PCAResult {
        let T = G.config.tokens
        let seeds = max(1, (samples + T - 1) / T)
        guard seeds >= 2 else { throw LinearAlgebraError(message: "PCA needs the w of at least 2 seeds") }
        let wd = G.config.wDim
        var acc = CovarianceAccumulator(dim: wd), edits = CovarianceAccumulator(dim: wd)
        var sampler = WSampler(G.weights, batchSeeds: 512)
        var done = 0
        sampler.forEachBatch(firstSeed: firstSeed, seeds: seeds) { rows, n in
            acc.add(rows, rows: n)
            edits.add(DirectionMath.tokenMeans(UnsafeBufferPointer(start: rows, count: n * wd), tokens: T, wDim: wd))
            done += n / T
            progress?(done, seeds)
        }
        return try fit(acc, edits: edits)
    }

    /// PCA of whatever an accumulator has seen; σ from `edits` (the samples an edit
    /// moves, token means), or from the samples themselves when they are single vectors.
    public static func fit(_ acc: CovarianceAccumulator, edits: CovarianceAccumulator? = nil) throws -> PCAResult {
        let cov = acc.covariance()
        let eig = try SymmetricEigen(symmetric: cov, n: acc.dim)
        let trace = (0..<acc.dim).reduce(0.0) { $0 + cov[$1 * acc.dim + $1] }
        return PCAResult(components: eig.vectors.map { $0.map(Float.init) }, variances: eig.values.map { max($0, 0) },
                         totalVariance: trace, mean: acc.mean, samples: acc.count, covariance: cov,
                         editCovariance: edits?.covariance() ?? cov)
    }

    /// The mean variance of w along `count` random unit directions, as a share
    /// of the total: the baseline a principal axis is compared with (≈ 1/wDim).
    public static func randomBaseline(_ r: PCAResult, count: Int = 1000, seed: UInt64 = 0x5EED) -> Double {
        let vs = DirectionMath.randomUnitVectors(count: count, wDim: r.mean.count, seed: seed)
        let mean = vs.reduce(0.0) { $0 + r.variance(along: $1) } / Double(count)
        return r.totalVariance > 0 ? mean / r.totalVariance : 0
    }
}
