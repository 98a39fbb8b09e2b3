// Weights.swift: the generator's parameters, typed and shape-checked at load.
// Expected shapes come from the config, never from the file; every tensor is
// checked for name, shape and finite values, and errors name tensor and file.

import Foundation

/// Parameters of one styled layer. Shapes in the comments; all row-major.
public struct LayerWeights: Sendable {
    public let spec: LayerSpec
    public let pos: [Float]          // [P, Cin]  learned positional encoding
    public let query: [Float]        // [heads*dk, Cin]
    public let keys: [Float]         // [T, heads*dk]
    public let value: [Float]        // [Cin, wDim]  style affine
    public let valueBias: [Float]    // [Cin]
    public let conv: [Float]         // [Cout, Cin*k*k]
    public let bias: [Float]         // [Cout]
    public let noiseStrength: Float
    public let noiseConst: [Float]?  // [P]
}

extension ModelError {
    /// A safetensors error as a model error, naming the tensor when there is one.
    init(_ e: SafeTensorsError) {
        self = e.tensor.map { .badTensor(e.path, $0, e.message) } ?? .badFile(file: e.path, reason: e.message)
    }
}

/// All parameters of an exported generator.
public struct GeneratorWeights: Sendable {
    public let config: ModelConfig
    public let mappingWeight: [[Float]]  // per layer [wDim, in]
    public let mappingBias: [[Float]]    // per layer [wDim]
    public let wAvg: [Float]             // [wDim]
    public let const: [Float]            // [C4, 4, 4]
    public let layers: [LayerWeights]

    /// Loads `generator.safetensors` for `config`.
    public init(config: ModelConfig, path: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch let e as SafeTensorsError { throw ModelError(e) }
        // The config says how the weights are stored; a file that disagrees was mixed up with another.
        let dtype: TensorDType = config.dtype == "float16" ? .f16 : .f32
        var used = Set<String>()
        func load(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let info = file.tensors[name] else {
                throw ModelError.badTensor(path, name, "missing (expected shape \(shape)); the weights do not match config.json")
            }
            guard info.dtype == dtype else {
                throw ModelError.badTensor(path, name, "dtype \(info.dtype.rawValue), expected \(dtype.rawValue) (config.json says \"dtype\": \"\(config.dtype)\")")
            }
            guard info.shape == shape else {
                throw ModelError.badTensor(path, name, "shape \(info.shape), expected \(shape) from config.json")
            }
            let v = try file.floats(name)
            if let bad = v.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.badTensor(path, name, "element \(bad) is \(v[bad]) (weights must be finite)")
            }
            used.insert(name)
            return v
        }
        let c = config
        // Every size below is bounded by ModelConfig.Limits, checked when the config was read,
        // so these products cannot overflow; a config made in code is checked here again.
        try c.validate(path: "config of \(path)")
        let hd = c.heads * c.headDim
        var mw: [[Float]] = [], mb: [[Float]] = []
        for i in 0..<c.mappingLayers {
            let cin = i == 0 ? c.zDim : c.wDim
            mw.append(try load("mapping.\(i).weight", [c.wDim, cin]))
            mb.append(try load("mapping.\(i).bias", [c.wDim]))
        }
        self.mappingWeight = mw
        self.mappingBias = mb
        self.wAvg = try load("w_avg", [c.wDim])
        self.const = try load("synthesis.const", [c.layers[0].cin, 4, 4])
        var layers: [LayerWeights] = []
        for s in c.layers {
            let p = "synthesis.\(s.name)."
            let conv = try load(p + "conv.weight", [s.cout, s.cin, s.kernel, s.kernel])
            layers.append(LayerWeights(
                spec: s,
                pos: try load(p + "pos", [s.pixels, s.cin]),
                query: try load(p + "query.weight", [hd, s.cin]),
                keys: try load(p + "keys", [c.tokens, hd]),
                value: try load(p + "value.weight", [s.cin, c.wDim]),
                valueBias: try load(p + "value.bias", [s.cin]),
                conv: conv,
                bias: try load(p + "bias", [s.cout]),
                noiseStrength: s.noise ? try load(p + "noise_strength", [1])[0] : 0,
                noiseConst: s.noise ? try load(p + "noise_const", [s.res, s.res]) : nil))
        }
        self.layers = layers
        self.config = config
        if let extra = file.tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw ModelError.badTensor(path, extra, "not part of the architecture in config.json (mismatched config and weights?)")
        }
    }

    /// Number of parameters (weights as stored, buffers excluded).
    public var parameterCount: Int {
        let m = zip(mappingWeight, mappingBias).reduce(0) { $0 + $1.0.count + $1.1.count }
        return m + const.count + layers.reduce(0) {
            $0 + $1.pos.count + $1.query.count + $1.keys.count + $1.value.count + $1.valueBias.count
                + $1.conv.count + $1.bias.count + ($1.spec.noise ? 1 : 0)
        }
    }
}
