// The minimum terminal size check, shown instead of the UI when the window is too small.

/// Decides whether the terminal is too small for the UI and words the message.
public enum TerminalTooSmall {
    /// The size the explorer is designed for.
    public static let defaultMinimum = TerminalSize(rows: 24, cols: 80)

    /// Whether `size` is smaller than `minimum` in either direction.
    public static func isTooSmall(_ size: TerminalSize, minimum: TerminalSize = defaultMinimum) -> Bool {
        size.rows < minimum.rows || size.cols < minimum.cols
    }

    /// The message to show, or `nil` when the size is enough.
    /// For example "terminal too small (need ≥ 80x24, have 70x20)".
    public static func message(for size: TerminalSize, minimum: TerminalSize = defaultMinimum) -> String? {
        guard isTooSmall(size, minimum: minimum) else { return nil }
        return "terminal too small (need ≥ \(minimum), have \(size))"
    }
}
