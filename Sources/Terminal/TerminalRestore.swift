// Puts the terminal back the way we found it when the process ends while the full-screen UI
// is up: at exit (atexit), on SIGINT, SIGTERM and SIGHUP, and on a crash (SIGSEGV, SIGBUS,
// SIGILL, SIGTRAP, SIGFPE, SIGABRT), before the crash report is printed: the report then
// lands on the user's own screen instead of under the UI's alternate screen.
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

nonisolated(unsafe) private var previousCrashActions: [(Int32, sigaction)] = []

private func restoreTerminalNow() {
    if restoreArmed != 0 {
        restoreArmed = 0
        if let restoreBytes { _ = write(restoreOutput, restoreBytes, restoreCount) }
        _ = tcsetattr(restoreInput, TCSANOW, &restoreTermios)
    }
}

private func restoreOnSignal(_ signalNumber: Int32) {
    restoreTerminalNow()
    _ = signal(signalNumber, SIG_DFL)
    _ = raise(signalNumber)
}

/// Restores the terminal, then hands the crash to whoever caught it before us (the Swift
/// runtime's backtracer, or the default action). A fault raised by the CPU happens again
/// when the handler returns, now reaching that handler with its real address. A signal sent
/// by kill() or abort() would not come again: that handler is called here, and the signal
/// then raised with its default action, so the process still ends as the signal says.
private func restoreOnCrash(_ signalNumber: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    restoreTerminalNow()
    var previous = sigaction()
    previous.__sigaction_handler.sa_handler = SIG_DFL
    for (number, action) in previousCrashActions where number == signalNumber { previous = action }
    _ = sigaction(signalNumber, &previous, nil)
    let sentByProcess = info.map { $0.pointee.si_code <= 0 } ?? true
    guard sentByProcess else { return }
    let handler = unsafeBitCast(previous.__sigaction_handler.sa_handler, to: Int.self)
    if handler != 0 && handler != 1 {  // neither SIG_DFL nor SIG_IGN
        if previous.sa_flags & SA_SIGINFO != 0 {
            previous.__sigaction_handler.sa_sigaction?(signalNumber, info, context)
        } else {
            previous.__sigaction_handler.sa_handler?(signalNumber)
        }
    }
    _ = signal(signalNumber, SIG_DFL)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signalNumber)
    _ = raise(signalNumber)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)  // delivered now, with the default action
}

enum TerminalRestore {
    /// The signals after which the terminal is restored.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// The crashes after which the terminal is restored before the crash is reported.
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

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
        previousCrashActions = crashSignals.map { number in
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = restoreOnCrash
            action.sa_flags = SA_SIGINFO | SA_ONSTACK  // the backtracer's alternate stack survives a stack overflow
            sigemptyset(&action.sa_mask)
            var previous = sigaction()
            _ = sigaction(number, &action, &previous)
            return (number, previous)
        }
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
        for (signalNumber, action) in previousCrashActions {
            var previous = action
            _ = sigaction(signalNumber, &previous, nil)
        }
        previousCrashActions = []
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
