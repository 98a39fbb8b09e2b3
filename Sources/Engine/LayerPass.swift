// LayerPass.swift: one styled layer over one part of one image (a band of rows,
// or a range of its output channels), and how a layer is cut into parts.
//   x -> [upsample] -> layerNorm -> values, attentionLogits -> attend (softmax,
//   style) -> modulate -> convolve -> noiseBiasActivate
// StyledLayer.forward of training/latentscope_train/model.py, step by step
// (LayerSteps.swift). Every step but the convolution is per pixel, so a band
// computes its own rows plus the one-row halo its 3x3 convolution reads, and
// bands never wait on each other within a layer. The attention blur is not per
// pixel: a layer with it is cut by output channel only, each part computing the
// whole image's attention.

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
    /// A `blurred` layer (attention_blur) blurs maps of the whole image, which a band
    /// of rows does not have: it is cut by output channel whatever its size, and its
    /// toRGB not at all.
    static func partition(_ s: LayerSpec, workers: Int, blurred: Bool = false) -> [Band] {
        guard workers > 1 else { return [whole(s)] }
        if !blurred && s.res / workers >= minRowsPerBand {
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
    /// Only for Generator.trace (the per-layer parity tests): gets every step's output.
    var trace: LayerTrace? = nil
}

/// The steps of a styled layer whose outputs a trace records, in order. The names are
/// model.py's (StyledLayer.forward) and the fixtures' (trace.LAYER.STEP). `input` is after
/// the upsampling of a block's first layer; `output` is the activation a conv layer hands
/// on, or for toRGB the image so far. A toRGB layer has no `conv` of its own: its 1×1
/// convolution is added straight onto the upsampled image.
enum LayerStep: String, CaseIterable, Sendable {
    case input, norm, values, logits, attention, style, modulated, conv, output
}

/// Receives a step's output, planar as model.py has it for one image: [C][P], values
/// [T][C], logits and attention [H][T][P].
typealias LayerTrace = (_ layer: Int, _ step: LayerStep, _ values: UnsafeBufferPointer<Float>) -> Void

extension PreparedModel {
    /// Runs layer `li` for `band` of one image: reads image.x (and image.image for
    /// toRGB), writes the band's rows of image.y (or image.nextImage). The steps are
    /// StyledLayer.forward's (LayerSteps.swift).
    func runLayer(_ li: Int, band: Band, image: ImageBuffers, inputs: ImageInputs, lane: Lane) {
        let c = config, L = layers[li], s = L.spec
        let R = s.res, P = s.pixels, Cin = s.cin, T = c.tokens, H = c.heads
        let cols = band.inRows.count * R, first = band.inRows.lowerBound * R
        func record(_ step: LayerStep, _ p: UnsafePointer<Float>, _ n: Int) {
            inputs.trace?(li, step, UnsafeBufferPointer(start: p, count: n))
        }

        // Input rows, upsampled from the previous resolution where the layer says so.
        let x: UnsafePointer<Float>, ldx: Int
        if s.up {
            upsample2xRows(lane.up, ldd: cols, image.x, planes: Cin, size: R / 2, rows: band.inRows, tmp: lane.row)
            (x, ldx) = (UnsafePointer(lane.up), cols)
        } else {
            (x, ldx) = (UnsafePointer(image.x + first), P)
        }
        record(.input, x, Cin * cols)
        layerNorm(lane.norm, x, ldx: ldx, channels: Cin, cols: cols, eps: c.layernormEps, scratch: lane.scratch)
        record(.norm, lane.norm, Cin * cols)
        inputs.w.values.withUnsafeBufferPointer { w in
            values(lane.v, w.baseAddress! + li * T * c.wDim, L.value, L.valueBias, tokens: T, wDim: c.wDim, channels: Cin)
        }
        record(.values, lane.v, T * Cin)
        attentionLogits(lane.attn, lane.norm, L.logits, L.positionLogits + first, ldp: P, rows: H * T, channels: Cin, cols: cols)
        record(.logits, lane.attn, H * T * cols)
        // The blur needs every row of the maps (Band.partition gives a blurred layer no bands of rows).
        assert(L.blur == 0 || band.inRows == 0..<R, "a blurred layer cut into bands of rows")
        attend(lane.mod, lane.attn, lane.v, heads: H, tokens: T, channels: Cin, cols: cols, blur: L.blur, size: R,
               scratch: lane.scratch, map: lane.map)
        record(.attention, lane.attn, H * T * cols)
        record(.style, lane.mod, Cin * cols)
        modulate(lane.mod, lane.mod, lane.norm, count: Cin * cols)
        record(.modulated, lane.mod, Cin * cols)
        if let capture = inputs.attention[li], band.channels.lowerBound == 0 {
            captureAttention(capture, lane.attn, rows: band.rows, first: first, cols: cols, heads: H, tokens: T, size: R)
        }

        if s.isToRGB {
            toRGB(L, band: band, image: image, lane: lane)
            record(.output, image.nextImage, 3 * P)
        } else {
            let out = image.y + band.rows.lowerBound * R, n = band.rows.count * R
            convolve3x3(image.y, ldy: P, lane.mod, L.conv, col: lane.col, inChannels: Cin, channels: band.channels, size: R,
                        rows: band.rows, inRows: band.inRows)
            record(.conv, image.y, s.cout * P)
            let noise = s.noise ? inputs.noise[li] : nil
            noise.withUnsafeBufferPointerOrNil { nz in
                noiseBiasActivate(out, ldy: P, channels: band.channels, count: n, noise: nz.map { $0 + band.rows.lowerBound * R },
                                  strength: L.noiseStrength, bias: L.bias, act: s.act, slope: c.lreluSlope, gain: c.lreluGain)
            }
            record(.output, image.y, s.cout * P)
        }
    }

    /// toRGB and StyleGAN2's skip sum for the band's rows: nextImage = up(image) + conv1x1(mod) + bias
    /// (the first toRGB layer has no image to upsample: zero).
    private func toRGB(_ L: PreparedLayer, band: Band, image: ImageBuffers, lane: Lane) {
        let s = L.spec, R = s.res, P = s.pixels
        let first = band.rows.lowerBound * R, n = band.rows.count * R
        let out = image.nextImage + first
        if image.hasImage {
            upsample2xRows(out, ldd: P, image.image, planes: 3, size: R / 2, rows: band.rows, tmp: lane.row)
        } else {
            for ch in 0..<3 { (out + ch * P).update(repeating: 0, count: n) }
        }
        // The band's own rows of the modulated features (the halo rows come first).
        let own = (band.rows.lowerBound - band.inRows.lowerBound) * R
        convolve1x1(out, ldy: P, lane.mod + own, ldx: band.inRows.count * R, L.conv, inChannels: s.cin, outChannels: s.cout, count: n)
        noiseBiasActivate(out, ldy: P, channels: 0..<s.cout, count: n, noise: nil, strength: 0, bias: L.bias, act: false, slope: 0, gain: 1)
    }

    /// Copies the attention weights of the band's own rows into the map [H][P][T] (the halo
    /// rows belong to a neighbour); attn is [H][T][cols] from column `first`.
    private func captureAttention(_ map: UnsafeMutablePointer<Float>, _ attn: UnsafePointer<Float>, rows: Range<Int>, first: Int,
                                  cols: Int, heads H: Int, tokens T: Int, size R: Int) {
        let P = R * R
        for h in 0..<H {
            for p in rows.lowerBound * R ..< rows.upperBound * R {
                let dst = map + (h * P + p) * T, src = attn + h * T * cols + p - first
                for t in 0..<T { dst[t] = src[t * cols] }
            }
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
