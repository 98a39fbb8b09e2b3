// ImagingError: the one error type of the Imaging module. Every message says
// what was being done, to which file, and why it failed.

/// Errors thrown by PNG coding and file I/O.
public enum ImagingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Encoding an image to PNG failed (empty or oversized image, or a libpng error).
    case encodeFailed(reason: String)
    /// The bytes are not a PNG libpng can decode (bad signature, truncated, corrupt).
    case decodeFailed(reason: String)
    /// Reading or decoding the file at `path` failed.
    case readFailed(path: String, reason: String)
    /// Writing the file at `path` failed; nothing was left at `path`.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .encodeFailed(let reason): "cannot encode PNG: \(reason)"
        case .decodeFailed(let reason): "cannot decode PNG: \(reason)"
        case .readFailed(let path, let reason): "cannot read '\(path)': \(reason)"
        case .writeFailed(let path, let reason): "cannot write '\(path)': \(reason)"
        }
    }

    /// The reason alone, without the leading "cannot ..." clause.
    public var reason: String {
        switch self {
        case .encodeFailed(let reason), .decodeFailed(let reason),
             .readFailed(_, let reason), .writeFailed(_, let reason):
            reason
        }
    }
}
