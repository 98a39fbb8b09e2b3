// UntrustedFilesTests.swift: files from others (weights, configs, direction
// folders) that break the formats' rules are refused with an error naming the
// file, the tensor or field, what was expected and what was found: never a trap,
// never a silently different model.

@testable import FileSupport
import Foundation
import Testing
@testable import Engine

/// A safetensors file from a header written by hand and `dataBytes` zero bytes.
func rawSafeTensors(_ header: String, dataBytes: Int) -> Data {
    var json = Data(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var n = UInt64(json.count).littleEndian
    var out = Data(bytes: &n, count: 8)
    out.append(json)
    out.append(Data(count: dataBytes))
    return out
}

/// The error of parsing `data`, or nil when it parses.
func safeTensorsError(_ data: Data) -> SafeTensorsError? {
    do { _ = try SafeTensorsFile(data: data, path: "t.safetensors"); return nil } catch let e as SafeTensorsError { return e } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// The tiny model's config with `edit` applied, written to a copy of the model; returns the load error.
func configError(_ edit: (inout [String: Any]) -> Void) throws -> String? {
    let dir = try tinyCopy()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath(dir)))) as! [String: Any]
    edit(&cfg)
    try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: configPath(dir)))
    return loadError(dir).map { $0.replacingOccurrences(of: dir, with: "MODEL") }
}

@Suite struct SafeTensorsRulesTests {
    @Test func shapeProductsThatOverflowAreErrors() {
        let huge = [4_611_686_018_427_387_904, Int.max, Int.max / 2 + 1, 1 << 32, 3_037_000_500, 1 << 40, 1 << 61, 1 << 62 + 1]
        var shapes: [[Int]] = []
        for h in huge {
            shapes += [[h, 4], [4, h], [h, h], [2, h, 2], [h, 1, 1, 8]]
        }
        shapes += [[1 << 21, 1 << 21, 1 << 21, 2], [1 << 31, 1 << 31, 4], [1 << 16, 1 << 16, 1 << 16, 1 << 16],
                   [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59], [1 << 62], [Int.max], [1 << 61, 2, 2],
                   [1 << 30, 1 << 30, 1 << 3], [4611686018427387904, 4, 0]]
        #expect(shapes.count >= 49)
        var cases = 0
        for shape in shapes {
            for dtype in ["F32", "F16", "I64"] where cases < 60 {
                cases += 1
                let header = "{\"t\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [0, 16]}}"
                let e = safeTensorsError(rawSafeTensors(header, dataBytes: 16))
                #expect(e != nil, "shape \(shape) \(dtype) was accepted")
                #expect(e?.tensor == "t", "\(shape): \(e?.description ?? "")")
            }
        }
        #expect(cases >= 53)
        // The product that fits but disagrees with the span is reported with both numbers.
        let e = safeTensorsError(rawSafeTensors("{\"t\": {\"dtype\": \"F32\", \"shape\": [1073741824, 2], \"data_offsets\": [0, 16]}}", dataBytes: 16))
        #expect(e?.description == "t.safetensors: tensor 't': shape [1073741824, 2] of F32 needs 8589934592 bytes, data_offsets [0, 16] give 16")
    }

    /// Two F32 tensors of 4 values in a 32-byte block, at the given offsets.
    func twoTensors(_ a: String, _ b: String, dataBytes: Int = 32) -> SafeTensorsError? {
        safeTensorsError(rawSafeTensors("""
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": \(a)}, "b": {"dtype": "F32", "shape": [4], "data_offsets": \(b)}}
            """, dataBytes: dataBytes))
    }

    @Test func offsetsMustTileTheDataBlock() {
        #expect(twoTensors("[0, 16]", "[16, 32]") == nil)
        #expect(twoTensors("[16, 32]", "[0, 16]") == nil)   // header order does not matter
        let overlap = twoTensors("[0, 16]", "[8, 24]", dataBytes: 24)
        #expect(overlap?.tensor == "b" && overlap?.message.contains("overlaps the tensor before it") == true, "\(overlap?.description ?? "")")
        let same = twoTensors("[0, 16]", "[0, 16]", dataBytes: 16)
        #expect(same?.message.contains("overlaps") == true)
        let shifted = twoTensors("[4, 20]", "[20, 36]", dataBytes: 36)
        #expect(shifted?.tensor == "a" && shifted?.message.contains("leaves a gap of 4 bytes") == true, "\(shifted?.description ?? "")")
        let gap = twoTensors("[0, 16]", "[20, 36]", dataBytes: 36)
        #expect(gap?.tensor == "b" && gap?.message.contains("tensor 'a' ends at byte 16") == true, "\(gap?.description ?? "")")
        let trailing = twoTensors("[0, 16]", "[16, 32]", dataBytes: 40)
        #expect(trailing?.tensor == nil && trailing?.message.contains("8 bytes after the last tensor belong to none") == true)
        let outside = twoTensors("[0, 16]", "[16, 48]", dataBytes: 32)
        #expect(outside?.message.contains("lie outside the 32-byte data block") == true)
        #expect(twoTensors("[0, 16]", "[32, 16]")?.message.contains("lie outside") == true)
    }

    @Test func offsetsMustBeIntegersInRange() {
        for bad in ["[0.0, 16]", "[0, 16.0]", "[0, 1.6e1]", "[0, 16.5]", "[-16, 0]", "[0, -16]", "[1180591620717411303424, 1180591620717411303936]",
                    "[0, 18446744073709551616]", "[0, 9223372036854775808]", "[\"0\", 16]", "[0]", "[0, 16, 32]", "null", "[null, 16]"] {
            let e = safeTensorsError(rawSafeTensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": \(bad)}}", dataBytes: 16))
            #expect(e?.tensor == "a", "data_offsets \(bad): \(e?.description ?? "accepted")")
        }
        // 2^70 is not read as 0 (which would have pointed at the first tensor's bytes).
        let e = safeTensorsError(rawSafeTensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [128], \"data_offsets\": [1180591620717411303424, 1180591620717411303936]}}", dataBytes: 512))
        #expect(e?.description == "t.safetensors: tensor 'a': data_offsets [1180591620717411303424, 1180591620717411303936] are not integers in 0...9223372036854775807")
        for bad in ["[4.5]", "[-1]", "[1e3]", "[18446744073709551616]"] {
            let e = safeTensorsError(rawSafeTensors("{\"a\": {\"dtype\": \"F32\", \"shape\": \(bad), \"data_offsets\": [0, 16]}}", dataBytes: 16))
            #expect(e?.message.contains("is not an integer") == true, "shape \(bad): \(e?.description ?? "accepted")")
        }
    }

    @Test func headerRules() {
        // Duplicate keys: JSONSerialization would keep one and load the other tensor's bytes.
        let dup = safeTensorsError(rawSafeTensors("""
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "a": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}}
            """, dataBytes: 32))
        #expect(dup?.message.contains("duplicate key 'a'") == true, "\(dup?.description ?? "")")
        #expect(safeTensorsError(rawSafeTensors("{\"a\": {\"dtype\": \"F32\", \"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 16]}}", dataBytes: 16))?
            .message.contains("duplicate key 'dtype'") == true)
        #expect(safeTensorsError(rawSafeTensors("{\"__metadata__\": {\"k\": 1}}", dataBytes: 0))?.message.contains("expected a string") == true)
        #expect(safeTensorsError(rawSafeTensors("{\"__metadata__\": [\"k\"]}", dataBytes: 0))?.message.contains("__metadata__") == true)
        // Invalid UTF-8 inside a string, and outside one.
        var bad = rawSafeTensors("{\"__metadata__\": {\"k\": \"xx\"}}", dataBytes: 0)
        bad[8 + 25] = 0xFF
        #expect(safeTensorsError(bad)?.message.contains("not valid UTF-8") == true, "\(safeTensorsError(bad)?.description ?? "")")
        #expect(safeTensorsError(rawSafeTensors("{\"a\": 1} \u{00E9}", dataBytes: 0))?.message.contains("not valid JSON") == true)
        // Unknown dtype, deep nesting, a header size beyond the limit or the file.
        #expect(safeTensorsError(rawSafeTensors("{\"a\": {\"dtype\": \"F8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", dataBytes: 4))?
            .message.contains("unsupported dtype F8") == true)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(safeTensorsError(rawSafeTensors("{\"a\": \(deep)}", dataBytes: 0))?.message.contains("nested more than") == true)
        let wide = "[" + String(repeating: "0,", count: 2_000_001) + "0]"
        #expect(safeTensorsError(rawSafeTensors("{\"__metadata__\": \(wide)}", dataBytes: 0))?.message.contains("more than 2000000 values") == true)
        var claim = Data([0, 0, 0, 0, 0, 0, 0, 0x10]) + Data(count: 8)
        #expect(safeTensorsError(claim)?.message.contains("header claims") == true)
        claim = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) + Data(count: 8)
        #expect(safeTensorsError(claim)?.message.contains("header claims 18446744073709551615 bytes") == true)
        // What the format allows: a zero-size tensor, padding, escapes, an empty file.
        #expect(safeTensorsError(rawSafeTensors("{\"z\": {\"dtype\": \"F32\", \"shape\": [0, 4], \"data_offsets\": [0, 0]}, \"a\\u00e9\\n\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", dataBytes: 4)) == nil)
        #expect(safeTensorsError(rawSafeTensors("{}", dataBytes: 0)) == nil)
    }

    @Test func tensorNamesInMessagesAreEscapedAndShort() {
        let name = "\u{1B}]52;c;" + String(repeating: "x", count: 500)
        let e = safeTensorsError(rawSafeTensors("{\"\(name.replacingOccurrences(of: "\u{1B}", with: "\\u001b"))\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", dataBytes: 8))
        #expect(e != nil)
        #expect(e?.description.contains("\u{1B}") == false)
        #expect((e?.description.count ?? 1000) < 200, "\(e?.description ?? "")")
    }

    @Test func everyShippedFileFollowsTheRules() throws {
        var paths = [Fixtures.path("tiny-model/generator.safetensors"), Fixtures.path("tiny-golden.safetensors"), Fixtures.path("shipped-golden.safetensors")]
        let models = Fixtures.repoRoot + "/assets/models"
        for m in (try? FileManager.default.contentsOfDirectory(atPath: models)) ?? [] {
            for f in ["generator.safetensors", "directions/vectors.safetensors"] where FileManager.default.fileExists(atPath: "\(models)/\(m)/\(f)") {
                paths.append("\(models)/\(m)/\(f)")
            }
        }
        for p in paths { _ = try SafeTensorsFile(path: p) }
        #expect(paths.count >= 3)
    }

    @Test func weightErrorsNameTheTensorNotADash() throws {
        let dir = try tinyCopy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try editHeader(dir) { h in var e = h["w_avg"] as! [String: Any]; e["dtype"] = "F64"; h["w_avg"] = e }
        let e = loadError(dir) ?? ""
        #expect(e.contains("generator.safetensors: tensor 'w_avg': unsupported dtype F64"), "\(e)")
        #expect(!e.contains("'-'"))
        let dir2 = try tinyCopy()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        try Data(count: 4).write(to: URL(fileURLWithPath: weightsPath(dir2)))
        let e2 = loadError(dir2) ?? ""
        #expect(e2.hasPrefix(weightsPath(dir2) + ": file is 4 bytes") && !e2.contains("tensor '"), "\(e2)")
    }
}

@Suite struct ConfigLimitsTests {
    @Test func hugeSizesAreFieldErrors() throws {
        #expect(try configError { $0["head_dim"] = 4_611_686_018_427_387_904 }
                == "MODEL/config.json: field 'head_dim': expected an integer in 1...1024, got 4611686018427387904")
        #expect(try configError { $0["resolution"] = 4_611_686_018_427_387_904 }
                == "MODEL/config.json: field 'resolution': expected a power of two in 4...1024, got 4611686018427387904")
        #expect(try configError { $0["resolution"] = 2048 }?.contains("field 'resolution'") == true)
        #expect(try configError { $0["resolution"] = 12 }?.contains("field 'resolution'") == true)
        #expect(try configError { $0["tokens"] = 0 } == "MODEL/config.json: field 'tokens': expected an integer in 1...256, got 0")
        #expect(try configError { $0["heads"] = 1 << 40 }?.contains("field 'heads'") == true)
        #expect(try configError { $0["w_dim"] = -5 }?.contains("field 'w_dim': expected an integer in 1...4096, got -5") == true)
        #expect(try configError { $0["mapping_layers"] = 1_000_000 }?.contains("field 'mapping_layers'") == true)
        #expect(try configError { $0["channels"] = ["4": 1 << 62, "8": 8, "16": 8] }?
                .contains("field 'channels.4': expected a channel count in 1...4096, got 4611686018427387904") == true)
        #expect(try configError { $0["heads"] = 3 }?.contains("field 'heads': expected a divisor of every layer's channels") == true)
        #expect(try configError { $0["resolution"] = 1e300 }?.contains("config.json") == true)
    }

    @Test func numbersThatWouldGiveAnotherImage() throws {
        #expect(try configError { $0["layernorm_eps"] = -1 } == "MODEL/config.json: field 'layernorm_eps': expected a finite number > 0, got -1.0")
        #expect(try configError { $0["layernorm_eps"] = 0 }?.contains("field 'layernorm_eps'") == true)
        // dtype is checked against the tensors.
        let f16 = try configError { $0["dtype"] = "float16" } ?? ""
        #expect(f16.contains("generator.safetensors: tensor ") && f16.contains("dtype F32, expected F16 (config.json says \"dtype\": \"float16\")"), "\(f16)")
        #expect(try configError { $0["dtype"] = "int8" } == "MODEL/config.json: field 'dtype': expected 'float32' or 'float16', got 'int8'")
    }

    @Test func namesThatAreNotFolderNames() throws {
        for name in ["../../../../tmp/x", "a/b", "..", ".", "", "x\u{1B}]0;title\u{07}"] {
            let e = try configError { $0["name"] = name }
            #expect(e?.hasPrefix("MODEL/config.json: field 'name': expected ") == true, "name \(name): \(e ?? "loaded")")
            #expect(e?.contains("\u{1B}") == false)
        }
        // Even a name made in code cannot leave the data folder.
        for name in ["../../../../tmp/x", "..", "a/../../b", "x\u{0}y"] {
            let f = DirectionStore.userFolder(modelName: name, environment: ["HOME": "/home/ann"])
            #expect(f.hasPrefix("/home/ann/.local/share/latentscope/") && f.hasSuffix("/directions"), "\(f)")
            let parts = f.split(separator: "/")
            #expect(parts.count == 7 && !parts.contains(".."), "\(name) -> \(f)")
        }
        #expect(DirectionStore.userFolder(modelName: "utkface64", environment: ["HOME": "/h"]) == "/h/.local/share/latentscope/utkface64/directions")
    }

    @Test func hugeFilesAndStringsFailFastAndShort() throws {
        let start = Date()
        let big = try configError { $0["name"] = String(repeating: "x", count: 2_000_000) } ?? ""
        #expect(big == "MODEL/config.json: is \(big.split(separator: " ")[2]) bytes; a config.json has at most 1048576", "\(big.prefix(200))")
        let long = try configError { $0["training"] = ["license": String(repeating: "y", count: 5000)] } ?? ""
        #expect(long == "MODEL/config.json: field 'training.license': expected at most 4096 characters, got 5000")
        let name = try configError { $0["name"] = String(repeating: "z", count: 300) } ?? ""
        #expect(name.count < 250, "\(name)")
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func duplicateKeysAndTheRealPath() throws {
        let dir = try tinyCopy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = try String(contentsOfFile: configPath(dir), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"tokens\": 4,", with: "\"tokens\": 4, \"tokens\": 5,")
        try text.write(toFile: configPath(dir), atomically: true, encoding: .utf8)
        let e = loadError(dir) ?? ""
        #expect(e.hasPrefix(configPath(dir) + ": not valid JSON: duplicate key 'tokens' at byte "), "\(e)")
        // The shipped model's config is within every limit.
        _ = try ModelConfig.load(path: Fixtures.repoRoot + "/assets/models/utkface64/config.json")
    }
}

@Suite struct DirectionFilesTests {
    @Test func overflowingVectorsAreTensorErrors() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DirectionStore.write(sampleSet(), folder: dir)
        try rawSafeTensors("{\"vectors\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 192]}}", dataBytes: 192)
            .write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        do {
            _ = try DirectionStore.read(folder: dir, wDim: 16)
            Issue.record("read")
        } catch {
            #expect("\(error)".hasPrefix(dir + "/vectors.safetensors: tensor 'vectors': shape [4611686018427387904, 4] has more than"), "\(error)")
        }
        try rawSafeTensors("{\"vectors\": {\"dtype\": \"F32\", \"shape\": [3, 16], \"data_offsets\": [0, 192]}, \"more\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [192, 192]}}", dataBytes: 192)
            .write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        #expect(throws: ModelError.self) { try DirectionStore.read(folder: dir, wDim: 16) }
    }

    /// The vectors file a write of `set` makes, without its index.
    func vectorsOnly(_ set: DirectionSet) throws -> Data {
        let other = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: other) }
        try DirectionStore.write(set, folder: other)
        return try Data(contentsOf: URL(fileURLWithPath: other + "/vectors.safetensors"))
    }

    @Test func aWriteKilledBetweenItsRenamesStillLoads() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = sampleSet()
        try DirectionStore.write(old, folder: dir)
        // New vectors (one direction more) in place, index.json still the old one.
        let added = DirectionSet(old.directions + [Direction(name: "mine", vector: unit(9, 16), sigma: 2, method: "user")])
        try vectorsOnly(added).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        #expect(try DirectionStore.read(folder: dir, wDim: 16).directions == added.directions)
        // Same names, one vector and σ replaced (save --force): the newer vectors win.
        try DirectionStore.write(old, folder: dir)
        var replaced = old
        replaced.directions[2] = Direction(name: "age|gender", vector: unit(10, 16), sigma: 3, method: "user")
        usleep(20_000)
        try vectorsOnly(replaced).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        #expect(try DirectionStore.read(folder: dir, wDim: 16).directions == replaced.directions)
        // The next write repairs the pair; a later hand edit of index.json (newer) is honoured.
        try DirectionStore.merge([], replacing: { _ in false }, folder: dir, wDim: 16)
        usleep(20_000)
        var text = try String(contentsOfFile: dir + "/index.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"sigma\" : 3", with: "\"sigma\" : 4")
        try text.write(toFile: dir + "/index.json", atomically: false, encoding: .utf8)
        #expect(try DirectionStore.read(folder: dir, wDim: 16).find("age|gender")?.sigma == 4)
        // Vectors from another set entirely, without a matching index: refused.
        let foreign = try SafeTensorsWriter.encode(["vectors": (shape: [3, 16], values: unit(1, 16) + unit(2, 16) + unit(3, 16))],
                                                   metadata: ["names": "[\"x\",\"y\",\"z\"]"])
        try Data(foreign).write(to: URL(fileURLWithPath: dir + "/vectors.safetensors"))
        #expect(throws: ModelError.self) { try DirectionStore.read(folder: dir, wDim: 16) }
    }

    @Test func concurrentMergesKeepEveryDirection() async throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<12 {
                group.addTask {
                    try DirectionStore.merge([Direction(name: "d\(i)", vector: unit(UInt64(i + 1), 16), sigma: 1, method: "user")],
                                             replacing: { _ in false }, folder: dir, wDim: 16)
                }
            }
            try await group.waitForAll()
        }
        #expect(Set(try DirectionStore.read(folder: dir, wDim: 16).names) == Set((0..<12).map { "d\($0)" }))
    }

    @Test func staleTemporaryFilesAreRemovedAndAFullDiskIsAWriteError() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/index.json.tmp-1-2", contents: Data("x".utf8))
        _ = FileManager.default.createFile(atPath: dir + "/vectors.safetensors.tmp-3-4", contents: Data("x".utf8))
        try DirectionStore.write(sampleSet(), folder: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [".lock", "index.json", "vectors.safetensors"])

        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        // Direction files are written by FileSupport's FileWriter, whose write loop says how far it got.
        #expect(throws: ShortWrite(total: 100, written: 0, code: ENOSPC)) {
            try FileWriter.writeAll([UInt8](repeating: 1, count: 100), to: fd)
        }
        #expect("\(ShortWrite(total: 100, written: 0, code: ENOSPC))" == "writing 100 bytes failed after 0: No space left on device")
        // A folder that cannot be created is a write error too, naming the folder.
        do {
            try DirectionStore.write(sampleSet(), folder: dir + "/index.json/sub")
            Issue.record("wrote under a file")
        } catch let e as ModelError {
            guard case .writeFailed(let p, _) = e else { Issue.record("\(e)"); return }
            #expect(p == dir + "/index.json/sub")
        }
    }

    @Test func indexLimits() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DirectionStore.write(sampleSet(), folder: dir)
        var text = try String(contentsOfFile: dir + "/index.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 1, \"format_version\" : 1")
        try text.write(toFile: dir + "/index.json", atomically: false, encoding: .utf8)
        do { _ = try DirectionStore.read(folder: dir, wDim: 16); Issue.record("read") } catch {
            #expect("\(error)".contains("index.json: not a valid direction index: duplicate key 'format_version'"), "\(error)")
        }
        try Data(count: DirectionStore.maxIndexBytes + 1).write(to: URL(fileURLWithPath: dir + "/index.json"))
        do { _ = try DirectionStore.read(folder: dir, wDim: 16); Issue.record("read") } catch {
            #expect("\(error)".contains("index.json: is 16777217 bytes; a direction index has at most 16777216"), "\(error)")
        }
    }
}
