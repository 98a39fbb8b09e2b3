// Asks a live terminal what it can do: DA1 (sixel?), the kitty graphics protocol, the largest
// sixel image and its colour registers (XTSMGRAPHICS), the cell size in pixels, and the window
// size from TIOCGWINSZ. Everything here is guarded so that it can never hang or leave the
// terminal in raw mode:
//   * nothing is sent unless both input and output are TTYs and we are in the foreground
//     (a background job writing to or re-configuring the TTY would be stopped by SIGTTOU);
//   * replies are read with poll(2) against one overall deadline (150 ms by default), because
//     some terminals never answer some queries (notcurses hangs on exactly this);
//   * termios is restored on every path out of the raw section.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a probe of the terminal found. Built by `TerminalProbe.run`, or by hand in tests.
public struct ProbeResult: Sendable, Equatable {
    /// How far the probe got.
    public enum Status: String, Sendable {
        /// Input or output is not a TTY: nothing was sent or read.
        case notATerminal = "not a terminal"
        /// The process is not in the terminal's foreground process group: nothing was sent.
        case background = "background process"
        /// Queries were not wanted (for example a non-sixel renderer was forced); only the
        /// window size was read.
        case skipped = "skipped"
        /// The terminal answered DA1.
        case answered = "answered"
        /// The queries were sent but no DA1 reply arrived before the deadline.
        case noAnswer = "no answer"
        /// Configuring or writing to the TTY failed.
        case failed = "failed"
    }

    public var status: Status
    /// DA1 parameters (`ESC [ ? … c`), when the terminal answered.
    public var deviceAttributes: [Int]?
    /// One cell in pixels from the `ESC [ 6 ; h ; w t` reply, when the terminal answered.
    public var reportedCellSize: PixelSize?
    /// TIOCGWINSZ, when the output is a TTY.
    public var window: WindowSize?
    /// The answer to the kitty graphics query: `true` OK, `false` refused, `nil` no answer.
    public var kittyGraphics: Bool?
    /// The largest sixel image the terminal shows (XTSMGRAPHICS), when it said.
    public var graphicsLimit: PixelSize?
    /// The terminal's sixel colour registers (XTSMGRAPHICS), when it said.
    public var colorRegisters: Int?

    public init(
        status: Status,
        deviceAttributes: [Int]? = nil,
        reportedCellSize: PixelSize? = nil,
        window: WindowSize? = nil,
        kittyGraphics: Bool? = nil,
        graphicsLimit: PixelSize? = nil,
        colorRegisters: Int? = nil
    ) {
        self.status = status
        self.deviceAttributes = deviceAttributes
        self.reportedCellSize = reportedCellSize
        self.window = window
        self.kittyGraphics = kittyGraphics
        self.graphicsLimit = graphicsLimit
        self.colorRegisters = colorRegisters
    }

    /// The result when there is no terminal to ask.
    public static let notATerminal = ProbeResult(status: .notATerminal)
}

/// Queries a terminal through a pair of file descriptors (stdin and stdout by default).
public struct TerminalProbe: Sendable {
    /// Where replies are read from and where termios is changed.
    public var inputDescriptor: Int32
    /// Where queries are written and TIOCGWINSZ is asked.
    public var outputDescriptor: Int32
    /// The total time allowed for all replies, in milliseconds.
    public var timeoutMilliseconds: Int

    /// Long enough for a terminal across an ssh link to answer; terminals that answer DA1
    /// (nearly all) end the wait as soon as they have.
    public static let defaultTimeoutMilliseconds = 400

    public init(inputDescriptor: Int32 = 0, outputDescriptor: Int32 = 1, timeoutMilliseconds: Int = defaultTimeoutMilliseconds) {
        self.inputDescriptor = inputDescriptor
        self.outputDescriptor = outputDescriptor
        self.timeoutMilliseconds = max(0, timeoutMilliseconds)
    }

    /// Whether both descriptors are TTYs: the precondition for sending anything.
    public var isInteractive: Bool {
        isatty(inputDescriptor) == 1 && isatty(outputDescriptor) == 1
    }

    /// Everything the probe sends, in order. DA1 goes last: terminals answer in order and nearly
    /// all answer DA1, so once its reply is in, every reply that is coming has come. Terminals
    /// that do not know a query ignore it (APC strings and private-marker CSI sequences).
    public static let queries: [UInt8] = TerminalReplies.cellSizeQuery + TerminalReplies.kittyQuery
        + TerminalReplies.graphicsGeometryQuery + TerminalReplies.colorRegistersQuery
        + TerminalReplies.deviceAttributesQuery

    /// Reads the window size and, when `sendQueries` is true, sends `queries`.
    ///
    /// Never blocks longer than `timeoutMilliseconds` waiting for replies, and sends nothing
    /// when the descriptors are not TTYs or the process is in the background.
    public func run(sendQueries: Bool = true) -> ProbeResult {
        guard isInteractive else { return .notATerminal }
        var result = ProbeResult(status: .skipped, window: windowSize())
        guard sendQueries else { return result }

        // A background job that touches the TTY gets SIGTTOU and stops. tcgetpgrp fails on a
        // TTY that is not our controlling terminal (a test's pseudo-terminal); that is fine.
        let foreground = tcgetpgrp(inputDescriptor)
        if foreground != -1 && foreground != getpgrp() {
            result.status = .background
            return result
        }

        var saved = termios()
        guard tcgetattr(inputDescriptor, &saved) == 0 else {
            result.status = .failed
            return result
        }
        var raw = saved
        // No line buffering (replies end without a newline), no echo (replies must not show
        // up on screen), no signals (a Ctrl-C in these milliseconds must not kill us with
        // the TTY left raw). VMIN = VTIME = 0: read returns what is there; poll does the waiting.
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(inputDescriptor, TCSANOW, &raw) == 0 else {
            result.status = .failed
            return result
        }
        defer { _ = tcsetattr(inputDescriptor, TCSANOW, &saved) }

        guard writeAll(Self.queries) else {
            result.status = .failed
            return result
        }
        let replies = readReplies()
        result.deviceAttributes = TerminalReplies.deviceAttributes(in: replies)
        result.reportedCellSize = TerminalReplies.cellSize(in: replies)
        result.kittyGraphics = TerminalReplies.kittyGraphics(in: replies)
        result.graphicsLimit = TerminalReplies.graphicsGeometry(in: replies)
        result.colorRegisters = TerminalReplies.colorRegisters(in: replies)
        result.status = result.deviceAttributes == nil ? .noAnswer : .answered
        return result
    }

    /// TIOCGWINSZ on the output, or `nil` when it fails or reports no size.
    public func windowSize() -> WindowSize? {
        var size = winsize()
        guard ioctl(outputDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else {
            return nil
        }
        return WindowSize(
            rows: Int(size.ws_row), cols: Int(size.ws_col),
            pixelWidth: Int(size.ws_xpixel), pixelHeight: Int(size.ws_ypixel))
    }

    // MARK: - I/O

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(outputDescriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Collects input until a DA1 reply is complete, the deadline passes, or 4 KiB arrived
    /// (a terminal that floods us is not answering our question).
    private func readReplies() -> [UInt8] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while collected.count < 4096 {
            let remaining = deadline - clock.now
            guard remaining > .zero else { break }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: inputDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }  // loop re-checks the deadline
            if descriptor.revents & Int16(POLLIN) == 0 { break }  // hang-up or error, no data
            let count = chunk.withUnsafeMutableBytes { read(inputDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                collected += chunk[0..<count]
                if TerminalReplies.deviceAttributes(in: collected) != nil { break }
            } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                break  // end of file or a read error
            }
        }
        return collected
    }
}
