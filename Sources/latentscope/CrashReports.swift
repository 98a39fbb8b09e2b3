// CrashReports.swift: how a crash of the explorer is reported.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum CrashReports {
    /// The Swift runtime reports a crash in a terminal interactively: it prints the
    /// backtrace and then waits up to 30 s for a key. It reads `SWIFT_BACKTRACE` only when
    /// the process starts, so the explorer starts itself again, once and in place (same
    /// process id), with the prompt off. The backtrace then goes to standard error, after
    /// the terminal has been restored. A `SWIFT_BACKTRACE` the user set is left as it is.
    static func restartWithoutPrompt() {
        guard getenv("SWIFT_BACKTRACE") == nil, isatty(0) == 1, isatty(1) == 1 else { return }
        setenv("SWIFT_BACKTRACE", "interactive=no", 1)
        #if os(Linux)
        // The binary's real path, not /proc/self/exe, so the process keeps its name ("latentscope" in ps and top).
        if let path = realpath("/proc/self/exe", nil) {
            _ = execv(path, CommandLine.unsafeArgv)
            free(path)
        }
        #endif
        // No exec (another system, or it failed): go on with the runtime's defaults.
        unsetenv("SWIFT_BACKTRACE")
    }
}
