// AtomicFile: whole-file writes that either fully replace the target or leave it
// untouched. Used for every file a user asks for (PNG, session, JSON), which other
// tools may read at any time and which a kill or a full disk must not truncate.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files atomically: the bytes go to a temporary file in the same directory
/// (`path` + ".tmp-PID-XXXXXX"), which is fsynced and then renamed over `path`.
/// Readers therefore see either the old file or the complete new one, never a prefix.
///
/// Outputs that are not regular files are never replaced: a character or block device
/// or a FIFO (`/dev/null`, a named pipe, `/dev/stdout`) is opened and written directly,
/// a directory or a socket is refused. A symbolic link to a regular file (or to nothing)
/// is replaced by the new file, not followed.
public enum AtomicFile {
    /// How a path will be written.
    enum Plan: Equatable {
        /// Temporary file in `directory`, then rename over the path.
        case replace(directory: String)
        /// Open the existing device, FIFO or /proc link and write to it; `truncate` for regular targets.
        case direct(truncate: Bool)
    }

    /// Checks, without writing anything, that `path` can be written as an output.
    /// Throws `ImagingError.writeFailed` naming `path` and the reason (missing or
    /// unwritable folder, a folder or socket in the way, an unwritable device).
    public static func check(_ path: String) throws {
        _ = try plan(for: path)
    }

    /// Atomically replaces (or creates) the file at `path` with `bytes`; devices and FIFOs
    /// are written directly (see the type's description).
    ///
    /// Throws `ImagingError.writeFailed` naming `path` when the directory does not exist, is
    /// not writable, or any write, sync or rename fails (a full disk among them). On failure
    /// the temporary file is removed and nothing new is left at `path`. Temporary files that
    /// a killed earlier write of the same `path` left behind are removed first.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        switch try plan(for: path) {
        case .direct(let truncate): try writeDirectly(bytes, to: path, truncate: truncate)
        case .replace(let dir): try replace(path, in: dir, with: bytes)
        }
    }

    /// Writes `bytes` to standard output, all of them or an error (a closed pipe, /dev/full).
    public static func writeStandardOutput(_ bytes: [UInt8]) throws {
        try writeAll(bytes, to: STDOUT_FILENO) { .writeFailed(path: "standard output", reason: "writing failed: \(FileIO.message($0))") }
    }

    // MARK: - Deciding

    static func plan(for path: String) throws -> Plan {
        func fail(_ reason: String) -> ImagingError { .writeFailed(path: path, reason: reason) }

        guard !path.isEmpty else { throw fail("empty path") }
        let name = FileIO.lastComponent(of: path)
        guard !name.isEmpty, name != ".", name != ".." else { throw fail("it names a folder, not a file") }

        let dir = FileIO.directory(of: path)
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw fail("it is a folder")
            case S_IFCHR, S_IFBLK, S_IFIFO: return try direct(path, truncate: false)
            case S_IFLNK:
                var target = stat()
                if stat(path, &target) == 0 {
                    switch target.st_mode & S_IFMT {
                    case S_IFDIR: throw fail("it is a symbolic link to a folder")
                    case S_IFCHR, S_IFBLK, S_IFIFO: return try direct(path, truncate: false)
                    case S_IFSOCK: throw fail("it is a symbolic link to a socket")
                    default:
                        // /dev/stdout and friends point into /proc/self/fd, and /dev/fd/N and /proc/self/fd/N
                        // are its links: write through them, whatever the descriptor is, rather than
                        // replacing a system link (or failing to create a file in /proc).
                        if FileIO.linkTarget(of: path)?.hasPrefix("/proc/") == true || FileIO.realPath(dir)?.hasPrefix("/proc/") == true {
                            return try direct(path, truncate: true)
                        }
                    }
                }
            case S_IFSOCK: throw fail("it is a socket")
            default: throw fail("it is not a regular file")
            }
        } else if errno != ENOENT && errno != ENOTDIR {
            throw fail("cannot inspect it: \(FileIO.message(errno))")
        }

        // Check the directory up front: open()'s bare ENOENT would not say which part is missing.
        switch FileIO.kind(of: dir) {
        case (.directory?, _): break
        case (.other?, _): throw fail("'\(dir)' is not a folder")
        case (nil, let code) where code == ENOENT: throw fail("folder '\(dir)' does not exist")
        case (nil, let code): throw fail("cannot access folder '\(dir)': \(FileIO.message(code))")
        }
        guard access(dir, W_OK | X_OK) == 0 else { throw fail("folder '\(dir)' is not writable: \(FileIO.message(errno))") }
        return .replace(directory: dir)
    }

    private static func direct(_ path: String, truncate: Bool) throws -> Plan {
        guard access(path, W_OK) == 0 else {
            throw ImagingError.writeFailed(path: path, reason: "it is not writable: \(FileIO.message(errno))")
        }
        return .direct(truncate: truncate)
    }

    // MARK: - Writing

    private static func writeDirectly(_ bytes: [UInt8], to path: String, truncate: Bool) throws {
        func fail(_ reason: String) -> ImagingError { .writeFailed(path: path, reason: reason) }
        // No O_CREAT: the target exists and is not to be replaced.
        let flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        var fd: Int32
        // A FIFO without a reader would block the open without a word: try without
        // blocking first (ENXIO means nobody reads yet), say what we wait for, then wait.
        repeat { fd = open(path, flags | O_NONBLOCK) } while fd < 0 && errno == EINTR
        if fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        } else if errno == ENXIO {
            FileIO.note("waiting for a reader on the pipe '\(path)' (Ctrl-C to give up)")
            repeat { fd = open(path, flags) } while fd < 0 && errno == EINTR
        }
        guard fd >= 0 else { throw fail("cannot open it: \(FileIO.message(errno))") }
        defer { close(fd) }
        if isatty(fd) != 0 { throw fail("it is a terminal; PNG data would garble it") }
        try writeAll(bytes, to: fd) { fail("writing failed: \(FileIO.message($0))") }
    }

    private static func replace(_ path: String, in dir: String, with bytes: [UInt8]) throws {
        func fail(_ reason: String) -> ImagingError { .writeFailed(path: path, reason: reason) }

        removeStaleTemporaries(of: path, in: dir)
        let (fd, temp) = try createTemporary(for: path, in: dir)
        var committed = false
        defer {
            if !committed { unlink(temp) }
            SignalCleanup.forget()
        }

        do {
            try writeAll(bytes, to: fd) { fail("writing '\(temp)' failed: \(FileIO.message($0))") }
            // Without fsync a crash after rename could leave an empty file under the final name.
            if fsync(fd) != 0 { throw fail("fsync of '\(temp)' failed: \(FileIO.message(errno))") }
        } catch {
            close(fd)
            throw error
        }
        // close() reports delayed write errors (NFS, a full disk on some filesystems).
        if close(fd) != 0 { throw fail("closing '\(temp)' failed: \(FileIO.message(errno))") }
        if rename(temp, path) != 0 {
            throw fail("renaming '\(temp)' into place failed: \(FileIO.message(errno))")
        }
        committed = true
        syncDirectory(dir)
    }

    /// The prefix of every temporary file of `path`.
    static func temporaryPrefix(of path: String) -> String { String(FileIO.lastComponent(of: path)) + ".tmp-" }

    /// Creates `path.tmp-PID-XXXXXX` exclusively. The pid lets a later write tell a dead
    /// writer's leftover from a running one. A random suffix (not mkstemp) is used so the
    /// file gets the usual 0666-minus-umask mode instead of mkstemp's 0600.
    private static func createTemporary(for path: String, in dir: String) throws -> (Int32, String) {
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
            throw ImagingError.writeFailed(
                path: path, reason: "cannot create a file in '\(dir)': \(FileIO.message(code))")
        }
        SignalCleanup.forget()
        throw ImagingError.writeFailed(path: path, reason: "no free temporary name in '\(dir)'")
    }

    /// Removes temporary files of `path` left by a writer that was killed: those whose pid
    /// no longer runs, and (from versions that named them `.tmp-XXXXXX`) those an hour old.
    /// Best effort: a file that cannot be removed is left for a later write.
    static func removeStaleTemporaries(of path: String, in dir: String) {
        let prefix = temporaryPrefix(of: path)
        let me = getpid()
        for entry in FileIO.entries(of: dir) where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count)
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            let full = dir == "/" ? "/" + entry : dir + "/" + entry
            var info = stat()
            guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let stale: Bool
            if parts.count == 2, parts[1].count == 6, let pid = Int32(parts[0]), pid > 0 {
                stale = pid != me && kill(pid, 0) != 0 && errno == ESRCH
            } else if parts.count == 1, rest.count == 6 {
                stale = time(nil) - FileIO.modificationTime(info) > 3600
            } else {
                stale = false
            }
            if stale { unlink(full) }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, error: (Int32) -> ImagingError) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw error(errno)
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

/// Removal of the temporary file being written when the process is interrupted, so
/// Ctrl-C (SIGINT), SIGTERM or SIGHUP during a write leaves neither a partial output nor
/// a temporary file. Only a command-line run installs the handlers; a killed (SIGKILL)
/// writer's file is removed by the next write of the same path instead.
public enum SignalCleanup {
    /// The temporary path being written, NUL-terminated; empty when none. Plain memory, read by
    /// the signal handler with no allocation or locking (which a handler must not do).
    nonisolated(unsafe) fileprivate static var pending: UnsafeMutablePointer<CChar>?
    private static let capacity = 4096

    /// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the temporary file being
    /// written, print "interrupted" on standard error and end the process by the same signal
    /// (so the exit status says it was interrupted). Call once, before any other thread starts.
    public static func install() {
        if pending == nil {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: capacity + 1)
            p[0] = 0
            pending = p
        }
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, handler)
            sigaddset(&set, sig)
        }
        // A parent may have started us with these blocked (the mask is inherited); threads
        // started later inherit this one.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func remember(_ temp: String) {
        guard let p = pending else { return }
        p[0] = 0
        let utf8 = Array(temp.utf8)
        guard utf8.count <= capacity else { return }
        // The first byte last, so the handler never sees a half-copied path.
        for (i, b) in utf8.enumerated().dropFirst() { p[i] = CChar(bitPattern: b) }
        p[utf8.count] = 0
        p[0] = CChar(bitPattern: utf8[0])
    }

    static func forget() { pending?[0] = 0 }
}

private let handler: @convention(c) (Int32) -> Void = { sig in
    if let p = SignalCleanup.pending, p[0] != 0 { unlink(p) }
    let text: StaticString = "\nlatentscope: interrupted\n"
    _ = posixWrite(STDERR_FILENO, text.utf8Start, text.utf8CodeUnitCount)
    signal(sig, SIG_DFL)
    raise(sig)
}

/// `write(2)`, named apart from `AtomicFile.write` so overload lookup stays unambiguous.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
