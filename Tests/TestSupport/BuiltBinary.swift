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
    /// Runs the binary without a terminal (stdin from /dev/null, output to pipes unless
    /// `standardOutput` is given), with `environment` added to this process's. Both streams
    /// are read at once, so a chatty run cannot fill one pipe and hang; a run longer than
    /// `timeout` seconds is killed and recorded as status 137 with a note on stderr.
    public static func run(_ args: [String], environment: [String: String] = [:], standardOutput: FileHandle? = nil,
                           currentDirectory: String? = nil, timeout: TimeInterval = 600) throws -> RunResult {
        let p = process(args, environment: environment)
        if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = standardOutput ?? out
        p.standardError = err
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        defer { killer.cancel() }
        let errorText = Collected()
        let reader = DispatchGroup()
        DispatchQueue.global().async(group: reader) { errorText.data = err.fileHandleForReading.readDataToEndOfFile() }
        let o = standardOutput == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        reader.wait()
        p.waitUntilExit()
        var e = String(decoding: errorText.data, as: UTF8.self)
        if p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL { e += "\n[killed after \(timeout) s]" }
        return RunResult(status: p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus,
                         stdout: o, stderr: e)
    }

    /// The binary as a process, not yet started: stdin from /dev/null, output to /dev/null
    /// unless the caller sets other handles.
    public static func process(_ args: [String], environment: [String: String] = [:]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        return p
    }
}

/// Bytes filled in by a reader thread, read after it finished (the group orders the two).
private final class Collected: @unchecked Sendable {
    var data = Data()
}
