// Kernels.swift: the numeric building blocks of the forward pass.
// Activations are planar, channel-major, one image at a time: x[c][p] with
// p = row * size + column, so a band of rows is contiguous within each plane
// and a convolution over a band is one sgemm per block of rows.
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

/// Columns per block in the per-pixel kernels: one block of every channel
/// stays in L1/L2 while it is normalised or attended.
let columnBlock = 256

/// LayerNorm over channels of every column: norm[c][j] = (x[c][j] - mean_j) / sqrt(var_j + eps).
/// x: C rows at stride ldx; norm: [C][cols]; scratch: 2 * columnBlock.
/// Two-pass variance (centre first) to match PyTorch's numerics.
func layerNorm(_ norm: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, ldx: Int,
               channels C: Int, cols: Int, eps: Float, scratch: UnsafeMutablePointer<Float>) {
    let mean = scratch, rstd = scratch + columnBlock
    let invC = 1 / Float(C)
    var j0 = 0
    while j0 < cols {
        let w = min(columnBlock, cols - j0)
        mean.update(repeating: 0, count: w)
        for c in 0..<C { vadd(mean, x + c * ldx + j0, w) }
        vscale(mean, mean, invC, w)
        rstd.update(repeating: 0, count: w)
        for c in 0..<C { vcentreSquare(norm + c * cols + j0, rstd, x + c * ldx + j0, mean, w) }
        for j in 0..<w { rstd[j] = 1 / (rstd[j] * invC + eps).squareRoot() }
        for c in 0..<C { vmul(norm + c * cols + j0, norm + c * cols + j0, rstd, w) }
        j0 += w
    }
}

/// Softmax down the rows of every column of x [rows][cols], in place, a block of
/// columns at a time; subtracting the column max keeps exp finite. scratch: 2 * columnBlock.
func softmaxColumns(_ x: UnsafeMutablePointer<Float>, rows T: Int, cols: Int, scratch: UnsafeMutablePointer<Float>) {
    let mx = scratch, sum = scratch + columnBlock
    var j0 = 0
    while j0 < cols {
        let w = min(columnBlock, cols - j0), a = x + j0
        mx.update(from: a, count: w)
        for t in 1..<max(T, 1) {
            let r = a + t * cols
            var j = 0
            while j + 8 <= w { store8(vmax8(load8(mx + j), load8(r + j)), mx + j); j += 8 }
            while j < w { if r[j] > mx[j] { mx[j] = r[j] }; j += 1 }
        }
        sum.update(repeating: 0, count: w)
        for t in 0..<T { vexpSub(a + t * cols, mx, w); vadd(sum, a + t * cols, w) }
        for j in 0..<w { sum[j] = 1 / sum[j] }
        for t in 0..<T { vmul(a + t * cols, a + t * cols, sum, w) }
        j0 += w
    }
}

/// Rows `rows` of the bilinear x2 upsampling of `planes` s x s planes (src: plane
/// stride s*s), with half-pixel centres and clamped edges: PyTorch's
/// `interpolate(scale_factor=2, mode="bilinear", align_corners=False)`.
/// dst: planes at stride ldd, each starting at output row rows.lowerBound; tmp: s floats.
func upsample2xRows(_ dst: UnsafeMutablePointer<Float>, ldd: Int, _ src: UnsafePointer<Float>,
                    planes: Int, size s: Int, rows: Range<Int>, tmp: UnsafeMutablePointer<Float>) {
    let d = 2 * s
    for plane in 0..<planes {
        let sp = src + plane * s * s
        for y in rows {
            // Output row 2k blends source rows k-1 and k (.25/.75), row 2k+1 rows k and k+1.
            let k = y >> 1
            let (r0, r1) = y & 1 == 0 ? (max(k - 1, 0), k) : (k, min(k + 1, s - 1))
            let (w0, w1): (Float, Float) = y & 1 == 0 ? (0.25, 0.75) : (0.75, 0.25)
            vscale(tmp, sp + r0 * s, w0, s)
            vaxpy(tmp, sp + r1 * s, w1, s)
            let out = dst + plane * ldd + (y - rows.lowerBound) * d
            for x in 0..<s {
                let l = tmp[max(x - 1, 0)], m = tmp[x], r = tmp[min(x + 1, s - 1)]
                out[2 * x] = 0.25 * l + 0.75 * m
                out[2 * x + 1] = 0.75 * m + 0.25 * r
            }
        }
    }
}

/// im2col of a 3x3, stride-1, zero-padded convolution for output rows `rows` of an
/// s x s image. x holds input rows `inRows` (C planes at stride ldx); every row a
/// kernel tap reads must be in inRows or outside the image.
/// col: [C*9][rows.count*s], row c*9 + ky*3 + kx.
func im2col3x3(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, ldx: Int, inRows: Range<Int>,
               channels C: Int, size s: Int, rows: Range<Int>) {
    let n = rows.count * s
    for c in 0..<C {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let out = col + (c * 9 + ky * 3 + kx) * n
                let dx = kx - 1
                let x0 = max(0, -dx), x1 = min(s, s - dx)
                for y in rows {
                    let sy = y + ky - 1, drow = out + (y - rows.lowerBound) * s
                    guard sy >= 0 && sy < s else { drow.update(repeating: 0, count: s); continue }
                    let srow = x + c * ldx + (sy - inRows.lowerBound) * s
                    if x0 > 0 { drow[0] = 0 }
                    if x1 < s { drow[s - 1] = 0 }
                    (drow + x0).update(from: srow + x0 + dx, count: x1 - x0)
                }
            }
        }
    }
}

/// y = act(y + strength * noise + bias) over n values; act is LeakyReLU with
/// StyleGAN's gain, (x >= 0 ? x : slope x) * gain.
func addNoiseBiasActivate(_ y: UnsafeMutablePointer<Float>, count n: Int, noise: UnsafePointer<Float>?, strength: Float,
                          bias: Float, act: Bool, slope: Float, gain: Float) {
    let bv = F8(repeating: bias), sv = F8(repeating: strength)
    let pos = F8(repeating: act ? gain : 1), neg = F8(repeating: act ? slope * gain : 1), zero = F8(repeating: 0)
    var i = 0
    if let noise {
        while i + 8 <= n {
            let v = load8(y + i) + sv * load8(noise + i) + bv
            store8(v * pos.replacing(with: neg, where: v .< zero), y + i); i += 8
        }
    } else {
        while i + 8 <= n {
            let v = load8(y + i) + bv
            store8(v * pos.replacing(with: neg, where: v .< zero), y + i); i += 8
        }
    }
    while i < n {
        let v = y[i] + (noise.map { strength * $0[i] } ?? 0) + bias
        y[i] = v * (v < 0 ? neg[0] : pos[0]); i += 1
    }
}

/// LeakyReLU with StyleGAN's gain: y = (x >= 0 ? x : slope*x) * gain.
func leakyReLU(_ x: UnsafeMutablePointer<Float>, count: Int, slope: Float, gain: Float) {
    addNoiseBiasActivate(x, count: count, noise: nil, strength: 0, bias: 0, act: true, slope: slope, gain: gain)
}

/// c = a b for square n x n matrices (benchmark reference for the BLAS ceiling).
public func matmulForBench(_ c: inout [Float], _ a: [Float], _ b: [Float], _ n: Int) {
    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
        sgemm(cp.baseAddress!, ldc: n, ap.baseAddress!, lda: n, bp.baseAddress!, ldb: n, m: n, n: n, k: n)
    } } }
}
