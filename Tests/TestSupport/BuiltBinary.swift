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
