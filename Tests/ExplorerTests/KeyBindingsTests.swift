// KeyBindingsTests: the keys are declared once (KeyBindings); these check that the
// declaration is consistent and that KeyMap, the help screen and the hint line follow it.

import Terminal
import Testing
@testable import Explorer

@Suite struct KeyBindingsTests {
    /// Every key a user can press, as far as the explorer tells them apart.
    static let allKeys: [Key] = (0x20...0x7E).map { Key.char(Character(Unicode.Scalar($0)!)) }
        + (0x01...0x1A).map { Key.char(Character(Unicode.Scalar($0)!)) }
        + [.up, .down, .left, .right, .pageUp, .pageDown, .home, .end, .enter, .escape, .backspace, .tab]
        + (1...12).map { Key.f($0) }

    @Test func noKeyIsBoundTwiceInAPlace() {
        for section in KeyBindings.sections {
            let keys = section.bindings.flatMap { $0.keys.map(\.key) }
            for (i, k) in keys.enumerated() {
                #expect(!keys[(i + 1)...].contains(k), "\(k) is bound twice in \(section.title)")
            }
        }
    }

    @Test func panelKeysDoNotHideGlobalOnes() {
        let global = KeyBindings.anywhere.bindings.flatMap { $0.keys.map(\.key) }
        for section in KeyBindings.sections where section.panel != nil {
            for b in section.bindings {
                for (k, _) in b.keys { #expect(!global.contains(k), "\(k) in \(section.title) hides a key that works anywhere") }
            }
        }
    }

    @Test func everyKeyThatActsHasAHelpLine() {
        let model = Fixture.model
        for panel in Panel.allCases {
            var state = ExplorerState(model: model, seed: 1)
            state.panel = panel
            let documented = KeyBindings.anywhere.bindings + KeyBindings.section(for: panel).bindings
            for key in Self.allKeys {
                guard let action = KeyMap.action(for: key, in: state) else { continue }
                let line = documented.first { $0.keys.contains { $0.key == key && $0.action == action } }
                #expect(line != nil, "\(key) does \(action) in the \(panel) panel without a help line")
                if let line {
                    let help = HelpText.keys.flatMap(\.entries)
                    #expect(help.contains(HelpEntry(line.label, line.help)), "the help screen lists \(line.label)")
                }
            }
        }
    }

    @Test func hintLinesNameOnlyBoundKeys() {
        for panel in Panel.allCases {
            let hint = KeyBindings.hintLine(for: panel)
            #expect(hint.contains("? help") && hint.contains("q quit"), "\(hint)")
            let hinted = KeyBindings.section(for: panel).bindings
                + KeyBindings.anywhere.bindings.filter { $0.hintedIn.isEmpty || $0.hintedIn.contains(panel) }
            for b in hinted where b.hint != nil { #expect(hint.contains(b.hint!.keys + " " + b.hint!.word), "\(panel): \(b.label)") }
        }
        #expect(KeyBindings.hintLine(for: .directions).hasPrefix("↑↓ direction  ←→ step  <> step size  l layers  t tokens  x reset  Space animate  │ ? help  q quit"))
    }
}
