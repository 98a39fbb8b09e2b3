// LinearAlgebra.swift: the small dense linear algebra behind the direction
// finders: a symmetric eigensolver (LAPACK dsyev through OpenBLAS) and a
// streaming mean/covariance accumulator. Everything is Double: the matrices
// are wDim x wDim (128 x 128), so precision costs nothing here.
// Not here: anything on the forward pass (Kernels.swift).

import CBLAS
import Foundation

/// Errors of the linear-algebra helpers; messages say what was asked and what failed.
public struct LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

// MARK: - Symmetric eigen-decomposition

/// Eigenvalues and unit eigenvectors of a real symmetric matrix, sorted by
/// eigenvalue, largest first, each vector with a deterministic sign.
public struct SymmetricEigen: Sendable, Equatable {
    /// Eigenvalues, descending.
    public let values: [Double]
    /// Unit eigenvectors, `vectors[i]` belongs to `values[i]`; n values each.
    public let vectors: [[Double]]

    /// Decomposes the n x n symmetric matrix `a` (row-major; only the upper
    /// triangle is read, so a matrix filled on one side is fine).
    ///
    /// Sign convention: every eigenvector is flipped so that its component of
    /// largest magnitude is positive (the first such component on ties), so the
    /// same matrix gives the same vectors on every machine and LAPACK build.
    /// Throws when the matrix is not n x n, holds non-finite values, or LAPACK
    /// reports a failure (with LAPACK's INFO code).
    public init(symmetric a: [Double], n: Int) throws {
        guard n > 0, a.count == n * n else {
            throw LinearAlgebraError(message: "eigen-decomposition: \(a.count) values is not a \(n)x\(n) matrix")
        }
        if let bad = a.firstIndex(where: { !$0.isFinite }) {
            throw LinearAlgebraError(message: "eigen-decomposition: element (\(bad / n), \(bad % n)) is \(a[bad]); the matrix must be finite")
        }
        // Row-major upper triangle == column-major lower triangle: hand LAPACK 'L'.
        var m = a
        var w = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        var nn = Int32(n), lda = Int32(n)
        var query: Double = 0
        var lwork: Int32 = -1
        dsyev_("V", "L", &nn, &m, &lda, &w, &query, &lwork, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError(message: "LAPACK dsyev workspace query failed (INFO = \(info))") }
        lwork = Int32(max(query, Double(3 * n)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_("V", "L", &nn, &m, &lda, &w, &work, &lwork, &info, 1, 1)
        guard info == 0 else {
            throw LinearAlgebraError(message: info < 0
                ? "LAPACK dsyev: argument \(-info) is invalid"
                : "LAPACK dsyev did not converge (\(info) off-diagonal elements did not reach zero)")
        }
        // LAPACK: ascending values; vector j is column j, i.e. m[j*n ..< (j+1)*n].
        let order = (0..<n).sorted { w[$0] > w[$1] }
        values = order.map { w[$0] }
        vectors = order.map { j in SymmetricEigen.canonicalSign(Array(m[j * n ..< (j + 1) * n])) }
    }

    /// `v` or `-v`, whichever has its largest-magnitude component positive.
    public static func canonicalSign(_ v: [Double]) -> [Double] {
        var best = 0
        for i in v.indices where abs(v[i]) > abs(v[best]) { best = i }
        return v.isEmpty || v[best] >= 0 ? v : v.map { -$0 }
    }
}

// MARK: - Streaming covariance

/// Mean and covariance of a stream of dim-dimensional samples, without holding
/// the samples: batches are centred on their own mean, their scatter matrix is
/// one `dsyrk`, and batches merge with Chan, Golub & LeVeque's pairwise update
///   M2 = M2_a + M2_b + δ δᵀ · n_a n_b / n,   δ = mean_b − mean_a,
/// which stays accurate when the mean is large compared with the spread (the
/// naive Σxxᵀ/n − μμᵀ does not).
public struct CovarianceAccumulator: Sendable {
    public let dim: Int
    /// Samples seen.
    public private(set) var count: Int = 0
    /// Running mean, dim values.
    public private(set) var mean: [Double]
    /// Sum of outer products of deviations from the mean, dim x dim row-major (upper triangle kept).
    private var scatter: [Double]
    /// Centred copy of the current batch, reused between calls.
    private var centred: [Double] = []

    public init(dim: Int) {
        precondition(dim > 0, "CovarianceAccumulator: dim must be positive")
        self.dim = dim
        mean = [Double](repeating: 0, count: dim)
        scatter = [Double](repeating: 0, count: dim * dim)
    }

    /// Adds `rows` samples stored row-major in `x` (rows x dim Floats).
    public mutating func add(_ x: UnsafePointer<Float>, rows: Int) {
        guard rows > 0 else { return }
        let d = dim
        var bm = [Double](repeating: 0, count: d)
        for r in 0..<rows { for i in 0..<d { bm[i] += Double(x[r * d + i]) } }
        for i in 0..<d { bm[i] /= Double(rows) }
        if centred.count < rows * d { centred = [Double](repeating: 0, count: rows * d) }
        for r in 0..<rows { for i in 0..<d { centred[r * d + i] = Double(x[r * d + i]) - bm[i] } }
        // scatter += Xcᵀ Xc (row-major: C = Aᵀ A with A rows x d, upper triangle).
        centred.withUnsafeBufferPointer { c in
            scatter.withUnsafeMutableBufferPointer { s in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows), 1, c.baseAddress!, Int32(d),
                            1, s.baseAddress!, Int32(d))
            }
        }
        mergeMoments(batchMean: bm, batchCount: rows)
    }

    /// Adds samples held in an array (rows x dim).
    public mutating func add(_ x: [Float]) {
        precondition(x.count % dim == 0, "CovarianceAccumulator: \(x.count) values are not rows of \(dim)")
        x.withUnsafeBufferPointer { add($0.baseAddress!, rows: x.count / dim) }
    }

    /// Folds in another accumulator's samples (e.g. one filled by another thread).
    public mutating func merge(_ other: CovarianceAccumulator) {
        precondition(other.dim == dim, "CovarianceAccumulator: merging dim \(other.dim) into dim \(dim)")
        guard other.count > 0 else { return }
        for i in 0..<(dim * dim) { scatter[i] += other.scatter[i] }
        mergeMoments(batchMean: other.mean, batchCount: other.count)
    }

    /// Updates count and mean with a batch whose scatter is already in `scatter`,
    /// and adds the between-means term to the upper triangle.
    private mutating func mergeMoments(batchMean bm: [Double], batchCount nb: Int) {
        let na = count, n = na + nb
        let delta = (0..<dim).map { bm[$0] - mean[$0] }
        let f = Double(na) * Double(nb) / Double(n)
        if na > 0 {
            for i in 0..<dim { for j in i..<dim { scatter[i * dim + j] += f * delta[i] * delta[j] } }
        }
        for i in 0..<dim { mean[i] += delta[i] * Double(nb) / Double(n) }
        count = n
    }

    /// The covariance matrix (dim x dim, row-major, symmetric), normalised by
    /// n (population) or, with `unbiased`, n − 1.
    public func covariance(unbiased: Bool = false) -> [Double] {
        let div = Double(max(unbiased ? count - 1 : count, 1))
        var c = [Double](repeating: 0, count: dim * dim)
        for i in 0..<dim {
            for j in i..<dim {
                let v = scatter[i * dim + j] / div
                c[i * dim + j] = v
                c[j * dim + i] = v
            }
        }
        return c
    }
}

// MARK: - Small helpers

public enum VectorMath {
    /// xᵀ C x for a symmetric n x n matrix C (row-major).
    public static func quadraticForm(_ c: [Double], _ x: [Double]) -> Double {
        let n = x.count
        var s = 0.0
        for i in 0..<n {
            var r = 0.0
            for j in 0..<n { r += c[i * n + j] * x[j] }
            s += x[i] * r
        }
        return s
    }

    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var s: Float = 0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
