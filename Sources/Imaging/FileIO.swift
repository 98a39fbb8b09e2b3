// FileIO: whole-file reads for Imaging (PNG files). Foundation is avoided so the
// module stays light; writes go through AtomicFile.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FileSupport

enum FileIO {
    /// Reads a whole file. Errors are `ImagingError.readFailed` naming `path`.
    static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ImagingError.readFailed(path: path, reason: FileSystem.message(errno))
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImagingError.readFailed(path: path, reason: "is a directory")
        }
        var bytes: [UInt8] = []
        if info.st_size > 0 { bytes.reserveCapacity(Int(info.st_size)) }
        // Read in fixed chunks rather than trusting st_size, which may change under us.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImagingError.readFailed(path: path, reason: FileSystem.message(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
