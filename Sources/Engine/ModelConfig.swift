// ModelConfig.swift: the model's config.json, written by training/latentscope_train/export.py.
// The layer list is recomputed from the architecture fields and compared with the
// file's, so a hand-edited or mismatched config fails at load, not mid-forward.

import Foundation

/// One styled synthesis layer, in execution order (its index is the W+ layer index).
/// Mirrors LayerSpec in model.py.
public struct LayerSpec: Codable, Sendable, Equatable {
    /// What a layer is: a 3×3 convolution of the features, or a 1×1 convolution to RGB added
    /// to the image so far.
    public enum Kind: String, Sendable {
        case conv, toRGB
    }

    public let name: String
    public let kind: Kind
    /// Output resolution (pixels per side).
    public let res: Int
    public let cin: Int
    public let cout: Int
    /// The convolution's size: 3 for conv, 1 for toRGB (as config.json has it).
    public let kernel: Int
    /// Bilinear x2 upsampling of the input first.
    public let up: Bool
    public let noise: Bool
    public let act: Bool

    public init(name: String, kind: Kind, res: Int, cin: Int, cout: Int, up: Bool, noise: Bool, act: Bool) {
        self.name = name
        self.kind = kind
        self.res = res
        self.cin = cin
        self.cout = cout
        kernel = kind == .toRGB ? 1 : 3
        self.up = up
        self.noise = noise
        self.act = act
    }

    /// config.json's keys (docs/model-format.md): the file has no kind, only the kernel.
    enum CodingKeys: String, CodingKey {
        case name, res, cin, cout, kernel, up, noise, act
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        res = try c.decode(Int.self, forKey: .res)
        cin = try c.decode(Int.self, forKey: .cin)
        cout = try c.decode(Int.self, forKey: .cout)
        kernel = try c.decode(Int.self, forKey: .kernel)
        up = try c.decode(Bool.self, forKey: .up)
        noise = try c.decode(Bool.self, forKey: .noise)
        act = try c.decode(Bool.self, forKey: .act)
        // The format's rule: kernel 1 is toRGB. A layer that breaks the architecture in any
        // other way fails ModelConfig.validate against the expected layers.
        kind = kernel == 1 ? .toRGB : .conv
    }

    public var isToRGB: Bool { kind == .toRGB }
    public var pixels: Int { res * res }
}

extension LayerSpec: CustomStringConvertible {
    /// The layer as config.json writes it, for messages.
    public var description: String {
        "{\"name\": \"\(SafeTensorsFile.shown(name))\", \"res\": \(res), \"cin\": \(cin), \"cout\": \(cout), \"kernel\": \(kernel), "
            + "\"up\": \(up), \"noise\": \(noise), \"act\": \(act)}"
    }
}

/// Training facts recorded at export (informational).
public struct TrainingInfo: Codable, Sendable, Equatable {
    public let steps: Int?
    public let kimg: Double?
    public let trainSeconds: Double?
    public let dataset: String?
    public let license: String?
    /// The model a warm-started run began from; `kimg` counts only the run's own images.
    public let warmStart: WarmStart?
    /// Factors the keys of the layers at a resolution were multiplied by after training
    /// (latentscope_train.soften), by resolution.
    public let attentionScale: [String: Double]?
    /// The exports whose weights were averaged into this one (latentscope_train.average).
    public let averagedFrom: [AveragedSource]?
    /// Weights of their own, one per source, for the synthesis layers at a resolution.
    public let averagedWeightsAt: [String: [Double]]?
    /// Truncation ψ baked into the style affines of the layers at a resolution
    /// (latentscope_train.truncate), by resolution.
    public let stylePsi: [String: Double]?
    /// A later run that trained the mapping network alone (train.py --g-trains mapping).
    public let mappingRefit: MappingRefit?

    public struct MappingRefit: Codable, Sendable, Equatable {
        public let kimg: Double?
        public let steps: Int?
    }

    public struct WarmStart: Codable, Sendable, Equatable {
        public let model: String?
        public let kimg: Double?
    }

    public struct AveragedSource: Codable, Sendable, Equatable {
        public let model: String?
        public let kimg: Double?
        public let weight: Double?
    }

    enum CodingKeys: String, CodingKey {
        case steps, kimg, dataset, license
        case trainSeconds = "train_seconds"
        case warmStart = "warm_start"
        case attentionScale = "attention_scale"
        case averagedFrom = "averaged_from"
        case averagedWeightsAt = "averaged_weights_at"
        case stylePsi = "style_psi"
        case mappingRefit = "mapping_refit"
    }
}

/// The architecture and metadata of an exported generator.
public struct ModelConfig: Codable, Sendable, Equatable {
    public static let format = "latentscope-generator"
    /// The versions this build reads: 2 is 1 plus `attention_blur` (export.py writes 2 only for
    /// a model that has it, so that an engine without the blur refuses it instead of
    /// rendering it wrong).
    public static let formatVersions = 1...2

    public let format: String
    public let formatVersion: Int
    public let name: String
    public let dtype: String
    public let resolution: Int
    public let zDim: Int
    public let wDim: Int
    public let tokens: Int
    public let heads: Int
    public let headDim: Int
    public let mappingLayers: Int
    public let channels: [String: Int]
    public let layers: [LayerSpec]
    public let lreluSlope: Float
    public let lreluGain: Float
    public let layernormEps: Float
    public let upsample: String
    public let parameters: Int?
    public let synthesisFlops: Int?
    public let training: TrainingInfo?
    /// Passes of the attention blur by resolution (model.py's GeneratorConfig.attention_blur),
    /// as read: decoded as numbers so that validate can name a fraction. Nil or empty: none.
    /// Read it through attentionBlur(at:).
    public let attentionBlur: [String: Double]?

    /// The file's names (docs/model-format.md), snake_case as export.py writes them.
    enum CodingKeys: String, CodingKey {
        case format, name, dtype, resolution, tokens, heads, channels, layers, upsample, parameters, training
        case formatVersion = "format_version", zDim = "z_dim", wDim = "w_dim", headDim = "head_dim"
        case mappingLayers = "mapping_layers", lreluSlope = "lrelu_slope", lreluGain = "lrelu_gain"
        case layernormEps = "layernorm_eps", synthesisFlops = "synthesis_flops"
        case attentionBlur = "attention_blur"
    }

    public var numLayers: Int { layers.count }

    /// Channels at a resolution.
    public func channels(at res: Int) -> Int? { channels[String(res)] }

    /// How many times the attention maps of the layers at a resolution are blurred between
    /// the softmax and the style (docs/model-format.md); 0 for none.
    public func attentionBlur(at res: Int) -> Int { attentionBlur?[String(res)].flatMap { Int(exactly: $0) } ?? 0 }

    /// Limits of what this engine runs; a config outside them is refused before anything is allocated.
    public enum Limits {
        public static let resolution = 4...1024
        public static let dim = 1...4096            // z_dim, w_dim and every channel count
        public static let tokens = 1...256
        public static let heads = 1...64
        public static let headDim = 1...1024
        public static let mappingLayers = 1...64
        public static let blurPasses = 1...8
        /// A config is a few kilobytes; anything this large is not one.
        public static let fileBytes = 1 << 20
        /// Characters of the name (it becomes a folder name) and of the other strings.
        public static let nameLength = 128
        public static let textLength = 4096
    }

    /// Reads and validates `path`.
    public static func load(path: String) throws -> ModelConfig {
        // Refuse a huge file by its size, before reading it: parsing 100 MB takes minutes.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > Limits.fileBytes {
            throw ModelError.badFile(file: path, reason: "is \(size) bytes; a config.json has at most \(Limits.fileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.missingFile(path)
        }
        return try decode(data, path: path)
    }

    /// A config from its bytes (`path` names it in messages), with every check of `load`.
    public static func decode(_ data: Data, path: String) throws -> ModelConfig {
        guard data.count <= Limits.fileBytes else {
            throw ModelError.badFile(file: path, reason: "is \(data.count) bytes; a config.json has at most \(Limits.fileBytes)")
        }
        if let problem = StrictJSON.problem(in: data) { throw ModelError.badFile(file: path, reason: "not valid JSON: \(problem)") }
        let cfg: ModelConfig
        do { cfg = try JSONDecoder().decode(ModelConfig.self, from: data) } catch {
            throw ModelError.badFile(file: path, reason: StrictJSON.describe(error))
        }
        try cfg.validate(path: path)
        return cfg
    }

    /// The styled layers implied by the architecture fields (mirrors GeneratorConfig.layer_specs).
    /// `path` is the config file's, for the errors.
    public func expectedLayers(path: String) throws -> [LayerSpec] {
        var specs: [LayerSpec] = []
        var r = 4
        var previous = 0
        while r <= min(resolution, Limits.resolution.upperBound) {
            guard let c = channels(at: r) else {
                throw ModelError.badField(file: path, field: "channels", expected: "an entry for resolution \(r)", got: "none")
            }
            guard Limits.dim.contains(c) else {
                throw ModelError.badField(file: path, field: "channels.\(r)", expected: "a channel count in \(Limits.dim)", got: "\(c)")
            }
            if r == 4 {
                specs.append(LayerSpec(name: "b4.conv1", kind: .conv, res: 4, cin: c, cout: c, up: false, noise: true, act: true))
            } else {
                specs.append(LayerSpec(name: "b\(r).conv0", kind: .conv, res: r, cin: previous, cout: c, up: true, noise: true, act: true))
                specs.append(LayerSpec(name: "b\(r).conv1", kind: .conv, res: r, cin: c, cout: c, up: false, noise: true, act: true))
            }
            specs.append(LayerSpec(name: "b\(r).torgb", kind: .toRGB, res: r, cin: c, cout: 3, up: false, noise: false, act: false))
            previous = c
            r *= 2
        }
        return specs
    }

    /// Nil when `name` can be used as a folder name (user directions live in a folder named
    /// after the model), else why not.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > Limits.nameLength { return "1 to \(Limits.nameLength) characters" }
        if name == "." || name == ".." || name.contains("/") || name.contains("\\") { return "a name without '/' or '\\' that is not '.' or '..'" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
            return "a name without control characters"
        }
        return nil
    }

    func validate(path: String) throws {
        func bad(_ field: String, _ expected: String, _ got: String) -> ModelError {
            .badField(file: path, field: field, expected: expected, got: got)
        }
        func shown(_ s: String) -> String { "'\(SafeTensorsFile.shown(s))'" }
        guard format == Self.format else { throw bad("format", "'\(Self.format)'", shown(format)) }
        guard Self.formatVersions.contains(formatVersion) else {
            let versions = Self.formatVersions.map(String.init).joined(separator: " or ")
            throw bad("format_version", "\(versions) (the versions this build reads)", "\(formatVersion)")
        }
        if let p = Self.nameProblem(name) { throw bad("name", p, shown(name)) }
        guard ["float32", "float16"].contains(dtype) else { throw bad("dtype", "'float32' or 'float16'", shown(dtype)) }
        guard Limits.resolution.contains(resolution), resolution & (resolution - 1) == 0 else {
            throw bad("resolution", "a power of two in \(Limits.resolution)", "\(resolution)")
        }
        for (field, v, range) in [("z_dim", zDim, Limits.dim), ("w_dim", wDim, Limits.dim), ("tokens", tokens, Limits.tokens),
                                  ("heads", heads, Limits.heads), ("head_dim", headDim, Limits.headDim),
                                  ("mapping_layers", mappingLayers, Limits.mappingLayers)] where !range.contains(v) {
            throw bad(field, "an integer in \(range)", "\(v)")
        }
        for (field, v) in [("lrelu_slope", lreluSlope), ("lrelu_gain", lreluGain)] where !v.isFinite {
            throw bad(field, "a finite number", "\(v)")
        }
        guard layernormEps.isFinite, layernormEps > 0 else { throw bad("layernorm_eps", "a finite number > 0", "\(layernormEps)") }
        guard upsample == "bilinear-half-pixel" else { throw bad("upsample", "'bilinear-half-pixel'", shown(upsample)) }
        for (field, v) in [("parameters", parameters), ("synthesis_flops", synthesisFlops)] {
            if let v, v < 0 { throw bad(field, "a count >= 0", "\(v)") }
        }
        for (field, v) in [("training.dataset", training?.dataset), ("training.license", training?.license)] {
            if let v, v.count > Limits.textLength { throw bad(field, "at most \(Limits.textLength) characters", "\(v.count)") }
        }
        let expected = try expectedLayers(path: path)
        guard expected.count == layers.count else {
            throw bad("layers", "\(expected.count) layers (implied by resolution \(resolution))", "\(layers.count) layers")
        }
        for (i, (e, l)) in zip(expected, layers).enumerated() where e != l {
            throw bad("layers[\(i)]", "\(e)", "\(l) (it does not match the architecture)")
        }
        for l in layers where l.cin % heads != 0 {
            throw bad("heads", "a divisor of every layer's channels", "\(heads) (layer '\(l.name)' has \(l.cin) channels)")
        }
        try validateAttentionBlur(path: path)
    }

    /// attention_blur: keys are resolutions the model has layers at, written as `channels`
    /// writes them ("64", not "064"), and values whole numbers of passes in Limits.blurPasses.
    private func validateAttentionBlur(path: String) throws {
        let resolutions = Set(layers.map(\.res))
        for (key, passes) in (attentionBlur ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let r = Int(key), resolutions.contains(r), key == String(r) else {
                let have = resolutions.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw ModelError.badField(file: path, field: "attention_blur", expected: "keys among the model's resolutions (\(have))",
                                          got: "'\(SafeTensorsFile.shown(key))'")
            }
            guard let n = Int(exactly: passes), Limits.blurPasses.contains(n) else {
                throw ModelError.badField(file: path, field: "attention_blur.\(key)", expected: "a whole number of passes in \(Limits.blurPasses)",
                                          got: Int(exactly: passes).map(String.init) ?? "\(passes)")
            }
        }
    }
}

/// Errors raised while loading a model. Messages name the file and the field or tensor.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    /// No model where one was looked for: the folder (or "model") and what was searched.
    case modelNotFound(String, String)
    /// A direction set that cannot be written as it is: the folder and the problem.
    case badDirections(folder: String, problem: String)
    case badTensor(String, String, String)   // file, tensor, problem
    /// A field of a JSON file holds a value outside what it may hold.
    case badField(file: String, field: String, expected: String, got: String)
    /// A file that cannot be used as a whole (too large, not JSON, not decodable).
    case badFile(file: String, reason: String)
    /// Writing a file failed (full disk, permissions, ...): the reason is the system's.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let p): "\(p): no such file"
        case .modelNotFound(let p, let m): "\(p): \(m)"
        case .badDirections(let p, let m): "\(p): \(m)"
        case .badTensor(let p, let t, let m): "\(p): tensor '\(SafeTensorsFile.shown(t))': \(m)"
        case .badField(let p, let f, let e, let g): "\(p): field '\(f)': expected \(e), got \(g)"
        case .badFile(let p, let r): "\(p): \(r)"
        case .writeFailed(let p, let r): "cannot write \(p): \(r)"
        }
    }
}
