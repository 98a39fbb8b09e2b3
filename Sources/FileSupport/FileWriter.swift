// FileWriter.swift: whole-file writes that either fully replace the target or
// leave it untouched, for every file latentscope writes (PNG, sessions, JSON,
// direction sets), which other programs may read at any time and which a kill,
// a crash or a full disk must not truncate.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A write(2) loop that stopped: the bytes asked for, how many had been written, the errno.
public struct ShortWrite: Error, Equatable, Sendable, CustomStringConvertible {
    public let total: Int
    public let written: Int
    public let code: Int32

    public var message: String { FileSystem.message(code) }
    public var description: String { "writing \(total) bytes failed after \(written): \(message)" }
}

public enum FileWriter {
    /// Writes `bytes` to `path` as WritablePath.plan says: a regular file is replaced atomically
    /// (`replace`); a device or FIFO (`/dev/null`, a named pipe, `/dev/stdout`) is opened and
    /// written directly, never replaced. Throws naming `path` and the reason; nothing new is left
    /// at `path` on failure.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        switch try WritablePath.plan(for: path) {
        case .direct(let truncate): try writeDirectly(bytes, to: path, truncate: truncate)
        case .replace(let dir): try replace(path, in: dir, with: bytes)
        }
    }

    /// Atomically replaces (or creates) the regular file `path` with `bytes`: they go to a
    /// temporary file in the same folder (`path` + ".tmp-PID-XXXXXX"), which is fsynced, renamed
    /// over `path`, and the folder fsynced, so readers see the old file or the whole new one and
    /// a crash never leaves an empty file. Temporary files that a killed earlier write of the
    /// same `path` left behind are removed first. `dir`: the folder of `path`.
    public static func replace(_ path: String, in dir: String? = nil, with bytes: [UInt8]) throws(FileWriteError) {
        func fail(_ reason: String) -> FileWriteError { FileWriteError(path: path, reason: reason) }
        let dir = dir ?? FileSystem.directory(of: path)

        removeStaleTemporaries(of: path, in: dir)
        let (fd, temp) = try createTemporary(for: path, in: dir)
        var committed = false
        defer {
            if !committed { unlink(temp) }
            SignalCleanup.forget()
        }

        do {
            try writeAll(bytes, to: fd)
        } catch {
            close(fd)
            throw fail("writing '\(temp)' failed: \(error.message)")
        }
        // Without fsync a crash after rename could leave an empty file under the final name.
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw fail("fsync of '\(temp)' failed: \(FileSystem.message(code))")
        }
        // close() reports delayed write errors (NFS, a full disk on some filesystems).
        if close(fd) != 0 { throw fail("closing '\(temp)' failed: \(FileSystem.message(errno))") }
        if rename(temp, path) != 0 {
            throw fail("renaming '\(temp)' into place failed: \(FileSystem.message(errno))")
        }
        committed = true
        syncDirectory(dir)
    }

    /// Writes `bytes` to standard output, all of them or an error (a closed pipe, /dev/full).
    public static func writeStandardOutput(_ bytes: [UInt8]) throws(FileWriteError) {
        do { try writeAll(bytes, to: STDOUT_FILENO) } catch {
            throw FileWriteError(path: "standard output", reason: "writing failed: \(error.message)")
        }
    }

    /// Writes all of `bytes` to `fd`, retrying interrupted and partial writes.
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) throws(ShortWrite) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ShortWrite(total: bytes.count, written: done, code: errno)
            }
            if n == 0 { throw ShortWrite(total: bytes.count, written: done, code: EIO) }
            done += n
        }
    }

    // MARK: - Devices and pipes

    private static func writeDirectly(_ bytes: [UInt8], to path: String, truncate: Bool) throws(FileWriteError) {
        func fail(_ reason: String) -> FileWriteError { FileWriteError(path: path, reason: reason) }
        // No O_CREAT: the target exists and is not to be replaced.
        let flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        var fd: Int32
        // A FIFO without a reader would block the open without a word: try without
        // blocking first (ENXIO means nobody reads yet), say what we wait for, then wait.
        repeat { fd = open(path, flags | O_NONBLOCK) } while fd < 0 && errno == EINTR
        if fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        } else if errno == ENXIO {
            FileSystem.note("waiting for a reader on the pipe '\(path)' (Ctrl-C to give up)")
            repeat { fd = open(path, flags) } while fd < 0 && errno == EINTR
        }
        guard fd >= 0 else { throw fail("cannot open it: \(FileSystem.message(errno))") }
        defer { close(fd) }
        if isatty(fd) != 0 { throw fail("it is a terminal; PNG data would garble it") }
        do { try writeAll(bytes, to: fd) } catch { throw fail("writing failed: \(error.message)") }
    }

    // MARK: - Temporary files

    /// The prefix of every temporary file of `path`.
    static func temporaryPrefix(of path: String) -> String { String(FileSystem.lastComponent(of: path)) + ".tmp-" }

    /// Creates `path.tmp-PID-XXXXXX` exclusively. The pid lets a later write tell a dead
    /// writer's leftover from a running one. A random suffix (not mkstemp) is used so the
    /// file gets the usual 0666-minus-umask mode instead of mkstemp's 0600.
    private static func createTemporary(for path: String, in dir: String) throws(FileWriteError) -> (Int32, String) {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<32 {
            let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
            let temp = path + ".tmp-\(getpid())-" + suffix
            // Recorded before the file exists, so a signal at any moment after can remove it.
            SignalCleanup.remember(temp)
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temp) }
            let code = errno
            if code == EEXIST || code == EINTR { continue }
            SignalCleanup.forget()
            throw FileWriteError(path: path, reason: "cannot create a file in '\(dir)': \(FileSystem.message(code))")
        }
        SignalCleanup.forget()
        throw FileWriteError(path: path, reason: "no free temporary name in '\(dir)'")
    }

    /// Removes temporary files of `path` left by a writer that was killed: those whose pid
    /// no longer runs, and (from versions that named them `.tmp-XXXXXX`) those an hour old.
    /// Best effort: a file that cannot be removed is left for a later write.
    static func removeStaleTemporaries(of path: String, in dir: String) {
        let prefix = temporaryPrefix(of: path)
        let me = getpid()
        for entry in FileSystem.entries(of: dir) where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count)
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            let full = dir == "/" ? "/" + entry : dir + "/" + entry
            var info = stat()
            guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let stale: Bool
            if parts.count == 2, parts[1].count == 6, let pid = Int32(parts[0]), pid > 0 {
                stale = pid != me && kill(pid, 0) != 0 && errno == ESRCH
            } else if parts.count == 1, rest.count == 6 {
                stale = time(nil) - FileSystem.modificationTime(info) > 3600
            } else {
                stale = false
            }
            if stale { unlink(full) }
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

/// `write(2)`, named apart from `FileWriter.write` so overload lookup stays unambiguous.
@inline(__always)
func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
