// AttributeClassifierTests.swift: the attribute classifier exported with a model.
// Its outputs equal PyTorch's on the fixture (Fixtures/tiny-classifier, written by
// `python -m latentscope_train.fixtures --classifier-only`), on the given images
// and on the tiny model's own faces; a model without one has none; and a broken
// one is refused with the file and what is wrong named.

import Foundation
import Testing
@testable import Engine

struct ClassifierReference: Decodable {
    struct Image: Decodable {
        var name: String
        var pixels: [Float]
        var seed: UInt64?
        var noise: String?
    }
    var resolution: Int
    var images: [Image]
    var raw: [[Float]]
    var age: [Float]
    var female: [Float]

    static func load() throws -> ClassifierReference {
        try JSONDecoder().decode(ClassifierReference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-classifier-reference.json"))))
    }
}

@Suite struct AttributeClassifierTests {
    static func fixture() throws -> AttributeClassifier {
        try #require(try AttributeClassifier.load(modelDirectory: Fixtures.path("tiny-classifier"), resolution: 16))
    }

    @Test func equalsPyTorchOnTheFixture() throws {
        let c = try Self.fixture()
        let ref = try ClassifierReference.load()
        #expect(c.input == 16 && c.spec.blocks.map(\.stride) == [1, 1, 2, 1, 2, 1, 2])
        #expect(c.spec.outputs.map(\.name) == ["age", "female"])
        for (i, image) in ref.images.enumerated() {
            #expect(maxAbsDiff(c.rawOutputs(image.pixels), ref.raw[i]) <= 1e-4, "\(image.name)")
            let p = c.predict(image.pixels)
            #expect(p.map(\.name) == ["age", "female"] && p.map(\.label) == ["years", "P(female)"])
            #expect(abs(p[0].value - ref.age[i]) <= 1e-4, "\(image.name): age \(p[0].value), PyTorch \(ref.age[i])")
            #expect(abs(p[1].value - ref.female[i]) <= 1e-4, "\(image.name): P(female) \(p[1].value), PyTorch \(ref.female[i])")
        }
        // The outputs differ from image to image: the comparison is not between constants.
        #expect(Set(ref.female.map { ($0 * 100).rounded() }).count == ref.images.count)
    }

    @Test func equalsPyTorchOnTheEnginesOwnFaces() throws {
        let c = try Self.fixture()
        let ref = try ClassifierReference.load()
        let G = try Fixtures.tinyGenerator()
        var checked = 0
        for (i, image) in ref.images.enumerated() {
            guard let seed = image.seed else { continue }
            #expect(image.noise == "const")
            var r = Recipe(seed: seed)
            r.noise = .const
            let face = try G.render([r], directions: nil).images[0]
            #expect(abs(c.predict(face)[0].value - ref.age[i]) <= 1e-3, "seed \(seed)")
            #expect(abs(c.predict(face)[1].value - ref.female[i]) <= 1e-4, "seed \(seed)")
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test func aModelWithoutOneHasNone() throws {
        #expect(try AttributeClassifier.load(modelDirectory: Fixtures.path("tiny-model"), resolution: 16) == nil)
    }

    /// A copy of the fixture's two files in a temporary folder, spoiled by `spoil`; the load error.
    func loadError(resolution: Int? = 16, _ spoil: (String) throws -> Void) throws -> String {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in [AttributeClassifier.descriptionFile, AttributeClassifier.weightsFile] {
            try FileManager.default.copyItem(atPath: Fixtures.path("tiny-classifier/" + f), toPath: dir + "/" + f)
        }
        try spoil(dir)
        do {
            _ = try AttributeClassifier.load(modelDirectory: dir, resolution: resolution)
        } catch let e as ModelError {
            return e.description
        }
        Issue.record("a broken classifier was loaded without error")
        return ""
    }

    func editJSON(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let p = dir + "/attributes.json"
        var j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as! [String: Any]
        edit(&j)
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: p))
    }

    /// The fixture's tensors with `change` applied, written back as the weights file.
    func editTensors(_ dir: String, _ change: (inout [String: (shape: [Int], values: [Float])]) -> Void) throws {
        let file = try SafeTensorsFile(path: dir + "/attributes.safetensors")
        var t: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in file.tensors { t[name] = (info.shape, try file.floats(name)) }
        change(&t)
        try Data(try SafeTensorsWriter.encode(t)).write(to: URL(fileURLWithPath: dir + "/attributes.safetensors"))
    }

    @Test func refusesABrokenOne() throws {
        let fm = FileManager.default
        #expect(try loadError { try fm.removeItem(atPath: $0 + "/attributes.safetensors") }
            .contains("attributes.safetensors: no such file, but attributes.json is there: the classifier is incomplete"))
        #expect(try loadError { try fm.removeItem(atPath: $0 + "/attributes.json") }
            .contains("attributes.json: no such file, but attributes.safetensors is there"))
        let truncated = try loadError { dir in
            let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/attributes.safetensors"))
            try d.prefix(d.count - 100).write(to: URL(fileURLWithPath: dir + "/attributes.safetensors"))
        }
        #expect(truncated.contains("attributes.safetensors"))
        #expect(try loadError { try Data("{\"format\":".utf8).write(to: URL(fileURLWithPath: $0 + "/attributes.json")) }
            .contains("attributes.json: not a valid classifier description"))
        #expect(try loadError { try editJSON($0) { $0["format"] = "latentscope-generator" } }
            .contains("attributes.json: field 'format': expected 'latentscope-attributes', got 'latentscope-generator'"))
        #expect(try loadError { try editJSON($0) { $0["format_version"] = 2 } }
            .contains("field 'format_version': expected 1 (the version this build reads), got 2"))
        #expect(try loadError { try editJSON($0) { $0.removeValue(forKey: "hidden") } }.contains("missing field 'hidden'"))
        // A description that does not match the weights.
        let channels = try loadError { try editJSON($0) { j in
            var b = j["blocks"] as! [[String: Any]]
            b[2]["channels"] = 9
            j["blocks"] = b
        } }
        #expect(channels.contains("attributes.safetensors: tensor 'features.2.weight': shape [8, 4, 3, 3], expected [9, 4, 3, 3] from attributes.json; the two files do not belong together"))
        #expect(try loadError { try editJSON($0) { j in
            var b = j["blocks"] as! [[String: Any]]
            b[1]["stride"] = 3
            j["blocks"] = b
        } }.contains("field 'blocks[1].stride': expected 1 or 2, got 3"))
        #expect(try loadError { try editJSON($0) { $0["hidden"] = 32 } }.contains("'hidden.weight': shape [64, 16], expected [32, 16]"))
        // Outputs.
        #expect(try loadError { try editJSON($0) { j in
            var o = j["outputs"] as! [[String: Any]]
            o[1]["kind"] = "softmax"
            j["outputs"] = o
        } }.contains("not a valid classifier description"))
        let label = try loadError { try editJSON($0) { j in
            var o = j["outputs"] as! [[String: Any]]
            o[0]["label"] = "years\u{1B}[2J"
            j["outputs"] = o
        } }
        #expect(label.contains("field 'outputs[0].label'") && !label.contains("\u{1B}"))
        #expect(try loadError { try editJSON($0) { j in
            var o = j["outputs"] as! [[String: Any]]
            o[1]["name"] = "age"
            j["outputs"] = o
        } }.contains("'age' appears twice"))
        #expect(try loadError { try editJSON($0) { $0["metrics"] = ["age_mae": "good"] } }.contains("not a valid classifier description"))
        // Weights: non-finite, one too many.
        #expect(try loadError { try editTensors($0) { $0["hidden.bias"]!.values[3] = .nan } }
            .contains("tensor 'hidden.bias': element 3 is nan (weights must be finite)"))
        #expect(try loadError { try editTensors($0) { $0["extra"] = ([1], [0]) } }.contains("tensor 'extra': not part of the network attributes.json describes"))
        // Made for other images than the model's.
        #expect(try loadError(resolution: 64) { _ in }.contains("attributes.json: field 'input': expected 64, the side of the faces this model makes, got 16"))
        // A network that would need gigabytes of scratch memory is refused before any is allocated.
        #expect(try loadError(resolution: nil) { try editJSON($0) { j in
            j["input"] = 1024
            j["blocks"] = [["channels": 4096, "stride": 1], ["channels": 4096, "stride": 1]]
        } }.contains("working memory"))
    }

    @Test func shortTextReadsLikeTheStatusLine() {
        let age = AttributeClassifier.Prediction(name: "age", label: "years", kind: .linear, value: 34.4)
        let female = AttributeClassifier.Prediction(name: "female", label: "P(female)", kind: .sigmoid, value: 0.8249)
        #expect(age.shortText == "age 34" && female.shortText == "P(female) 0.82")
        #expect(AttributeClassifier.Prediction(name: "age", label: "years", kind: .linear, value: 3e30).shortText == "age 3e+30")
    }
}
