// SignalCleanup.swift: removal of the temporary file FileWriter is writing when the
// process is interrupted, so Ctrl-C during a write leaves neither a partial output
// nor a temporary file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
