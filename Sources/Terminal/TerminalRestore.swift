// Puts the terminal back the way we found it when the process ends while the full-screen UI
// is up: at exit (atexit) and on SIGINT, SIGTERM and SIGHUP.
//
// The signal path does only async-signal-safe work: it writes a byte sequence computed in
// advance from terminfo (attributes off, cursor visible, keypad off, leave the alternate
// screen), restores the termios saved before curses started, and re-raises the signal with
// its default action so the exit status still says "killed by SIGINT". Calling endwin() from
// a handler, as many programs do, may deadlock or corrupt curses' state mid-update.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Read by the signal handler, so plain globals written only while no handler is armed.
nonisolated(unsafe) private var restoreBytes: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var restoreCount = 0
nonisolated(unsafe) private var restoreTermios = termios()
nonisolated(unsafe) private var restoreInput: Int32 = 0
nonisolated(unsafe) private var restoreOutput: Int32 = 1
nonisolated(unsafe) private var restoreArmed: sig_atomic_t = 0
nonisolated(unsafe) private var previousHandlers: [(Int32, sighandler_t?)] = []
nonisolated(unsafe) private var exitHook: (@convention(c) () -> Void)?
nonisolated(unsafe) private var exitHookRegistered = false

private func restoreOnSignal(_ signalNumber: Int32) {
    if restoreArmed != 0 {
        restoreArmed = 0
        if let restoreBytes { _ = write(restoreOutput, restoreBytes, restoreCount) }
        _ = tcsetattr(restoreInput, TCSANOW, &restoreTermios)
    }
    _ = signal(signalNumber, SIG_DFL)
    _ = raise(signalNumber)
}

enum TerminalRestore {
    /// The signals after which the terminal is restored.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the signal handlers. `termios` is the state to return to; `sequence` the
    /// bytes that undo what curses set up.
    static func arm(termios saved: termios, sequence: [UInt8], input: Int32, output: Int32) {
        disarm()
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, sequence.count))
        bytes.initialize(from: sequence, count: sequence.count)
        restoreBytes = bytes
        restoreCount = sequence.count
        restoreTermios = saved
        restoreInput = input
        restoreOutput = output
        previousHandlers = signals.map { ($0, signal($0, restoreOnSignal)) }
        // A parent may have started us with these signals blocked (test runners and some
        // launchers do; the mask is inherited): then Ctrl-C, kill and a closed terminal
        // would never reach the handler, and the UI would outlive its terminal.
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        restoreArmed = 1
    }

    /// Removes the handlers, putting back whatever was installed before `arm`.
    static func disarm() {
        restoreArmed = 0
        for (signalNumber, handler) in previousHandlers { _ = signal(signalNumber, handler) }
        previousHandlers = []
        if let bytes = restoreBytes {
            restoreBytes = nil
            restoreCount = 0
            bytes.deallocate()
        }
    }

    /// Runs `hook` at process exit (registered once; a later call replaces the hook), so
    /// `exit()` from anywhere still ends curses.
    static func onExit(_ hook: @escaping @convention(c) () -> Void) {
        exitHook = hook
        guard !exitHookRegistered else { return }
        exitHookRegistered = true
        atexit { exitHook?() }
    }
}
