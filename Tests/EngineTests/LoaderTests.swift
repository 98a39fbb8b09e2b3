// LoaderTests.swift: bad model files give specific errors, never a crash.

import Foundation
import Testing
@testable import Engine

/// A copy of the tiny model in a temp folder, for corrupting.
func tinyCopy() throws -> String {
    let dir = makeTempDir()
    for f in ["config.json", "generator.safetensors"] {
        try FileManager.default.copyItem(atPath: Fixtures.path("tiny-model/\(f)"), toPath: (dir as NSString).appendingPathComponent(f))
    }
    return dir
}

func loadError(_ dir: String) -> String? {
    do { _ = try Generator(modelDirectory: dir); return nil } catch { return "\(error)" }
}

func weightsPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("generator.safetensors") }
func configPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("config.json") }

/// Rewrites the safetensors header through `edit` (keeps the data block).
func editHeader(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: weightsPath(dir)))
    let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    var header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
    edit(&header)
    var json = try JSONSerialization.data(withJSONObject: header)
    while json.count < n { json.append(0x20) }
    var size = UInt64(json.count).littleEndian
    var out = Data(bytes: &size, count: 8)
    out.append(json)
    out.append(data.subdata(in: (8 + n)..<data.count))
    try out.write(to: URL(fileURLWithPath: weightsPath(dir)))
}

@Suite struct LoaderTests {
    @Test func loadsTheTinyModel() throws {
        let G = try Fixtures.tinyGenerator()
        #expect(G.config.name == "tiny")
        #expect(G.config.numLayers == 8)
        #expect(G.weights.parameterCount > 1000)
    }

    @Test func missingFolderAndFiles() throws {
        #expect(loadError("/nonexistent/model")?.contains("no such file") == true)
        let dir = try tinyCopy()
        try FileManager.default.removeItem(atPath: weightsPath(dir))
        #expect(loadError(dir)?.contains("generator.safetensors") == true)
        try FileManager.default.removeItem(atPath: configPath(dir))
        #expect(loadError(dir)?.contains("config.json") == true)
    }

    @Test func truncatedWeights() throws {
        let dir = try tinyCopy()
        let data = try Data(contentsOf: URL(fileURLWithPath: weightsPath(dir)))
        for cut in [4, 200, data.count - 10] {
            try data.prefix(cut).write(to: URL(fileURLWithPath: weightsPath(dir)))
            let e = loadError(dir)
            #expect(e != nil, "cut at \(cut) loaded")
            #expect(e?.contains("truncated") == true, "cut at \(cut): \(e ?? "")")
        }
    }

    @Test func corruptedHeaderBytes() throws {
        let dir = try tinyCopy()
        var data = try Data(contentsOf: URL(fileURLWithPath: weightsPath(dir)))
        data[10] = 0xFF; data[11] = 0x00   // inside the JSON header
        try data.write(to: URL(fileURLWithPath: weightsPath(dir)))
        #expect(loadError(dir)?.contains("JSON") == true)
        var huge = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-model/generator.safetensors")))
        huge[7] = 0x7F                      // header size larger than the file
        try huge.write(to: URL(fileURLWithPath: weightsPath(dir)))
        #expect(loadError(dir)?.contains("header claims") == true)
    }

    @Test func unknownDtypeMissingTensorWrongShape() throws {
        let dir = try tinyCopy()
        try editHeader(dir) { h in var e = h["w_avg"] as! [String: Any]; e["dtype"] = "F64"; h["w_avg"] = e }
        #expect(loadError(dir)?.contains("unsupported dtype F64") == true)

        // A well-formed file that lacks one tensor (dropping only its header entry would leave a gap).
        let dir2 = try tinyCopy()
        let full = try SafeTensorsFile(path: weightsPath(dir2))
        var kept: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in full.tensors where name != "synthesis.b8.conv1.keys" { kept[name] = (info.shape, try full.floats(name)) }
        try Data(SafeTensorsWriter.encode(kept)).write(to: URL(fileURLWithPath: weightsPath(dir2)))
        let e2 = loadError(dir2)
        #expect(e2?.contains("synthesis.b8.conv1.keys") == true && e2?.contains("missing") == true)

        let dir3 = try tinyCopy()
        try editHeader(dir3) { h in var e = h["synthesis.const"] as! [String: Any]; e["shape"] = [8, 4, 8]; h["synthesis.const"] = e }
        let e3 = loadError(dir3)
        #expect(e3?.contains("synthesis.const") == true && e3?.contains("expected [16, 4, 4]") == true, "\(e3 ?? "")")
    }

    @Test func nonFiniteWeights() throws {
        let dir = try tinyCopy()
        let file = try SafeTensorsFile(path: weightsPath(dir))
        let info = file.tensors["synthesis.b4.conv1.bias"]!
        var data = try Data(contentsOf: URL(fileURLWithPath: weightsPath(dir)))
        let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let at = 8 + n + info.range.lowerBound + 4
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for i in 0..<4 { data[at + i] = $0[i] } }
        try data.write(to: URL(fileURLWithPath: weightsPath(dir)))
        let e = loadError(dir)
        #expect(e?.contains("synthesis.b4.conv1.bias") == true && e?.contains("finite") == true, "\(e ?? "")")
    }

    @Test func configThatDoesNotMatchTheWeights() throws {
        let dir = try tinyCopy()
        var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath(dir)))) as! [String: Any]
        cfg["tokens"] = 5
        try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: configPath(dir)))
        let e = loadError(dir)
        #expect(e?.contains("shape") == true && e?.contains("config.json") == true, "\(e ?? "")")

        var cfg2 = cfg
        cfg2["tokens"] = 4
        cfg2["format_version"] = 99
        try JSONSerialization.data(withJSONObject: cfg2).write(to: URL(fileURLWithPath: configPath(dir)))
        #expect(loadError(dir)?.contains("field 'format_version': expected 1 or 2 (the versions this build reads), got 99") == true)

        var cfg3 = cfg2
        cfg3["format_version"] = 1
        cfg3["resolution"] = 32
        try JSONSerialization.data(withJSONObject: cfg3).write(to: URL(fileURLWithPath: configPath(dir)))
        #expect(loadError(dir)?.contains("resolution 32") == true)

        cfg3["resolution"] = nil
        try JSONSerialization.data(withJSONObject: cfg3).write(to: URL(fileURLWithPath: configPath(dir)))
        #expect(loadError(dir)?.contains("missing field 'resolution'") == true)
    }

    @Test func extraTensorIsReported() throws {
        let dir = try tinyCopy()
        try editHeader(dir) { h in h["synthesis.extra"] = h["w_avg"] }
        #expect(loadError(dir)?.contains("synthesis.extra") == true)
    }

    @Test func float16WeightsLoad() throws {
        // Halves of the tiny model's floats: the writer and reader agree on F16.
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(halfToFloat(0x7C00) == .infinity)
        #expect(halfToFloat(0x7E00).isNaN)
    }
}
