// AtomicFile: whole-file writes that either fully replace the target or leave it
// untouched. Used for PNG and JSON outputs, which other tools may read at any time.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files atomically: the bytes go to a temporary file in the same directory
/// (`path` + ".tmp-XXXXXX"), which is fsynced and then renamed over `path`.
/// Readers therefore see either the old file or the complete new one, never a prefix.
public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `path` with `bytes`.
    ///
    /// Throws `ImagingError.writeFailed` naming `path` when the directory does not
    /// exist, is not writable, or any write, sync or rename fails. On failure the
    /// temporary file is removed and nothing new is left at `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        func fail(_ reason: String) -> ImagingError { .writeFailed(path: path, reason: reason) }

        guard !path.isEmpty else { throw fail("empty path") }
        guard !FileIO.lastComponent(of: path).isEmpty else { throw fail("path names a directory, not a file") }

        // Check the directory up front: open()'s bare ENOENT would not say which part is missing.
        let dir = FileIO.directory(of: path)
        switch FileIO.kind(of: dir) {
        case (.directory?, _): break
        case (.other?, _): throw fail("'\(dir)' is not a directory")
        case (nil, let code) where code == ENOENT: throw fail("directory '\(dir)' does not exist")
        case (nil, let code): throw fail("cannot access directory '\(dir)': \(FileIO.message(code))")
        }
        if case (.directory?, _) = FileIO.kind(of: path) { throw fail("a directory is in the way") }

        let (fd, temp) = try createTemporary(for: path, in: dir)
        var committed = false
        defer { if !committed { unlink(temp) } }

        do {
            try writeAll(bytes, to: fd, path: path, temp: temp)
            // Without fsync a crash after rename could leave an empty file under the final name.
            if fsync(fd) != 0 { throw fail("fsync of '\(temp)' failed: \(FileIO.message(errno))") }
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw fail("closing '\(temp)' failed: \(FileIO.message(errno))") }
        if rename(temp, path) != 0 {
            throw fail("renaming '\(temp)' into place failed: \(FileIO.message(errno))")
        }
        committed = true
        syncDirectory(dir)
    }

    /// Creates `path.tmp-XXXXXX` exclusively. A random suffix (not mkstemp) is used
    /// so the file gets the usual 0666-minus-umask mode instead of mkstemp's 0600.
    private static func createTemporary(for path: String, in dir: String) throws -> (Int32, String) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<32 {
            let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
            let temp = path + ".tmp-" + suffix
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temp) }
            let code = errno
            if code == EEXIST || code == EINTR { continue }
            throw ImagingError.writeFailed(
                path: path, reason: "cannot create a file in '\(dir)': \(FileIO.message(code))")
        }
        throw ImagingError.writeFailed(path: path, reason: "no free temporary name in '\(dir)'")
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String, temp: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ImagingError.writeFailed(
                        path: path, reason: "writing '\(temp)' failed: \(FileIO.message(errno))")
                }
                offset += n
            }
        }
    }

    /// Makes the rename itself durable. Best effort: some filesystems refuse fsync on directories.
    private static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// `write(2)`, named apart from `AtomicFile.write` so overload lookup stays unambiguous.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
