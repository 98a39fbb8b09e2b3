// UserInputTests.swift: command-line input that used to stop the binary with a
// runtime trap, run through the real binary: each must be a specific error, a
// non-zero exit status (not a signal) and nothing written.

import Foundation
import Imaging
import Testing

/// A run that failed as a user error should: an exit status (not a crash) and the message.
func expectCleanFailure(_ r: CLIResult, _ message: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0 && r.status < 128, "\(what): status \(r.status)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "\(what) trapped: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "\(what): \(r.stderr)", sourceLocation: sourceLocation)
}

@Suite struct UserInputTests {
    let m = ["--model", CLI.tinyModel]

    @Test func cutoffBeyondTheLayersIsAnErrorInEverySubcommand() throws {
        let d = CLI.tempDir()
        let o = ["-o", "\(d)/x.png"]
        let commands: [[String]] = [
            ["generate", "--seed", "1"],
            ["grid", "--seeds", "0-1", "--size", "16"],
            ["mix", "--rows", "1", "--cols", "2", "--size", "16"],
            ["walk", "--seed", "1", "--steps", "2", "--size", "16"],
            ["attention", "--seed", "1", "--layer", "2", "--size", "16"],
            ["directions", "sheet", "--seed", "1", "--count", "1", "--steps", "2", "--size", "16"],
        ]
        for c in commands {
            let r = try CLI.run(c + ["--psi", "0.5", "--cutoff", "15"] + o + m)
            expectCleanFailure(r, "--cutoff 15 is outside the model's layers 0-7", c[0])
        }
        let ok = try CLI.run(["generate", "--seed", "1", "--size", "16", "--psi", "0.5", "--cutoff", "7"] + o + m)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["x.png"], "only the valid run wrote")
    }

    @Test func seedRangesAtTheTopOfUInt64() throws {
        let d = CLI.tempDir()
        let max = UInt64.max
        for args in [["grid", "--seeds", "0-\(max)"], ["mix", "--rows", "0-\(max)", "--cols", "1"], ["mix", "--rows", "1", "--cols", "5-\(max)"]] {
            expectCleanFailure(try CLI.run(args + ["-o", "\(d)/x.png"] + m), "has more than 4096 seeds", args.joined(separator: " "))
        }
        let top = try CLI.run(["grid", "--seeds", "\(max - 1)-\(max)", "--size", "16", "-o", "\(d)/top.png"] + m)
        #expect(top.status == 0, "\(top.stderr)")
        #expect(try PNGCodec.read(path: "\(d)/top.png").width > 32)
    }

    @Test func aFolderAsTheOutputIsAnError() throws {
        let d = CLI.tempDir()
        try FileManager.default.createDirectory(atPath: "\(d)/somedir", withIntermediateDirectories: false)
        for out in [".", "..", "./", "somedir", "somedir/", "\(d)/somedir/", d] {
            let r = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", out] + m, in: d)
            expectCleanFailure(r, "folder", "-o \(out)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["somedir"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(d)/somedir").isEmpty)
    }

    @Test func aFullStandardOutputIsAWriteError() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let r = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", "-"] + m, standardOutput: full)
        expectCleanFailure(r, "cannot write 'standard output': writing failed: No space left on device", "-o - > /dev/full")
    }

    @Test func walkRangesStopAtTheLargestOffset() throws {
        let d = CLI.tempDir()
        let r = try CLI.run(["walk", "--seed", "1", "--range", "-30:1e30", "-o", "\(d)/w.png"] + m)
        expectCleanFailure(r, "goes beyond ±20 σ", "walk --range -30:1e30")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty)
    }
}
