// KeyBindings: every key of the explorer, declared once. KeyMap looks keys up here, the `?`
// screen (HelpText) prints these lines, and the hint line under the face is made from
// their short hints, so a key cannot work without being documented, or be documented and
// do nothing.

import Terminal

/// One line of help: the keys it names, the action of each, and what they do.
struct KeyBinding {
    /// How the help screen names the keys, e.g. "n  p".
    let label: String
    let keys: [(key: Key, action: Action)]
    let help: String
    /// How the hint line names it ("r n p" + "seed"), or nil when it is left out there.
    let hint: (keys: String, word: String)?
    /// Panels whose hint line lists this (global) binding too.
    let hintedIn: [Panel]

    init(_ label: String, _ keys: [(key: Key, action: Action)], _ help: String,
         hint: (keys: String, word: String)? = nil, hintedIn: [Panel] = []) {
        self.label = label
        self.keys = keys
        self.help = help
        self.hint = hint
        self.hintedIn = hintedIn
    }

    /// A binding of one key.
    init(_ label: String, _ key: Key, _ action: Action, _ help: String,
         hint: (keys: String, word: String)? = nil, hintedIn: [Panel] = []) {
        self.init(label, [(key, action)], help, hint: hint, hintedIn: hintedIn)
    }
}

/// The bindings of one place: anywhere (`panel` nil) or one panel, with lines of help
/// that name no key.
struct KeyBindingSection {
    let title: String
    let panel: Panel?
    let bindings: [KeyBinding]
    let notes: [String]

    func action(for key: Key) -> Action? {
        for b in bindings { if let hit = b.keys.first(where: { $0.key == key }) { return hit.action } }
        return nil
    }
}

enum KeyBindings {
    static let anywhere = KeyBindingSection(title: "Anywhere", panel: nil, bindings: [
        KeyBinding("?", [(.char("?"), .toggleHelp), (.f(1), .toggleHelp)], "this help (" + KeyMap.helpHint + "); F1 too",
                   hint: ("?", "help")),
        KeyBinding(":", .char(":"), .openCommandLine(""), "command line (below); Esc cancels, ↑↓ recall earlier commands"),
        KeyBinding("q", .char("q"), .quit, "quit (Ctrl-C also quits; both restore the terminal)", hint: ("q", "quit")),
        KeyBinding("Tab  d m a b", [(.tab, .nextPanel), (.char("d"), .showPanel(.directions)), (.char("m"), .showPanel(.mix)),
                                    (.char("a"), .showPanel(.attention)), (.char("b"), .showPanel(.bookmarks))],
                   "next panel; directions, mixing, attention, bookmarks panel"),
        KeyBinding("v", .char("v"), .cycleView, "view: face → attention heatmap → owner map → attention sheet",
                   hint: ("v", "view"), hintedIn: [.attention]),
        KeyBinding("Esc", .escape, .setView(.face), "back to the plain face view"),
        KeyBinding("r", .char("r"), .randomSeed, "random seed"),
        KeyBinding("n  p", [(.char("n"), .nextSeed), (.char("p"), .previousSeed)], "next / previous seed",
                   hint: ("r n p", "seed")),
        KeyBinding("+  -", [(.char("+"), .adjustPsi(0.1)), (.char("="), .adjustPsi(0.1)),
                            (.char("-"), .adjustPsi(-0.1)), (.char("_"), .adjustPsi(-0.1))],
                   "truncation ψ up / down by 0.1 (= also raises, _ also lowers)", hint: ("+-", "ψ")),
        KeyBinding("o  O", [(.char("o"), .cycleNoise), (.char("O"), .reseedNoise)], "noise seeded → const → off; new noise seed"),
        KeyBinding("u  U", [(.char("u"), .undo), (.char("U"), .redo), (.char("\u{12}"), .redo)],
                   "undo / redo any change of the face (Ctrl-R also redoes)", hint: ("u", "undo")),
        KeyBinding("<  >", [(.char("<"), .scaleStepSize(0.5)), (.char(">"), .scaleStepSize(2))],
                   "halve / double the direction step size", hint: ("<>", "step size"), hintedIn: [.directions]),
        KeyBinding("l", .char("l"), .cycleEditLayers, "layers a step edits: direction's own → coarse → middle → fine → all",
                   hint: ("l", "layers"), hintedIn: [.directions]),
        KeyBinding("t", .char("t"), .cycleEditToken, "style tokens a step edits: all → 0 → 1 → … → all",
                   hint: ("t", "tokens"), hintedIn: [.directions]),
        KeyBinding("x  X", [(.char("x"), .resetDirection), (.char("X"), .resetAllDirections)],
                   "reset the selected direction / every direction", hint: ("x", "reset"), hintedIn: [.directions]),
        KeyBinding("Space  w", [(.char(" "), .startAnimation(.bounce)), (.char("w"), .startAnimation(.randomWalk))],
                   "animate back and forth along the direction / random walk; any key stops",
                   hint: ("Space", "animate"), hintedIn: [.directions]),
        KeyBinding("P", .char("P"), .pin(nil), "pin the current seed to the next slot (A, B, C …)",
                   hint: ("P", "pin"), hintedIn: [.mix]),
        KeyBinding("e", .char("e"), .export(.view(path: nil)), "export the current view to PNG", hint: ("e", "export")),
        KeyBinding("s  S", [(.char("s"), .openCommandLine("bookmark ")), (.char("S"), .saveSession(nil))],
                   "bookmark the face (type a name, Enter); save the session file",
                   hint: ("s S", "bookmark / save session"), hintedIn: [.bookmarks]),
        KeyBinding("Ctrl-L", .char("\u{0C}"), .redraw, "redraw the screen"),
    ], notes: [])

    static let directions = KeyBindingSection(title: "Directions panel", panel: .directions, bindings: [
        KeyBinding("↑ ↓", [(.up, .selectDirection(delta: -1)), (.down, .selectDirection(delta: 1)),
                           (.pageUp, .selectDirection(delta: -10)), (.pageDown, .selectDirection(delta: 10)),
                           (.home, .selectDirection(delta: -100_000)), (.end, .selectDirection(delta: 100_000))],
                   "choose a direction, in the listed order (PgUp PgDn by 10, Home End)", hint: ("↑↓", "direction")),
        KeyBinding("← →", [(.left, .step(-1)), (.right, .step(1))],
                   "one step back / forward along it, in σ (or the direction's own steps)", hint: ("←→", "step")),
    ], notes: ["the list: named (attribute) directions, PCA, SeFa, others, yours; a unit says what an offset does"])

    static let mix = KeyBindingSection(title: "Mixing panel", panel: .mix, bindings: [
        KeyBinding("↑ ↓", [(.up, .moveMixCursor(-1)), (.down, .moveMixCursor(1)),
                           (.pageUp, .moveMixCursor(-100_000)), (.home, .moveMixCursor(-100_000)),
                           (.pageDown, .moveMixCursor(100_000)), (.end, .moveMixCursor(100_000))],
                   "choose a layer row or a style-token row (PgUp Home, PgDn End: first, last)", hint: ("↑↓", "row")),
        KeyBinding("1 2 3 4", [(.char("1"), .selectMixPreset(.coarse)), (.char("2"), .selectMixPreset(.middle)),
                               (.char("3"), .selectMixPreset(.fine)), (.char("4"), .selectMixPreset(.all))],
                   "select the coarse / middle / fine / all layers", hint: ("1-4", "coarse/mid/fine/all")),
        KeyBinding("A … H", (0..<SlotName.maxSlots).map { (Key.char(Character(SlotName.letter($0))), Action.assignSelection(slot: $0)) },
                   "the selected rows take their style from slot A … H", hint: ("A-H", "slot")),
        KeyBinding(".", [(.char("."), .assignSelection(slot: nil)), (.backspace, .assignSelection(slot: nil))],
                   "the selected rows go back to the own seed (Backspace too)", hint: (".", "own")),
        KeyBinding("← →", [(.left, .cycleSelectionSource(-1)), (.right, .cycleSelectionSource(1))],
                   "cycle the selected rows through own, A, B, …", hint: ("←→", "cycle")),
        KeyBinding("c", .char("c"), .clearMixing, "clear all mixing (slots stay pinned)", hint: ("c", "clear")),
    ], notes: ["on a token row the face shows that token's attention: where its style acts"])

    static let attention = KeyBindingSection(title: "Attention panel", panel: .attention, bindings: [
        KeyBinding("↑ ↓", [(.up, .moveAttentionLayer(-1)), (.down, .moveAttentionLayer(1))], "layer", hint: ("↑↓", "layer")),
        KeyBinding("← →  0-9", [(.left, .moveAttentionToken(-1)), (.right, .moveAttentionToken(1))]
                    + (0...9).map { (Key.char(Character(String($0))), Action.setAttentionToken($0)) },
                   "style token", hint: ("←→", "token")),
        KeyBinding("h", .char("h"), .cycleHead, "head: 0 → 1 → … → mean of heads", hint: ("h", "head")),
    ], notes: [])

    static let bookmarks = KeyBindingSection(title: "Bookmarks panel", panel: .bookmarks, bindings: [
        KeyBinding("↑ ↓", [(.up, .moveBookmarkCursor(-1)), (.down, .moveBookmarkCursor(1))], "choose a bookmark", hint: ("↑↓", "choose")),
        KeyBinding("Enter", .enter, .restoreSelectedBookmark, "restore it (undoable)", hint: ("Enter", "restore")),
        KeyBinding("Backspace", .backspace, .deleteSelectedBookmark, "delete it", hint: ("Backspace", "delete")),
    ], notes: [])

    /// Anywhere first, then the panels in their order.
    static let sections: [KeyBindingSection] = [anywhere, directions, mix, attention, bookmarks]

    static func section(for panel: Panel) -> KeyBindingSection {
        sections.first { $0.panel == panel }!
    }

    /// The hint line of a panel: its own keys and the global ones it names, then those every
    /// panel shows (help first, so a narrow screen that cuts the line still names it).
    static func hintLine(for panel: Panel) -> String {
        func words(_ bindings: [KeyBinding]) -> [String] { bindings.compactMap { $0.hint.map { "\($0.keys) \($0.word)" } } }
        let own = words(section(for: panel).bindings) + words(anywhere.bindings.filter { $0.hintedIn.contains(panel) })
        let tail = words(anywhere.bindings.filter { $0.hintedIn.isEmpty })
        return own.joined(separator: "  ") + "  │ " + tail.joined(separator: "  ")
    }
}
