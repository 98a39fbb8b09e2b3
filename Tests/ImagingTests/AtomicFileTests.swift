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

    @Test func errorDescriptionNamesPathAndReason() {
        let error = ImagingError.writeFailed(path: "/x/y.png", reason: "directory '/x' does not exist")
        #expect(error.description == "cannot write '/x/y.png': directory '/x' does not exist")
        #expect(error.reason == "directory '/x' does not exist")
    }
}
