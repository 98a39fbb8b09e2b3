// The ncursesw implementation of ScreenDriver.
//
// Images do not go through curses. ncurses has no truecolor without a "-direct" terminfo
// entry (and xterm-256color, tmux-256color… are not), and knows nothing of sixel. So images
// are written as raw bytes right after curses' own update: save the cursor (DECSC, which also
// saves the SGR attributes curses believes are current), move there (CUP), write, restore
// (DECRC). Curses keeps believing that area is blank and leaves it alone until something
// drawn there changes or the screen is repainted; then the image is queued again. Half-block
// rows in all three modes (truecolor, 256 colours, ASCII) take the same path, so there is one
// way images reach the screen.

import CNcursesw
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the screen could not start.
public enum ScreenError: Error, Equatable, CustomStringConvertible {
    /// stdin or stdout is not a terminal.
    case notATerminal
    /// Another `Screen` is active (curses has one screen per process here).
    case alreadyActive
    /// curses could not set up the terminal named by `TERM`.
    case cannotInitialize(term: String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "the interactive explorer needs a terminal: stdin and stdout must be a TTY (not a pipe or a file)"
        case .alreadyActive:
            return "the terminal screen is already active"
        case .cannotInitialize(let term):
            return "cannot start the terminal UI for TERM=\(term.isEmpty ? "(unset)" : term): check TERM and the terminfo database"
        }
    }
}

// curses has one current screen per process; this flag guards it and tells the exit hook.
nonisolated(unsafe) private var cursesActive = false

/// A full-screen ncursesw UI on stdin/stdout.
public final class Screen: ScreenDriver {
    /// How long ncurses waits after Esc for the rest of an escape sequence. The ncurses
    /// default of 1 s makes the Esc key feel broken; 25 ms is ample on a local terminal and
    /// over ssh keys arrive as one packet anyway.
    public let escapeDelayMilliseconds: Int

    private var screen: OpaquePointer?
    private var pending: [[UInt8]] = []
    /// The terminal modes from before curses, for the signal path.
    private var savedTermios: termios?
    /// Removes kitty images (see `setGraphicsCleanup`).
    private var graphicsCleanup: [UInt8] = []

    /// Whether `start()` has run and `stop()` has not.
    public private(set) var isActive = false
    /// Whether the terminal went away (its window closed, the SSH link dropped) while
    /// reading keys; curses then returns "no key" at once forever, so the caller must stop.
    public private(set) var hungUp = false
    /// The locale is not UTF-8: text is drawn in ASCII.
    public private(set) var asciiOnly = false

    public init(escapeDelayMilliseconds: Int = 25) {
        self.escapeDelayMilliseconds = escapeDelayMilliseconds
    }

    deinit { stop() }

    // MARK: - Life cycle

    /// Takes over the terminal: curses on the alternate screen, cbreak (so Ctrl-C still
    /// sends SIGINT, and Ctrl-Z suspends through curses' own handler), no echo, keypad
    /// decoding, no cursor. Restores the terminal at exit and on SIGINT/SIGTERM/SIGHUP.
    ///
    /// - Throws: `ScreenError.notATerminal` unless stdin and stdout are TTYs;
    ///   `.alreadyActive`; `.cannotInitialize` when curses rejects `TERM`.
    public func start() throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw ScreenError.notATerminal }
        guard !cursesActive else { throw ScreenError.alreadyActive }

        var saved = termios()
        let haveTermios = tcgetattr(0, &saved) == 0

        // Wide-character curses needs the user's locale to know UTF-8 from Latin-1.
        setlocale(LC_ALL, "")
        asciiOnly = !TextFacts.isUTF8(codeset: ls_codeset().map { String(cString: $0) } ?? "")
        // LINES and COLUMNS in the environment would otherwise fix the size for good, even
        // across resizes: the terminal's own size (TIOCGWINSZ) wins whenever it can be read.
        if TerminalProbe().windowSize() != nil {
            use_env(false)
            use_tioctl(true)
        }
        // Without TERM there is no description to go by; nearly every terminal understands
        // VT100's sequences, which is what the ASCII renderer chosen then needs.
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        let created = term.isEmpty ? newterm("vt100", ls_stdout(), ls_stdin()) : newterm(nil, ls_stdout(), ls_stdin())
        // newterm, unlike initscr, returns NULL for an unusable TERM instead of exiting.
        guard let created else { throw ScreenError.cannotInitialize(term: term) }
        screen = created
        _ = set_term(created)
        cursesActive = true
        isActive = true

        _ = cbreak()
        _ = noecho()
        _ = nonl()  // Return arrives as CR (decoded as .enter) and curses may move the cursor faster
        _ = keypad(ls_stdscr(), true)
        _ = intrflush(ls_stdscr(), false)
        _ = curs_set(0)
        _ = set_escdelay(Int32(clamping: escapeDelayMilliseconds))
        if has_colors() {
            _ = start_color()
            _ = use_default_colors()  // keep the user's background behind the UI
        }
        // Replies to the capability probe that arrived after its deadline would otherwise be
        // read as keys (ESC [ ? 6 2 ; 4 c looks like Esc followed by typing).
        _ = flushinp()

        if haveTermios {
            savedTermios = saved
            TerminalRestore.arm(termios: saved, sequence: graphicsCleanup + Self.restoreSequence(), input: 0, output: 1)
            ResumeSignal.arm(cleanup: graphicsCleanup)
        }
        TerminalRestore.onExit {
            if cursesActive {
                _ = curs_set(1)
                _ = endwin()
                cursesActive = false
            }
        }
    }

    /// Gives the terminal back (endwin). Safe to call more than once and when never started.
    public func stop() {
        guard isActive else { return }
        isActive = false
        pending.removeAll()
        if !graphicsCleanup.isEmpty { Self.writeAll(graphicsCleanup) }
        TerminalRestore.disarm()
        ResumeSignal.disarm()
        _ = curs_set(1)
        _ = endwin()
        if let screen { delscreen(screen) }
        screen = nil
        cursesActive = false
    }

    /// What undoes curses' setup, from terminfo, for the signal path (which cannot call endwin).
    private static func restoreSequence() -> [UInt8] {
        var bytes: [UInt8] = []
        for capability in ["sgr0", "cnorm", "rmkx", "rmcup"] {
            if let value = ls_tigetstr(capability) { bytes += Array(String(cString: value).utf8) }
        }
        return bytes
    }

    // MARK: - ScreenDriver

    /// The size in cells: curses' LINES and COLS while active, TIOCGWINSZ or 80x24 otherwise.
    public var size: TerminalSize {
        if isActive { return TerminalSize(rows: Int(ls_lines()), cols: Int(ls_cols())) }
        if let window = TerminalProbe().windowSize() { return TerminalSize(rows: window.rows, cols: window.cols) }
        return .fallback
    }

    /// The number of colours curses reports (0 when inactive or without colour).
    public var colorCount: Int { isActive && has_colors() ? Int(ls_colors()) : 0 }

    public func clear() {
        guard isActive else { return }
        _ = werase(ls_stdscr())
    }

    public func draw(_ text: String, row: Int, col: Int, style: TextStyle) {
        guard isActive else { return }
        let size = self.size
        guard row >= 0, row < size.rows, col >= 0, col < size.cols else { return }
        let characters = Self.clippedWideCharacters(text, width: size.cols - col, asciiOnly: asciiOnly)
        guard !characters.isEmpty else { return }
        _ = wattrset(ls_stdscr(), Self.attributes(style))
        characters.withUnsafeBufferPointer {
            _ = mvwaddnwstr(ls_stdscr(), Int32(row), Int32(col), $0.baseAddress, Int32($0.count))
        }
        _ = wattrset(ls_stdscr(), ls_attr_normal())
    }

    public func drawCells(_ lines: [String], row: Int, col: Int) {
        guard isActive, let payload = Self.cellsPayload(lines, row: row, col: col, screenRows: size.rows) else { return }
        pending.append(payload)
    }

    public func drawRaw(_ bytes: [UInt8], row: Int, col: Int) {
        guard isActive, !bytes.isEmpty else { return }
        pending.append(Self.rawPayload(bytes, row: row, col: col))
    }

    public func refresh() {
        guard isActive else { return }
        _ = wnoutrefresh(ls_stdscr())
        _ = doupdate()
        _ = fflush(ls_stdout())
        for payload in pending { Self.writeAll(payload) }
        pending.removeAll()
    }

    public func invalidate() {
        guard isActive else { return }
        _ = clearok(ls_curscr(), true)
    }

    public func setGraphicsCleanup(_ bytes: [UInt8]) {
        graphicsCleanup = bytes
        guard isActive, let savedTermios else { return }
        TerminalRestore.arm(termios: savedTermios, sequence: bytes + Self.restoreSequence(), input: 0, output: 1)
        ResumeSignal.setCleanup(bytes)
    }

    public func readKey(timeoutMilliseconds: Int) -> Key {
        guard isActive else { return .none }
        // Back from Ctrl-Z: curses restores its own text, but images written around it are
        // gone, so report it like a resize (a full repaint).
        if ResumeSignal.takeResumed() {
            _ = clearok(ls_curscr(), true)
            return .resize
        }
        let window = ls_stdscr()
        wtimeout(window, Int32(clamping: max(-1, timeoutMilliseconds)))
        var value: wint_t = 0
        switch wget_wch(window, &value) {
        case OK:
            return value == 27 ? escapeOrIgnoredSequence() : Key(character: value)
        case KEY_CODE_YES:
            let key = Key(cursesKeyCode: Int32(bitPattern: value))
            // Images drawn outside curses are now misplaced or clipped: repaint everything.
            if key == .resize { _ = clearok(ls_curscr(), true) }
            return key
        default:
            if Self.inputHungUp() { hungUp = true }
            return .none
        }
    }

    /// Standard input reports a hang-up or an error: the terminal is gone.
    private static func inputHungUp() -> Bool {
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) >= 0 else { return false }
        return p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    // MARK: - Helpers

    /// After an Esc that keypad decoding did not turn into a key: a lone Esc is `.escape`;
    /// `Esc [ … final` is a control sequence curses does not know, most likely a late reply to
    /// the capability probe, and is consumed and ignored instead of becoming Esc plus typing.
    private func escapeOrIgnoredSequence() -> Key {
        let window = ls_stdscr()
        wtimeout(window, 0)
        var next: wint_t = 0
        let status = wget_wch(window, &next)
        if status == KEY_CODE_YES {
            _ = ungetch(Int32(bitPattern: next))
            return .escape
        }
        guard status == OK else { return .escape }
        guard next == UInt32(UInt8(ascii: "[")) else {
            _ = unget_wch(wchar_t(bitPattern: next))
            return .escape
        }
        for _ in 0..<64 {  // a bound, so a stream of junk cannot keep us here
            guard wget_wch(window, &next) == OK else { break }
            if (0x40...0x7E).contains(next) { break }
        }
        return .none
    }

    private static func attributes(_ style: TextStyle) -> Int32 {
        var value = ls_attr_normal()
        if style.contains(.bold) { value |= ls_attr_bold() }
        if style.contains(.dim) { value |= ls_attr_dim() }
        if style.contains(.reverse) { value |= ls_attr_reverse() }
        if style.contains(.underline) { value |= ls_attr_underline() }
        return value
    }

    /// `text` as wide characters that fit in `width` cells, with control characters shown as
    /// `?` (curses would print them as two-cell `^X` and break the layout). With `asciiOnly`
    /// (a locale that is not UTF-8) the interface's symbols become ASCII look-alikes.
    static func clippedWideCharacters(_ text: String, width: Int, asciiOnly: Bool = false) -> [wchar_t] {
        var result: [wchar_t] = []
        var used = 0
        for original in text.unicodeScalars {
            let scalar = asciiOnly ? ASCIIFallback.scalar(for: original) : original
            var character = wchar_t(bitPattern: scalar.value)
            var cells = Int(ls_wcwidth(character))
            if cells < 0 {
                character = wchar_t(UInt8(ascii: "?"))
                cells = 1
            }
            if used + cells > width { break }
            result.append(character)
            used += cells
        }
        return result
    }

    /// The bytes that draw pre-rendered cell rows at `row`, `col`, one row per line, skipping
    /// lines outside the screen's `screenRows` rows; `nil` when none is left.
    static func cellsPayload(_ lines: [String], row: Int, col: Int, screenRows: Int) -> [UInt8]? {
        var body: [UInt8] = []
        for (offset, line) in lines.enumerated() where row + offset >= 0 && row + offset < screenRows {
            body += cursorPosition(row: row + offset, col: col)
            body += Array(line.utf8)
        }
        guard !body.isEmpty else { return nil }
        return rawPayload(body + Array("\u{1B}[0m".utf8), row: nil, col: nil)
    }

    /// Wraps `bytes` so they are written at `row`, `col` (or where the bytes themselves
    /// position the cursor, when `nil`) without disturbing curses: save cursor and
    /// attributes (DECSC), autowrap off (a row wider than the screen then overwrites the last
    /// column instead of wrapping, and can never scroll the screen), move (CUP), write,
    /// autowrap on, restore (DECRC).
    static func rawPayload(_ bytes: [UInt8], row: Int?, col: Int?) -> [UInt8] {
        var payload = Array("\u{1B}7\u{1B}[?7l".utf8)
        if let row, let col { payload += cursorPosition(row: row, col: col) }
        return payload + bytes + Array("\u{1B}[?7h\u{1B}8".utf8)
    }

    /// CUP to zero-based `row`, `col`.
    static func cursorPosition(row: Int, col: Int) -> [UInt8] {
        Array("\u{1B}[\(max(0, row) + 1);\(max(0, col) + 1)H".utf8)
    }

    private static func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && errno == EAGAIN {
                var descriptor = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 100)
            } else {
                return  // the terminal is gone; nothing sensible left to do
            }
        }
    }
}
