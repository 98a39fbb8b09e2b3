// Kernels.swift: the numeric building blocks of the forward pass.
// Activations are planar, channel-major across the batch: x[c][n*P + p]
// ("C x NP"), so a convolution over the whole batch is one sgemm.
// Argument order everywhere: output, inputs, weights, dimensions.

import CBLAS
import Foundation

/// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major (OpenBLAS).
@inline(__always)
func sgemm(_ c: UnsafeMutablePointer<Float>, ldc: Int,
           _ a: UnsafePointer<Float>, lda: Int, transA: Bool = false,
           _ b: UnsafePointer<Float>, ldb: Int, transB: Bool = false,
           m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the BLAS thread count (OpenBLAS); returns the count in force.
@discardableResult
public func setBLASThreads(_ n: Int) -> Int {
    openblas_set_num_threads(Int32(max(1, n)))
    return Int(openblas_get_num_threads())
}

/// The BLAS thread count in force.
public func blasThreads() -> Int { Int(openblas_get_num_threads()) }

/// LayerNorm over channels for every column: out[c][j] = (x[c][j] - mean_j) / sqrt(var_j + eps).
/// x, out: [C][cols]; mean, rstd: scratch [cols]. Row-wise passes keep the inner loop contiguous.
func layerNormColumns(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                      mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                      channels C: Int, cols: Int, eps: Float) {
    mean.update(repeating: 0, count: cols)
    rstd.update(repeating: 0, count: cols)
    for c in 0..<C { vadd(mean, x + c * cols, cols) }
    let invC = 1 / Float(C)
    vscale(mean, mean, invC, cols)
    // Two-pass variance (subtract the mean first) to match PyTorch's numerics.
    for c in 0..<C {
        let row = x + c * cols, o = out + c * cols
        var j = 0
        while j + 8 <= cols { let d = load8(row + j) - load8(mean + j); store8(d, o + j); store8(load8(rstd + j) + d * d, rstd + j); j += 8 }
        while j < cols { let d = row[j] - mean[j]; o[j] = d; rstd[j] += d * d; j += 1 }
    }
    for j in 0..<cols { rstd[j] = 1 / (rstd[j] * invC + eps).squareRoot() }
    for c in 0..<C { vmul(out + c * cols, out + c * cols, rstd, cols) }
}

/// Softmax down the rows of every column: x[t][j], t < rows. In place.
/// max: scratch [cols]. Subtracting the column max keeps exp from overflowing.
func softmaxColumns(_ x: UnsafeMutablePointer<Float>, max mx: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>,
                    rows: Int, cols: Int) {
    mx.update(from: x, count: cols)
    for t in 1..<max(rows, 1) {
        let r = x + t * cols
        var j = 0
        while j + 8 <= cols { store8(vmax8(load8(mx + j), load8(r + j)), mx + j); j += 8 }
        while j < cols { if r[j] > mx[j] { mx[j] = r[j] }; j += 1 }
    }
    sum.update(repeating: 0, count: cols)
    for t in 0..<rows {
        let r = x + t * cols
        vexpSub(r, mx, cols)
        vadd(sum, r, cols)
    }
    for j in 0..<cols { sum[j] = 1 / sum[j] }
    for t in 0..<rows { vmul(x + t * cols, x + t * cols, sum, cols) }
}


/// Bilinear x2 upsampling with half-pixel centres and clamped edges (PyTorch's
/// `interpolate(scale_factor=2, mode="bilinear", align_corners=False)`).
/// src: [planes][s*s], dst: [planes][2s*2s], tmp: [2s*s].
func upsample2x(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, tmp: UnsafeMutablePointer<Float>,
                planes: Int, size s: Int) {
    let d = 2 * s
    for plane in 0..<planes {
        let sp = src + plane * s * s, dp = dst + plane * d * d
        // Horizontal: tmp[y][2k] = .25 x[k-1] + .75 x[k], tmp[y][2k+1] = .75 x[k] + .25 x[k+1].
        for y in 0..<s {
            let row = sp + y * s, out = tmp + y * d
            for k in 0..<s {
                let l = row[max(k - 1, 0)], m = row[k], r = row[min(k + 1, s - 1)]
                out[2 * k] = 0.25 * l + 0.75 * m
                out[2 * k + 1] = 0.75 * m + 0.25 * r
            }
        }
        // Vertical, whole rows at a time.
        for k in 0..<s {
            let up = tmp + max(k - 1, 0) * d, mid = tmp + k * d, dn = tmp + min(k + 1, s - 1) * d
            let o0 = dp + (2 * k) * d, o1 = dp + (2 * k + 1) * d
            for x in 0..<d {
                o0[x] = 0.25 * up[x] + 0.75 * mid[x]
                o1[x] = 0.75 * mid[x] + 0.25 * dn[x]
            }
        }
    }
}

/// im2col for a 3x3, stride-1, zero-padded convolution over a batch.
/// x: [C][N*P] (P = h*w), col: [C*9][N*P], row (c*9 + ky*3 + kx).
func im2col3x3(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, channels C: Int, batch N: Int, size s: Int) {
    let P = s * s, NP = N * P
    for c in 0..<C {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let out = col + (c * 9 + ky * 3 + kx) * NP
                let dy = ky - 1, dx = kx - 1
                for n in 0..<N {
                    let src = x + c * NP + n * P, dst = out + n * P
                    for y in 0..<s {
                        let sy = y + dy, drow = dst + y * s
                        guard sy >= 0 && sy < s else { drow.update(repeating: 0, count: s); continue }
                        let srow = src + sy * s
                        let x0 = max(0, -dx), x1 = min(s, s - dx)
                        if x0 > 0 { drow[0] = 0 }
                        if x1 < s { drow[s - 1] = 0 }
                        (drow + x0).update(from: srow + x0 + dx, count: x1 - x0)
                    }
                }
            }
        }
    }
}

/// LeakyReLU with StyleGAN's gain: y = (x >= 0 ? x : slope*x) * gain.
func leakyReLU(_ x: UnsafeMutablePointer<Float>, count: Int, slope: Float, gain: Float) {
    let neg = slope * gain
    for i in 0..<count { x[i] *= x[i] >= 0 ? gain : neg }
}

/// c = a b for square n x n matrices (benchmark reference for the BLAS ceiling).
public func matmulForBench(_ c: inout [Float], _ a: [Float], _ b: [Float], _ n: Int) {
    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
        sgemm(cp.baseAddress!, ldc: n, ap.baseAddress!, lda: n, bp.baseAddress!, ldb: n, m: n, n: n, k: n)
    } } }
}

/// Runs body(0..<n), on up to `threads` threads. The closure must only touch
/// disjoint memory per index.
func parallelFor(_ n: Int, threads: Int, _ body: (Int) -> Void) {
    guard threads > 1, n > 1 else { for i in 0..<n { body(i) }; return }
    withoutActuallyEscaping(body) { b in
        let box = UncheckedSendable(b)
        DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
    }
}

/// Lets a closure that the caller proves race-free cross into concurrentPerform.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
