// Generator.swift: the forward pass of the attention-based generator, a port of
// training/latentscope_train/model.py (Generator.map + SynthesisNetwork.forward).
// Not thread-safe: one Generator owns its workspace; use one per thread.

import Foundation

/// Cross-attention weights of one layer for one image: [heads][pixels][tokens].
public struct AttentionMap: Sendable, Equatable {
    public let layer: Int
    public let heads: Int
    public let resolution: Int
    public let tokens: Int
    public var values: [Float]

    public var pixels: Int { resolution * resolution }

    /// The weight of `token` at pixel `p` for `head`.
    public func weight(head: Int, pixel p: Int, token: Int) -> Float { values[(head * pixels + p) * tokens + token] }

    /// One token's map for one head (or the mean over heads when `head` is nil), row-major [pixels].
    public func tokenMap(token: Int, head: Int?) -> [Float] {
        var out = [Float](repeating: 0, count: pixels)
        let hs = head.map { [$0] } ?? Array(0..<heads)
        for h in hs {
            for p in 0..<pixels { out[p] += values[(h * pixels + p) * tokens + token] }
        }
        if hs.count > 1 { for p in 0..<pixels { out[p] /= Float(hs.count) } }
        return out
    }

    /// The dominant token of every pixel (mean over heads, or one head).
    public func ownerMap(head: Int?) -> [Int] {
        let maps = (0..<tokens).map { tokenMap(token: $0, head: head) }
        return (0..<pixels).map { p in (0..<tokens).max { maps[$0][p] < maps[$1][p] }! }
    }
}

/// What one synthesis call returns: per image, a planar RGB image [3][R][R] in
/// about [-1, 1], and the attention maps of the requested layers.
public struct SynthesisOutput: Sendable {
    public let resolution: Int
    public var images: [[Float]]
    public var attention: [[AttentionMap]]
}

/// The generator: weights plus a reusable workspace.
public final class Generator {
    public let weights: GeneratorWeights
    public var config: ModelConfig { weights.config }
    /// The model folder it was loaded from.
    public let directory: String

    private let prepared: [PreparedLayer]
    private var workspace: Workspace?
    /// Threads for the engine's own loops (BLAS threads are set with setBLASThreads).
    public var threads: Int = 1
    private let constNoise: [[Float]?]
    private let noNoise: [[Float]?]
    /// Recently used seeds' noise: walking a direction keeps the seed, so the
    /// Box-Muller draws are made once, not per frame.
    private var noiseCache: [UInt64: [[Float]?]] = [:]
    private var noiseCacheOrder: [UInt64] = []
    private static let noiseCacheSize = 64

    private func seededNoise(_ seed: UInt64) -> [[Float]?] {
        if let n = noiseCache[seed] { return n }
        let n = SeedRandom.noise(seed: seed, layers: config.layers)
        noiseCache[seed] = n
        noiseCacheOrder.append(seed)
        if noiseCacheOrder.count > Self.noiseCacheSize { noiseCache[noiseCacheOrder.removeFirst()] = nil }
        return n
    }

    /// Loads `dir/config.json` and `dir/generator.safetensors`.
    public convenience init(modelDirectory dir: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.missingFile(dir)
        }
        let config = try ModelConfig.load(path: (dir as NSString).appendingPathComponent("config.json"))
        let w = try GeneratorWeights(config: config, path: (dir as NSString).appendingPathComponent("generator.safetensors"))
        self.init(weights: w, directory: dir)
    }

    public init(weights: GeneratorWeights, directory: String = "") {
        self.weights = weights
        self.directory = directory
        self.prepared = weights.layers.map { PreparedLayer($0, config: weights.config) }
        self.constNoise = weights.layers.map { $0.noiseConst }
        self.noNoise = weights.layers.map { _ in nil }
    }

    // MARK: - Mapping

    /// z for a seed (tokens x zDim).
    public func z(seed: UInt64) -> [Float] {
        SeedRandom.z(seed: seed, tokens: config.tokens, zDim: config.z_dim)
    }

    /// Maps z (tokens x zDim) to w (tokens x wDim); `psi` < 1 truncates toward w_avg.
    public func map(z: [Float], psi: Float = 1) -> WTokens {
        let c = config
        precondition(z.count == c.tokens * c.z_dim, "map: z has \(z.count) values, expected \(c.tokens * c.z_dim)")
        var x = z
        // Pixel norm: each token's z onto the sphere of radius sqrt(zDim).
        for t in 0..<c.tokens {
            var ss: Float = 0
            for i in 0..<c.z_dim { ss += x[t * c.z_dim + i] * x[t * c.z_dim + i] }
            let r = 1 / (ss / Float(c.z_dim) + 1e-8).squareRoot()
            for i in 0..<c.z_dim { x[t * c.z_dim + i] *= r }
        }
        var y = [Float](repeating: 0, count: c.tokens * c.w_dim)
        for (i, (w, b)) in zip(weights.mappingWeight, weights.mappingBias).enumerated() {
            let cin = i == 0 ? c.z_dim : c.w_dim
            for t in 0..<c.tokens { y.replaceSubrange(t * c.w_dim ..< (t + 1) * c.w_dim, with: b) }
            x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in y.withUnsafeMutableBufferPointer { yp in
                sgemm(yp.baseAddress!, ldc: c.w_dim, xp.baseAddress!, lda: cin, wp.baseAddress!, ldb: cin, transB: true,
                      m: c.tokens, n: c.w_dim, k: cin, beta: 1)
                leakyReLU(yp.baseAddress!, count: yp.count, slope: c.lrelu_slope, gain: c.lrelu_gain)
            } } }
            x = y
        }
        var w = WTokens(values: x, tokens: c.tokens, wDim: c.w_dim)
        if psi != 1 { truncate(&w, psi: psi) }
        return w
    }

    /// w <- w_avg + psi (w - w_avg), every token.
    public func truncate(_ w: inout WTokens, psi: Float) {
        let avg = weights.wAvg
        for t in 0..<w.tokens {
            for i in 0..<w.wDim {
                let o = t * w.wDim + i
                w.values[o] = avg[i] + psi * (w.values[o] - avg[i])
            }
        }
    }

    /// The token set of a seed.
    public func w(seed: UInt64, psi: Float = 1) -> WTokens { map(z: z(seed: seed), psi: psi) }

    /// W+ of a seed (the same token set at every layer).
    public func wPlus(seed: UInt64, psi: Float = 1) -> WPlus { WPlus(broadcasting: w(seed: seed, psi: psi), layers: config.numLayers) }

    // MARK: - Synthesis

    /// Synthesises a batch. `noise[i]` is image i's noise; `attentionLayers`
    /// lists the layers whose maps to return (empty: none, the fast path).
    /// `explicitNoise` (tests, fixtures) overrides `noise` with given per-layer arrays.
    public func synthesize(_ ws: [WPlus], noise: [NoiseMode], attentionLayers: Set<Int> = [],
                           explicitNoise: [[[Float]?]]? = nil) -> SynthesisOutput {
        let c = config
        let N = ws.count
        precondition(N > 0 && noise.count == N, "synthesize: \(N) latents, \(noise.count) noise modes")
        for w in ws { precondition(w.layers == c.numLayers && w.tokens == c.tokens && w.wDim == c.w_dim, "synthesize: W+ shape mismatch") }
        if workspace == nil || workspace!.batch < N { workspace = Workspace(config: c, batch: N) }
        let ws_ = workspace!
        let noiseArrays: [[[Float]?]] = explicitNoise ?? noise.map { mode in
            switch mode {
            case .seeded(let s): seededNoise(s)
            case .const: constNoise
            case .off: noNoise
            }
        }
        var attention = [[AttentionMap]](repeating: [], count: N)

        // x <- const, broadcast over the batch: [C4][N*16]
        let c4 = c.channels(at: 4)!
        for ch in 0..<c4 {
            for n in 0..<N {
                for p in 0..<16 { ws_.x[ch * N * 16 + n * 16 + p] = weights.const[ch * 16 + p] }
            }
        }
        var xRes = 4, xC = c4
        var imgRes = 0
        for (li, layer) in prepared.enumerated() {
            let s = layer.spec
            if s.up {
                upsample2x(ws_.y, ws_.x, tmp: ws_.tmp, planes: xC * N, size: xRes)
                ws_.swapXY()
                xRes *= 2
            }
            precondition(xRes == s.res && xC == s.cin)
            // Gather this layer's token sets: [N*T][wDim].
            for n in 0..<N {
                ws[n].values.withUnsafeBufferPointer { src in
                    (ws_.tok + n * c.tokens * c.w_dim).update(from: src.baseAddress! + li * c.tokens * c.w_dim, count: c.tokens * c.w_dim)
                }
            }
            let out = s.isToRGB ? ws_.rgb : ws_.y
            styledLayer(layer, layerIndex: li, out: out, x: ws_.x, batch: N, noise: noiseArrays, ws: ws_)
            if attentionLayers.contains(li) {
                for n in 0..<N { attention[n].append(ws_.attentionMap(layer: li, image: n, batch: N, spec: s, config: c)) }
            }
            if s.isToRGB {
                // img <- upsample(img) + rgb
                let P = s.pixels
                if imgRes == 0 {
                    ws_.img.update(from: ws_.rgb, count: 3 * N * P)
                } else {
                    upsample2x(ws_.y2, ws_.img, tmp: ws_.tmp, planes: 3 * N, size: imgRes)
                    ws_.img.update(from: ws_.y2, count: 3 * N * P)
                    vadd(ws_.img, ws_.rgb, 3 * N * P)
                }
                imgRes = s.res
            } else {
                ws_.swapXY()
                xC = s.cout
            }
        }
        // [3][N*P] -> per image [3][P]
        let P = imgRes * imgRes
        var images: [[Float]] = []
        for n in 0..<N {
            var im = [Float](repeating: 0, count: 3 * P)
            for ch in 0..<3 { for p in 0..<P { im[ch * P + p] = ws_.img[ch * N * P + n * P + p] } }
            images.append(im)
        }
        return SynthesisOutput(resolution: imgRes, images: images, attention: attention)
    }

    /// One styled layer over the batch. x: [Cin][N*P] -> out: [Cout][N*P].
    private func styledLayer(_ L: PreparedLayer, layerIndex: Int, out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                             batch N: Int, noise: [[[Float]?]], ws W: Workspace) {
        let c = config, s = L.spec
        let P = s.pixels, NP = N * P, Cin = s.cin, T = c.tokens, H = c.heads, dk = c.head_dim, hd = H * dk
        let Ch = Cin / H
        // n = LayerNorm(x) over channels.
        layerNormColumns(W.norm, x, mean: W.colA, rstd: W.colB, channels: Cin, cols: NP, eps: c.layernorm_eps)
        // q_in = n + pos (pos broadcast over images), q = Wq q_in: [hd][NP].
        for ch in 0..<Cin {
            let nr = W.norm + ch * NP, qr = W.qin + ch * NP, pr = L.posT + ch * P
            for n in 0..<N {
                (qr + n * P).update(from: nr + n * P, count: P)
                vadd(qr + n * P, pr, P)
            }
        }
        sgemm(W.q, ldc: NP, L.query, lda: Cin, W.qin, ldb: NP, m: hd, n: NP, k: Cin)
        // v = ws Wv^T + bv: [N*T][Cin].
        for r in 0..<(N * T) { (W.v + r * Cin).update(from: L.valueBias, count: Cin) }
        sgemm(W.v, ldc: Cin, W.tok, lda: c.w_dim, L.value, ldb: c.w_dim, transB: true, m: N * T, n: Cin, k: c.w_dim, beta: 1)
        // Heads are independent from here to the modulation: one task each.
        let scale = 1 / Float(dk).squareRoot()
        parallelFor(H, threads: threads) { h in
            // logits_h = keys_h q_h / sqrt(dk): [T][NP]. k = dk is too small for
            // sgemm's packing to pay off: plain axpy rows.
            for t in 0..<T {
                let row = W.attn + (h * T + t) * NP
                for d in 0..<dk {
                    let coef = scale * L.keys[t * hd + h * dk + d], qrow = W.q + (h * dk + d) * NP
                    if d == 0 { vscale(row, qrow, coef, NP) } else { vaxpy(row, qrow, coef, NP) }
                }
            }
            softmaxColumns(W.attn + h * T * NP, max: W.colA + h * NP, sum: W.colB + h * NP, rows: T, cols: NP)
            // style s[c][p] = sum_t attn_h[t][p] v_n[t][c] for the head's channels,
            // then mod = n * s. (k = T is tiny, so axpy rows again.)
            for n in 0..<N {
                for ci in 0..<Ch {
                    let c = h * Ch + ci
                    let srow = W.style + c * NP + n * P
                    for t in 0..<T {
                        let coef = W.v[(n * T + t) * Cin + c], arow = W.attn + (h * T + t) * NP + n * P
                        if t == 0 { vscale(srow, arow, coef, P) } else { vaxpy(srow, arow, coef, P) }
                    }
                    vmul(W.mod + c * NP + n * P, W.norm + c * NP + n * P, srow, P)
                }
            }
        }
        // Convolution.
        if s.kernel == 3 {
            im2col3x3(W.col, W.mod, channels: Cin, batch: N, size: s.res)
            sgemm(out, ldc: NP, L.conv, lda: Cin * 9, W.col, ldb: NP, m: s.cout, n: NP, k: Cin * 9)
        } else {
            sgemm(out, ldc: NP, L.conv, lda: Cin, W.mod, ldb: NP, m: s.cout, n: NP, k: Cin)
        }
        // Noise, bias, activation.
        if s.noise {
            for n in 0..<N {
                guard let nz = noise[n][layerIndex] else { continue }
                nz.withUnsafeBufferPointer { np in
                    for co in 0..<s.cout { vaxpy(out + co * NP + n * P, np.baseAddress!, L.noiseStrength, P) }
                }
            }
        }
        for co in 0..<s.cout { vaddScalar(out + co * NP, L.bias[co], NP) }
        if s.act { leakyReLU(out, count: s.cout * NP, slope: c.lrelu_slope, gain: c.lrelu_gain) }
    }
}

// MARK: - Prepared weights

/// A layer's weights in the layout the kernels want, as raw pointers that live
/// as long as the Generator.
final class PreparedLayer {
    let spec: LayerSpec
    let posT: UnsafeMutablePointer<Float>     // [Cin][P]  (pos transposed)
    let query: UnsafeMutablePointer<Float>    // [hd][Cin]
    let keys: UnsafeMutablePointer<Float>     // [T][hd]
    let value: UnsafeMutablePointer<Float>    // [Cin][wDim]
    let valueBias: UnsafeMutablePointer<Float>
    let conv: UnsafeMutablePointer<Float>     // [Cout][Cin*k*k]
    let bias: [Float]
    let noiseStrength: Float

    init(_ w: LayerWeights, config: ModelConfig) {
        spec = w.spec
        let P = w.spec.pixels, C = w.spec.cin
        posT = .allocate(capacity: C * P)
        for p in 0..<P { for c in 0..<C { posT[c * P + p] = w.pos[p * C + c] } }
        func copy(_ a: [Float]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: a.count)
            p.initialize(from: a, count: a.count)
            return p
        }
        query = copy(w.query)
        keys = copy(w.keys)
        value = copy(w.value)
        valueBias = copy(w.valueBias)
        conv = copy(w.conv)
        bias = w.bias
        noiseStrength = w.noiseStrength
    }

    deinit {
        for p in [posT, query, keys, value, valueBias, conv] { p.deallocate() }
    }
}

// MARK: - Workspace

/// Every activation buffer, allocated once for a batch size and reused for
/// every layer and call (no allocation per layer per frame).
final class Workspace {
    let batch: Int
    var x, y: UnsafeMutablePointer<Float>   // activations [C][N*P], ping-pong
    let y2, tmp, norm, qin, q, attn, v, tok, style, mod, col, rgb, img, colA, colB: UnsafeMutablePointer<Float>
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: ModelConfig, batch N: Int) {
        batch = N
        var maxCP = 0, maxCinP = 0, maxHdP = 0, maxCol = 0, maxP = 0
        for s in c.layers {
            let P = s.pixels
            maxCP = max(maxCP, max(s.cin, s.cout) * P)
            maxCinP = max(maxCinP, s.cin * P)
            maxHdP = max(maxHdP, c.heads * max(c.head_dim, c.tokens) * P)
            maxCol = max(maxCol, s.cin * s.kernel * s.kernel * P)
            maxP = max(maxP, P)
        }
        var list: [UnsafeMutablePointer<Float>] = []
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            list.append(p)
            return p
        }
        x = alloc(maxCP * N); y = alloc(maxCP * N); y2 = alloc(3 * maxP * N)
        tmp = alloc(maxCP * N)
        norm = alloc(maxCinP * N); qin = alloc(maxCinP * N); q = alloc(maxHdP * N); attn = alloc(maxHdP * N)
        v = alloc(N * c.tokens * (c.layers.map(\.cin).max() ?? 1)); tok = alloc(N * c.tokens * c.w_dim)
        style = alloc(maxCinP * N); mod = alloc(maxCinP * N); col = alloc(maxCol * N)
        rgb = alloc(3 * maxP * N); img = alloc(3 * maxP * N)
        colA = alloc(maxP * N * c.heads); colB = alloc(maxP * N * c.heads)
        all = list
    }

    deinit { for p in all { p.deallocate() } }

    func swapXY() { let t = x; x = y; y = t }

    /// The attention of `layer` for image n, transposed from [H][T][NP] to [H][P][T].
    func attentionMap(layer: Int, image n: Int, batch N: Int, spec s: LayerSpec, config c: ModelConfig) -> AttentionMap {
        let P = s.pixels, T = c.tokens, H = c.heads, NP = N * P
        var vals = [Float](repeating: 0, count: H * P * T)
        for h in 0..<H { for t in 0..<T {
            let row = attn + (h * T + t) * NP + n * P
            for p in 0..<P { vals[(h * P + p) * T + t] = row[p] }
        } }
        return AttentionMap(layer: layer, heads: H, resolution: s.res, tokens: T, values: vals)
    }
}
