// Tests for AtomicFile: complete replacement, no leftovers, relative paths.

import Foundation
import Testing
@testable import Imaging

@Suite struct AtomicFileTests {
    @Test func writesExactBytesAndNoTemporaryFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let bytes: [UInt8] = Array("{\"seed\": 42}\n".utf8)
        try AtomicFile.write(bytes, to: dir.path + "/state.json")
        #expect(try dir.entries() == ["state.json"])
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: dir.path + "/state.json"))) == bytes)
    }

    @Test func replacesLongerContentCompletely() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/state.json"
        try AtomicFile.write([UInt8](repeating: 7, count: 1000), to: path)
        try AtomicFile.write([1, 2], to: path)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == [1, 2])
    }

    @Test func writesEmptyFiles() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try AtomicFile.write([], to: dir.path + "/empty")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/empty")).isEmpty)
    }

    @Test func rejectsPathsEndingInSlashOrEmpty() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        #expect(throws: ImagingError.self) { try AtomicFile.write([1], to: dir.path + "/") }
        #expect(throws: ImagingError.self) { try AtomicFile.write([1], to: "") }
        #expect(try dir.entries().isEmpty)
    }

    @Test func refusesFoldersAndSockets() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link-to-sub", withDestinationPath: dir.path + "/sub")
        for (path, reason) in [(".", "it names a folder, not a file"), ("..", "it names a folder, not a file"),
                               (dir.path + "/sub", "it is a folder"), (dir.path + "/sub/.", "it names a folder, not a file"),
                               (dir.path + "/link-to-sub", "it is a symbolic link to a folder")] {
            #expect(throws: ImagingError.writeFailed(path: path, reason: reason)) { try AtomicFile.write([1], to: path) }
            #expect(throws: ImagingError.writeFailed(path: path, reason: reason)) { try AtomicFile.check(path) }
        }
        #expect(try dir.entries() == ["link-to-sub", "sub"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/sub").isEmpty)
    }

    @Test func devicesAreWrittenDirectlyNotReplaced() throws {
        // As root a rename over /dev/null would succeed and replace the device with a regular file.
        try AtomicFile.write([1, 2, 3], to: "/dev/null")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/null is still a character device")
        #expect(try AtomicFile.plan(for: "/dev/null") == .direct(truncate: false))
        #expect(throws: ImagingError.writeFailed(path: "/dev/full", reason: "writing failed: No space left on device")) {
            try AtomicFile.write([1, 2, 3], to: "/dev/full")
        }
        #expect(stat("/dev/full", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        // /dev/stdout links into /proc/self/fd: written through, the link kept.
        for link in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            if case .direct = try AtomicFile.plan(for: link) {} else { Issue.record("\(link) would be replaced") }
        }
    }

    @Test func aFIFOReceivesTheBytes() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let fifo = dir.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let received = Received()
        let reader = Thread {
            received.data = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile() ?? Data()
            received.done.signal()
        }
        reader.start()
        try AtomicFile.write(bytes, to: fifo)
        #expect(received.done.wait(timeout: .now() + 30) == .success)
        #expect(Array(received.data) == bytes)
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
        #expect(try dir.entries() == ["pipe"])
    }

    @Test func symbolicLinksToFilesAreReplacedNotFollowed() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try AtomicFile.write([9, 9], to: dir.path + "/target")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/out.png", withDestinationPath: dir.path + "/target")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/dangling", withDestinationPath: dir.path + "/nowhere")
        try AtomicFile.write([1], to: dir.path + "/out.png")
        try AtomicFile.write([2], to: dir.path + "/dangling")
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: dir.path + "/target"))) == [9, 9])
        var info = stat()
        #expect(lstat(dir.path + "/out.png", &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: dir.path + "/out.png"))) == [1])
        #expect(try dir.entries() == ["dangling", "out.png", "target"])
    }

    @Test func staleTemporaryFilesOfDeadWritersAreRemoved() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/grid.png"
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        let alive = getppid()
        for name in ["grid.png.tmp-\(dead)-abc123", "grid.png.tmp-\(alive)-abc123", "grid.png.tmp-x1y2z3",
                     "other.png.tmp-\(dead)-abc123", "grid.png.tmp-notes"] {
            try AtomicFile.write([0], to: dir.path + "/" + name)
        }
        // The old naming (no pid): removed once an hour old, as a killed writer's would be.
        let hourAgo = Date(timeIntervalSinceNow: -7200)
        try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: dir.path + "/grid.png.tmp-x1y2z3")
        try AtomicFile.write([1, 2], to: path)
        #expect(try dir.entries() == ["grid.png", "grid.png.tmp-\(alive)-abc123", "grid.png.tmp-notes", "other.png.tmp-\(dead)-abc123"])
    }

    @Test func errorDescriptionNamesPathAndReason() {
        let error = ImagingError.writeFailed(path: "/x/y.png", reason: "directory '/x' does not exist")
        #expect(error.description == "cannot write '/x/y.png': directory '/x' does not exist")
        #expect(error.reason == "directory '/x' does not exist")
    }
}

/// What a reader thread got from a FIFO.
private final class Received: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
