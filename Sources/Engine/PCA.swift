// PCA.swift: GANSpace's directions (Härkönen et al. 2020): the principal axes
// of the model's w distribution. w samples (every token of consecutive seeds,
// un-truncated; tokens are i.i.d. draws of the same mapping) stream through a
// CovarianceAccumulator, so memory does not grow with the sample count; the
// wDim x wDim covariance is eigen-decomposed with LAPACK's symmetric solver.
// A component's σ is the square root of its eigenvalue: the standard deviation
// of w along it, so "+2" on pca0 means two standard deviations.

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

    /// Share of the total variance along each component.
    public var explainedRatio: [Double] { variances.map { totalVariance > 0 ? $0 / totalVariance : 0 } }

    /// Variance of w along a unit vector.
    public func variance(along v: [Float]) -> Double { VectorMath.quadraticForm(covariance, v.map(Double.init)) }

    /// The first `k` components as directions `pca0 ... pca{k-1}`.
    public func directions(_ k: Int) -> [Direction] {
        (0..<min(k, components.count)).map {
            Direction(name: "pca\($0)", vector: components[$0], sigma: Float(max(variances[$0], 0).squareRoot()),
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
        guard seeds * T >= 2 else { throw LinearAlgebraError(message: "PCA needs at least 2 samples") }
        var acc = CovarianceAccumulator(dim: G.config.wDim)
        var sampler = WSampler(G.weights, batchSeeds: 512)
        var done = 0
        sampler.forEachBatch(firstSeed: firstSeed, seeds: seeds) { rows, n in
            acc.add(rows, rows: n)
            done += n / T
            progress?(done, seeds)
        }
        return try fit(acc)
    }

    /// PCA of whatever an accumulator has seen.
    public static func fit(_ acc: CovarianceAccumulator) throws -> PCAResult {
        let cov = acc.covariance()
        let eig = try SymmetricEigen(symmetric: cov, n: acc.dim)
        let trace = (0..<acc.dim).reduce(0.0) { $0 + cov[$1 * acc.dim + $1] }
        return PCAResult(components: eig.vectors.map { $0.map(Float.init) }, variances: eig.values.map { max($0, 0) },
                         totalVariance: trace, mean: acc.mean, samples: acc.count, covariance: cov)
    }

    /// The mean variance of w along `count` random unit directions, as a share
    /// of the total: the baseline a principal axis is compared with (≈ 1/wDim).
    public static func randomBaseline(_ r: PCAResult, count: Int = 1000, seed: UInt64 = 0x5EED) -> Double {
        let vs = DirectionMath.randomUnitVectors(count: count, wDim: r.mean.count, seed: seed)
        let mean = vs.reduce(0.0) { $0 + r.variance(along: $1) } / Double(count)
        return r.totalVariance > 0 ? mean / r.totalVariance : 0
    }
}
