// LayerSteps.swift: the steps of one styled layer, named as in
// training/latentscope_train/model.py (StyledLayer), each over the columns (the
// pixels of a band of rows) of one image, planar [channels][columns]:
//
//   model.py (StyledLayer.forward)         here
//   n = layer_norm(t)                      layerNorm (Kernels.swift)
//   v = self.values(w)                     values
//   logits = self.attention_logits(n)      attentionLogits
//   attn, s = self.attend(logits, v)       attend (softmax, blurMaps where the layer blurs, style)
//   y = self.modulate(n, s)                modulate
//   y = self.convolve(y)                   convolve3x3; toRGB: convolve1x1 onto the image so far
//   y = self.noise_bias_act(y, noise)      noiseBiasActivate
//
// Two differences, both for speed: attentionLogits is one sgemm on the
// normalised features, because PreparedLayer folds the query projection, the
// keys and the positional encoding into one matrix and a per-pixel constant at
// load; and every step runs on the band of rows a worker owns (LayerPass.swift).
// The attention blur (config attention_blur) is the one step that is not per
// pixel: a layer with it always has every row of the image (Band.partition).
// Arguments as in llm.c: the output first, then the inputs, then the sizes.

/// The value of every token, the layer's style affine: v = w · weightᵀ + bias, [T][C].
/// w: the layer's token set [T][wDim]; weight [C][wDim]; bias [C].
func values(_ v: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
            tokens T: Int, wDim: Int, channels C: Int) {
    for t in 0..<T { (v + t * C).update(from: bias, count: C) }
    sgemm(v, ldc: C, w, lda: wDim, weight, ldb: wDim, transB: true, m: T, n: C, k: wDim, beta: 1)
}

/// Every head's logits over the tokens at once, [H·T][cols]: logits = M · norm + M · pos,
/// with M = keys · Wq / √d ([H·T][C]) and M · pos ([H·T][P], the band's columns at stride
/// ldp) as PreparedLayer folds them. model.py computes keys · (Wq · (norm + pos)) / √d:
/// the same linear map, without the per-pixel query projection.
func attentionLogits(_ logits: UnsafeMutablePointer<Float>, _ norm: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
                     _ positionLogits: UnsafePointer<Float>, ldp: Int, rows HT: Int, channels C: Int, cols: Int) {
    for r in 0..<HT { (logits + r * cols).update(from: positionLogits + r * ldp, count: cols) }
    sgemm(logits, ldc: cols, m, lda: C, norm, ldb: cols, m: HT, n: cols, k: C, beta: 1)
}

/// Attention and style: per head, the softmax over tokens of its logits, in place (attn
/// holds the logits [H][T][cols] and is left holding the weights); where the layer blurs its
/// attention (`blur` passes > 0), the head's T maps blurred in place (blurMaps: cols is then
/// the whole R×R image); then the style of the head's channels h·C/H ..< (h+1)·C/H at every
/// pixel, style = v_hᵀ · attn_h ([C][cols]). scratch: 2 · columnBlock floats; map: R·R floats,
/// unused without blur.
func attend(_ style: UnsafeMutablePointer<Float>, _ attn: UnsafeMutablePointer<Float>, _ v: UnsafePointer<Float>,
            heads H: Int, tokens T: Int, channels C: Int, cols: Int, blur passes: Int, size R: Int,
            scratch: UnsafeMutablePointer<Float>, map: UnsafeMutablePointer<Float>) {
    let Ch = C / H
    for h in 0..<H {
        let a = attn + h * T * cols
        softmaxColumns(a, rows: T, cols: cols, scratch: scratch)
        // Between the softmax and the style, as model.py's attend; while the head is in cache.
        if passes > 0 { blurMaps(a, count: T, size: R, passes: passes, tmp: map) }
        // One small sgemm per head; OpenBLAS runs such shapes without packing.
        sgemm(style + h * Ch * cols, ldc: cols, v + h * Ch, lda: C, transA: true, a, ldb: cols, m: Ch, n: cols, k: T)
    }
}

/// The attention blur (model.py blur_maps), in place: each of `count` R×R maps (at stride
/// R·R) filtered `passes` times by [1,2,1]/4 along x, then along y, a neighbour beyond the
/// edge taking the edge pixel's value. Linear and summing to one, so every pixel's weights
/// still sum to one over the tokens. tmp: R·R floats.
func blurMaps(_ maps: UnsafeMutablePointer<Float>, count n: Int, size R: Int, passes: Int, tmp: UnsafeMutablePointer<Float>) {
    for m in 0..<n {
        let a = maps + m * R * R
        for _ in 0..<passes {
            blurRows(tmp, a, size: R)
            blurColumns(a, tmp, size: R)
        }
    }
}

/// One pass along x of an R×R map, edges replicated: dst[y][x] = (src[y][x-1] + 2·src[y][x]
/// + src[y][x+1]) / 4, the additions in model.py's order.
func blurRows(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, size R: Int) {
    for y in 0..<R {
        let s = src + y * R, d = dst + y * R
        for x in 0..<R { d[x] = (s[max(x - 1, 0)] + 2 * s[x] + s[min(x + 1, R - 1)]) / 4 }
    }
}

/// One pass along y of an R×R map, edges replicated: dst[y] = (src[y-1] + 2·src[y] + src[y+1]) / 4,
/// row by row.
func blurColumns(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, size R: Int) {
    for y in 0..<R {
        let up = src + max(y - 1, 0) * R, mid = src + y * R, down = src + min(y + 1, R - 1) * R, d = dst + y * R
        for x in 0..<R { d[x] = (up[x] + 2 * mid[x] + down[x]) / 4 }
    }
}

/// The modulated features, mod = norm ⊙ style over n values (mod may be style itself).
func modulate(_ mod: UnsafeMutablePointer<Float>, _ style: UnsafePointer<Float>, _ norm: UnsafePointer<Float>, count n: Int) {
    vmul(mod, style, norm, n)
}

/// The 3×3 convolution (zero padding 1) of x into output rows `rows` of y, for the output
/// channels `channels`: y [C_out][P] at plane stride ldy; x holds input rows `inRows` (those
/// rows and the one-row halo around them), C_in planes of inRows.count · size; weight
/// [C_out][C_in·9]. Blocks of rows go through im2col (col: Lane.col) and one sgemm each,
/// straight into y.
func convolve3x3(_ y: UnsafeMutablePointer<Float>, ldy: Int, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                 col: UnsafeMutablePointer<Float>, inChannels Cin: Int, channels: Range<Int>, size R: Int,
                 rows: Range<Int>, inRows: Range<Int>) {
    let K = Cin * 9
    let block = convRowsPerBlock(k: K, size: R)
    var r = rows.lowerBound
    while r < rows.upperBound {
        let part = r ..< min(r + block, rows.upperBound)
        im2col3x3(col, x, ldx: inRows.count * R, inRows: inRows, channels: Cin, size: R, rows: part)
        sgemm(y + channels.lowerBound * ldy + r * R, ldc: ldy, weight + channels.lowerBound * K, lda: K,
              col, ldb: part.count * R, m: channels.count, n: part.count * R, k: K)
        r = part.upperBound
    }
}

/// The 1×1 convolution of toRGB, added onto what y holds (the upsampled image so far, so the
/// skip sum costs nothing): y += weight · x over n columns; y [C_out] planes at stride ldy,
/// x [C_in] planes at stride ldx, weight [C_out][C_in].
func convolve1x1(_ y: UnsafeMutablePointer<Float>, ldy: Int, _ x: UnsafePointer<Float>, ldx: Int, _ weight: UnsafePointer<Float>,
                 inChannels Cin: Int, outChannels Cout: Int, count n: Int) {
    sgemm(y, ldc: ldy, weight, lda: Cin, x, ldb: ldx, m: Cout, n: n, k: Cin, beta: 1)
}

/// The epilogue of a layer, y = act(y + strength · noise + bias), for `channels` of y (planes
/// at stride ldy) over n columns; noise: n values shared by every channel, or nil. act:
/// LeakyReLU with StyleGAN's gain, or the identity (toRGB).
func noiseBiasActivate(_ y: UnsafeMutablePointer<Float>, ldy: Int, channels: Range<Int>, count n: Int,
                       noise: UnsafePointer<Float>?, strength: Float, bias: UnsafePointer<Float>,
                       act: Bool, slope: Float, gain: Float) {
    for co in channels {
        addNoiseBiasActivate(y + co * ldy, count: n, noise: noise, strength: strength, bias: bias[co], act: act, slope: slope, gain: gain)
    }
}
