// AttributeDescription.swift: MODEL/attributes.json, the description of the
// attribute classifier exported with a model (training/latentscope_train/
// classifier_export.py writes it): input size, the blocks' channels and strides,
// the hidden width, the named outputs and the held-out metrics. The file comes
// from others, so every field is checked before a weight is read by its numbers,
// and errors name the file and the field.

import Foundation

/// The decoded and checked attributes.json.
public struct AttributeDescription: Codable, Equatable, Sendable {
    public static let format = "latentscope-attributes"
    public static let formatVersion = 1

    /// One convolution block: 3x3, padding 1, this stride, then bias and ReLU.
    public struct Block: Codable, Equatable, Sendable {
        public var channels: Int
        public var stride: Int
    }

    /// How a raw output becomes the named value.
    public enum Kind: String, Codable, Sendable {
        /// The raw value times `scale` (age in years).
        case linear
        /// The logistic function of the raw value (a probability).
        case sigmoid
    }

    public struct Output: Codable, Equatable, Sendable {
        /// What it predicts: "age", "female".
        public var name: String
        /// What its value reads in: "years", "P(female)".
        public var label: String
        public var kind: Kind
        /// For linear outputs: the factor from the raw output to the value (absent = 1).
        public var scale: Float?
    }

    public var format: String
    public var format_version: Int
    /// The side of the square images it reads (the model's resolution).
    public var input: Int
    public var blocks: [Block]
    public var hidden: Int
    public var outputs: [Output]
    /// Held-out figures from training (age MAE, gender accuracy, ...), for display.
    public var metrics: [String: Double]?

    /// Bounds on what a description may ask for: it says how much memory the weights take.
    public enum Limits {
        public static let fileBytes = 1 << 20
        public static let input = 2...1024
        public static let blocks = 1...32
        public static let channels = 1...4096
        public static let hidden = 1...4096
        public static let outputs = 1...16
        public static let metrics = 64
        /// Floats in the largest im2col matrix (256 MB; the bundled classifier needs 0.6 MB).
        public static let workingFloats = 1 << 26
    }

    /// Decodes and checks attributes.json (`path` names it in errors).
    public static func decode(_ data: Data, path: String) throws -> AttributeDescription {
        guard data.count <= Limits.fileBytes else {
            throw ModelError.badFile(file: path, reason: "is \(data.count) bytes; a classifier description has at most \(Limits.fileBytes)")
        }
        if let p = StrictJSON.problem(in: data) { throw ModelError.badFile(file: path, reason: "not a valid classifier description: \(p)") }
        let d: AttributeDescription
        do { d = try JSONDecoder().decode(AttributeDescription.self, from: data) } catch {
            throw ModelError.badFile(file: path, reason: "not a valid classifier description: \(StrictJSON.describe(error))")
        }
        try d.validate(path: path)
        return d
    }

    func validate(path: String) throws {
        func bad(_ field: String, _ expected: String, _ got: String) -> ModelError {
            .badField(file: path, field: field, expected: expected, got: got)
        }
        guard format == Self.format else { throw bad("format", "'\(Self.format)'", "'\(SafeTensorsFile.shown(format))'") }
        guard format_version == Self.formatVersion else {
            throw bad("format_version", "\(Self.formatVersion) (the version this build reads)", "\(format_version)")
        }
        guard Limits.input.contains(input) else { throw bad("input", "an image side in \(Limits.input) pixels", "\(input)") }
        guard Limits.blocks.contains(blocks.count) else { throw bad("blocks", "\(Limits.blocks) blocks", "\(blocks.count)") }
        for (i, b) in blocks.enumerated() {
            guard Limits.channels.contains(b.channels) else { throw bad("blocks[\(i)].channels", "a channel count in \(Limits.channels)", "\(b.channels)") }
            guard b.stride == 1 || b.stride == 2 else { throw bad("blocks[\(i)].stride", "1 or 2", "\(b.stride)") }
        }
        // The largest im2col matrix of the forward pass: refused before anything is allocated for it.
        let work = zip(inputChannels, sides).map { $0 * 9 * $1 * $1 }.max() ?? 0
        guard work <= Limits.workingFloats else {
            throw bad("blocks", "a network whose largest convolution needs at most \(Limits.workingFloats / (1 << 18)) MB of working memory",
                      "one needing \(work / (1 << 18)) MB")
        }
        guard Limits.hidden.contains(hidden) else { throw bad("hidden", "a width in \(Limits.hidden)", "\(hidden)") }
        guard Limits.outputs.contains(outputs.count) else { throw bad("outputs", "\(Limits.outputs) outputs", "\(outputs.count)") }
        var names = Set<String>()
        for (i, o) in outputs.enumerated() {
            let field = "outputs[\(i)]"
            if let p = Self.nameProblem(o.name) { throw bad("\(field).name", "a name of 1 to 32 letters, digits, '_' and '-'", p) }
            guard names.insert(o.name).inserted else { throw bad("\(field).name", "a name used once", "'\(o.name)' appears twice") }
            if let p = DirectionUnit.labelProblem(o.label) {
                throw bad("\(field).label", "1 to \(DirectionUnit.maxLabelLength) letters, digits and '\(DirectionUnit.labelPunctuation)'", p)
            }
            if let s = o.scale {
                guard o.kind == .linear else { throw bad("\(field).scale", "no scale (a sigmoid output is a probability)", "\(s)") }
                guard s.isFinite, s != 0 else { throw bad("\(field).scale", "a finite, non-zero factor", "\(s)") }
            }
        }
        if let m = metrics {
            guard m.count <= Limits.metrics else { throw bad("metrics", "at most \(Limits.metrics) entries", "\(m.count)") }
            for (k, v) in m.sorted(by: { $0.key < $1.key }) {
                guard (1...64).contains(k.count), k.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                    throw bad("metrics", "names of 1 to 64 letters, digits, '_', '-' and '.'", "'\(SafeTensorsFile.shown(k))'")
                }
                guard v.isFinite else { throw bad("metrics.\(k)", "a finite number", "\(v)") }
            }
        }
    }

    /// Nil when `name` is usable as an output name, else why not.
    static func nameProblem(_ name: String) -> String? {
        guard (1...32).contains(name.count),
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") })
        else { return "'\(SafeTensorsFile.shown(name))'" }
        return nil
    }

    /// The channels entering each block: 3 (RGB), then each block's output.
    public var inputChannels: [Int] { [3] + blocks.dropLast().map(\.channels) }

    /// The side of each block's output, starting from the image pooled 2x2.
    public var sides: [Int] {
        var side = input / 2
        return blocks.map { b in
            side = (side - 1) / b.stride + 1   // 3x3, padding 1
            return side
        }
    }

    /// The tensors of attributes.safetensors and their shapes, all F32.
    public var tensorShapes: [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        for (i, (b, cin)) in zip(blocks, inputChannels).enumerated() {
            out.append(("features.\(i).weight", [b.channels, cin, 3, 3]))
            out.append(("features.\(i).bias", [b.channels]))
        }
        out.append(("hidden.weight", [hidden, blocks.last!.channels]))
        out.append(("hidden.bias", [hidden]))
        out.append(("output.weight", [outputs.count, hidden]))
        out.append(("output.bias", [outputs.count]))
        return out
    }
}
