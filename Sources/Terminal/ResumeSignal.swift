// ResumeSignal.swift: notices SIGCONT (the shell resuming the explorer after Ctrl-Z), so the
// screen can repaint the images that curses does not know about. The handler only sets a flag.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var resumed: sig_atomic_t = 0
nonisolated(unsafe) private var previousContinueHandler: sighandler_t?

private func onContinue(_ signalNumber: Int32) { resumed = 1 }

enum ResumeSignal {
    static func arm() {
        resumed = 0
        previousContinueHandler = signal(SIGCONT, onContinue)
    }

    static func disarm() {
        _ = signal(SIGCONT, previousContinueHandler)
        previousContinueHandler = nil
    }

    /// Whether SIGCONT arrived since the last call (clears the flag).
    static func takeResumed() -> Bool {
        guard resumed != 0 else { return false }
        resumed = 0
        return true
    }
}
