// AttributeClassifier.swift: the attribute classifier exported with a model
// (MODEL/attributes.json + attributes.safetensors, see docs/model-format.md), run
// on the generator's own output: the planar float image in about [-1, 1], before
// it is clamped and quantised, which is what the Python side scores when it labels
// generated faces. The network (training/latentscope_train/attributes.py, batch
// norm folded into the convolutions at export): 2x2 average pooling, blocks of
// 3x3 convolution + bias + ReLU (im2col + one sgemm each), the mean over pixels,
// a hidden layer with ReLU and the output layer (two small sgemv).
//
// A model folder without either file has no classifier; a folder with one that
// is broken is an error when it loads, naming the file and what is wrong.

import CBLAS
import Foundation

/// The attribute classifier of a model. Immutable and Sendable: `predict` keeps
/// its scratch memory to the call, so any thread may use one instance.
public struct AttributeClassifier: Sendable {
    public static let descriptionFile = "attributes.json"
    public static let weightsFile = "attributes.safetensors"

    /// One named prediction: "age" 34.2 "years", "female" 0.82 "P(female)".
    public struct Prediction: Sendable, Equatable {
        public var name: String
        public var label: String
        public var kind: AttributeDescription.Kind
        public var value: Float
    }

    public let spec: AttributeDescription
    /// Per block: [Cout, Cin*9] weights and [Cout] biases (batch norm folded in).
    let convWeights: [[Float]]
    let convBiases: [[Float]]
    let hiddenWeight: [Float], hiddenBias: [Float]   // [hidden, C], [hidden]
    let outputWeight: [Float], outputBias: [Float]   // [outputs, hidden], [outputs]

    /// The side of the images it reads.
    public var input: Int { spec.input }

    // MARK: - Loading

    /// The classifier in model folder `dir`, or nil when the folder has neither file.
    /// `resolution`, when given, is the model's: a classifier for other images is refused.
    public static func load(modelDirectory dir: String, resolution: Int? = nil) throws -> AttributeClassifier? {
        let json = (dir as NSString).appendingPathComponent(descriptionFile)
        let weights = (dir as NSString).appendingPathComponent(weightsFile)
        let fm = FileManager.default
        switch (fm.fileExists(atPath: json), fm.fileExists(atPath: weights)) {
        case (false, false): return nil
        case (true, false): throw ModelError.badFile(file: weights, reason: "no such file, but \(descriptionFile) is there: the classifier is incomplete" + hint(dir))
        case (false, true): throw ModelError.badFile(file: json, reason: "no such file, but \(weightsFile) is there: the classifier is incomplete" + hint(dir))
        case (true, true): break
        }
        if let size = (try? fm.attributesOfItem(atPath: json))?[.size] as? Int, size > AttributeDescription.Limits.fileBytes {
            throw ModelError.badFile(file: json, reason: "is \(size) bytes; a classifier description has at most \(AttributeDescription.Limits.fileBytes)")
        }
        guard let text = fm.contents(atPath: json) else { throw ModelError.badFile(file: json, reason: "cannot be read" + hint(dir)) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: weights), options: .mappedIfSafe) } catch {
            throw ModelError.badFile(file: weights, reason: "cannot be read: \(error.localizedDescription)" + hint(dir))
        }
        let c = try AttributeClassifier(description: text, weights: data, folder: dir)
        if let resolution, c.input != resolution {
            throw ModelError.badField(file: json, field: "input", expected: "\(resolution), the side of the faces this model makes",
                                      got: "\(c.input)" + hint(dir))
        }
        return c
    }

    static func hint(_ dir: String) -> String {
        "\nHINT: export the classifier again (python -m latentscope_train.classifier_export --checkpoint CACHED.pt --out \(dir)) "
            + "or remove \(descriptionFile) and \(weightsFile) from the model folder"
    }

    /// A classifier from the bytes of its two files; `folder` names them in errors.
    public init(description text: Data, weights data: Data, folder: String) throws {
        let jsonPath = (folder as NSString).appendingPathComponent(Self.descriptionFile)
        let path = (folder as NSString).appendingPathComponent(Self.weightsFile)
        let d = try AttributeDescription.decode(text, path: jsonPath)
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(data: data, path: path) } catch let e as SafeTensorsError { throw ModelError(e) }
        var loaded: [String: [Float]] = [:]
        for (name, shape) in d.tensorShapes {
            guard let info = file.tensors[name] else {
                throw ModelError.badTensor(path, name, "missing (expected shape \(shape) from \(Self.descriptionFile))")
            }
            guard info.dtype == .f32 else { throw ModelError.badTensor(path, name, "dtype \(info.dtype.rawValue), expected F32") }
            guard info.shape == shape else {
                throw ModelError.badTensor(path, name, "shape \(info.shape), expected \(shape) from \(Self.descriptionFile); the two files do not belong together")
            }
            let v = try file.floats(name)
            if let bad = v.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.badTensor(path, name, "element \(bad) is \(v[bad]) (weights must be finite)")
            }
            loaded[name] = v
        }
        if let extra = file.tensors.keys.sorted().first(where: { loaded[$0] == nil }) {
            throw ModelError.badTensor(path, extra, "not part of the network \(Self.descriptionFile) describes")
        }
        spec = d
        convWeights = d.blocks.indices.map { loaded["features.\($0).weight"]! }
        convBiases = d.blocks.indices.map { loaded["features.\($0).bias"]! }
        hiddenWeight = loaded["hidden.weight"]!
        hiddenBias = loaded["hidden.bias"]!
        outputWeight = loaded["output.weight"]!
        outputBias = loaded["output.bias"]!
    }

    // MARK: - Forward pass

    /// The raw outputs (before scale or sigmoid) for a planar RGB image [3][input][input].
    public func rawOutputs(_ planar: [Float]) -> [Float] {
        let d = spec
        let n = d.input
        precondition(planar.count == 3 * n * n, "attribute classifier: \(planar.count) values, expected 3 x \(n) x \(n)")
        // 2x2 average pooling (an odd last row or column is dropped, as in PyTorch).
        var side = n / 2
        var x = [Float](repeating: 0, count: 3 * side * side)
        for c in 0..<3 {
            for y in 0..<side {
                for xx in 0..<side {
                    let i = c * n * n + 2 * y * n + 2 * xx
                    x[(c * side + y) * side + xx] = 0.25 * (planar[i] + planar[i + 1] + planar[i + n] + planar[i + n + 1])
                }
            }
        }
        var cin = 3
        var col: [Float] = []
        for (b, block) in d.blocks.enumerated() {
            let out = (side - 1) / block.stride + 1
            let k = cin * 9, p = out * out
            if col.count < k * p { col = [Float](repeating: 0, count: k * p) }
            var y = [Float](repeating: 0, count: block.channels * p)
            x.withUnsafeBufferPointer { xp in col.withUnsafeMutableBufferPointer { cp in
                Self.im2col(cp.baseAddress!, xp.baseAddress!, channels: cin, side: side, stride: block.stride, out: out)
            } }
            convWeights[b].withUnsafeBufferPointer { wp in col.withUnsafeBufferPointer { cp in y.withUnsafeMutableBufferPointer { yp in
                sgemm(yp.baseAddress!, ldc: p, wp.baseAddress!, lda: k, cp.baseAddress!, ldb: p, m: block.channels, n: p, k: k)
            } } }
            let bias = convBiases[b]
            for c in 0..<block.channels {
                let bc = bias[c]
                for j in c * p ..< (c + 1) * p { y[j] = max(y[j] + bc, 0) }   // bias, then ReLU
            }
            x = y
            cin = block.channels
            side = out
        }
        // The mean over pixels, then hidden = ReLU(W h + b) and the outputs.
        let p = side * side
        let pooled = (0..<cin).map { c in x[c * p ..< (c + 1) * p].reduce(0, +) / Float(p) }
        var hidden = hiddenBias
        gemv(&hidden, hiddenWeight, pooled, rows: d.hidden, cols: cin)
        for i in hidden.indices { hidden[i] = max(hidden[i], 0) }
        var raw = outputBias
        gemv(&raw, outputWeight, hidden, rows: d.outputs.count, cols: d.hidden)
        return raw
    }

    /// The named predictions for a planar RGB image [3][input][input] in about [-1, 1]
    /// (the generator's `SynthesisOutput.images[i]`).
    public func predict(_ planar: [Float]) -> [Prediction] {
        zip(spec.outputs, rawOutputs(planar)).map { o, r in
            let v: Float
            switch o.kind {
            case .linear: v = r * (o.scale ?? 1)
            case .sigmoid: v = 1 / (1 + Float(exp(Double(-r))))
            }
            return Prediction(name: o.name, label: o.label, kind: o.kind, value: v)
        }
    }

    /// y += A x, A [rows][cols] row-major.
    private func gemv(_ y: inout [Float], _ a: [Float], _ x: [Float], rows: Int, cols: Int) {
        a.withUnsafeBufferPointer { ap in x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(cols), 1, ap.baseAddress!, Int32(cols),
                        xp.baseAddress!, 1, 1, yp.baseAddress!, 1)
        } } }
    }

    /// col[(c*9 + ky*3 + kx)][oy*out + ox] = x[c][oy*stride + ky - 1][ox*stride + kx - 1], zero outside
    /// the image: a 3x3 convolution with padding 1 becomes one matrix product.
    static func im2col(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, channels: Int, side: Int, stride: Int, out: Int) {
        let p = out * out
        for c in 0..<channels {
            let plane = x + c * side * side
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let row = col + (c * 9 + ky * 3 + kx) * p
                    for oy in 0..<out {
                        let iy = oy * stride + ky - 1
                        let dst = row + oy * out
                        guard iy >= 0, iy < side else { dst.update(repeating: 0, count: out); continue }
                        let src = plane + iy * side
                        for ox in 0..<out {
                            let ix = ox * stride + kx - 1
                            dst[ox] = ix >= 0 && ix < side ? src[ix] : 0
                        }
                    }
                }
            }
        }
    }
}

extension AttributeClassifier.Prediction {
    /// As the explorer's status line and scripts show it: "age 34" for a linear output (its
    /// name, the value to a unit), "P(female) 0.82" for a probability (its label, two decimals).
    public var shortText: String {
        switch kind {
        case .linear: return "\(name) " + (abs(value) < 1e9 ? "\(Int(value.rounded()))" : String(format: "%.3g", Double(value)))
        case .sigmoid: return "\(label) " + String(format: "%.2f", Double(value))
        }
    }
}
