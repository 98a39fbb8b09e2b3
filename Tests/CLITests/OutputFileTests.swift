// OutputFileTests.swift: what the binary leaves on disk: devices and FIFOs written
// to, never replaced; a full disk, a kill -9 or Ctrl-C leave the old file or the new
// complete one and no temporary files.

import Foundation
import Imaging
import Testing
import TestSupport

@Suite(.serialized) struct OutputFileTests {
    let m = ["--model", CLI.tinyModel]

    @Test(.enabled(if: getuid() == 0, "only root could replace /dev/null; as another user the rename fails anyway"))
    func devNullStaysACharacterDevice() throws {
        for device in ["/dev/null", "/dev/zero"] {
            let r = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", device] + m)
            #expect(r.status == 0, "\(device): \(r.stderr)")
            var info = stat()
            #expect(lstat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "\(device) is still a character device")
        }
        let full = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", "/dev/full"] + m)
        expectCleanFailure(full, "cannot write '/dev/full': writing failed: No space left on device", "-o /dev/full")
        var info = stat()
        #expect(lstat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/stdout")
        let out = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", "/dev/stdout"] + m)
        #expect(out.status == 0 && (try? PNGCodec.decode([UInt8](out.stdout)))?.width == 16, "\(out.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/stdout") == link, "/dev/stdout is still the same link")
    }

    @Test func aFIFOReceivesThePNG() throws {
        let d = CLI.tempDir()
        let fifo = "\(d)/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let p = BuiltBinary.process(["generate", "--seed", "3", "--size", "24", "-o", fifo, "--quiet"] + m)
        try p.run()
        let bytes = try #require(FileHandle(forReadingAtPath: fifo)).readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let img = try PNGCodec.decode([UInt8](bytes))
        #expect(img.width == 24 && img.height == 24)
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["pipe"])
    }

    @Test func aFIFOWithoutAReaderSaysWhatItWaitsFor() throws {
        let d = CLI.tempDir()
        let fifo = "\(d)/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let log = "\(d)/stderr.txt"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let p = BuiltBinary.process(["generate", "--seed", "3", "--size", "24", "-o", fifo, "--quiet"] + m)
        p.standardError = try #require(FileHandle(forWritingAtPath: log))
        try p.run()
        // Nobody reads yet: the tool must say so instead of hanging silently.
        let deadline = Date(timeIntervalSinceNow: 60)
        var said = ""
        while Date() < deadline, !said.contains("waiting for a reader") {
            Thread.sleep(forTimeInterval: 0.1)
            said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        #expect(said.contains("waiting for a reader on the pipe '\(fifo)'"), "\(said)")
        #expect(p.isRunning, "it waits for the reader")
        let bytes = try #require(FileHandle(forReadingAtPath: fifo)).readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(try PNGCodec.decode([UInt8](bytes)).width == 24)
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small filesystem needs root"))
    func aFullDiskIsAClearErrorAndKeepsTheOldFile() throws {
        let d = CLI.tempDir()
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=200k", "tmpfs", d]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            print("skipped: cannot mount a 200 KB tmpfs here (a container without CAP_SYS_ADMIN)")
            return
        }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [d]
            try? umount.run()
            umount.waitUntilExit()
        }
        let small = try CLI.run(["generate", "--seed", "1", "--size", "16", "-o", "\(d)/out.png"] + m)
        #expect(small.status == 0, "\(small.stderr)")
        let old = try Data(contentsOf: URL(fileURLWithPath: "\(d)/out.png"))
        let big = try CLI.run(["grid", "--seeds", "0-63", "--size", "128", "-o", "\(d)/out.png"] + m)
        expectCleanFailure(big, "No space left on device", "grid on a full disk")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(d)/out.png")) == old, "the old file is intact")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["out.png"], "no partial or temporary file")
    }

    /// kill -9 at random moments of a real grid run: the output is the old file or a complete
    /// new PNG, and the next run leaves no temporary files behind.
    @Test func killedGridRunsLeaveTheOldOrTheNewFile() throws {
        let d = CLI.tempDir()
        let out = "\(d)/grid.png"
        let args = ["grid", "--seeds", "0-99", "--size", "48", "-o", out, "--quiet"] + m
        let t0 = Date()
        let first = try CLI.run(args)
        let duration = Date().timeIntervalSince(t0)
        #expect(first.status == 0, "\(first.stderr)")
        let complete = try PNGCodec.read(path: out)
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<6 {
            if trial % 2 == 0 { try? FileManager.default.removeItem(atPath: out) }
            let before = try? Data(contentsOf: URL(fileURLWithPath: out))
            let p = BuiltBinary.process(args)
            try p.run()
            // Most of a run is rendering; the later half of it holds the encode, write and rename.
            let delay = duration * Double.random(in: 0.3...1.1, using: &generator)
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            if let now = try? Data(contentsOf: URL(fileURLWithPath: out)) {
                if now != before {
                    #expect(try PNGCodec.decode([UInt8](now)) == complete, "trial \(trial) (killed at \(delay) s): a complete new file")
                }
            } else {
                #expect(before == nil, "trial \(trial): the old file vanished")
            }
        }
        // A writer killed between creating and renaming its temporary file leaves one like this.
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(out).tmp-\(finished.processIdentifier)-abcdef"))
        let next = try CLI.run(args)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try PNGCodec.read(path: out) == complete)
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["grid.png"], "no temporary files remain")
    }

    @Test func ctrlCStopsALongGridAndLeavesNothing() throws {
        let d = CLI.tempDir()
        let out = "\(d)/grid.png"
        let p = BuiltBinary.process(["grid", "--seeds", "0-4095", "--size", "64", "-o", out] + m)
        let err = Pipe()
        p.standardError = err
        try p.run()
        waitForHandler(of: SIGINT, in: p.processIdentifier)
        Thread.sleep(forTimeInterval: 1)
        kill(p.processIdentifier, SIGINT)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGINT, "ended by SIGINT: \(p.terminationStatus) \(text)")
        #expect(text.contains("interrupted"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty, "no output and no temporary file")
    }

    /// Waits (up to 20 s) until `pid` catches `signal`, as /proc/PID/status shows (SigCgt), so a
    /// slow start on a loaded machine is not mistaken for a missing handler; elsewhere, 2 s.
    func waitForHandler(of signal: Int32, in pid: Int32) {
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
                Thread.sleep(forTimeInterval: 2)
                return
            }
            let caught = status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") }
                .flatMap { UInt64($0.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
            // Until exec the child is a copy of this process, with this process's handlers.
            let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))?.hasSuffix("/latentscope") == true
            if running && caught & (1 << UInt64(signal - 1)) != 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
