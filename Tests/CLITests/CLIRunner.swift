// CLIRunner.swift: runs the built `latentscope` binary as a user would.

import Foundation
import Imaging
import TestSupport

typealias CLIResult = RunResult

enum CLI {
    static var repoRoot: String { BuiltBinary.repoRoot }
    static var tinyModel: String { repoRoot + "/Tests/EngineTests/Fixtures/tiny-model" }

    /// The binary built next to the test bundle.
    static var binary: String { BuiltBinary.path }

    static func run(_ args: [String], env: [String: String] = [:], standardOutput: FileHandle? = nil,
                    in directory: String? = nil, timeout: TimeInterval = 600) throws -> CLIResult {
        // COLUMNS keeps the help text's wrapping stable.
        try BuiltBinary.run(args, environment: ["COLUMNS": "100"].merging(env) { $1 }, standardOutput: standardOutput,
                            currentDirectory: directory, timeout: timeout)
    }

    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "latentscope-cli-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
