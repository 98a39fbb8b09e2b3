// FuzzRegressionTests.swift: every input in Fixtures/fuzz-regressions (what the
// fuzzers found, and the hostile files that once trapped or loaded wrong) is
// replayed through its parser and must be refused with an error.
// (Sessions are replayed in ExplorerTests/SessionTests.swift.)

import Foundation
import Testing
@testable import Engine

enum FuzzRegressions {
    static func files(_ parser: String) throws -> [(name: String, data: Data)] {
        let dir = Fixtures.path("fuzz-regressions/\(parser)")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted().map {
            ($0, try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent($0))))
        }
    }
}

@Suite struct FuzzRegressionTests {
    @Test func safetensorsInputsAreRejected() throws {
        let files = try FuzzRegressions.files("safetensors")
        #expect(files.count >= 8)
        for (name, data) in files {
            #expect(throws: SafeTensorsError.self, "\(name)") { try SafeTensorsFile(data: data, path: name) }
        }
    }

    @Test func configInputsAreRejected() throws {
        let files = try FuzzRegressions.files("config")
        #expect(files.count >= 6)
        for (name, data) in files {
            #expect(throws: ModelError.self, "\(name)") { try ModelConfig.decode(data, path: name) }
        }
    }

    @Test func directionInputsAreRejected() throws {
        let files = try FuzzRegressions.files("directions")
        #expect(files.count >= 4)
        for (name, data) in files {
            // index.json, a NUL byte, vectors.safetensors (the fuzz target's input format).
            let cut = try #require(data.firstIndex(of: 0), "\(name) has no NUL separator")
            for newer in [false, true] {
                #expect(throws: ModelError.self, "\(name)") {
                    try DirectionStore.decode(index: Data(data[..<cut]), vectors: Data(data[(cut + 1)...]), folder: name,
                                              wDim: 16, numLayers: 8, vectorsNewer: newer)
                }
            }
        }
    }

    @Test func attributeClassifierInputsAreRejected() throws {
        let files = try FuzzRegressions.files("attributes")
        #expect(files.count >= 8)
        for (name, data) in files {
            // attributes.json, a NUL byte, attributes.safetensors (the fuzz target's input format).
            let cut = data.firstIndex(of: 0) ?? data.endIndex
            let weights = cut < data.endIndex ? Data(data[(cut + 1)...]) : Data()
            #expect(throws: ModelError.self, "\(name)") {
                try AttributeClassifier(description: Data(data[..<cut]), weights: weights, folder: name)
            }
        }
    }
}
