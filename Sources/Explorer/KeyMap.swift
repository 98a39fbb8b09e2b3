// KeyMap: which action a key means, given what is on screen. Overlays (help,
// command line) and a running animation take every key first; then the open
// panel's keys; then the keys that work anywhere. The `?` screen (HelpText) lists
// bindings (all declared in KeyBindings).

import Terminal

enum KeyMap {
    /// The action for `key` in `state`, or nil when the key does nothing there.
    static func action(for key: Key, in state: ExplorerState) -> Action? {
        if key == .none || key == .resize { return nil }
        // Any key stops an animation, and does nothing else, so a walk can be frozen on the
        // face it shows without that key also changing it.
        if state.animation != nil { return .stopAnimation }
        switch state.overlay {
        case .help?:
            if let scroll = helpScrollKeys.first(where: { $0.keys.contains(key) }) { return .scrollHelp(scroll.delta) }
            return .closeOverlay
        case .command?:
            switch key {
            case .enter: return .commandSubmit
            case .escape: return .closeOverlay
            case .backspace: return .commandBackspace
            case .up: return .commandHistory(-1)
            case .down: return .commandHistory(1)
            case .tab: return .commandType(" ")
            case .char(let c) where !c.isControl: return .commandType(c)
            case .char("\u{15}"): return .openCommandLine("")   // Ctrl-U clears the line
            default: return nil
            }
        case nil:
            break
        }
        if let a = panelAction(for: key, in: state) { return a }
        return globalAction(for: key)
    }

    /// The keys that scroll the help screen (Space pages on, as in a pager); every other key
    /// closes it. The help screen's hint line is made from `label`, so it names exactly these.
    static let helpScrollKeys: [(label: String, keys: [Key], delta: Int)] = [
        ("↑↓", [.up], -1), ("", [.down], 1),
        ("PgUp", [.pageUp], -10), ("PgDn Space", [.pageDown, .char(" ")], 10),
        ("Home", [.home], -100_000),
    ]

    /// The help screen's hint: its scroll keys, and that any other key closes it.
    static var helpHint: String {
        helpScrollKeys.map(\.label).filter { !$0.isEmpty }.joined(separator: " ") + " scroll · any other key closes"
    }

    /// Keys that work in every panel.
    static func globalAction(for key: Key) -> Action? { KeyBindings.anywhere.action(for: key) }

    /// Keys of the open panel (arrows mean different things in each).
    static func panelAction(for key: Key, in state: ExplorerState) -> Action? {
        KeyBindings.section(for: state.panel).action(for: key)
    }
}

extension Character {
    /// C0 controls and DEL: never typed into the command line.
    var isControl: Bool { unicodeScalars.allSatisfy { $0.value < 0x20 || $0.value == 0x7F } }
}
