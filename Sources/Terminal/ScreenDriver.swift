// The small interface the explorer draws through. Screen.swift implements it with ncursesw;
// RecordingScreen implements it in memory so explorer logic is tested without a terminal.
//
// Two layers share the screen:
//   * text, drawn into a buffer and sent by `refresh()` (ncurses sends only what changed);
//   * raw payloads (sixel images, pre-rendered half-block rows), written straight to the
//     terminal right after the text layer, on the `refresh()` they were queued for.
// The text layer does not know what raw payloads drew, so leave their area blank in the text
// layer, and queue the image again whenever it changes, after `.resize` and after `invalidate()`.

/// Text attributes.
public struct TextStyle: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextStyle(rawValue: 1 << 0)
    public static let dim = TextStyle(rawValue: 1 << 1)
    public static let reverse = TextStyle(rawValue: 1 << 2)
    public static let underline = TextStyle(rawValue: 1 << 3)
}

/// A full-screen terminal UI surface.
public protocol ScreenDriver: AnyObject {
    /// The size in cells, current as of the last `.resize` key.
    var size: TerminalSize { get }
    /// Blanks the text layer for a new frame (nothing is sent until `refresh()`).
    func clear()
    /// Draws `text` at zero-based `row`, `col`, clipped at the right edge; rows outside the
    /// screen are ignored.
    func draw(_ text: String, row: Int, col: Int, style: TextStyle)
    /// Queues pre-rendered cell rows (from `BlockRenderer.lines`), the first at `row`, `col`,
    /// each next one a row lower.
    func drawCells(_ lines: [String], row: Int, col: Int)
    /// Queues raw bytes (a sixel image) to be written with the cursor at `row`, `col`.
    func drawRaw(_ bytes: [UInt8], row: Int, col: Int)
    /// Sends the text layer, then the queued raw payloads, and empties the queue.
    func refresh()
    /// Makes the next `refresh()` repaint the whole screen (clearing leftover images).
    func invalidate()
    /// Bytes that remove the pictures the terminal keeps by itself (kitty images), written
    /// when the screen stops, before a suspend (Ctrl-Z) and on the signals that end the process.
    func setGraphicsCleanup(_ bytes: [UInt8])
    /// Waits up to `timeoutMilliseconds` (0: just look; negative: wait forever) for a key.
    func readKey(timeoutMilliseconds: Int) -> Key
    /// Whether the terminal went away while reading keys (nothing more will arrive).
    var hungUp: Bool { get }
}

extension ScreenDriver {
    public var hungUp: Bool { false }
}

extension ScreenDriver {
    /// Draws unstyled text.
    public func draw(_ text: String, row: Int, col: Int) {
        draw(text, row: row, col: col, style: [])
    }
}
