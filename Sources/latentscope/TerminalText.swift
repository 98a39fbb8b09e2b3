// TerminalText.swift: text from files (a model's name and licence, direction names,
// messages that quote a file) made safe to print. A name holding ESC ] 52 could set
// the clipboard, ESC ] 0 the window title, ESC [ 2 J clear the screen.

enum TerminalText {
    /// `text` with every control character (C0, DEL, C1) and bidirectional override written as a
    /// visible escape (`\x1B`, `\u{202E}`). With `keepingNewlines`, line breaks and tabs stay,
    /// for multi-line messages.
    static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        rewrite(text) { v in
            if keepingNewlines && (v == 0x0A || v == 0x09) { return nil }
            if v < 0x20 || isDELOrC1(v) { return "\\x" + hex(v, digits: 2) }
            return isBidiControl(v) ? "\\u{" + hex(v, digits: 4) + "}" : nil
        }
    }

    /// JSON text with the characters JSON allows raw but a terminal acts on (DEL, C1 controls such
    /// as U+009B, which xterm takes for CSI, and bidirectional overrides) written as `\uXXXX`, which
    /// decodes to the same string. Only string contents can hold them, so the JSON stays valid.
    /// (The encoder already escapes C0 controls.)
    static func escapedJSON(_ json: String) -> String {
        rewrite(json) { v in isDELOrC1(v) || isBidiControl(v) ? "\\u" + hex(v, digits: 4) : nil }
    }

    private static func isDELOrC1(_ v: UInt32) -> Bool { (0x7F...0x9F).contains(v) }
    private static func isBidiControl(_ v: UInt32) -> Bool { (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) }

    /// `text` with each scalar that `replacement` has text for replaced by that text.
    private static func rewrite(_ text: String, _ replacement: (UInt32) -> String?) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if let r = replacement(s.value) { out += r } else { out.unicodeScalars.append(s) }
        }
        return out
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }
}

extension String {
    /// This text with control characters escaped (see `TerminalText.escaped`).
    var terminalSafe: String { TerminalText.escaped(self) }
}
