// WritablePath.swift: the one check of whether a path can be written, made before
// any work is spent on what goes there (CLI outputs, explorer exports, the export
// folder, sessions), and how FileWriter will write it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that cannot be written: the path and why, in words for the user.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write '\(path)': \(reason)" }
}

public enum WritablePath {
    /// How a path will be written.
    public enum Plan: Equatable, Sendable {
        /// Temporary file in `directory`, then rename over the path.
        case replace(directory: String)
        /// Open the existing device, FIFO or /proc link and write to it; `truncate` for regular targets.
        case direct(truncate: Bool)
    }

    /// Why a folder cannot take new files.
    public enum FolderProblem: Equatable, Sendable {
        case missing
        case notAFolder
        case notWritable(String)
        case inaccessible(String)
    }

    /// Checks, without writing anything, that `path` can be written as an output, and says how.
    /// Regular files (and symbolic links to them, or to nothing) are replaced; character and block
    /// devices, FIFOs and the /proc links behind /dev/stdout are written directly; a folder or a
    /// socket is refused. Throws naming `path` and the reason.
    public static func plan(for path: String) throws(FileWriteError) -> Plan {
        func fail(_ reason: String) -> FileWriteError { FileWriteError(path: path, reason: reason) }

        guard !path.isEmpty else { throw fail("empty path") }
        let name = FileSystem.lastComponent(of: path)
        guard !name.isEmpty, name != ".", name != ".." else { throw fail("it names a folder, not a file") }

        let dir = FileSystem.directory(of: path)
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
                        if FileSystem.linkTarget(of: path)?.hasPrefix("/proc/") == true || FileSystem.realPath(dir)?.hasPrefix("/proc/") == true {
                            return try direct(path, truncate: true)
                        }
                    }
                }
            case S_IFSOCK: throw fail("it is a socket")
            default: throw fail("it is not a regular file")
            }
        } else if errno != ENOENT && errno != ENOTDIR {
            throw fail("cannot inspect it: \(FileSystem.message(errno))")
        }

        // Check the directory up front: open()'s bare ENOENT would not say which part is missing.
        switch folderProblem(dir) {
        case nil: return .replace(directory: dir)
        case .missing: throw fail("folder '\(dir)' does not exist")
        case .notAFolder: throw fail("'\(dir)' is not a folder")
        case .notWritable(let why): throw fail("folder '\(dir)' is not writable: \(why)")
        case .inaccessible(let why): throw fail("cannot access folder '\(dir)': \(why)")
        }
    }

    /// Why new files cannot be made in `dir` (it is missing, not a folder, not writable), or nil.
    public static func folderProblem(_ dir: String) -> FolderProblem? {
        switch FileSystem.kind(of: dir) {
        case (.directory?, _): break
        case (.other?, _): return .notAFolder
        case (nil, let code) where code == ENOENT: return .missing
        case (nil, let code): return .inaccessible(FileSystem.message(code))
        }
        guard access(dir, W_OK | X_OK) == 0 else { return .notWritable(FileSystem.message(errno)) }
        return nil
    }

    private static func direct(_ path: String, truncate: Bool) throws(FileWriteError) -> Plan {
        guard access(path, W_OK) == 0 else {
            throw FileWriteError(path: path, reason: "it is not writable: \(FileSystem.message(errno))")
        }
        return .direct(truncate: truncate)
    }
}
