// BenchTests.swift: how `bench` runs its PyTorch helper, without PyTorch: a stand-in
// interpreter (`--torch PATH`) records what it was asked to run and answers like
// bench_torch.py, with 200 KB on standard error, more than a pipe holds.

import Foundation
import Testing

@Suite struct BenchTests {
    let m = ["--model", CLI.tinyModel]

    /// A stand-in for python: records its arguments in `log`, writes 200 KB to stderr, then
    /// prints `json` (exit 0) or fails with `failure` as its last stderr line (exit 3).
    func fakePython(in dir: String, log: String, json: String? = nil, failure: String? = nil) throws -> String {
        let path = dir + "/fake-python"
        let end = json.map { "echo '\($0)'" } ?? "echo '\(failure ?? "")' >&2; exit 3"
        let script = """
            #!/bin/sh
            echo "$@" >> '\(log)'
            head -c 200000 /dev/zero | tr '\\0' 'x' >&2
            echo >&2
            \(end)

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func aChattyHelperNeitherHangsNorLosesItsAnswer() throws {
        let d = CLI.tempDir()
        let python = try fakePython(in: d, log: d + "/log", json: #"{"batch1_ms": 10.0, "batch16_ms_per_image": 5.0, "torch": "fake"}"#)
        let r = try CLI.run(["bench", "--runs", "3", "--json", "--torch", python] + m, timeout: 300)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        #expect(obj?["torch_batch1_ms"] as? Double == 10 && obj?["torch_version"] as? String == "fake", "\(r.out)")
        // The script is the checkout's, found from the executable.
        let log = try String(contentsOfFile: d + "/log", encoding: .utf8)
        #expect(log.hasPrefix(CLI.repoRoot + "/training/bench_torch.py --model "), "\(log)")

        let failing = try fakePython(in: d, log: d + "/log", failure: "RuntimeError: boom")
        let f = try CLI.run(["bench", "--runs", "3", "--json", "--torch", failing] + m, timeout: 300)
        #expect(f.status == 0, "\(f.stderr)")
        let note = (try JSONSerialization.jsonObject(with: f.stdout) as? [String: Any])?["torch_note"] as? String
        #expect(note?.hasSuffix("failed: RuntimeError: boom") == true, "\(note ?? "no note")")
    }

    @Test func theScriptIsNeverTakenFromTheCurrentFolder() throws {
        // A copy of the binary with no checkout above it, run in a folder that looks like one.
        let d = CLI.tempDir()
        try FileManager.default.createDirectory(atPath: d + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.binary, toPath: d + "/bin/latentscope")
        let work = d + "/work"
        try FileManager.default.createDirectory(atPath: work + "/training", withIntermediateDirectories: true)
        try "".write(toFile: work + "/Package.swift", atomically: true, encoding: .utf8)
        try "open('\(d)/ran', 'w')\n".write(toFile: work + "/training/bench_torch.py", atomically: true, encoding: .utf8)
        let python = try fakePython(in: d, log: d + "/log", json: "{}")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: d + "/bin/latentscope")
        p.arguments = ["bench", "--runs", "3", "--json", "--torch", python] + m
        p.currentDirectoryURL = URL(fileURLWithPath: work)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let note = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["torch_note"] as? String
        #expect(note == "training/bench_torch.py not found in a source checkout above this executable", "\(note ?? "no note")")
        #expect(!FileManager.default.fileExists(atPath: d + "/log"), "the interpreter was not started")
        #expect(!FileManager.default.fileExists(atPath: d + "/ran"))
    }
}
