// KeyMap: which action a key means, given what is on screen. Overlays (help,
// command line) and a running animation take every key first; then the open
// panel's keys; then the keys that work anywhere. The `?` screen (HelpText) lists
// the same bindings.

import Terminal

public enum KeyMap {
    /// The action for `key` in `state`, or nil when the key does nothing there.
    public static func action(for key: Key, in state: ExplorerState) -> Action? {
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
    public static let helpScrollKeys: [(label: String, keys: [Key], delta: Int)] = [
        ("↑↓", [.up], -1), ("", [.down], 1),
        ("PgUp", [.pageUp], -10), ("PgDn Space", [.pageDown, .char(" ")], 10),
        ("Home", [.home], -100_000),
    ]

    /// The help screen's hint: its scroll keys, and that any other key closes it.
    public static var helpHint: String {
        helpScrollKeys.map(\.label).filter { !$0.isEmpty }.joined(separator: " ") + " scroll · any other key closes"
    }

    /// Keys that work in every panel.
    static func globalAction(for key: Key) -> Action? {
        switch key {
        case .char("?"), .f(1): return .toggleHelp
        case .char(":"): return .openCommandLine("")
        case .char("q"): return .quit
        case .tab: return .nextPanel
        case .char("d"): return .showPanel(.directions)
        case .char("m"): return .showPanel(.mix)
        case .char("a"): return .showPanel(.attention)
        case .char("b"): return .showPanel(.bookmarks)
        case .char("v"): return .cycleView
        case .char("r"): return .randomSeed
        case .char("n"): return .nextSeed
        case .char("p"): return .previousSeed
        case .char("+"), .char("="): return .adjustPsi(0.1)
        case .char("-"), .char("_"): return .adjustPsi(-0.1)
        case .char("o"): return .cycleNoise
        case .char("O"): return .reseedNoise
        case .char("u"): return .undo
        case .char("U"), .char("\u{12}"): return .redo
        case .char("<"): return .scaleStepSize(0.5)
        case .char(">"): return .scaleStepSize(2)
        case .char("l"): return .cycleEditLayers
        case .char("t"): return .cycleEditToken
        case .char("x"): return .resetDirection
        case .char("X"): return .resetAllDirections
        case .char(" "): return .startAnimation(.bounce)
        case .char("w"): return .startAnimation(.randomWalk)
        case .char("P"): return .pin(nil)
        case .char("e"): return .export(.view(path: nil))
        case .char("s"): return .openCommandLine("bookmark ")
        case .char("S"): return .saveSession(nil)
        case .char("\u{0C}"): return .redraw
        case .escape: return .setView(.face)
        default: return nil
        }
    }

    /// Keys of the open panel (arrows mean different things in each).
    static func panelAction(for key: Key, in state: ExplorerState) -> Action? {
        switch state.panel {
        case .directions:
            switch key {
            case .up: return .selectDirection(delta: -1)
            case .down: return .selectDirection(delta: 1)
            case .pageUp: return .selectDirection(delta: -10)
            case .pageDown: return .selectDirection(delta: 10)
            case .home: return .selectDirection(delta: -100_000)
            case .end: return .selectDirection(delta: 100_000)
            case .left: return .step(-1)
            case .right: return .step(1)
            default: return nil
            }
        case .mix:
            switch key {
            case .up: return .moveMixCursor(-1)
            case .down: return .moveMixCursor(1)
            case .pageUp, .home: return .moveMixCursor(-100_000)
            case .pageDown, .end: return .moveMixCursor(100_000)
            case .left: return .cycleSelectionSource(-1)
            case .right: return .cycleSelectionSource(1)
            case .char("1"): return .selectMixPreset(.coarse)
            case .char("2"): return .selectMixPreset(.middle)
            case .char("3"): return .selectMixPreset(.fine)
            case .char("4"): return .selectMixPreset(.all)
            case .char("."), .backspace: return .assignSelection(slot: nil)
            case .char("c"): return .clearMixing
            case .char(let c):
                if let k = SlotName.index(String(c)), c.isUppercase { return .assignSelection(slot: k) }
                return nil
            default: return nil
            }
        case .attention:
            switch key {
            case .up: return .moveAttentionLayer(-1)
            case .down: return .moveAttentionLayer(1)
            case .left: return .moveAttentionToken(-1)
            case .right: return .moveAttentionToken(1)
            case .char("h"): return .cycleHead
            case .char(let c) where c.isASCII && c.isNumber: return .setAttentionToken(Int(String(c))!)
            default: return nil
            }
        case .bookmarks:
            switch key {
            case .up: return .moveBookmarkCursor(-1)
            case .down: return .moveBookmarkCursor(1)
            case .enter: return .restoreSelectedBookmark
            case .backspace: return .deleteSelectedBookmark
            default: return nil
            }
        }
    }
}

extension Character {
    /// C0 controls and DEL: never typed into the command line.
    var isControl: Bool { unicodeScalars.allSatisfy { $0.value < 0x20 || $0.value == 0x7F } }
}
