// An in-memory ScreenDriver for tests of code that draws: it keeps the text layer as a grid
// of characters, records raw payloads, and plays back a scripted list of keys.

/// A `ScreenDriver` that draws into memory.
///
/// Text is laid out one `Character` per cell (no double-width handling), which is enough to
/// check layouts built from ASCII and box-drawing characters.
public final class RecordingScreen: ScreenDriver {
    /// A raw payload queued with `drawCells` or `drawRaw`.
    public struct RawWrite: Equatable, Sendable {
        public enum Payload: Equatable, Sendable {
            case cells([String])
            case bytes([UInt8])
        }

        public var row: Int
        public var col: Int
        public var payload: Payload
    }

    public private(set) var size: TerminalSize
    /// The text layer, `size.rows` rows of `size.cols` characters.
    public private(set) var grid: [[Character]]
    /// The style of each cell of `grid`.
    public private(set) var styles: [[TextStyle]]
    /// Raw payloads queued since the last `refresh()`.
    public private(set) var queued: [RawWrite] = []
    /// Raw payloads sent by the last `refresh()`.
    public private(set) var presented: [RawWrite] = []
    /// How many times `refresh()` ran.
    public private(set) var refreshCount = 0
    /// How many times `invalidate()` ran.
    public private(set) var invalidateCount = 0
    /// Keys `readKey` returns, first to last; `.none` once empty.
    public var keys: [Key]

    public init(size: TerminalSize = .fallback, keys: [Key] = []) {
        self.size = size
        self.keys = keys
        grid = Array(repeating: Array(repeating: " ", count: size.cols), count: size.rows)
        styles = Array(repeating: Array(repeating: [], count: size.cols), count: size.rows)
    }

    /// Row `row` of the text layer as a string.
    public func line(_ row: Int) -> String { String(grid[row]) }

    /// The whole text layer, rows joined with newlines.
    public var text: String { grid.map { String($0) }.joined(separator: "\n") }

    /// Changes the size (blanking the text layer) and queues a `.resize` key, as a terminal
    /// resize does.
    public func resize(to newSize: TerminalSize) {
        size = newSize
        grid = Array(repeating: Array(repeating: " ", count: newSize.cols), count: newSize.rows)
        styles = Array(repeating: Array(repeating: [], count: newSize.cols), count: newSize.rows)
        keys.insert(.resize, at: 0)
    }

    public func clear() {
        for row in grid.indices {
            grid[row] = Array(repeating: " ", count: size.cols)
            styles[row] = Array(repeating: [], count: size.cols)
        }
    }

    public func draw(_ text: String, row: Int, col: Int, style: TextStyle) {
        guard row >= 0, row < size.rows, col >= 0 else { return }
        var column = col
        for character in text where column < size.cols {
            grid[row][column] = character
            styles[row][column] = style
            column += 1
        }
    }

    public func drawCells(_ lines: [String], row: Int, col: Int) {
        queued.append(RawWrite(row: row, col: col, payload: .cells(lines)))
    }

    public func drawRaw(_ bytes: [UInt8], row: Int, col: Int) {
        queued.append(RawWrite(row: row, col: col, payload: .bytes(bytes)))
    }

    public func refresh() {
        refreshCount += 1
        presented = queued
        queued = []
    }

    public func invalidate() {
        invalidateCount += 1
    }

    /// What `setGraphicsCleanup` was given last.
    public private(set) var graphicsCleanup: [UInt8] = []

    public func setGraphicsCleanup(_ bytes: [UInt8]) {
        graphicsCleanup = bytes
    }

    public func readKey(timeoutMilliseconds: Int) -> Key {
        keys.isEmpty ? .none : keys.removeFirst()
    }
}
