// LimitsTests.swift: work the binary refuses before starting it (figures above
// --max-pixels) or bounds (--threads), through the real binary.

import Foundation
import Imaging
import Testing

@Suite struct LimitsTests {
    let m = ["--model", CLI.tinyModel]

    @Test func hugeFiguresAreRefusedBeforeRendering() throws {
        let d = CLI.tempDir()
        let o = ["-o", "\(d)/x.png"]
        let cases: [([String], String)] = [
            (["grid", "--seeds", "0-255", "--size", "4096"], "the grid would be 65570x65714 pixels (4309 megapixels, about 28 GB of memory); the limit is 100 megapixels"),
            (["grid", "--seeds", "0-4095", "--size", "4096"], "the grid would be 262274x262850 pixels (68939 megapixels, about 448 GB of memory)"),
            (["walk", "--seed", "1", "--steps", "256", "--size", "4096"], "the walk would be 1049090x4109 pixels (4311 megapixels"),
            (["mix", "--rows", "0-99", "--cols", "0-99", "--size", "1024"], "the mixing matrix would be"),
            (["attention", "--seed", "1", "--layer", "2", "--size", "4096"], "the attention sheet would be"),
            (["directions", "sheet", "--seed", "1", "--count", "4", "--steps", "64", "--size", "4096"], "the sheet would be"),
            (["generate", "--seed", "1", "--size", "64", "--max-pixels", "4000"], "the image would be 64x64 pixels (0.004 megapixels"),
        ]
        for (args, message) in cases {
            let t0 = Date()
            let r = try CLI.run(args + o + m)
            expectCleanFailure(r, message, args.joined(separator: " "))
            #expect(r.stderr.contains("the limit is") && r.stderr.contains("--max-pixels raises it"), "\(r.stderr)")
            #expect(Date().timeIntervalSince(t0) < 30, "\(args): refused before rendering")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty)
        // --max-pixels raises (or lowers) the limit.
        let raised = try CLI.run(["walk", "--seed", "1", "--steps", "2", "--size", "2048", "--max-pixels", "10000000"] + o + m)
        #expect(raised.status == 0, "\(raised.stderr)")
        let lowered = try CLI.run(["walk", "--seed", "1", "--steps", "2", "--size", "2048", "--max-pixels", "1000000"] + o + m)
        expectCleanFailure(lowered, "the limit is 1.0 megapixels", "--max-pixels 1000000")
        expectCleanFailure(try CLI.run(["generate", "--seed", "1", "--max-pixels", "0"] + o + m), "--max-pixels must be at least 1", "--max-pixels 0")
    }

    @Test func threadsAboveFourPerCoreAreClamped() throws {
        let d = CLI.tempDir()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let r = try CLI.run(["generate", "--seed", "1", "--size", "16", "--threads", "100000", "-o", "\(d)/x.png"] + m)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("note: --threads 100000 is more than 4 per core on this machine; using \(4 * cores)"), "\(r.stderr)")
        let json = try CLI.run(["bench", "--runs", "3", "--torch", "off", "--json", "--threads", "100000"] + m)
        let obj = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(obj?["threads"] as? Int == 4 * cores)
        expectCleanFailure(try CLI.run(["generate", "--seed", "1", "--threads", "0", "-o", "\(d)/y.png"] + m), "--threads must be at least 1", "--threads 0")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func progressOnATerminalOnly() throws {
        let d = CLI.tempDir()
        let args = ["grid", "--seeds", "0-19", "--size", "16", "-o", "\(d)/g.png"] + m
        // script(1) runs the command on a pseudo-terminal and copies what it prints.
        let command = ([CLI.binary] + args).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qefc", command, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("\rrendering 16/20") && text.contains("\rrendering 20/20"), "\(text)")
        let piped = try CLI.run(args)
        #expect(piped.status == 0)
        #expect(piped.stderr == "wrote \(d)/g.png (92x110)\n", "no progress into a pipe: \(piped.stderr)")
    }

    @Test func progressLinesInALogForLongJobs() throws {
        let d = CLI.tempDir()
        // With a zero interval every batch (16 images) counts as "long enough": a plain line each.
        let r = try CLI.run(["grid", "--seeds", "0-39", "--size", "16", "-o", "\(d)/g.png"] + m,
                            env: ["LATENTSCOPE_PROGRESS_SECONDS": "0"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(!r.stderr.contains("\r"), "no carriage returns in a log: \(r.stderr)")
        #expect(lines.filter { $0.hasPrefix("rendering ") }.map { $0.prefix(16) } == ["rendering 16/40 ", "rendering 32/40 ", "rendering 40/40 "], "\(r.stderr)")
        #expect(lines.contains { $0.hasPrefix("rendering 40/40 (100%") }, "\(r.stderr)")
        #expect(lines.last?.hasPrefix("wrote \(d)/g.png (") == true, "\(r.stderr)")
    }
}
