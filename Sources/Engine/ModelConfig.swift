// ModelConfig.swift: the model's config.json, written by training/latentscope_train/export.py.
// The layer list is recomputed from the architecture fields and compared with the
// file's, so a hand-edited or mismatched config fails at load, not mid-forward.

import Foundation

/// One styled synthesis layer, in execution order (its index is the W+ layer index).
public struct LayerSpec: Codable, Sendable, Equatable {
    public let name: String
    /// Output resolution (pixels per side).
    public let res: Int
    public let cin: Int
    public let cout: Int
    /// 3 for convolutions, 1 for toRGB.
    public let kernel: Int
    /// Bilinear x2 upsampling of the input first.
    public let up: Bool
    public let noise: Bool
    public let act: Bool

    public var isToRGB: Bool { kernel == 1 }
    public var pixels: Int { res * res }
}

/// Training facts recorded at export (informational).
public struct TrainingInfo: Codable, Sendable, Equatable {
    public let steps: Int?
    public let kimg: Double?
    public let train_seconds: Double?
    public let dataset: String?
    public let license: String?
}

/// The architecture and metadata of an exported generator.
public struct ModelConfig: Codable, Sendable, Equatable {
    public static let format = "latentscope-generator"
    public static let formatVersion = 1

    public let format: String
    public let format_version: Int
    public let name: String
    public let dtype: String
    public let resolution: Int
    public let z_dim: Int
    public let w_dim: Int
    public let tokens: Int
    public let heads: Int
    public let head_dim: Int
    public let mapping_layers: Int
    public let channels: [String: Int]
    public let layers: [LayerSpec]
    public let lrelu_slope: Float
    public let lrelu_gain: Float
    public let layernorm_eps: Float
    public let upsample: String
    public let parameters: Int?
    public let synthesis_flops: Int?
    public let training: TrainingInfo?

    public var numLayers: Int { layers.count }
    public var zDim: Int { z_dim }
    public var wDim: Int { w_dim }

    /// Channels at a resolution.
    public func channels(at res: Int) -> Int? { channels[String(res)] }

    /// Reads and validates `path`.
    public static func load(path: String) throws -> ModelConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.missingFile(path)
        }
        let cfg: ModelConfig
        do { cfg = try JSONDecoder().decode(ModelConfig.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw ModelError.badConfig(path, "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ModelError.badConfig(path, "field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw ModelError.badConfig(path, "not a valid JSON config (\(error))")
        }
        try cfg.validate(path: path)
        return cfg
    }

    /// The styled layers implied by the architecture fields (mirrors GeneratorConfig.layer_specs).
    public func expectedLayers() throws -> [LayerSpec] {
        var specs: [LayerSpec] = []
        var r = 4
        while r <= resolution {
            guard let c = channels(at: r) else { throw ModelError.badConfig("config.json", "channels has no entry for resolution \(r)") }
            if r == 4 {
                specs.append(LayerSpec(name: "b4.conv1", res: 4, cin: c, cout: c, kernel: 3, up: false, noise: true, act: true))
            } else {
                let cp = channels(at: r / 2)!
                specs.append(LayerSpec(name: "b\(r).conv0", res: r, cin: cp, cout: c, kernel: 3, up: true, noise: true, act: true))
                specs.append(LayerSpec(name: "b\(r).conv1", res: r, cin: c, cout: c, kernel: 3, up: false, noise: true, act: true))
            }
            specs.append(LayerSpec(name: "b\(r).torgb", res: r, cin: c, cout: 3, kernel: 1, up: false, noise: false, act: false))
            r *= 2
        }
        return specs
    }

    func validate(path: String) throws {
        func bad(_ m: String) -> ModelError { .badConfig(path, m) }
        guard format == Self.format else { throw bad("format is '\(format)', expected '\(Self.format)'") }
        guard format_version == Self.formatVersion else {
            throw bad("format_version \(format_version) is not supported (this build reads \(Self.formatVersion))")
        }
        guard resolution >= 4, resolution & (resolution - 1) == 0 else { throw bad("resolution \(resolution) is not a power of two >= 4") }
        for (field, v) in [("z_dim", z_dim), ("w_dim", w_dim), ("tokens", tokens), ("heads", heads), ("head_dim", head_dim), ("mapping_layers", mapping_layers)] where v <= 0 {
            throw bad("\(field) must be positive, is \(v)")
        }
        guard upsample == "bilinear-half-pixel" else { throw bad("upsample '\(upsample)' is not supported") }
        let expected = try expectedLayers()
        guard expected.count == layers.count else {
            throw bad("lists \(layers.count) layers; resolution \(resolution) implies \(expected.count)")
        }
        for (e, l) in zip(expected, layers) where e != l {
            throw bad("layer '\(l.name)' does not match the architecture (expected \(e))")
        }
        for l in layers where l.cin % heads != 0 {
            throw bad("layer '\(l.name)': \(l.cin) channels do not split into \(heads) heads")
        }
    }
}

/// Errors raised while loading a model. Messages name the file and the field or tensor.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case badConfig(String, String)
    case badTensor(String, String, String)   // file, tensor, problem

    public var description: String {
        switch self {
        case .missingFile(let p): "\(p): no such file"
        case .badConfig(let p, let m): "\(p): \(m)"
        case .badTensor(let p, let t, let m): "\(p): tensor '\(t)': \(m)"
        }
    }
}
