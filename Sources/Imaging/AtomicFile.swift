// AtomicFile: Imaging's file writes (PNG, and the session and JSON files of the
// modules above), in ImagingError terms. The writing itself, and the check of
// whether a path can be written, are FileSupport's (FileWriter, WritablePath),
// which the engine's direction store uses as well.

import FileSupport

/// Writes files atomically: a regular file is replaced by a complete new one (temporary file
/// in the same folder, fsynced, renamed, the folder fsynced), so readers see the old file or
/// the new one, never a prefix. Devices and FIFOs (`/dev/null`, a named pipe, `/dev/stdout`)
/// are written directly, never replaced; a folder or a socket is refused; a symbolic link to
/// a regular file (or to nothing) is replaced by the new file, not followed.
public enum AtomicFile {
    /// Checks, without writing anything, that `path` can be written as an output.
    /// Throws `ImagingError.writeFailed` naming `path` and the reason (missing or
    /// unwritable folder, a folder or socket in the way, an unwritable device).
    public static func check(_ path: String) throws {
        _ = try plan(for: path)
    }

    /// Replaces (or creates) the file at `path` with `bytes`; devices and FIFOs are written
    /// directly. Throws `ImagingError.writeFailed` naming `path` when the folder does not exist,
    /// is not writable, or any write, sync or rename fails (a full disk among them); nothing new
    /// is left at `path` then.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try imaging { () throws(FileWriteError) in try FileWriter.write(bytes, to: path) }
    }

    /// Writes `bytes` to standard output, all of them or an error (a closed pipe, /dev/full).
    public static func writeStandardOutput(_ bytes: [UInt8]) throws {
        try imaging { () throws(FileWriteError) in try FileWriter.writeStandardOutput(bytes) }
    }

    static func plan(for path: String) throws -> WritablePath.Plan {
        try imaging { () throws(FileWriteError) in try WritablePath.plan(for: path) }
    }

    private static func imaging<T>(_ body: () throws(FileWriteError) -> T) throws(ImagingError) -> T {
        do { return try body() } catch { throw ImagingError.writeFailed(path: error.path, reason: error.reason) }
    }
}
