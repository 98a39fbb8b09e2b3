// BuiltBinary.swift: finds the `latentscope` executable that `swift build`
// made, for the tests that run it as a user would.

import Foundation

public enum BuiltBinary {
    /// The repository root (three levels above this file).
    public static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The binary next to the test bundle, else in .build/debug or .build/release.
    public static var path: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("latentscope").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        for config in ["debug", "release"] {
            let p = repoRoot + "/.build/\(config)/latentscope"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        fatalError("latentscope binary not found; build it first (swift build)")
    }
}

/// What a run of the binary left: exit status and both output streams.
public struct RunResult {
    public let status: Int32
    public let stdout: Data
    public let stderr: String
    /// Standard output as text.
    public var out: String { String(decoding: stdout, as: UTF8.self) }
}

extension BuiltBinary {
    /// Runs the binary without a terminal (stdin from /dev/null, output to pipes),
    /// with `environment` added to this process's.
    public static func run(_ args: [String], environment: [String: String] = [:]) throws -> RunResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus, stdout: o, stderr: String(decoding: e, as: UTF8.self))
    }
}
