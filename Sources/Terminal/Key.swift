// Keys as the explorer sees them, decoded from what ncurses' wget_wch returns.

import CNcursesw

/// A key press, or the absence of one.
public enum Key: Equatable, Sendable {
    /// A printable character, or a control character without a case of its own (Ctrl-L is
    /// `.char("\u{0C}")`).
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    /// Return or keypad Enter.
    case enter
    case escape
    /// Backspace, whether the terminal sends DEL (127), BS (8) or the terminfo key.
    case backspace
    case tab
    /// Function key F*n*, n ≥ 1.
    case f(Int)
    /// The terminal was resized; the screen size has already been updated.
    case resize
    /// No key before the timeout, or a key we do not handle.
    case none

    /// Decodes a character that wget_wch returned with status `OK`.
    public init(character value: UInt32) {
        switch value {
        case 10, 13: self = .enter  // nonl() makes Return arrive as CR; LF from some terminals
        case 27: self = .escape
        case 8, 127: self = .backspace
        case 9: self = .tab
        default:
            guard let scalar = Unicode.Scalar(value) else {
                self = .none
                return
            }
            self = .char(Character(scalar))
        }
    }

    /// Decodes a key code that wget_wch returned with status `KEY_CODE_YES`.
    public init(cursesKeyCode code: Int32) {
        switch code {
        case KEY_UP: self = .up
        case KEY_DOWN: self = .down
        case KEY_LEFT: self = .left
        case KEY_RIGHT: self = .right
        case KEY_PPAGE: self = .pageUp
        case KEY_NPAGE: self = .pageDown
        case KEY_HOME: self = .home
        case KEY_END: self = .end
        case KEY_ENTER: self = .enter
        case KEY_BACKSPACE: self = .backspace
        case KEY_RESIZE: self = .resize
        // KEY_F(n) is KEY_F0 + n; ncurses reserves 64 of them.
        case (KEY_F0 + 1)...(KEY_F0 + 63): self = .f(Int(code - KEY_F0))
        default: self = .none
        }
    }
}
