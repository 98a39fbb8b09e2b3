// PreparedLayer.swift: a layer's weights in the layout the kernels want, made
// once at load time.

/// Unchecked Sendable: the buffers are written only in init and read-only after, so
/// any number of threads may read one (PreparedModel shares it between Generators).
final class PreparedLayer: @unchecked Sendable {
    let spec: LayerSpec
    let logits: UnsafeMutablePointer<Float>   // [heads*T][Cin]: keys_h Wq_h / sqrt(dk)
    let positionLogits: UnsafeMutablePointer<Float>  // [heads*T][P]: logits x pos
    let value: UnsafeMutablePointer<Float>    // [Cin][wDim]
    let valueBias: UnsafeMutablePointer<Float>
    let conv: UnsafeMutablePointer<Float>     // [Cout][Cin*k*k]
    let bias: UnsafeMutablePointer<Float>     // [Cout]
    let noiseStrength: Float
    /// Passes of the attention blur (ModelConfig.attentionBlur(at:)), 0 for none.
    let blur: Int

    init(_ w: LayerWeights, config c: ModelConfig) {
        spec = w.spec
        let P = w.spec.pixels, C = w.spec.cin, T = c.tokens, H = c.heads, dk = c.headDim
        func copy(_ a: [Float]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(a.count, 1))
            p.initialize(from: a, count: a.count)
            return p
        }
        // The keys are learned constants, so a head's logits keys_h (Wq_h q_in) / sqrt(dk)
        // are one linear map of q_in: fold keys [T][heads*dk] and Wq [heads*dk][Cin]
        // into [heads*T][Cin] (in Double), and the per-pixel query projection disappears.
        var m = [Float](repeating: 0, count: H * T * C)
        let scale = 1 / Double(dk).squareRoot()
        for h in 0..<H {
            for t in 0..<T {
                for ch in 0..<C {
                    var acc = 0.0
                    for d in 0..<dk { acc += Double(w.keys[t * H * dk + h * dk + d]) * Double(w.query[(h * dk + d) * C + ch]) }
                    m[(h * T + t) * C + ch] = Float(acc * scale)
                }
            }
        }
        let logits = copy(m)
        self.logits = logits
        // The logits of norm + pos are logits·norm + logits·pos, and logits·pos is a
        // constant per pixel: [heads*T][P] read per pixel instead of pos's [Cin][P].
        let pl = UnsafeMutablePointer<Float>.allocate(capacity: max(H * T * P, 1))
        w.pos.withUnsafeBufferPointer { pos in
            sgemm(pl, ldc: P, logits, lda: C, pos.baseAddress!, ldb: C, transB: true, m: H * T, n: P, k: C)
        }
        positionLogits = pl
        value = copy(w.value)
        valueBias = copy(w.valueBias)
        conv = copy(w.conv)
        bias = copy(w.bias)
        noiseStrength = w.noiseStrength
        blur = c.attentionBlur(at: w.spec.res)
    }

    deinit {
        for p in [logits, positionLogits, value, valueBias, conv, bias] { p.deallocate() }
    }
}
