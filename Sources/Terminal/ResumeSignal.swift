// ResumeSignal.swift: notices SIGCONT (the shell resuming the explorer after Ctrl-Z), so the
// screen can repaint the images that curses does not know about; and, on SIGTSTP (Ctrl-Z),
// first removes the images the terminal keeps by itself (kitty's), then lets curses suspend
// as it always does. The handlers only set a flag and write bytes prepared in advance.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var resumed: sig_atomic_t = 0
nonisolated(unsafe) private var previousContinueHandler: sighandler_t?
nonisolated(unsafe) private var previousSuspendHandler: sighandler_t?
nonisolated(unsafe) private var suspendArmed = false
nonisolated(unsafe) private var suspendBytes: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var suspendCount = 0

private func onContinue(_ signalNumber: Int32) { resumed = 1 }

private func onSuspend(_ signalNumber: Int32) {
    if let suspendBytes, suspendCount > 0 { _ = write(1, suspendBytes, suspendCount) }
    // curses' own handler (ends curses, stops the process, restores curses on resume).
    // It puts back whatever handler was installed when it ran, so this one stays armed.
    if let previous = previousSuspendHandler, unsafeBitCast(previous, to: Int.self) > 1 {
        previous(signalNumber)
    } else {
        _ = signal(SIGTSTP, SIG_DFL)
        _ = raise(SIGTSTP)
        _ = signal(SIGTSTP, onSuspend)
    }
}

enum ResumeSignal {
    /// Installs the handlers; `cleanup` is written to standard output before each suspend.
    static func arm(cleanup: [UInt8] = []) {
        resumed = 0
        previousContinueHandler = signal(SIGCONT, onContinue)
        setCleanup(cleanup)
        previousSuspendHandler = signal(SIGTSTP, onSuspend)
        suspendArmed = true
    }

    /// Replaces the bytes written before a suspend. The handler is blocked meanwhile, so it
    /// never sees a half-replaced buffer.
    static func setCleanup(_ bytes: [UInt8]) {
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTSTP)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        suspendBytes?.deallocate()
        suspendBytes = nil
        suspendCount = 0
        guard !bytes.isEmpty else { return }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        suspendBytes = buffer
        suspendCount = bytes.count
    }

    static func disarm() {
        _ = signal(SIGCONT, previousContinueHandler)
        previousContinueHandler = nil
        if suspendArmed {
            _ = signal(SIGTSTP, previousSuspendHandler)
            previousSuspendHandler = nil
            suspendArmed = false
        }
        setCleanup([])
    }

    /// Whether SIGCONT arrived since the last call (clears the flag).
    static func takeResumed() -> Bool {
        guard resumed != 0 else { return false }
        resumed = 0
        return true
    }
}
