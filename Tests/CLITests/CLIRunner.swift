// CLIRunner.swift: runs the built `latentscope` binary as a user would.

import Foundation
import Imaging
import TestSupport

struct CLIResult {
    let status: Int32
    let stdout: Data
    let stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
}

enum CLI {
    static var repoRoot: String { BuiltBinary.repoRoot }
    static var tinyModel: String { repoRoot + "/Tests/EngineTests/Fixtures/tiny-model" }

    /// The binary built next to the test bundle.
    static var binary: String { BuiltBinary.path }

    static func run(_ args: [String], env: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e["COLUMNS"] = "100"   // stable help wrapping
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let er = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: o, stderr: String(decoding: er, as: UTF8.self))
    }

    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "latentscope-cli-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
