// DirectionsMathTests.swift: the symmetric eigensolver, the streaming
// covariance, and PCA recovering known principal axes of synthetic data.

import Foundation
import Testing
@testable import Engine

/// A random orthonormal basis (rows) from a seed, by Gram-Schmidt.
func orthonormalBasis(_ n: Int, seed: UInt64) -> [[Double]] {
    var rng = SeedRandom(seed: seed, stream: .z)
    var basis: [[Double]] = []
    while basis.count < n {
        var v = rng.normals(n).map(Double.init)
        for b in basis {
            let d = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<n { v[i] -= d * b[i] }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 1e-6 { basis.append(v.map { $0 / norm }) }
    }
    return basis
}

func absDot(_ a: [Double], _ b: [Double]) -> Double { abs(zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }) }

@Suite struct SymmetricEigenTests {
    @Test func recoversAKnownSpectrum() throws {
        let n = 12
        let q = orthonormalBasis(n, seed: 7)
        let lambda = (0..<n).map { Double(n - $0) * 1.5 }          // distinct, descending
        var a = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for i in 0..<n { for j in 0..<n { a[i * n + j] += lambda[k] * q[k][i] * q[k][j] } } }
        let e = try SymmetricEigen(symmetric: a, n: n)
        for k in 0..<n {
            #expect(abs(e.values[k] - lambda[k]) < 1e-9, "eigenvalue \(k): \(e.values[k]) vs \(lambda[k])")
            #expect(absDot(e.vectors[k], q[k]) > 1 - 1e-9, "eigenvector \(k) is not the planted axis")
            // Sign convention: the largest-magnitude component is positive.
            let big = e.vectors[k].max { abs($0) < abs($1) }!
            #expect(big > 0)
        }
    }

    @Test func sortsDescendingAndReadsTheUpperTriangle() throws {
        // diag(1, 3, 2) with junk below the diagonal: only the upper triangle counts.
        let a: [Double] = [1, 0, 0,
                           99, 3, 0,
                           -7, 5, 2]
        let e = try SymmetricEigen(symmetric: a, n: 3)
        #expect(e.values == [3, 2, 1])
        #expect(e.vectors[0] == [0, 1, 0])
        #expect(e.vectors[2] == [1, 0, 0])
    }

    @Test func rejectsBadInput() {
        #expect(throws: LinearAlgebraError.self) { try SymmetricEigen(symmetric: [1, 2, 3], n: 2) }
        #expect(throws: LinearAlgebraError(message: "eigen-decomposition: element (1, 0) is nan; the matrix must be finite")) {
            try SymmetricEigen(symmetric: [1, 0, .nan, 1], n: 2)
        }
    }
}

@Suite struct CovarianceAccumulatorTests {
    /// Two-pass reference: mean, then the mean of outer products of deviations.
    func twoPass(_ x: [Float], dim d: Int) -> (mean: [Double], cov: [Double]) {
        let n = x.count / d
        var m = [Double](repeating: 0, count: d)
        for r in 0..<n { for i in 0..<d { m[i] += Double(x[r * d + i]) } }
        m = m.map { $0 / Double(n) }
        var c = [Double](repeating: 0, count: d * d)
        for r in 0..<n { for i in 0..<d { for j in 0..<d { c[i * d + j] += (Double(x[r * d + i]) - m[i]) * (Double(x[r * d + j]) - m[j]) } } }
        return (m, c.map { $0 / Double(n) })
    }

    @Test func streamingEqualsTwoPassWithALargeMean() {
        let d = 5, n = 1000
        var rng = SeedRandom(seed: 11, stream: .z)
        // A mean of 1000 and a spread of about 1: the naive Σxxᵀ/n − μμᵀ loses digits here.
        let x = rng.normals(n * d).enumerated().map { 1000 + Float($0.offset % d) + $0.element * Float(1 + $0.offset % d) * 0.5 }
        let ref = twoPass(x, dim: d)
        var acc = CovarianceAccumulator(dim: d)
        var start = 0
        for size in [1, 7, 300, 2, 690] {   // uneven batches, one of a single row
            acc.add(Array(x[start * d ..< (start + size) * d]))
            start += size
        }
        #expect(acc.count == n)
        for i in 0..<d { #expect(abs(acc.mean[i] - ref.mean[i]) < 1e-9) }
        let c = acc.covariance()
        for i in 0..<(d * d) { #expect(abs(c[i] - ref.cov[i]) < 1e-6, "covariance element \(i): \(c[i]) vs \(ref.cov[i])") }

        // Two accumulators merged equal one that saw everything.
        var a = CovarianceAccumulator(dim: d), b = CovarianceAccumulator(dim: d)
        a.add(Array(x[0 ..< 400 * d]))
        b.add(Array(x[400 * d ..< n * d]))
        a.merge(b)
        let cm = a.covariance()
        for i in 0..<(d * d) { #expect(abs(cm[i] - ref.cov[i]) < 1e-6) }
        let unbiased = acc.covariance(unbiased: true)
        #expect(abs(unbiased[0] - ref.cov[0] * Double(n) / Double(n - 1)) < 1e-6)
    }
}

@Suite struct PCASyntheticTests {
    /// Samples x = μ + Σ_k sqrt(λ_k) n_k q_k with known axes q_k, streamed in
    /// batches: PCA must find the q_k (up to sign) and the λ_k.
    @Test func recoversKnownPrincipalAxes() throws {
        let d = 8, n = 40_000
        let q = orthonormalBasis(d, seed: 3)
        let lambda: [Double] = [9, 4, 2.25, 1, 0.5, 0.25, 0.1, 0.05]
        let mu = (0..<d).map { Double($0) - 3.5 }
        var rng = SeedRandom(seed: 5, stream: .z)
        var acc = CovarianceAccumulator(dim: d)
        let batch = 1000
        for _ in 0..<(n / batch) {
            let z = rng.normals(batch * d)
            var x = [Float](repeating: 0, count: batch * d)
            for r in 0..<batch {
                for i in 0..<d {
                    var v = mu[i]
                    for k in 0..<d { v += lambda[k].squareRoot() * Double(z[r * d + k]) * q[k][i] }
                    x[r * d + i] = Float(v)
                }
            }
            acc.add(x)
        }
        let r = try PCA.fit(acc)
        let total = lambda.reduce(0, +)
        for k in 0..<4 {
            #expect(absDot(r.components[k].map(Double.init), q[k]) > 0.995, "component \(k) is off its planted axis")
            #expect(abs(r.variances[k] / lambda[k] - 1) < 0.05, "variance \(k): \(r.variances[k]) vs \(lambda[k])")
            #expect(abs(r.explainedRatio[k] - lambda[k] / total) < 0.01)
        }
        for i in 0..<d { #expect(abs(r.mean[i] - mu[i]) < 0.05) }
        #expect(abs(r.totalVariance / total - 1) < 0.03)
        // A random direction explains about 1/d of the variance; the first axis far more.
        let baseline = PCA.randomBaseline(r)
        #expect(abs(baseline - 1 / Double(d)) < 0.02)
        #expect(r.explainedRatio[0] > 3 * baseline)
        // Saved as directions: single-vector samples (no edit accumulator) give σ = sqrt(variance),
        // unit vectors, names pca0...
        let dirs = r.directions(3)
        #expect(dirs.map(\.name) == ["pca0", "pca1", "pca2"])
        #expect(abs(Double(dirs[0].sigma) - r.variances[0].squareRoot()) < 1e-5)
        #expect(abs(VectorMath.dot(dirs[1].vector, dirs[1].vector) - 1) < 1e-5)
    }
}

@Suite struct EditSigmaTests {
    /// Two seeds of three tokens, wDim 2: the means are each seed's average row.
    @Test func tokenMeansAverageEachSeedsTokens() {
        let samples: [Float] = [1, 2, 3, 4, 5, 6,   10, 0, 20, 0, 30, 3]
        let m = samples.withUnsafeBufferPointer { DirectionMath.tokenMeans($0, tokens: 3, wDim: 2) }
        #expect(m == [3, 4, 20, 1])
    }

    /// σ of an edit is the spread of the token means: with tokens drawn independently it is
    /// about 1/√T of a single token's, and exactly the means' spread.
    @Test func editSigmaIsTheSpreadOfTokenMeans() {
        let T = 8, d = 3, seeds = 4000
        var rng = SeedRandom(seed: 11, stream: .z)
        let samples = rng.normals(seeds * T * d)
        let v: [Float] = [1, 0, 0]
        let perToken = DirectionMath.sigmas(of: [v], samples: samples, wDim: d)[0]
        let edit = DirectionMath.editSigmas(of: [v], samples: samples, tokens: T, wDim: d)[0]
        #expect(abs(edit * Float(T).squareRoot() / perToken - 1) < 0.05, "edit σ \(edit), token σ \(perToken)")
        let means = samples.withUnsafeBufferPointer { DirectionMath.tokenMeans($0, tokens: T, wDim: d) }
        #expect(abs(edit - DirectionMath.sigmas(of: [v], samples: means, wDim: d)[0]) < 1e-6)
    }
}
