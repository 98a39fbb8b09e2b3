// FileSystem.swift: thin POSIX helpers for the modules that read and write files
// (Imaging, Engine): errno text, stat checks, path parts, folder listings.
// Foundation is avoided so the module stays light.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum FileSystem {
    /// The C library's text for an errno value, e.g. "No such file or directory".
    public static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// A line for the user on standard error, for what a write is waiting on.
    static func note(_ text: String) {
        let line = Array("latentscope: \(text)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// What `stat` says a path is; `nil` when it does not exist or cannot be inspected.
    enum Kind { case directory, other }

    static func kind(of path: String) -> (kind: Kind?, errno: Int32) {
        var info = stat()
        guard stat(path, &info) == 0 else { return (nil, errno) }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        return (isDirectory ? .directory : .other, 0)
    }

    /// The directory part of `path` ("." when there is none), as `dirname` would give it.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = path[..<slash]
        return dir.isEmpty ? "/" : String(dir)
    }

    /// The last path component (empty when `path` ends in "/").
    static func lastComponent(of path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return path[...] }
        return path[path.index(after: slash)...]
    }

    /// What a symbolic link points to (its text, not resolved); nil when `path` is not a link.
    static func linkTarget(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` with every symbolic link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in a directory (without "." and ".."); empty when it cannot be read.
    static func entries(of dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Seconds since the epoch of a file's last modification.
    static func modificationTime(_ info: stat) -> Int {
        #if canImport(Darwin)
        Int(info.st_mtimespec.tv_sec)
        #else
        Int(info.st_mtim.tv_sec)
        #endif
    }
}
