// DirectionsStoreTests.swift: the on-disk direction format (round trip,
// validation, merging), user directions after the model's, and name rules.

import Foundation
import Testing
@testable import Engine

func unit(_ seed: UInt64, _ n: Int) -> [Float] { DirectionMath.randomUnitVectors(count: 1, wDim: n, seed: seed)[0] }

func sampleSet(wDim: Int = 16) -> DirectionSet {
    DirectionSet([
        Direction(name: "pca0", vector: unit(1, wDim), sigma: 1.5, method: "pca", explained: 0.25),
        Direction(name: "sefa-coarse0", vector: unit(2, wDim), sigma: 0.7, method: "sefa", explained: 0.1, layers: 0...4),
        Direction(name: "age|gender", vector: unit(3, wDim), sigma: 0.9, method: "attribute"),
    ])
}

/// A copy of the tiny model in a temporary folder (the fixture itself stays untouched).
func tinyModelCopy() throws -> String {
    let dir = makeTempDir()
    let m = (dir as NSString).appendingPathComponent("tiny")
    try FileManager.default.copyItem(atPath: Fixtures.path("tiny-model"), toPath: m)
    return m
}

@Suite struct DirectionStoreTests {
    @Test func roundTrips() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = sampleSet()
        try DirectionStore.write(set, folder: dir)
        let back = try DirectionStore.read(folder: dir, wDim: 16, numLayers: 8)
        #expect(back.directions == set.directions)
        #expect(back.find("1")?.name == "sefa-coarse0")
        #expect(back.find("age|gender")?.method == "attribute")
        // No temporary files left behind (.lock is the writers' lock file).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [".lock", "index.json", "vectors.safetensors"])
    }

    /// Writes the sample set, lets `spoil` damage it, and returns the read error.
    func readError(_ spoil: (String) throws -> Void, wDim: Int = 16) throws -> String {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DirectionStore.write(sampleSet(), folder: dir)
        try spoil(dir)
        do {
            _ = try DirectionStore.read(folder: dir, wDim: wDim, numLayers: 8)
        } catch let e as ModelError {
            return e.description
        }
        Issue.record("a damaged direction folder was read without error")
        return ""
    }

    func editIndex(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let p = (dir as NSString).appendingPathComponent("index.json")
        var j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as! [String: Any]
        edit(&j)
        try JSONSerialization.data(withJSONObject: j).write(to: URL(fileURLWithPath: p))
    }

    func editEntry(_ dir: String, _ i: Int, _ key: String, _ value: Any) throws {
        try editIndex(dir) { j in
            var ds = j["directions"] as! [[String: Any]]
            ds[i][key] = value
            j["directions"] = ds
        }
    }

    @Test func rejectsACorruptIndex() throws {
        let garbage = try readError { dir in
            try Data("{\"directions\": [".utf8).write(to: URL(fileURLWithPath: dir + "/index.json"))
        }
        #expect(garbage.contains("index.json: not a valid direction index"))
        #expect(garbage.contains("HINT:"))
        #expect(try readError { try editIndex($0) { $0["format"] = "something-else" } }.contains("field 'format': expected 'latentscope-directions', got 'something-else'"))
        #expect(try readError { try editIndex($0) { $0["format_version"] = 9 } }.contains("field 'format_version': expected 1 (the version this build reads), got 9"))
        #expect(try readError { try editEntry($0, 1, "name", "pca0") }.contains("direction 1 ('pca0'): the name appears twice"))
        #expect(try readError { try editEntry($0, 0, "sigma", -1) }.contains("direction 0 ('pca0'): sigma is -1.0"))
        #expect(try readError { try editEntry($0, 1, "layers", [3, 9]) }.contains("layers [3, 9] go past the model's last layer 7"))
        #expect(try readError { try editEntry($0, 1, "layers", [4, 2]) }.contains("field 'directions[1].layers': expected [first, last], got direction 1"))
        #expect(try readError { try editEntry($0, 2, "name", "bad name") }.contains("contains ' '"))
    }

    @Test func stepsAndUnitsRoundTrip() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var set = sampleSet()
        set.directions[2].step = 1.8
        set.directions[2].tokens = [1, 5]
        set.directions[2].unit = DirectionUnit(label: "years", perStep: 6.4)
        set.directions[0].unit = DirectionUnit(label: "P(female)", perStep: -0.11)
        try DirectionStore.write(set, folder: dir)
        let back = try DirectionStore.read(folder: dir, wDim: 16, numLayers: 8)
        #expect(back.directions == set.directions)
        #expect(back.find("age|gender")?.stepLength == 1.8)
        #expect(back.find("age|gender")?.tokens == [1, 5] && back.find("pca0")?.tokens == nil)
        for bad: Any in [[Int](), [2, 2], [-1]] {
            #expect(try readError { try editEntry($0, 2, "tokens", bad) }.contains("field 'directions[2].tokens': expected distinct token indices >= 0"))
        }
        #expect(back.find("pca0")?.stepLength == 1.5, "without a step of its own, a step is σ")
        #expect(back.direction(named: "age|gender")?.step == 1.8)
        // On disk as the Python writer has them: optional "step" and "unit" {"label", "per_step"}.
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))) as! [String: Any]
        let entries = j["directions"] as! [[String: Any]]
        #expect((entries[2]["step"] as? Double).map { abs($0 - 1.8) < 1e-6 } == true)
        let u = try #require(entries[2]["unit"] as? [String: Any])
        #expect(Set(u.keys) == ["label", "per_step"] && u["label"] as? String == "years")
        #expect(entries[1]["step"] == nil && entries[1]["unit"] == nil)
    }

    @Test func rejectsBadStepsAndUnits() throws {
        for bad: Any in [0, -1.5] {
            #expect(try readError { try editEntry($0, 2, "step", bad) }.contains("field 'directions[2].step': expected a finite number > 0 (the length in w of one step), got direction 2 ('age|gender'): step is"))
        }
        #expect(try readError { try editEntry($0, 2, "step", "far") }.contains("index.json: not a valid direction index: field 'directions.[2].step' has the wrong type"))
        // Beyond Float, like a σ of 1e39: the decoder refuses the file.
        #expect(try readError { try editEntry($0, 2, "step", 1e39) }.contains("index.json: not a valid direction index"))
        func unitError(_ u: Any) throws -> String { try readError { try editEntry($0, 1, "unit", u) } }
        let missing = try unitError(["label": "years"])
        #expect(missing.contains("index.json: field 'directions[1].unit': expected {\"label\": TEXT, \"per_step\": NUMBER}, got direction 1 ('sefa-coarse0'): unit has the keys 'label'; expected exactly 'label' and 'per_step'"))
        #expect(try unitError(["label": "years", "per_step": 1, "scale": 2]).contains("unit has the keys 'label', 'per_step', 'scale'"))
        #expect(try unitError(["label": 3, "per_step": 1]).contains("unit.label is not a string"))
        #expect(try unitError(["label": "years", "per_step": "fast"]).contains("unit.per_step is not a finite number"))
        #expect(try unitError(["label": "years", "per_step": 1e300]).contains("unit.per_step is not a finite number"))
        #expect(try unitError(5).contains("field 'directions.[1].unit' has the wrong type"))
        let escape = try unitError(["label": "y\u{1B}[2J", "per_step": 1])
        #expect(escape.contains("field 'directions[1].unit.label'") && escape.contains("the label contains"))
        #expect(!escape.contains("\u{1B}"), "the error never carries the control character itself")
        #expect(try unitError(["label": "", "per_step": 1]).contains("a unit label has 1 to 24 characters"))
        #expect(try unitError(["label": String(repeating: "y", count: 25), "per_step": 1]).contains("a unit label has 1 to 24 characters"))
        #expect(try unitError(["label": "jahre ä", "per_step": 1]).contains("the label contains"))
        // Every character the format allows is accepted.
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DirectionStore.write(sampleSet(), folder: dir)
        try editEntry(dir, 1, "unit", ["label": "P(f) 50%/x._-", "per_step": -2])
        #expect(try DirectionStore.read(folder: dir, wDim: 16).directions[1].unit == DirectionUnit(label: "P(f) 50%/x._-", perStep: -2))
    }

    @Test func writeRefusesBadStepsAndUnits() {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v = unit(1, 16)
        for d in [Direction(name: "a", vector: v, sigma: 1, method: "x", step: 0),
                  Direction(name: "a", vector: v, sigma: 1, method: "x", step: .infinity),
                  Direction(name: "a", vector: v, sigma: 1, method: "x", unit: DirectionUnit(label: "a\nb", perStep: 1)),
                  Direction(name: "a", vector: v, sigma: 1, method: "x", unit: DirectionUnit(label: "years", perStep: .nan))] {
            #expect(throws: ModelError.self) { try DirectionStore.write(DirectionSet([d]), folder: dir) }
        }
        #expect(!DirectionStore.exists(folder: dir))
    }

    @Test func rejectsWrongShapedOrMismatchedVectors() throws {
        // The model's wDim differs from the file's.
        let wrongDim = try readError({ _ in }, wDim: 32)
        #expect(wrongDim.contains("vectors.safetensors: tensor 'vectors': shape [3, 16], expected [3, 32]"))
        // One row too few for the index.
        let fewer = try readError { dir in
            let v = try SafeTensorsWriter.encode(["vectors": (shape: [2, 16], values: unit(1, 16) + unit(2, 16))])
            try Data(v).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        }
        #expect(fewer.contains("shape [2, 16], expected [3, 16] (3 directions in index.json"))
        // Rows that are not unit vectors.
        let notUnit = try readError { dir in
            let v = try SafeTensorsWriter.encode(["vectors": (shape: [3, 16], values: [Float](repeating: 1, count: 48))])
            try Data(v).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        }
        #expect(notUnit.contains("row 0 ('pca0') has norm 4.0, expected a unit vector"))
        // Vectors written for other names (a stale pair of files).
        let stale = try readError { dir in
            let v = try SafeTensorsWriter.encode(["vectors": (shape: [3, 16], values: unit(1, 16) + unit(2, 16) + unit(3, 16))],
                                                 metadata: ["names": "[\"a\",\"b\",\"c\"]"])
            try Data(v).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        }
        #expect(stale.contains("do not belong together"))
        // A truncated vectors file.
        let truncated = try readError { dir in
            let p = dir + "/vectors.safetensors"
            let d = try Data(contentsOf: URL(fileURLWithPath: p))
            try d.prefix(d.count - 10).write(to: URL(fileURLWithPath: p))
        }
        #expect(truncated.contains("vectors.safetensors"))
    }

    @Test func writeRejectsBadSets() {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v = unit(1, 16)
        #expect(throws: ModelError.self) {
            try DirectionStore.write(DirectionSet([Direction(name: "a", vector: v, sigma: 1, method: "x"), Direction(name: "a", vector: v, sigma: 1, method: "x")]), folder: dir)
        }
        #expect(throws: ModelError.self) {
            try DirectionStore.write(DirectionSet([Direction(name: "a", vector: v, sigma: 1, method: "x"), Direction(name: "b", vector: [1], sigma: 1, method: "x")]), folder: dir)
        }
        #expect(throws: ModelError.self) { try DirectionStore.write(DirectionSet([Direction(name: "12", vector: v, sigma: 1, method: "x")]), folder: dir) }
    }

    @Test func mergingReplacesAGroupInPlace() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v = unit(5, 16)
        try DirectionStore.write(DirectionSet([
            Direction(name: "pca0", vector: v, sigma: 1, method: "pca"), Direction(name: "pca1", vector: v, sigma: 1, method: "pca"),
            Direction(name: "age", vector: v, sigma: 1, method: "attribute"),
        ]), folder: dir)
        let newPCA = (0..<3).map { Direction(name: "pca\($0)", vector: unit(UInt64(10 + $0), 16), sigma: 2, method: "pca") }
        let merged = try DirectionStore.merge(newPCA, replacing: { $0.method == "pca" }, folder: dir, wDim: 16)
        #expect(merged.names == ["pca0", "pca1", "pca2", "age"])
        #expect(try DirectionStore.read(folder: dir, wDim: 16).directions == merged.directions)
        // A new group is appended; a same-named entry is replaced where it stood.
        let more = try DirectionStore.merge([Direction(name: "sefa0", vector: v, sigma: 1, method: "sefa")], replacing: { _ in false }, folder: dir, wDim: 16)
        #expect(more.names == ["pca0", "pca1", "pca2", "age", "sefa0"])
        let again = DirectionSet(more.directions).replacing(where: { _ in false }, with: [Direction(name: "age", vector: v, sigma: 3, method: "attribute")])
        #expect(again.names == more.names && again.find("age")?.sigma == 3)
        // Merging into a folder that does not exist yet creates it.
        let fresh = (dir as NSString).appendingPathComponent("sub/directions")
        #expect(try DirectionStore.merge(newPCA, replacing: { _ in false }, folder: fresh, wDim: 16).names == ["pca0", "pca1", "pca2"])
    }

    @Test func userDirectionsFollowTheModels() throws {
        let m = try tinyModelCopy()
        let user = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: (m as NSString).deletingLastPathComponent); try? FileManager.default.removeItem(atPath: user) }
        let model = try LoadedModel(directory: m)
        // No shipped directions: SeFa ones are computed at load.
        let computed = try DirectionStore.loadAll(for: model, userFolder: user)
        #expect(computed.computed && computed.set.directions.count == 16)
        #expect(computed.set.directions.allSatisfy { $0.method == "sefa" && $0.sigma > 0 })

        try DirectionStore.write(sampleSet(), folder: DirectionStore.folder(model: m))
        let v = unit(9, 16)
        try DirectionStore.write(DirectionSet([Direction(name: "mine", vector: v, sigma: 1, method: "user"),
                                               Direction(name: "pca0", vector: v, sigma: 1, method: "user")]), folder: user)
        let loaded = try DirectionStore.loadAll(for: model, userFolder: user)
        #expect(!loaded.computed)
        #expect(loaded.set.names == ["pca0", "sefa-coarse0", "age|gender", "mine"])
        #expect(loaded.modelCount == 3)
        #expect(loaded.shadowed == ["pca0"])
        #expect(loaded.set.find("pca0")?.method == "pca")      // the model's wins
        #expect(loaded.set.find("3")?.name == "mine")          // and indices run on into the user's
    }

    @Test func userFolderFollowsXDG() {
        #expect(DirectionStore.userFolder(modelName: "utkface64", environment: ["HOME": "/home/ann"]) == "/home/ann/.local/share/latentscope/utkface64/directions")
        #expect(DirectionStore.userFolder(modelName: "m", environment: ["HOME": "/home/ann", "XDG_DATA_HOME": "/data"]) == "/data/latentscope/m/directions")
        // A relative XDG_DATA_HOME is invalid by the spec and ignored.
        #expect(DirectionStore.userFolder(modelName: "m", environment: ["HOME": "/h", "XDG_DATA_HOME": "rel"]) == "/h/.local/share/latentscope/m/directions")
    }

    @Test func nameRules() {
        #expect(DirectionName.problem("age|gender") == nil)
        #expect(DirectionName.problem("sefa-2to5-0") == nil)
        #expect(DirectionName.problem("") != nil)
        #expect(DirectionName.problem("42") == "'42' is a number, which selects a direction by index; add a letter")
        #expect(DirectionName.problem("a/b")?.contains("contains '/'") == true)
        #expect(DirectionName.problem(String(repeating: "x", count: 65)) != nil)
    }
}
