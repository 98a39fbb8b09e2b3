// Generator.swift: the forward pass of the attention-based generator, a port of
// training/latentscope_train/model.py (Generator.map + SynthesisNetwork.forward):
// the mapping network, truncation, and the schedule of a batch over the workers
// (one layer of one image is PreparedModel.runLayer, LayerPass.swift).
// Not thread-safe: one Generator owns its workspace and runs its own workers;
// use one Generator per calling thread, all over one shared PreparedModel.

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

/// Runs a PreparedModel: its own workspace and workers, so one Generator per calling
/// thread; any number of them share one PreparedModel.
public final class Generator {
    /// The model it runs, shared with every other Generator over it.
    public let model: PreparedModel
    public var weights: GeneratorWeights { model.weights }
    public var config: ModelConfig { model.config }

    /// Workers for synthesis. Each calls BLAS single-threaded.
    public var threads: Int
    /// One scratch lane and one image in flight per worker, made on first use.
    private var lanes: [Lane] = []
    private var images: [ImageBuffers] = []
    /// The workers (made on first use, remade when `threads` changes) and how each
    /// layer is cut among them.
    private var pool: WorkerPool?
    private var partitions: [[Band]] = []

    deinit { pool?.stop() }
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

    public init(_ model: PreparedModel, threads: Int = 1) {
        self.model = model
        self.threads = threads
    }

    /// Loads and prepares the model in `dir` for this Generator alone (one-off use, tests);
    /// generators that run the same model share one PreparedModel instead.
    public convenience init(modelDirectory dir: String) throws {
        self.init(PreparedModel(try LoadedModel(directory: dir)))
    }

    // MARK: - Mapping

    /// z for a seed (tokens x zDim).
    public func z(seed: UInt64) -> [Float] {
        SeedRandom.z(seed: seed, tokens: config.tokens, zDim: config.zDim)
    }

    /// Maps z (tokens x zDim) to w (tokens x wDim); `psi` < 1 truncates toward w_avg.
    public func map(z: [Float], psi: Float = 1) -> WTokens {
        let c = config
        precondition(z.count == c.tokens * c.zDim, "map: z has \(z.count) values, expected \(c.tokens * c.zDim)")
        var x = z, scratch: [Float] = []
        weights.mapRows(c.tokens, &x, scratch: &scratch)
        var w = WTokens(values: Array(x[0 ..< c.tokens * c.wDim]), tokens: c.tokens, wDim: c.wDim)
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
    ///
    /// Work is spread over `threads` workers: whole images while there are at
    /// least as many left as workers (no synchronisation, each image stays in
    /// its worker's cache), then parts of one image (bands of rows, or output
    /// channels of small layers and of layers with attention blur; Band.partition),
    /// layer by layer.
    public func synthesize(_ ws: [WPlus], noise: [NoiseMode], attentionLayers: Set<Int> = [],
                           explicitNoise: [[[Float]?]]? = nil) -> SynthesisOutput {
        synthesize(ws, noise: noise, attentionLayers: attentionLayers, explicitNoise: explicitNoise, trace: nil)
    }

    /// One image, with every step's output of every layer handed to `record` as it is made
    /// (what the per-layer parity tests compare with model.py's). It runs on the calling
    /// thread alone, so that every layer is one whole band.
    func trace(_ w: WPlus, noise: NoiseMode, record: @escaping LayerTrace) -> [Float] {
        synthesize([w], noise: [noise], trace: record).images[0]
    }

    private func synthesize(_ ws: [WPlus], noise: [NoiseMode], attentionLayers: Set<Int> = [],
                            explicitNoise: [[[Float]?]]? = nil, trace: LayerTrace?) -> SynthesisOutput {
        let c = config
        let N = ws.count
        precondition(N > 0 && noise.count == N, "synthesize: \(N) latents, \(noise.count) noise modes")
        for w in ws { precondition(w.layers == c.numLayers && w.tokens == c.tokens && w.wDim == c.wDim, "synthesize: W+ shape mismatch") }
        let workers = trace == nil ? max(1, threads) : 1
        // The workers call BLAS themselves; BLAS's own threads would only contend with them.
        if workers > 1 && blasThreads() != 1 { setBLASThreads(1) }
        while lanes.count < workers { lanes.append(Lane(config: c)); images.append(ImageBuffers(config: c)) }
        if pool?.count != workers {
            pool?.stop()
            pool = WorkerPool(threads: workers)
            partitions = model.layers.map { Band.partition($0.spec, workers: workers, blurred: $0.blur > 0) }
        }
        let pool = pool!

        let layers = attentionLayers.filter { c.layers.indices.contains($0) }.sorted()
        let mapSize = c.heads * c.tokens
        let captures = (0..<N).map { _ in layers.map { li in Buffer(mapSize * c.layers[li].pixels) } }
        defer { captures.joined().forEach { $0.free() } }
        let inputs: [ImageInputs] = (0..<N).map { n in
            let nz: [[Float]?] = explicitNoise?[n] ?? {
                switch noise[n] {
                case .seeded(let s): seededNoise(s)
                case .const: model.constNoise
                case .off: model.noNoise
                }
            }()
            return ImageInputs(w: ws[n], noise: nz, attention: Dictionary(uniqueKeysWithValues: zip(layers, captures[n].map(\.base))),
                               trace: trace)
        }
        let P = c.resolution * c.resolution
        let results = Buffer(N * 3 * P)
        defer { results.free() }

        // Whole images, each on whichever worker claims it.
        let whole = N - N % workers
        pool.run(whole) { n, worker in
            let image = images[worker], lane = lanes[worker]
            start(image)
            for li in c.layers.indices {
                model.runLayer(li, band: .whole(c.layers[li]), image: image, inputs: inputs[n], lane: lane)
                finish(li, image)
            }
            (results.base + n * 3 * P).update(from: image.image, count: 3 * P)
        }
        // The rest: each image cut into parts across the workers, layer by layer.
        for n in whole..<N {
            let image = images[0]
            start(image)
            for li in c.layers.indices {
                let bands = partitions[li]
                pool.run(bands.count) { b, worker in
                    model.runLayer(li, band: bands[b], image: image, inputs: inputs[n], lane: lanes[worker])
                }
                finish(li, image)
            }
            (results.base + n * 3 * P).update(from: image.image, count: 3 * P)
        }

        let imagesOut = (0..<N).map { n in Array(UnsafeBufferPointer(start: results.base + n * 3 * P, count: 3 * P)) }
        let attention = (0..<N).map { n in
            zip(layers, captures[n]).map { li, buf in
                AttentionMap(layer: li, heads: c.heads, resolution: c.layers[li].res, tokens: c.tokens,
                             values: Array(UnsafeBufferPointer(start: buf.base, count: mapSize * c.layers[li].pixels)))
            }
        }
        return SynthesisOutput(resolution: c.resolution, images: imagesOut, attention: attention)
    }

    /// Loads the learned constant as the first layer's input.
    private func start(_ image: ImageBuffers) {
        image.hasImage = false
        weights.const.withUnsafeBufferPointer { image.x.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// After every band of layer li: its output becomes the next layer's input.
    private func finish(_ li: Int, _ image: ImageBuffers) {
        if config.layers[li].isToRGB { image.swapImages() } else { image.swapActivations() }
    }
}

