// Mapping.swift: the mapping MLP (model.py MappingNetwork.forward), written once for every
// caller: pixel norm of each z row, then the equalized linear layers with LeakyReLU, one sgemm
// per layer over all rows (a face's eight tokens in Generator.map, thousands of seeds' tokens
// in WSampler).

extension GeneratorWeights {
    /// Maps `rows` z vectors: `x` holds [rows][zDim] on entry and [rows][wDim] on return; `y` is
    /// scratch. Both grow to rows * max(zDim, wDim) floats where they are smaller.
    func mapRows(_ rows: Int, _ x: inout [Float], scratch y: inout [Float]) {
        let c = config, zd = c.zDim, wd = c.wDim
        let need = rows * max(zd, wd)
        if x.count < need { x += [Float](repeating: 0, count: need - x.count) }
        if y.count < need { y = [Float](repeating: 0, count: need) }
        // Pixel norm: each z onto the sphere of radius sqrt(zDim).
        for r in 0..<rows {
            var ss: Float = 0
            for i in 0..<zd { ss += x[r * zd + i] * x[r * zd + i] }
            let k = 1 / (ss / Float(zd) + 1e-8).squareRoot()
            for i in 0..<zd { x[r * zd + i] *= k }
        }
        // y = lrelu(x Wᵀ + b), layer by layer.
        for (li, (w, b)) in zip(mappingWeight, mappingBias).enumerated() {
            let cin = li == 0 ? zd : wd
            for r in 0..<rows { for i in 0..<wd { y[r * wd + i] = b[i] } }
            x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in y.withUnsafeMutableBufferPointer { yp in
                sgemm(yp.baseAddress!, ldc: wd, xp.baseAddress!, lda: cin, wp.baseAddress!, ldb: cin, transB: true,
                      m: rows, n: wd, k: cin, beta: 1)
                leakyReLU(yp.baseAddress!, count: rows * wd, slope: c.lreluSlope, gain: c.lreluGain)
            } } }
            swap(&x, &y)
        }
    }
}
