// LayerPass.swift: one styled layer over one part of one image (a band of rows,
// or a range of its output channels), and how a layer is cut into parts.
//   x -> [upsample] -> LayerNorm -> per head: softmax(keys Wq (norm + pos)) ->
//   style = attn^T v -> mod = norm * style -> conv -> + noise + bias -> LeakyReLU
// A port of training/latentscope_train/model.py (StyledLayer.forward). Every
// step but the convolution is per pixel, so a band computes its own rows plus
// the one-row halo its 3x3 convolution reads, and bands never wait on each other
// within a layer.

/// The part of one layer's output a worker computes: a band of rows and a range
/// of output channels, and the input rows it reads.
struct Band: Equatable {
    let rows: Range<Int>
    let inRows: Range<Int>
    let channels: Range<Int>

    /// The whole layer.
    static func whole(_ s: LayerSpec) -> Band { Band(rows: 0..<s.res, inRows: 0..<s.res, channels: 0..<s.cout) }

    /// The layer cut for `workers` workers. Large layers are cut into bands of rows,
    /// each reading the one-row halo its 3x3 kernel needs. Below `minRowsPerBand`
    /// rows a band is mostly halo and every band would stream all the conv weights,
    /// so small convolutions are cut by output channel instead (each worker then
    /// repeats the cheap per-pixel attention), and small toRGB layers are not cut.
    static func partition(_ s: LayerSpec, workers: Int) -> [Band] {
        guard workers > 1 else { return [whole(s)] }
        if s.res / workers >= minRowsPerBand {
            let halo = s.kernel / 2
            return (0..<workers).map { i in
                let r = (s.res * i / workers) ..< (s.res * (i + 1) / workers)
                return Band(rows: r, inRows: max(r.lowerBound - halo, 0) ..< min(r.upperBound + halo, s.res), channels: 0..<s.cout)
            }
        }
        let n = s.isToRGB ? 1 : min(workers, s.cout)
        return (0..<n).map { i in
            Band(rows: 0..<s.res, inRows: 0..<s.res, channels: (s.cout * i / n) ..< (s.cout * (i + 1) / n))
        }
    }

    static let minRowsPerBand = 8
}

/// What one image brings to the synthesis: its W+, its noise per layer, and
/// where to write the attention maps of the layers asked for ([H][P][T] each).
struct ImageInputs {
    let w: WPlus
    let noise: [[Float]?]
    let attention: [Int: UnsafeMutablePointer<Float>]
}

extension PreparedModel {
    /// Runs layer `li` for `band` of one image: reads image.x (and image.image for
    /// toRGB), writes the band's rows of image.y (or image.nextImage).
    func runLayer(_ li: Int, band: Band, image: ImageBuffers, inputs: ImageInputs, lane: Lane) {
        let c = config, L = layers[li], s = L.spec
        let R = s.res, P = s.pixels, Cin = s.cin, T = c.tokens, H = c.heads
        let cols = band.inRows.count * R, first = band.inRows.lowerBound * R

        // Input rows, upsampled from the previous resolution where the layer says so.
        let x: UnsafePointer<Float>, ldx: Int
        if s.up {
            upsample2xRows(lane.up, ldd: cols, image.x, planes: Cin, size: R / 2, rows: band.inRows, tmp: lane.row)
            (x, ldx) = (UnsafePointer(lane.up), cols)
        } else {
            (x, ldx) = (UnsafePointer(image.x + first), P)
        }
        layerNorm(lane.norm, x, ldx: ldx, channels: Cin, cols: cols, eps: c.layernormEps, scratch: lane.scratch)
        // Values: v = tokens Wv^T + bv, [T][Cin].
        for t in 0..<T { (lane.v + t * Cin).update(from: L.valueBias, count: Cin) }
        inputs.w.values.withUnsafeBufferPointer { w in
            sgemm(lane.v, ldc: Cin, w.baseAddress! + li * T * c.wDim, lda: c.wDim, L.value, ldb: c.wDim, transB: true,
                  m: T, n: Cin, k: c.wDim, beta: 1)
        }
        // Logits of every head at once (keys, query and position folded, PreparedLayer), then per
        // head: softmax over tokens, style = v^T attn for the head's channels.
        for r in 0..<(H * T) { (lane.attn + r * cols).update(from: L.positionLogits + r * P + first, count: cols) }
        sgemm(lane.attn, ldc: cols, L.logits, lda: Cin, lane.norm, ldb: cols, m: H * T, n: cols, k: Cin, beta: 1)
        let Ch = Cin / H
        for h in 0..<H {
            let a = lane.attn + h * T * cols
            softmaxColumns(a, rows: T, cols: cols, scratch: lane.scratch)
            sgemm(lane.mod + h * Ch * cols, ldc: cols, lane.v + h * Ch, lda: Cin, transA: true, a, ldb: cols, m: Ch, n: cols, k: T)
        }
        vmul(lane.mod, lane.mod, lane.norm, Cin * cols)
        if let capture = inputs.attention[li], band.channels.lowerBound == 0 {
            // Only the band's own rows, [H][P][T]: the halo belongs to a neighbour.
            for h in 0..<H {
                for p in band.rows.lowerBound * R ..< band.rows.upperBound * R {
                    let dst = capture + (h * P + p) * T, src = lane.attn + h * T * cols + p - first
                    for t in 0..<T { dst[t] = src[t * cols] }
                }
            }
        }

        if s.isToRGB { toRGB(L, band: band, image: image, lane: lane) } else { convolve(L, li, band: band, image: image, inputs: inputs, lane: lane) }
    }

    /// 3x3 convolution of the modulated band into image.y, then noise, bias, activation.
    private func convolve(_ L: PreparedLayer, _ li: Int, band: Band, image: ImageBuffers, inputs: ImageInputs, lane: Lane) {
        let s = L.spec, R = s.res, P = s.pixels, K = s.cin * 9
        let block = convRowsPerBlock(k: K, size: R)
        var r = band.rows.lowerBound
        while r < band.rows.upperBound {
            let rows = r ..< min(r + block, band.rows.upperBound)
            im2col3x3(lane.col, lane.mod, ldx: band.inRows.count * R, inRows: band.inRows, channels: s.cin, size: R, rows: rows)
            sgemm(image.y + band.channels.lowerBound * P + r * R, ldc: P, L.conv + band.channels.lowerBound * K, lda: K,
                  lane.col, ldb: rows.count * R, m: band.channels.count, n: rows.count * R, k: K)
            r = rows.upperBound
        }
        let first = band.rows.lowerBound * R, n = band.rows.count * R
        let noise = s.noise ? inputs.noise[li] : nil
        noise.withUnsafeBufferPointerOrNil { nz in
            for co in band.channels {
                addNoiseBiasActivate(image.y + co * P + first, count: n, noise: nz.map { $0 + first }, strength: L.noiseStrength,
                                     bias: L.bias[co], act: s.act, slope: config.lreluSlope, gain: config.lreluGain)
            }
        }
    }

    /// 1x1 convolution to RGB, added to the upsampled image so far: nextImage = up(image) + rgb.
    private func toRGB(_ L: PreparedLayer, band: Band, image: ImageBuffers, lane: Lane) {
        let s = L.spec, R = s.res, P = s.pixels
        let first = band.rows.lowerBound * R, n = band.rows.count * R
        let out = image.nextImage + first
        if image.hasImage {
            upsample2xRows(out, ldd: P, image.image, planes: 3, size: R / 2, rows: band.rows, tmp: lane.row)
        } else {
            for ch in 0..<3 { (out + ch * P).update(repeating: 0, count: n) }
        }
        let own = (band.rows.lowerBound - band.inRows.lowerBound) * R
        sgemm(out, ldc: P, L.conv, lda: s.cin, lane.mod + own, ldb: band.inRows.count * R, m: s.cout, n: n, k: s.cin, beta: 1)
        for ch in 0..<3 {
            addNoiseBiasActivate(out + ch * P, count: n, noise: nil, strength: 0, bias: L.bias[ch], act: false, slope: 0, gain: 1)
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's storage for the duration of body, or nil.
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let a): a.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}
